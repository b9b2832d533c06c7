/// What a canonical snapshot writer reads: the state a capture took, as
/// encoded key-group blocks (`CanonicalSnapshotLayout` records).
///
/// # Thread safety
/// Read by the writer's thread after the capture; it must not depend on
/// the live store (it holds a copy, or a pinned database snapshot).
protocol CanonicalSnapshotSource: Sendable {
    /// "memory" or "rocksdb".
    var backendName: String { get }
    var keyGroups: ClosedRange<Int> { get }
    /// The states, in the order records refer to them.
    var descriptors: [StateDescriptor] { get }

    /// Calls `body` with every key group that has entries or timers, in
    /// ascending key-group order: its records, and how many entries and
    /// timers they hold. The payload is borrowed for the call.
    func forEachKeyGroup(
        _ body: (_ keyGroup: Int, _ payload: UnsafeRawBufferPointer, _ entryCount: Int, _ timerCount: Int)
            throws(StateError) -> Void
    ) throws(StateError)

    /// Releases what the capture pinned; called once, after the write or
    /// instead of it.
    func release()
}
