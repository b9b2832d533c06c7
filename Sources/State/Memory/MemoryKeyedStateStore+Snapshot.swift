extension MemoryKeyedStateStore {
    /// Copies every live entry and timer into a compact buffer
    /// (`MemorySnapshotCapture`) and returns its writer. The memory backend
    /// has no native form: both formats write the canonical form.
    public func captureSnapshot(_ format: StateSnapshotFormat) throws(StateError) -> any StateSnapshotWriter {
        CanonicalSnapshotWriter(source: MemorySnapshotCapture(store: self))
    }
}
