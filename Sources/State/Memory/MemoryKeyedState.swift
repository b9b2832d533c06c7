/// One registered state of a `MemoryKeyedStateStore`: one entry table per
/// owned key group, so a key-group range is a slice of tables.
///
/// # Ownership
/// Owns the table arrays (freed on deinit); the store owns the tables'
/// slots and blocks and frees them before it drops the state.
final class MemoryKeyedState {
    let id: StateID
    let descriptor: StateDescriptor
    let isMap: Bool
    /// `EntryBlock.valueHeaderBytes` or `mapHeaderBytes`.
    let headerBytes: Int
    let ttlMs: Int64
    let keyGroupCount: Int
    /// Per key group: value state by key; map state by (key, user key).
    let entries: UnsafeMutablePointer<EntryTable>
    /// Map state only, per key group: the first entry of each key's chain,
    /// by the key's hash. The chain (`EntryBlock.next`/`previous`) links
    /// all entries of one key, which is what `mapIterate` walks.
    let heads: UnsafeMutablePointer<EntryTable>?

    /// Where the incremental TTL sweep goes on: a key group (index into
    /// `entries`) and a slot of its table.
    @exclusivity(unchecked) var sweepGroup = 0
    @exclusivity(unchecked) var sweepSlot = 0

    init(id: StateID, descriptor: StateDescriptor, keyGroupCount: Int) {
        self.id = id
        self.descriptor = descriptor
        isMap = descriptor.kind == .map
        headerBytes = isMap ? EntryBlock.mapHeaderBytes : EntryBlock.valueHeaderBytes
        ttlMs = descriptor.ttlMs
        self.keyGroupCount = keyGroupCount
        entries = .allocate(capacity: keyGroupCount)
        entries.initialize(repeating: EntryTable(), count: keyGroupCount)
        if isMap {
            let heads = UnsafeMutablePointer<EntryTable>.allocate(capacity: keyGroupCount)
            heads.initialize(repeating: EntryTable(), count: keyGroupCount)
            self.heads = heads
        } else {
            heads = nil
        }
    }

    /// Bytes of the table arrays themselves, for the memory bound.
    static func tableArrayBytes(kind: StateKind, keyGroupCount: Int) -> Int {
        keyGroupCount * MemoryLayout<EntryTable>.stride * (kind == .map ? 2 : 1)
    }

    deinit {
        entries.deinitialize(count: keyGroupCount)
        entries.deallocate()
        heads?.deinitialize(count: keyGroupCount)
        heads?.deallocate()
    }
}
