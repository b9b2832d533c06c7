import Checkpoint

/// The marker a checkpoint sends through the dataflow, from the sources
/// down every channel.
public struct CheckpointBarrier: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Periodic: the backend's fastest format, for recovery.
        case checkpoint
        /// On request: the canonical format, restorable elsewhere.
        case savepoint
    }

    public var id: Int64
    public var kind: Kind
    /// Sources emit nothing after this barrier: a stop-with-savepoint,
    /// which ends the job without draining once it is complete. (A stop
    /// request drains first and then takes a final checkpoint, whose
    /// barrier needs no flag: every source has ended before it.)
    public var stopsJob: Bool

    public init(id: Int64, kind: Kind, stopsJob: Bool = false) {
        self.id = id
        self.kind = kind
        self.stopsJob = stopsJob
    }
}

/// What the coordinator tells a task after a checkpoint ended.
enum CheckpointNotice: Sendable {
    /// Complete everywhere: commit (on_checkpoint_complete).
    case complete(Int64)
    /// Failed or timed out: discard (on_checkpoint_abort).
    case abort(Int64)
}

/// One chained instance's part of a checkpoint, handed by its task to the
/// coordinator at the barrier. Writing it happens off the task's thread.
struct InstanceSnapshotPart: @unchecked Sendable {
    var stepIndex: Int
    var instance: Int
    var keyGroups: ClosedRange<Int>
    var blob: [UInt8]?
    var keyedState: (any KeyedStateCapture)?
}

/// A keyed-state snapshot captured at the barrier and written later, on
/// the checkpoint thread, into the checkpoint's directory.
protocol KeyedStateCapture: Sendable {
    /// Writes the files under `directory` (relative `prefix`); returns the
    /// handle (JSON) the restore needs and the files written.
    func write(directory: String, prefix: String) throws -> (handle: String, files: [SnapshotFile])
    /// Drops the capture of a checkpoint that will not complete.
    func discard()
}

