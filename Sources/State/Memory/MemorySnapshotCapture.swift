/// A memory store's state as captured at a barrier: every live entry and
/// timer already encoded as canonical records (`CanonicalSnapshotLayout`)
/// in one compact buffer, so the write needs nothing from the store.
///
/// This is the memory backend's "copy, then write": the capture copies the
/// live entries out of the store's blocks (a sequential walk over its
/// tables) and the write, on another thread, only frames, checksums and
/// writes that copy.
///
/// # Thread safety
/// Immutable after `init`: read from any thread.
///
/// # Ownership
/// Owns its buffer, freed when the capture is released by its writer
/// (or dropped).
final class MemorySnapshotCapture: CanonicalSnapshotSource, @unchecked Sendable {
    // @unchecked: the buffer and the block list are written only in init,
    // and the buffer dropped by `release()`, which its writer calls once,
    // after its last read.
    struct Group {
        let keyGroup: Int
        let offset: Int
        let length: Int
        let entryCount: Int
        let timerCount: Int
    }

    let backendName = "memory"
    let keyGroups: ClosedRange<Int>
    let descriptors: [StateDescriptor]
    /// Dropped by `release()`, after the write.
    private var buffer: SnapshotBuffer?
    private let groups: [Group]

    init(store: MemoryKeyedStateStore) {
        keyGroups = store.keyGroups
        descriptors = store.states.map(\.descriptor)
        let buffer = SnapshotBuffer()
        var groups: [Group] = []
        let now = store.processingTime
        for group in 0..<store.keyGroupCount {
            let start = buffer.count
            var entries = 0
            var timers = 0
            for (index, state) in store.states.enumerated() {
                let stateIndex = UInt32(index)
                let hasTTL = state.ttlMs > 0
                state.entries[group].forEachBlock { entry in
                    let block = EntryBlock(entry, headerBytes: state.headerBytes)
                    guard !block.isExpired(at: now) else { return }
                    let expiresAt = hasTTL ? block.expiresAt : CanonicalSnapshotLayout.noExpiry
                    if state.isMap {
                        CanonicalSnapshotLayout.appendMapEntry(to: buffer, state: stateIndex, expiresAt: expiresAt,
                                                               key: block.key, userKey: block.userKey, value: block.value)
                    } else {
                        CanonicalSnapshotLayout.appendValue(to: buffer, state: stateIndex, expiresAt: expiresAt,
                                                            key: block.key, value: block.value)
                    }
                    entries += 1
                }
            }
            for queue in store.timerQueues {
                // The queue's visitor may throw; encoding does not.
                try? queue.forEachTimer(group: group) { timer in
                    CanonicalSnapshotLayout.appendTimer(to: buffer, domain: queue.domain, time: timer.time, key: timer.key)
                    timers += 1
                }
            }
            if buffer.count > start {
                groups.append(Group(keyGroup: store.firstKeyGroup + group, offset: start, length: buffer.count - start,
                                    entryCount: entries, timerCount: timers))
            }
        }
        self.buffer = buffer
        self.groups = groups
    }

    func forEachKeyGroup(
        _ body: (_ keyGroup: Int, _ payload: UnsafeRawBufferPointer, _ entryCount: Int, _ timerCount: Int)
            throws(StateError) -> Void
    ) throws(StateError) {
        guard let bytes = buffer?.bytes else { preconditionFailure("a released memory snapshot was read") }
        for group in groups {
            try body(group.keyGroup, UnsafeRawBufferPointer(rebasing: bytes[group.offset..<group.offset + group.length]),
                     group.entryCount, group.timerCount)
        }
    }

    func release() { buffer = nil }
}
