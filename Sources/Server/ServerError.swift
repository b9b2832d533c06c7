/// What can go wrong in the server; each message says what failed and
/// what to do.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A request frame's size prefix is out of bounds; the connection is
    /// closed.
    case frameSize(Int, max: Int)
    /// The listen address could not be bound.
    case bind(host: String, port: Int, reason: String)
    /// A setting in the server config file or command line is invalid.
    case invalidConfig(key: String, value: String, reason: String)
    /// The SASL credentials file (`sasl.credentials.file`) cannot be read,
    /// written or holds something wrong.
    case credentials(path: String?, reason: String)
    /// The TLS keystore (`ssl.keystore.location`) cannot be loaded.
    case tls(path: String, reason: String)

    public var description: String {
        switch self {
        case .frameSize(let size, let max):
            "request frame of \(size) bytes refused (allowed: 8 to \(max), socket.request.max.bytes); connection closed"
        case .bind(let host, let port, let reason):
            "cannot listen on \(host):\(port): \(reason); pick another --listen address or stop what holds it"
        case .invalidConfig(let key, let value, let reason):
            "server setting \(key)=\(value) is invalid: \(reason)"
        case .credentials(let path, let reason):
            "credentials file\(path.map { " \($0)" } ?? ""): \(reason)"
        case .tls(let path, let reason):
            "TLS keystore \(path) (ssl.keystore.location): \(reason); it must be a PEM file with the certificate chain "
                + "and an unencrypted private key"
        }
    }
}
