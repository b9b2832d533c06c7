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

    public var description: String {
        switch self {
        case .frameSize(let size, let max):
            "request frame of \(size) bytes refused (allowed: 8 to \(max), socket.request.max.bytes); connection closed"
        case .bind(let host, let port, let reason):
            "cannot listen on \(host):\(port): \(reason); pick another --listen address or stop what holds it"
        case .invalidConfig(let key, let value, let reason):
            "server setting \(key)=\(value) is invalid: \(reason)"
        }
    }
}
