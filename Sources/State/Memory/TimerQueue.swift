#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A timer of the memory backend in one malloc'ed block.
///
/// Layout (offsets in bytes; native byte order):
///
///     0  time        Int64
///     8  keyGroup    Int
///    16  isDeleted   Int     1 once deleted (the heap still holds it)
///    24  keyLength   Int
///    32  key bytes
struct TimerBlock {
    let base: UnsafeMutableRawPointer

    static let headerBytes = 32

    @inline(__always) init(_ base: UnsafeMutableRawPointer) { self.base = base }

    var time: Int64 { @inline(__always) get { base.load(as: Int64.self) } }
    var keyGroup: Int { @inline(__always) get { base.load(fromByteOffset: 8, as: Int.self) } }
    var isDeleted: Bool {
        @inline(__always) get { base.load(fromByteOffset: 16, as: Int.self) != 0 }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue ? 1 : 0, toByteOffset: 16, as: Int.self) }
    }
    var keyLength: Int { @inline(__always) get { base.load(fromByteOffset: 24, as: Int.self) } }
    var key: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: base + Self.headerBytes, count: keyLength) }
    }
    var size: Int { Self.headerBytes + keyLength }
}

/// One element of a `TimerQueue`'s heap: the sort key's first two parts
/// inline, so that most comparisons touch only the heap array.
struct TimerHeapEntry {
    var time: Int64
    var keyGroup: Int
    var block: UnsafeMutableRawPointer

    /// Pop order: time, then key group, then key bytes (only this last
    /// step reads the blocks).
    @inline(__always)
    func precedes(_ other: TimerHeapEntry) -> Bool {
        if time != other.time { return time < other.time }
        if keyGroup != other.keyGroup { return keyGroup < other.keyGroup }
        return EntryBlock.compare(TimerBlock(block).key, TimerBlock(other.block).key) < 0
    }
}

/// The timers of one time domain of a `MemoryKeyedStateStore`: a binary
/// 4-ary min-heap in pop order (time, key group, key bytes), and per key group a
/// hash table for dedup and delete.
///
/// A delete removes the timer from its table and marks its block; the heap
/// drops marked blocks when they reach the top, or all at once when they
/// outnumber the live timers. So heap moves never write to the blocks (an
/// indexed heap would, one cache miss per move), and the heap's entries
/// carry time and key group, so comparing two timers reads the blocks only
/// when both are equal.
///
/// # Thread safety
/// Not thread-safe; used only by its store.
///
/// # Ownership
/// Owns its timer blocks, tables and heap; `removeAll()` frees them. Every
/// method that frees memory returns the bytes it freed, for the store's
/// accounting.
final class TimerQueue {
    let domain: TimeDomain
    let firstKeyGroup: Int
    let keyGroupCount: Int
    /// The store's hash seed (see `StateHash`).
    let seed: UInt64
    /// Per key group: live timers by hash of (key, time).
    let tables: UnsafeMutablePointer<EntryTable>
    @exclusivity(unchecked) private var heap: UnsafeMutablePointer<TimerHeapEntry>?
    /// Entries in the heap, deleted ones included.
    @exclusivity(unchecked) private var heapCount = 0
    @exclusivity(unchecked) private var heapCapacity = 0
    /// Deleted timers still in the heap.
    @exclusivity(unchecked) private var deletedCount = 0

    static let heapEntryBytes = MemoryLayout<TimerHeapEntry>.stride

    /// The name memory-bound errors give timers.
    var stateName: String { domain == .eventTime ? "event-time timers" : "processing-time timers" }

    init(domain: TimeDomain, firstKeyGroup: Int, keyGroupCount: Int, seed: UInt64) {
        self.domain = domain
        self.firstKeyGroup = firstKeyGroup
        self.keyGroupCount = keyGroupCount
        self.seed = seed
        tables = .allocate(capacity: keyGroupCount)
        tables.initialize(repeating: EntryTable(), count: keyGroupCount)
    }

    deinit {
        removeAll()
        tables.deinitialize(count: keyGroupCount)
        tables.deallocate()
    }

    static func tableArrayBytes(keyGroupCount: Int) -> Int { keyGroupCount * MemoryLayout<EntryTable>.stride }

    /// The table hash of timer (key, time).
    @inline(__always)
    func hash(key: UnsafeRawBufferPointer, time: Int64) -> UInt64 {
        StateHash.combine(StateHash.hash(key, seed: seed), UInt64(bitPattern: time))
    }

    /// The slot of live timer (key, time) in key group `group`'s table.
    @inline(__always)
    func find(group: Int, hash: UInt64, key: UnsafeRawBufferPointer, time: Int64) -> Int? {
        tables[group].find(hash: hash) { block in
            let timer = TimerBlock(block)
            return timer.time == time && EntryBlock.equal(timer.key, key)
        }
    }

    /// Bytes that adding one timer of `keyLength` to key group `group`
    /// allocates (block, table and heap growth).
    func bytesToAdd(group: Int, keyLength: Int) -> Int {
        var bytes = EntryBlock.allocationBytes(TimerBlock.headerBytes + keyLength)
        if let grown = tables[group].capacityNeededForInsert {
            bytes += (grown - tables[group].capacity) * EntryTable.slotBytes
        }
        if heapCount == heapCapacity {
            bytes += (Self.grownHeapCapacity(heapCapacity) - heapCapacity) * Self.heapEntryBytes
        }
        return bytes
    }

    private static func grownHeapCapacity(_ capacity: Int) -> Int { max(64, capacity * 2) }

    /// Adds a timer that is not in the queue; the caller has reserved
    /// `bytesToAdd`. Returns false when malloc fails (nothing changed).
    func add(group: Int, keyGroup: Int, hash: UInt64, key: UnsafeRawBufferPointer, time: Int64) -> Bool {
        guard let memory = malloc(TimerBlock.headerBytes + key.count) else { return false }
        if heapCount == heapCapacity {
            let capacity = Self.grownHeapCapacity(heapCapacity)
            guard let grown = realloc(heap, capacity * Self.heapEntryBytes) else {
                free(memory)
                return false
            }
            heap = grown.bindMemory(to: TimerHeapEntry.self, capacity: capacity)
            heapCapacity = capacity
        }
        memory.storeBytes(of: time, as: Int64.self)
        memory.storeBytes(of: keyGroup, toByteOffset: 8, as: Int.self)
        memory.storeBytes(of: 0, toByteOffset: 16, as: Int.self)
        memory.storeBytes(of: key.count, toByteOffset: 24, as: Int.self)
        EntryBlock.copy(key, to: memory + TimerBlock.headerBytes)
        if let grown = tables[group].capacityNeededForInsert { tables[group].resize(to: grown) }
        tables[group].insert(hash: hash, block: memory)
        (heap.unsafelyUnwrapped + heapCount).initialize(to: TimerHeapEntry(time: time, keyGroup: keyGroup, block: memory))
        heapCount += 1
        siftUp(heapCount - 1)
        return true
    }

    /// The earliest live timer, if any, after dropping deleted timers from
    /// the top of the heap; `freed` grows by the bytes that frees.
    @inline(__always)
    func first(freed: inout Int) -> TimerBlock? {
        while heapCount > 0 {
            let top = TimerBlock(heap.unsafelyUnwrapped[0].block)
            guard top.isDeleted else { return top }
            removeTop()
            deletedCount -= 1
            freed += EntryBlock.allocationBytes(top.size)
            free(top.base)
        }
        freed += shrinkHeapIfSparse()
        return nil
    }

    /// Removes the earliest live timer (the block `first` returned) and
    /// frees it; returns the bytes freed.
    func removeFirst() -> Int {
        let top = TimerBlock(heap.unsafelyUnwrapped[0].block)
        precondition(!top.isDeleted, "TimerQueue.removeFirst without first")
        removeTop()
        return release(top)
    }

    /// Removes a live timer from its key group's table (the caller found
    /// its slot) and marks it deleted; returns the bytes freed.
    func delete(group: Int, slot: Int) -> Int {
        let timer = TimerBlock(tables[group].block(at: slot))
        var freed = removeFromTable(group: group, slot: slot)
        timer.isDeleted = true
        deletedCount += 1
        if deletedCount > 64 && deletedCount > heapCount / 2 { freed += dropDeleted() }
        return freed
    }

    /// Removes a live timer that is already out of the heap from its table
    /// and frees it.
    private func release(_ timer: TimerBlock) -> Int {
        let group = timer.keyGroup - firstKeyGroup
        let slot = tables[group].find(hash: hash(key: timer.key, time: timer.time), matching: { $0 == timer.base })
        precondition(slot != nil, "a timer in the heap is missing from its key group's table")
        var freed = removeFromTable(group: group, slot: slot.unsafelyUnwrapped)
        freed += EntryBlock.allocationBytes(timer.size)
        free(timer.base)
        freed += shrinkHeapIfSparse()
        return freed
    }

    private func removeFromTable(group: Int, slot: Int) -> Int {
        let before = tables[group].slotBytes
        tables[group].remove(at: slot)
        if let capacity = tables[group].capacityAfterShrinking { tables[group].resize(to: capacity) }
        return before - tables[group].slotBytes
    }

    /// Rebuilds the heap without its deleted timers; returns the bytes freed.
    private func dropDeleted() -> Int {
        let heap = self.heap.unsafelyUnwrapped
        var freed = 0
        var kept = 0
        for index in 0..<heapCount {
            let timer = TimerBlock(heap[index].block)
            if timer.isDeleted {
                freed += EntryBlock.allocationBytes(timer.size)
                free(timer.base)
            } else {
                heap[kept] = heap[index]
                kept += 1
            }
        }
        heapCount = kept
        deletedCount = 0
        var index = (kept + Self.arity - 2) / Self.arity
        while index > 0 {
            index -= 1
            siftDown(index)
        }
        return freed + shrinkHeapIfSparse()
    }

    /// Frees an empty heap's array, halves a sparse one; returns the bytes freed.
    private func shrinkHeapIfSparse() -> Int {
        if heapCount == 0 && heapCapacity > 0 {
            free(heap)
            heap = nil
            defer { heapCapacity = 0 }
            return heapCapacity * Self.heapEntryBytes
        }
        guard heapCapacity > 64 && heapCount * 4 < heapCapacity else { return 0 }
        let capacity = heapCapacity / 2
        guard let shrunk = realloc(heap, capacity * Self.heapEntryBytes) else { return 0 }
        heap = shrunk.bindMemory(to: TimerHeapEntry.self, capacity: capacity)
        let freed = (heapCapacity - capacity) * Self.heapEntryBytes
        heapCapacity = capacity
        return freed
    }

    /// Frees every timer; returns the bytes freed.
    @discardableResult
    func removeAll() -> Int {
        var freed = heapCapacity * Self.heapEntryBytes
        for index in 0..<heapCount {
            let timer = TimerBlock(heap.unsafelyUnwrapped[index].block)
            freed += EntryBlock.allocationBytes(timer.size)
            free(timer.base)
        }
        free(heap)
        heap = nil
        heapCapacity = 0
        heapCount = 0
        deletedCount = 0
        for group in 0..<keyGroupCount {
            freed += tables[group].slotBytes
            tables[group].deallocate()
        }
        return freed
    }

    /// Calls `body` with every live timer of key group `group`.
    func forEachTimer(group: Int, _ body: (TimerBlock) throws(StateError) -> Void) throws(StateError) {
        try tables[group].forEachBlock { (block) throws(StateError) in try body(TimerBlock(block)) }
    }

    // MARK: Heap

    private func removeTop() {
        let heap = self.heap.unsafelyUnwrapped
        heapCount -= 1
        if heapCount > 0 {
            heap[0] = heap[heapCount]
            siftDown(0)
        }
    }

    /// Children per heap node: a 4-ary heap is half as deep as a binary
    /// one, and a node's children share a cache line or two.
    static let arity = 4

    private func siftUp(_ start: Int) {
        let heap = self.heap.unsafelyUnwrapped
        var index = start
        let moving = heap[index]
        while index > 0 {
            let parent = (index - 1) / Self.arity
            guard moving.precedes(heap[parent]) else { break }
            heap[index] = heap[parent]
            index = parent
        }
        heap[index] = moving
    }

    private func siftDown(_ start: Int) {
        let heap = self.heap.unsafelyUnwrapped
        var index = start
        let moving = heap[index]
        while true {
            let first = Self.arity * index + 1
            guard first < heapCount else { break }
            var child = first
            for candidate in (first + 1)..<min(first + Self.arity, heapCount)
            where heap[candidate].precedes(heap[child]) {
                child = candidate
            }
            guard heap[child].precedes(moving) else { break }
            heap[index] = heap[child]
            index = child
        }
        heap[index] = moving
    }
}
