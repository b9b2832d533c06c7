/// Why a job-service operation was refused or failed. Each case maps to one
/// HTTP status in the API (`HTTPAPI`), and its message says what to do.
public enum JobServiceError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The request is wrong: a job file with a mistake (the same
    /// `file:line:col` text as the CLI), a plugin path that cannot be read,
    /// a bad parameter. HTTP 400.
    case badRequest(String)
    /// No job with that id. HTTP 404.
    case notFound(String)
    /// The job is not in a state that allows the operation (not running,
    /// or a job of the same name runs already). HTTP 409.
    case conflict(String)
    /// The service itself failed (cannot write under the data directory,
    /// cannot start a process). HTTP 500.
    case failed(String)

    public var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message), .conflict(let message), .failed(let message):
            return message
        }
    }
}
