/// The `/metrics` handler, independent of any HTTP server: the listener of
/// `--metrics-listen` calls it, and so can the HTTP API's router (mount
/// `respond(method:path:)` at `GET /metrics`).
public struct MetricsEndpoint: Sendable {
    /// What to answer: a status, a content type and a body.
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: [UInt8]
    }

    /// Prometheus's text exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    public static let path = "/metrics"

    public let registry: MetricsRegistry

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    /// The scrape: the exposition for `GET /metrics` (a query string is
    /// ignored), 404 for other paths, 405 for other methods (HEAD included).
    public func respond(method: String, path: String) -> Response {
        let plain = "text/plain; charset=utf-8"
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        guard route == Self.path else {
            return Response(status: 404, contentType: plain, body: Array("not found: \(route); metrics are at \(Self.path)\n".utf8))
        }
        guard method == "GET" else {
            return Response(status: 405, contentType: plain, body: Array("\(method) \(Self.path): only GET is served\n".utf8))
        }
        return Response(status: 200, contentType: Self.contentType, body: registry.exposition())
    }
}
