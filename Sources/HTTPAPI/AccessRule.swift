/// Who may call what on the HTTP API: the one decision, kept apart from the
/// server so that it is tested on its own (a test machine may have no
/// address off loopback to call from).
///
/// The rule (docs/SERVER.md, "HTTP API"): a request that changes anything
/// (any method but GET and HEAD) needs the server's bearer token; so does
/// every request from off loopback. Health, readiness and the OpenAPI
/// document stay open, for probes and tools, and so do the dashboard's page
/// and its script and style: static text from the binary, with no data in
/// them (the page fetches the data from the API with the token its user
/// gives it).
public enum AccessRule {
    public enum Decision: Equatable, Sendable {
        case allow
        /// No token, or the wrong one: 401.
        case unauthorized(String)
        /// A token is needed and the server has none configured: 403.
        case forbidden(String)
    }

    /// Paths answered without a token from anywhere.
    public static let openPaths: Set<String> = [
        "/v1/health", "/v1/ready", "/v1/openapi.json", "/", "/dashboard.js", "/dashboard.css",
    ]

    public static func decide(
        method: String, path: String, remoteIsLoopback: Bool, configuredToken: String?, authorization: String?
    ) -> Decision {
        let mutating = method != "GET" && method != "HEAD"
        if !mutating && openPaths.contains(path) { return .allow }
        guard mutating || !remoteIsLoopback else { return .allow }
        let why = mutating ? "a request that changes something" : "a request from off loopback"
        guard let configuredToken, !configuredToken.isEmpty else {
            return .forbidden("\(why) needs a bearer token, and this server has none: start it with "
                + "--http-token-file FILE (or http_token_file in its server.yaml)")
        }
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return .unauthorized("\(why) needs the server's token: send `Authorization: Bearer TOKEN` (the CLI "
                + "reads it from the file that DATA/server.json names)")
        }
        let presented = authorization.dropFirst("Bearer ".count)
        guard constantTimeEqual(Array(presented.utf8), Array(configuredToken.utf8)) else {
            return .unauthorized("the bearer token is not this server's")
        }
        return .allow
    }

    /// Compares without stopping at the first difference, so that the
    /// answer's timing tells nothing of the token.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }

    /// Whether a peer's address is on loopback (127.0.0.0/8, ::1, or an
    /// IPv4-mapped 127.x); a Unix socket peer counts as local too.
    public static func isLoopback(ip: String?) -> Bool {
        guard let ip else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
