#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keyed state in the process's memory: the store of one instance of a
/// stateful step on a `MemoryStateBackend`.
///
/// Each state has one open-addressing hash table per owned key group
/// (`EntryTable`); an entry is one malloc'ed block holding key, user key
/// and value (`EntryBlock`). A get hashes the key once, probes one table
/// and returns a pointer into the block; an overwrite whose value fits the
/// block's capacity allocates nothing. Map state links the entries of one
/// key in a chain, found through a per-key-group table of chain heads, so
/// `mapIterate` visits one key's entries without scanning the table.
///
/// TTL: an entry stores when it expires (`processingTime` at its last write
/// plus the state's TTL). An expired entry is never returned; a read that
/// meets one removes it, and every write to a TTL state first sweeps a few
/// slots of that state's tables (`sweepSlotsPerWrite`), so expired entries
/// are removed even when nobody reads them.
///
/// Every allocation is counted in the backend's `MemoryBudget` before it is
/// made; a write that would pass the bound throws
/// `StateError.memoryBoundExceeded` and changes nothing.
///
/// # Thread safety
/// Not thread-safe: one task uses a store at a time (ABI rule 8).
///
/// # Ownership
/// Values returned by `get`/`mapGet` and passed to visitors point into the
/// store's blocks: valid until the next call on the store.
public final class MemoryKeyedStateStore: KeyedStateStore {
    public let keyGroups: ClosedRange<Int>
    @exclusivity(unchecked) public var processingTime: Int64 = 0

    let stepID: String
    let instance: Int
    let budget: MemoryBudget
    /// Seeds the key hash: differs per store (see `StateHash`).
    let seed: UInt64
    let firstKeyGroup: Int
    let keyGroupCount: Int

    /// Slots of a TTL state's tables that each write to it examines.
    static let sweepSlotsPerWrite = 4
    /// Empty tables a sweep may step over per write.
    static let sweepTablesPerWrite = 8
    /// Map entries `mapIterate` orders by insertion sort instead of `sort`
    /// (which allocates).
    static let insertionSortCountMax = 16

    @exclusivity(unchecked) var registry = StateRegistry()
    @exclusivity(unchecked) var states: [MemoryKeyedState] = []
    /// [event time, processing time].
    let timerQueues: [TimerQueue]
    /// This store's share of the budget.
    @exclusivity(unchecked) private(set) var usedBytes = 0
    /// Reused by `mapIterate`.
    @exclusivity(unchecked) var iterationScratch: [UnsafeMutableRawPointer] = []

    init(stepID: String, instance: Int, keyGroups: ClosedRange<Int>, budget: MemoryBudget) throws(StateError) {
        precondition(keyGroups.lowerBound >= 0, "key groups are >= 0, got \(keyGroups)")
        self.keyGroups = keyGroups
        self.stepID = stepID
        self.instance = instance
        self.budget = budget
        seed = UInt64.random(in: .min ... .max)
        firstKeyGroup = keyGroups.lowerBound
        keyGroupCount = keyGroups.count
        let queueBytes = 2 * TimerQueue.tableArrayBytes(keyGroupCount: keyGroups.count)
        try budget.reserve(queueBytes, for: "timers")
        usedBytes = queueBytes
        timerQueues = [.eventTime, .processingTime].map { [seed] domain in
            TimerQueue(domain: domain, firstKeyGroup: keyGroups.lowerBound, keyGroupCount: keyGroups.count, seed: seed)
        }
    }

    deinit { close() }

    // MARK: Registration and checks

    public func register(_ descriptor: StateDescriptor) throws(StateError) -> StateID {
        let (id, isNew) = try registry.register(descriptor)
        if isNew {
            do {
                try reserve(MemoryKeyedState.tableArrayBytes(kind: descriptor.kind, keyGroupCount: keyGroupCount),
                            for: descriptor.name)
            } catch {
                registry.unregisterLast()
                throw error
            }
            states.append(MemoryKeyedState(id: id, descriptor: descriptor, keyGroupCount: keyGroupCount))
        }
        return id
    }

    @inline(__always)
    func state(_ id: StateID, kind: StateKind) throws(StateError) -> MemoryKeyedState {
        guard Int(id) < states.count else { throw .unknownState(id) }
        let state = states[Int(id)]
        guard state.isMap == (kind == .map) else {
            throw .wrongKind(name: state.descriptor.name, actual: state.descriptor.kind)
        }
        return state
    }

    /// The index of `keyGroup` among the owned key groups.
    @inline(__always)
    func groupIndex(_ keyGroup: Int) throws(StateError) -> Int {
        let index = keyGroup &- firstKeyGroup
        guard UInt(bitPattern: index) < UInt(bitPattern: keyGroupCount) else {
            throw .keyGroupNotOwned(keyGroup: keyGroup, owned: keyGroups)
        }
        return index
    }

    @inline(__always)
    func reserve(_ bytes: Int, for stateName: @autoclosure () -> String) throws(StateError) {
        try budget.reserve(bytes, for: stateName())
        usedBytes += bytes
    }

    @inline(__always)
    func release(_ bytes: Int) {
        budget.release(bytes)
        usedBytes -= bytes
    }

    func allocationFailed(_ bytes: Int, for stateName: String) -> StateError {
        .storage("the memory state backend could not allocate \(bytes) bytes for state '\(stateName)' "
            + "(step \(stepID), instance \(instance)): the process is out of memory; set a bound "
            + "(state.memory_bytes_max) or use the rocksdb backend (state: {backend: rocksdb})")
    }

    /// When an entry written now expires.
    @inline(__always)
    func expiry(_ state: MemoryKeyedState) -> Int64 {
        guard state.ttlMs > 0 else { return EntryBlock.noExpiry }
        let (sum, overflow) = processingTime.addingReportingOverflow(state.ttlMs)
        return overflow ? EntryBlock.noExpiry : sum
    }

    // MARK: Value state

    public func get(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError)
        -> UnsafeRawBufferPointer?
    {
        let state = try self.state(id, kind: .value)
        let group = try groupIndex(keyGroup)
        let hash = StateHash.hash(key, seed: seed)
        let table = state.entries + group
        guard let slot = table.pointee.find(hash: hash, matching: {
            EntryBlock($0, headerBytes: EntryBlock.valueHeaderBytes).keyEquals(key)
        }) else { return nil }
        let block = EntryBlock(table.pointee.block(at: slot), headerBytes: EntryBlock.valueHeaderBytes)
        if block.isExpired(at: processingTime) {
            removeEntry(state, group: group, slot: slot)
            return nil
        }
        return block.value
    }

    public func put(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        throws(StateError)
    {
        let state = try self.state(id, kind: .value)
        let group = try groupIndex(keyGroup)
        if state.ttlMs > 0 { sweepExpired(state) }
        try putValue(state, group: group, key: key, value: value, expiresAt: expiry(state))
    }

    func putValue(_ state: MemoryKeyedState, group: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                  expiresAt: Int64) throws(StateError) {
        let hash = StateHash.hash(key, seed: seed)
        let table = state.entries + group
        let header = EntryBlock.valueHeaderBytes
        if let slot = table.pointee.find(hash: hash, matching: { EntryBlock($0, headerBytes: header).keyEquals(key) }) {
            let block = EntryBlock(table.pointee.block(at: slot), headerBytes: header)
            if !EntryBlock.needsReallocation(capacity: block.valueCapacity, for: value.count) {
                EntryBlock.copy(value, to: block.valueStart)
                block.valueLength = value.count
                block.expiresAt = expiresAt
                return
            }
            _ = try reallocate(state, table: table, slot: slot, block: block, value: value, expiresAt: expiresAt)
            return
        }
        let size = EntryBlock.size(headerBytes: header, keyLength: key.count, userKeyLength: 0,
                                   valueCapacity: EntryBlock.capacity(for: value.count))
        var cost = EntryBlock.allocationBytes(size)
        let grown = table.pointee.capacityNeededForInsert
        if let grown { cost += (grown - table.pointee.capacity) * EntryTable.slotBytes }
        try reserve(cost, for: state.descriptor.name)
        guard let block = EntryBlock.allocate(headerBytes: header, key: key, userKey: UnsafeRawBufferPointer(start: nil, count: 0),
                                              value: value, expiresAt: expiresAt) else {
            release(cost)
            throw allocationFailed(size, for: state.descriptor.name)
        }
        if let grown { table.pointee.resize(to: grown) }
        table.pointee.insert(hash: hash, block: block.base)
    }

    public func delete(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError) {
        let state = try self.state(id, kind: .value)
        let group = try groupIndex(keyGroup)
        let hash = StateHash.hash(key, seed: seed)
        guard let slot = state.entries[group].find(hash: hash, matching: {
            EntryBlock($0, headerBytes: EntryBlock.valueHeaderBytes).keyEquals(key)
        }) else { return }
        removeEntry(state, group: group, slot: slot)
    }

    // MARK: Map state

    @inline(__always)
    func mapHash(keyHash: UInt64, userKey: UnsafeRawBufferPointer) -> UInt64 {
        StateHash.combine(keyHash, StateHash.hash(userKey, seed: seed))
    }

    public func mapGet(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError) -> UnsafeRawBufferPointer?
    {
        let state = try self.state(id, kind: .map)
        let group = try groupIndex(keyGroup)
        let hash = mapHash(keyHash: StateHash.hash(key, seed: seed), userKey: userKey)
        let table = state.entries + group
        guard let slot = table.pointee.find(hash: hash, matching: {
            EntryBlock($0, headerBytes: EntryBlock.mapHeaderBytes).keysEqual(key, userKey)
        }) else { return nil }
        let block = EntryBlock(table.pointee.block(at: slot), headerBytes: EntryBlock.mapHeaderBytes)
        if block.isExpired(at: processingTime) {
            removeEntry(state, group: group, slot: slot)
            return nil
        }
        return block.value
    }

    public func mapPut(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                       value: UnsafeRawBufferPointer) throws(StateError) {
        let state = try self.state(id, kind: .map)
        let group = try groupIndex(keyGroup)
        if state.ttlMs > 0 { sweepExpired(state) }
        try putMapEntry(state, group: group, key: key, userKey: userKey, value: value, expiresAt: expiry(state))
    }

    func putMapEntry(_ state: MemoryKeyedState, group: Int, key: UnsafeRawBufferPointer,
                     userKey: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, expiresAt: Int64)
        throws(StateError)
    {
        let header = EntryBlock.mapHeaderBytes
        let keyHash = StateHash.hash(key, seed: seed)
        let hash = mapHash(keyHash: keyHash, userKey: userKey)
        let table = state.entries + group
        if let slot = table.pointee.find(hash: hash, matching: { EntryBlock($0, headerBytes: header).keysEqual(key, userKey) }) {
            let block = EntryBlock(table.pointee.block(at: slot), headerBytes: header)
            if !EntryBlock.needsReallocation(capacity: block.valueCapacity, for: value.count) {
                EntryBlock.copy(value, to: block.valueStart)
                block.valueLength = value.count
                block.expiresAt = expiresAt
                return
            }
            let moved = try reallocate(state, table: table, slot: slot, block: block, value: value, expiresAt: expiresAt)
            if moved.base != block.base { relink(state, group: group, moved: moved, from: block.base, keyHash: keyHash) }
            return
        }
        let heads = state.heads.unsafelyUnwrapped + group
        let headSlot = heads.pointee.find(hash: keyHash, matching: { EntryBlock($0, headerBytes: header).keyEquals(key) })
        let size = EntryBlock.size(headerBytes: header, keyLength: key.count, userKeyLength: userKey.count,
                                   valueCapacity: EntryBlock.capacity(for: value.count))
        var cost = EntryBlock.allocationBytes(size)
        let grown = table.pointee.capacityNeededForInsert
        if let grown { cost += (grown - table.pointee.capacity) * EntryTable.slotBytes }
        let headsGrown = headSlot == nil ? heads.pointee.capacityNeededForInsert : nil
        if let headsGrown { cost += (headsGrown - heads.pointee.capacity) * EntryTable.slotBytes }
        try reserve(cost, for: state.descriptor.name)
        guard let block = EntryBlock.allocate(headerBytes: header, key: key, userKey: userKey, value: value,
                                              expiresAt: expiresAt) else {
            release(cost)
            throw allocationFailed(size, for: state.descriptor.name)
        }
        if let grown { table.pointee.resize(to: grown) }
        table.pointee.insert(hash: hash, block: block.base)
        if let headSlot {
            // The new entry becomes the head of the key's chain.
            let oldHead = heads.pointee.block(at: headSlot)
            block.next = oldHead
            EntryBlock(oldHead, headerBytes: header).previous = block.base
            heads.pointee.replaceBlock(at: headSlot, with: block.base)
        } else {
            if let headsGrown { heads.pointee.resize(to: headsGrown) }
            heads.pointee.insert(hash: keyHash, block: block.base)
        }
    }

    public func mapDelete(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError)
    {
        let state = try self.state(id, kind: .map)
        let group = try groupIndex(keyGroup)
        let hash = mapHash(keyHash: StateHash.hash(key, seed: seed), userKey: userKey)
        guard let slot = state.entries[group].find(hash: hash, matching: {
            EntryBlock($0, headerBytes: EntryBlock.mapHeaderBytes).keysEqual(key, userKey)
        }) else { return }
        removeEntry(state, group: group, slot: slot)
    }

    public func mapIterate(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer,
                           _ visit: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)
        throws(StateError)
    {
        let state = try self.state(id, kind: .map)
        let group = try groupIndex(keyGroup)
        let header = EntryBlock.mapHeaderBytes
        let keyHash = StateHash.hash(key, seed: seed)
        let heads = state.heads.unsafelyUnwrapped + group
        guard let headSlot = heads.pointee.find(hash: keyHash, matching: {
            EntryBlock($0, headerBytes: header).keyEquals(key)
        }) else { return }

        let now = processingTime
        var live = iterationScratch
        iterationScratch = []
        defer {
            live.removeAll(keepingCapacity: true)
            iterationScratch = live
        }
        var expiredCount = 0
        var cursor: UnsafeMutableRawPointer? = heads.pointee.block(at: headSlot)
        while let entry = cursor {
            let block = EntryBlock(entry, headerBytes: header)
            if block.isExpired(at: now) { expiredCount += 1 } else { live.append(entry) }
            cursor = block.next
        }
        Self.sortByUserKey(&live)
        for entry in live {
            let block = EntryBlock(entry, headerBytes: header)
            if !visit(block.userKey, block.value) { break }
        }
        if expiredCount > 0 { removeExpiredEntries(state, group: group, keyHash: keyHash, key: key, now: now) }
    }

    /// Orders map entries by user key bytes.
    static func sortByUserKey(_ entries: inout [UnsafeMutableRawPointer]) {
        let header = EntryBlock.mapHeaderBytes
        func precedes(_ a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer) -> Bool {
            EntryBlock.compare(EntryBlock(a, headerBytes: header).userKey, EntryBlock(b, headerBytes: header).userKey) < 0
        }
        if entries.count <= insertionSortCountMax {
            entries.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices.dropFirst() {
                    let moving = buffer[index]
                    var position = index
                    while position > 0 && precedes(moving, buffer[position - 1]) {
                        buffer[position] = buffer[position - 1]
                        position -= 1
                    }
                    buffer[position] = moving
                }
            }
        } else {
            entries.sort(by: precedes)
        }
    }

    /// Removes the expired entries of one key of a map state.
    func removeExpiredEntries(_ state: MemoryKeyedState, group: Int, keyHash: UInt64, key: UnsafeRawBufferPointer,
                              now: Int64) {
        let header = EntryBlock.mapHeaderBytes
        let heads = state.heads.unsafelyUnwrapped + group
        guard let headSlot = heads.pointee.find(hash: keyHash, matching: {
            EntryBlock($0, headerBytes: header).keyEquals(key)
        }) else { return }
        var cursor: UnsafeMutableRawPointer? = heads.pointee.block(at: headSlot)
        while let entry = cursor {
            let block = EntryBlock(entry, headerBytes: header)
            cursor = block.next
            guard block.isExpired(at: now) else { continue }
            let hash = mapHash(keyHash: keyHash, userKey: block.userKey)
            let slot = state.entries[group].find(hash: hash, matching: { $0 == entry })
            removeEntry(state, group: group, slot: slot.unsafelyUnwrapped)
        }
    }

    // MARK: Entries: removal, reallocation, TTL sweep

    /// Replaces the value of the entry in `slot` with one that needs another
    /// block size; returns the (possibly moved) block. The caller relinks a
    /// moved map entry.
    func reallocate(_ state: MemoryKeyedState, table: UnsafeMutablePointer<EntryTable>, slot: Int,
                    block: EntryBlock, value: UnsafeRawBufferPointer, expiresAt: Int64) throws(StateError) -> EntryBlock {
        let oldBytes = EntryBlock.allocationBytes(block.size)
        let newSize = EntryBlock.size(headerBytes: block.headerBytes, keyLength: block.keyLength,
                                      userKeyLength: block.userKeyLength, valueCapacity: EntryBlock.capacity(for: value.count))
        let newBytes = EntryBlock.allocationBytes(newSize)
        if newBytes > oldBytes { try reserve(newBytes - oldBytes, for: state.descriptor.name) }
        guard let moved = block.replacingValue(value, expiresAt: expiresAt) else {
            if newBytes > oldBytes { release(newBytes - oldBytes) }
            throw allocationFailed(newSize, for: state.descriptor.name)
        }
        if newBytes < oldBytes { release(oldBytes - newBytes) }
        table.pointee.replaceBlock(at: slot, with: moved.base)
        return moved
    }

    /// Points a moved map entry's chain neighbours (or its key's head slot)
    /// at its new address.
    func relink(_ state: MemoryKeyedState, group: Int, moved: EntryBlock, from old: UnsafeMutableRawPointer,
                keyHash: UInt64) {
        let header = EntryBlock.mapHeaderBytes
        if let previous = moved.previous {
            EntryBlock(previous, headerBytes: header).next = moved.base
        } else {
            let heads = state.heads.unsafelyUnwrapped + group
            let headSlot = heads.pointee.find(hash: keyHash, matching: { $0 == old })
            precondition(headSlot != nil, "map chain head missing from its key group's head table")
            heads.pointee.replaceBlock(at: headSlot.unsafelyUnwrapped, with: moved.base)
        }
        if let next = moved.next { EntryBlock(next, headerBytes: header).previous = moved.base }
    }

    /// Removes and frees the entry in `slot` of key group `group`'s table
    /// (unlinking a map entry from its key's chain).
    func removeEntry(_ state: MemoryKeyedState, group: Int, slot: Int) {
        let table = state.entries + group
        let block = EntryBlock(table.pointee.block(at: slot), headerBytes: state.headerBytes)
        if state.isMap { unlink(state, group: group, block: block) }
        table.pointee.remove(at: slot)
        release(EntryBlock.allocationBytes(block.size))
        block.deallocate()
        shrinkIfSparse(table)
    }

    func unlink(_ state: MemoryKeyedState, group: Int, block: EntryBlock) {
        let header = EntryBlock.mapHeaderBytes
        let next = block.next
        let previous = block.previous
        if let previous {
            EntryBlock(previous, headerBytes: header).next = next
        } else {
            let heads = state.heads.unsafelyUnwrapped + group
            let keyHash = StateHash.hash(block.key, seed: seed)
            let headSlot = heads.pointee.find(hash: keyHash, matching: { $0 == block.base })
            precondition(headSlot != nil, "map chain head missing from its key group's head table")
            if let next {
                heads.pointee.replaceBlock(at: headSlot.unsafelyUnwrapped, with: next)
            } else {
                heads.pointee.remove(at: headSlot.unsafelyUnwrapped)
                shrinkIfSparse(heads)
            }
        }
        if let next { EntryBlock(next, headerBytes: header).previous = previous }
    }

    /// Shrinks a table that removals left sparse, releasing its slot bytes.
    @inline(__always)
    func shrinkIfSparse(_ table: UnsafeMutablePointer<EntryTable>) {
        guard let capacity = table.pointee.capacityAfterShrinking else { return }
        let before = table.pointee.slotBytes
        table.pointee.resize(to: capacity)
        release(before - table.pointee.slotBytes)
    }

    /// Examines the next few slots of a TTL state's tables and removes the
    /// expired entries found there. Called before a write to the state, so
    /// the sweep passes over all of the state's tables in proportion to
    /// the writes it gets, and expired entries cannot pile up.
    func sweepExpired(_ state: MemoryKeyedState) {
        let now = processingTime
        var examined = 0
        var tablesSkipped = 0
        while examined < Self.sweepSlotsPerWrite && tablesSkipped < Self.sweepTablesPerWrite {
            let group = state.sweepGroup
            let table = state.entries + group
            guard state.sweepSlot < table.pointee.capacity else {
                state.sweepSlot = 0
                state.sweepGroup = group + 1 == keyGroupCount ? 0 : group + 1
                tablesSkipped += 1
                continue
            }
            examined += 1
            if let entry = table.pointee.blockIfPresent(at: state.sweepSlot),
               EntryBlock(entry, headerBytes: state.headerBytes).isExpired(at: now) {
                // Backward-shift deletion may move another entry into this
                // slot: look at it again on the next round.
                removeEntry(state, group: group, slot: state.sweepSlot)
            } else {
                state.sweepSlot += 1
            }
        }
    }

    // MARK: Size

    /// Sums the tables' counts (one load per state and owned key group):
    /// nothing is kept on the write path for it.
    public var sizeEstimate: KeyedStateSize {
        var entries = 0
        for state in states {
            for group in 0..<keyGroupCount { entries += state.entries[group].count }
        }
        return KeyedStateSize(entries: entries, bytes: usedBytes)
    }

    // MARK: Closing

    public func close() {
        for state in states {
            for group in 0..<keyGroupCount {
                state.entries[group].forEachBlock { free($0) }
                state.entries[group].deallocate()
                state.heads?[group].deallocate()
            }
        }
        states = []
        registry = StateRegistry()
        for queue in timerQueues { queue.removeAll() }
        budget.release(usedBytes)
        usedBytes = 0
    }
}
