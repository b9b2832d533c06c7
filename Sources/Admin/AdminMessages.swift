/// A request to the running host, one JSON object per connection
/// (`AdminMessages+JSON.swift`).
public struct AdminRequest: Sendable, Equatable {
    public enum Command: String, Sendable {
        /// Take a savepoint; with `stop`, end the job after it.
        case savepoint
        /// Stop with a savepoint, load `plugin`, restore, run on.
        case swap
        /// What runs and its checkpoints.
        case status
    }

    public var command: Command
    public var stop: Bool?
    public var plugin: String?

    public init(command: Command, stop: Bool? = nil, plugin: String? = nil) {
        self.command = command
        self.stop = stop
        self.plugin = plugin
    }
}

/// The host's answer: `ok`, or `error` saying why not.
public struct AdminResponse: Sendable, Equatable {
    public var ok: Bool
    public var error: String?
    public var job: String?
    public var savepoint: String?
    public var checkpointID: Int64?
    public var durationMs: Double?
    public var pauseMs: Double?
    public var checkpointsCompleted: Int?

    public init(ok: Bool, error: String? = nil) {
        self.ok = ok
        self.error = error
    }

    public static func failure(_ message: String) -> AdminResponse { AdminResponse(ok: false, error: message) }
}

/// What went wrong talking to the admin socket.
public enum AdminError: Error, Sendable, CustomStringConvertible {
    /// Nothing listens there: no host runs on that data directory.
    case notRunning(socket: String, reason: String)
    /// The socket exists but this user may not use it.
    case permissionDenied(socket: String)
    /// Sending, receiving or decoding failed.
    case io(socket: String, message: String)
    /// The socket could not be created (server side).
    case cannotListen(socket: String, message: String)

    public var description: String {
        switch self {
        case .notRunning(let socket, let reason):
            return "no streamhost is running with this data directory (\(socket): \(reason)); only a job with a "
                + "checkpoints: section serves savepoints: start it with `streamhost run JOB --data-dir DIR` and use "
                + "the same --data-dir"
        case .permissionDenied(let socket):
            return "\(socket): permission denied; the admin socket is open to the user running the host only"
        case .io(let socket, let message): return "\(socket): \(message)"
        case .cannotListen(let socket, let message): return "cannot open the admin socket \(socket): \(message)"
        }
    }
}
