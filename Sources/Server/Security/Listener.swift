import Foundation

/// Kafka's listener security protocols: what a connection must do before
/// its requests are served.
public enum SecurityProtocol: String, Sendable, CaseIterable, CustomStringConvertible {
    /// No TLS, no authentication.
    case plaintext = "PLAINTEXT"
    /// TLS, no authentication (the server presents its certificate).
    case ssl = "SSL"
    /// SASL authentication over plain TCP: PLAIN sends the password in the
    /// clear here, so use SCRAM-SHA-256 or SASL_SSL.
    case saslPlaintext = "SASL_PLAINTEXT"
    /// SASL authentication inside TLS.
    case saslSSL = "SASL_SSL"

    public var usesTLS: Bool { self == .ssl || self == .saslSSL }
    public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    public var description: String { rawValue }
}

/// A host and port, as Metadata advertises a broker.
public struct Endpoint: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// One Kafka listener: where it binds and what a connection must do
/// before its requests are served.
///
/// A listener's name is its security protocol (Kafka's default
/// `listener.security.protocol.map`), so a server has at most one
/// listener of each protocol; `advertised.listeners` entries are matched
/// to listeners by that name.
public struct Listener: Sendable, Equatable, CustomStringConvertible {
    public var securityProtocol: SecurityProtocol
    public var host: String
    /// 0 binds a free port (tests); the bound one is then advertised.
    public var port: Int

    public init(_ securityProtocol: SecurityProtocol, host: String, port: Int) {
        self.securityProtocol = securityProtocol
        self.host = host
        self.port = port
    }

    public var name: String { securityProtocol.rawValue }

    /// `PROTOCOL://host:port`, an IPv6 host in brackets, as Kafka writes it.
    public var description: String { Self.format(securityProtocol, host, port) }

    static func format(_ securityProtocol: SecurityProtocol, _ host: String, _ port: Int) -> String {
        "\(securityProtocol.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Parses `PROTOCOL://host:port`; a bare `host:port` is PLAINTEXT (what
    /// `--listen` took before listeners had protocols).
    public static func parse(_ text: String, key: String) throws(ServerError) -> (SecurityProtocol, String, Int) {
        var address = Substring(text)
        var securityProtocol = SecurityProtocol.plaintext
        if let separator = text.range(of: "://") {
            let name = text[..<separator.lowerBound].uppercased()
            guard let known = SecurityProtocol(rawValue: name) else {
                throw .invalidConfig(
                    key: key, value: text,
                    reason: "unknown security protocol \(name); use one of "
                        + SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "))
            }
            securityProtocol = known
            address = text[separator.upperBound...]
        }
        let (host, port) = try ServerConfig.hostAndPort(String(address), key: key)
        return (securityProtocol, host, port)
    }

    /// Parses a listener list: a YAML sequence, or one string with the
    /// entries separated by commas (Kafka's form).
    public static func parseList(_ values: [String], key: String) throws(ServerError) -> [(SecurityProtocol, String, Int)] {
        let entries = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw .invalidConfig(key: key, value: "", reason: "expected at least one PROTOCOL://host:port") }
        var parsed: [(SecurityProtocol, String, Int)] = []
        for entry in entries {
            let listener = try parse(entry, key: key)
            guard !parsed.contains(where: { $0.0 == listener.0 }) else {
                throw .invalidConfig(
                    key: key, value: values.joined(separator: ","),
                    reason: "two listeners named \(listener.0.rawValue): a listener's name is its security protocol, "
                        + "so each protocol may appear once")
            }
            parsed.append(listener)
        }
        return parsed
    }
}
