#if canImport(Glibc)
import Glibc
#endif
import KafkaProtocol

/// What went wrong talking to a server: the address, the API and, for an
/// answer with an error, Kafka's error code.
public enum KafkaClientError: Error, CustomStringConvertible, Sendable {
    case connect(address: String, reason: String)
    /// The running server has no PLAINTEXT listener for the CLI.
    case noPlaintextListener(pid: Int32, listeners: [String])
    case io(String, errno: Int32?)
    /// The connection failed or closed while sending or waiting for `api`.
    case transport(address: String, api: ApiKey, reason: String)
    /// The answer could not be decoded.
    case malformed(address: String, api: ApiKey, reason: String)
    /// The server answered `api` with an error code.
    case kafka(api: ApiKey, code: Int16, context: String, message: String?)

    public var description: String {
        switch self {
        case let .connect(address, reason):
            return "cannot connect to the server at \(address): \(reason); check that `streamhost serve` is running there"
        case let .noPlaintextListener(pid, listeners):
            return "the server holding the data directory (pid \(pid)) has no PLAINTEXT listener, and the CLI does not "
                + "authenticate (listeners: \(listeners.joined(separator: ", "))); add one on loopback to its listeners, "
                + "e.g. `listeners: [PLAINTEXT://127.0.0.1:9092, \(listeners.first ?? "SASL_SSL://0.0.0.0:9093")]`, "
                + "or use a Kafka client with credentials"
        case let .io(what, code):
            return "\(what) failed" + (code.map { ": \(String(cString: strerror($0))) (errno \($0))" } ?? "")
        case let .transport(address, api, reason):
            return "\(api) request to \(address) failed: \(reason)"
        case let .malformed(address, api, reason):
            return "the \(api) answer from \(address) is malformed: \(reason)"
        case let .kafka(api, code, context, message):
            let name = ErrorCode(rawValue: code).map { "\($0)" } ?? "error code"
            return "\(api) \(context) failed: \(name) (\(code))" + (message.map { ": \($0)" } ?? "")
        }
    }

    /// The Kafka error code, for an error answer.
    public var code: ErrorCode? {
        if case let .kafka(_, code, _, _) = self { return ErrorCode(rawValue: code) }
        return nil
    }
}
