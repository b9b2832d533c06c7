/// One snapshot to restore a store from: its handle and the directory its
/// files are in (the directory given to `StateSnapshotWriter.write(to:)`,
/// or wherever the checkpoint storage moved them).
public struct StateRestoreSource: Sendable, Hashable {
    public var directory: String
    public var handle: StateSnapshotHandle

    public init(directory: String, handle: StateSnapshotHandle) {
        self.directory = directory
        self.handle = handle
    }
}

/// Called during a restore with every keyed value or map entry (never with
/// timers, which pass unchanged): returns the entry to insert (the same,
/// or rewritten, for instance by a plugin's migrate hook), nil to drop it,
/// or throws to abort the restore with that error. It runs on the thread
/// that restores.
public typealias StateEntryTransform = (StateEntry) throws(StateError) -> StateEntry?
