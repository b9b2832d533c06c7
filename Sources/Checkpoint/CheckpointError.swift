/// What can go wrong writing, finding or reading checkpoints and savepoints.
public enum CheckpointError: Error, Sendable, CustomStringConvertible {
    /// A file could not be written, read or renamed (errno text included).
    case io(path: String, message: String)
    /// A manifest or state file is damaged or missing: which, and how.
    case corrupt(path: String, message: String)
    /// The checkpoint cannot be restored into this job (different key
    /// groups, steps that do not match, a plugin that refuses to migrate).
    case incompatible(String)

    public var description: String {
        switch self {
        case .io(let path, let message): return "\(path): \(message)"
        case .corrupt(let path, let message): return "\(path) is damaged: \(message)"
        case .incompatible(let message): return message
        }
    }
}
