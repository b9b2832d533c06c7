/// The SASL mechanisms the server can enable (`sasl.enabled.mechanisms`).
public enum SaslMechanism: String, Sendable, CaseIterable {
    /// RFC 4616: the client sends its password; verified against the
    /// stored SCRAM keys, so no password is kept. Over SASL_PLAINTEXT the
    /// password crosses the network in the clear.
    case plain = "PLAIN"
    /// RFC 5802 / RFC 7677: a challenge-response that never sends the
    /// password.
    case scramSHA256 = "SCRAM-SHA-256"
}

/// TLS and SASL settings, with Kafka's names where Kafka has the setting.
public struct SecurityConfig: Sendable, Equatable {
    /// `ssl.keystore.location`: a PEM file with the server's certificate
    /// chain and its unencrypted private key (Kafka's `ssl.keystore.type:
    /// PEM` form). Required by SSL and SASL_SSL listeners.
    public var keystoreLocation: String?
    /// `sasl.enabled.mechanisms`: what SASL listeners offer. SCRAM-SHA-256
    /// alone by default, since PLAIN sends passwords (in the clear on
    /// SASL_PLAINTEXT).
    public var saslMechanisms: [SaslMechanism] = [.scramSHA256]
    /// `sasl.credentials.file`: the users and their salted SCRAM keys
    /// (`streamhost users add`). Required by SASL listeners; re-read when it
    /// changes, so users added while serving can log in.
    public var credentialsFile: String?
    /// `sasl.server.max.receive.size`: until a SASL connection has
    /// authenticated, a frame larger than this closes it (Kafka's default,
    /// 512 KiB), so an unauthenticated peer cannot make the server buffer
    /// `socket.request.max.bytes`.
    public var saslReceiveBytesMax = 524_288

    public init() {}
}

extension ServerConfig {
    /// Checks that the settings fit together: every advertised listener
    /// names a listener, TLS listeners have a keystore, SASL listeners a
    /// credentials file and mechanisms.
    public func validate() throws(ServerError) {
        guard !listeners.isEmpty else {
            throw .invalidConfig(key: "listeners", value: "", reason: "at least one listener is needed")
        }
        let names = Set(listeners.map(\.securityProtocol))
        guard names.count == listeners.count else {
            throw .invalidConfig(
                key: "listeners", value: listeners.map(\.description).joined(separator: ","),
                reason: "a listener's name is its security protocol, so each protocol may appear once")
        }
        for advertisedName in advertisedListeners.keys where !names.contains(advertisedName) {
            throw .invalidConfig(
                key: "advertised.listeners", value: advertisedName.rawValue,
                reason: "no listener of that name; listeners are \(listeners.map(\.description).joined(separator: ","))")
        }
        if let tls = listeners.first(where: { $0.securityProtocol.usesTLS }), security.keystoreLocation == nil {
            throw .invalidConfig(
                key: "ssl.keystore.location", value: "",
                reason: "listener \(tls) uses TLS: set ssl.keystore.location to a PEM file with the certificate chain and key")
        }
        if let sasl = listeners.first(where: { $0.securityProtocol.usesSASL }) {
            guard security.credentialsFile != nil else {
                throw .invalidConfig(
                    key: "sasl.credentials.file", value: "",
                    reason: "listener \(sasl) uses SASL: set sasl.credentials.file (made by `streamhost users add`)")
            }
            guard !security.saslMechanisms.isEmpty else {
                throw .invalidConfig(
                    key: "sasl.enabled.mechanisms", value: "", reason: "listener \(sasl) uses SASL: enable PLAIN or SCRAM-SHA-256")
            }
        }
    }
}
