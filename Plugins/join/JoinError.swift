/// The failures of the join operator that stop the job.
enum JoinError: Error, CustomStringConvertible {
    /// `lower_ms` is greater than `upper_ms`: no pair could ever join.
    case emptyInterval(lower: Int64, upper: Int64)
    /// A batch came from an input other than 0 (left) and 1 (right).
    case unknownInput(Int)
    /// A user key in a side's map state is not the 16 bytes join writes.
    case corruptBufferKey(state: String, byteCount: Int)

    var description: String {
        switch self {
        case .emptyInterval(let lower, let upper):
            "join: lower_ms (\(lower)) must not be greater than upper_ms (\(upper)): a right record joins a left "
                + "one when right.ts - left.ts is in [lower_ms, upper_ms]"
        case .unknownInput(let input):
            "join: a batch came from input \(input); join takes two inputs, 0 (left) and 1 (right): list exactly "
                + "two steps in the join step's inputs"
        case .corruptBufferKey(let state, let byteCount):
            "join: state '\(state)' holds a user key of \(byteCount) bytes where join writes \(BufferKey.byteCount) "
                + "(timestamp and sequence number); the state was written by something else"
        }
    }
}
