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
///     8  heapIndex   Int     its position in the queue's heap
///    16  keyGroup    Int
///    24  keyLength   Int
///    32  key bytes
struct TimerBlock {
    let base: UnsafeMutableRawPointer

    static let headerBytes = 32

    @inline(__always) init(_ base: UnsafeMutableRawPointer) { self.base = base }

    var time: Int64 { @inline(__always) get { base.load(as: Int64.self) } }
    var heapIndex: Int {
        @inline(__always) get { base.load(fromByteOffset: 8, as: Int.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, toByteOffset: 8, as: Int.self) }
    }
    var keyGroup: Int { @inline(__always) get { base.load(fromByteOffset: 16, as: Int.self) } }
    var keyLength: Int { @inline(__always) get { base.load(fromByteOffset: 24, as: Int.self) } }
    var key: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: base + Self.headerBytes, count: keyLength) }
    }
    var size: Int { Self.headerBytes + keyLength }

    /// Pop order: time, then key group, then key bytes.
    @inline(__always)
    func precedes(_ other: TimerBlock) -> Bool {
        let time = self.time, otherTime = other.time
        if time != otherTime { return time < otherTime }
        let group = keyGroup, otherGroup = other.keyGroup
        if group != otherGroup { return group < otherGroup }
        return EntryBlock.compare(key, other.key) < 0
    }
}

/// The timers of one time domain of a `MemoryKeyedStateStore`: a binary
/// min-heap in pop order (time, key group, key bytes), and per key group a
/// hash table for dedup and delete. Every timer block knows its heap
/// position, so a delete is O(log n) and leaves nothing behind.
///
/// # Thread safety
/// Not thread-safe; used only by its store.
///
/// # Ownership
/// Owns its timer blocks, tables and heap; `removeAll()` frees them.
final class TimerQueue {
    let domain: TimeDomain
    let keyGroupCount: Int
    /// Per key group: timers by hash of (key, time).
    let tables: UnsafeMutablePointer<EntryTable>
    @exclusivity(unchecked) private var heap: UnsafeMutablePointer<UnsafeMutableRawPointer>?
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var heapCapacity = 0

    /// The name memory-bound errors give timers.
    var stateName: String { domain == .eventTime ? "event-time timers" : "processing-time timers" }

    init(domain: TimeDomain, keyGroupCount: Int) {
        self.domain = domain
        self.keyGroupCount = keyGroupCount
        tables = .allocate(capacity: keyGroupCount)
        tables.initialize(repeating: EntryTable(), count: keyGroupCount)
    }

    deinit {
        removeAll()
        tables.deinitialize(count: keyGroupCount)
        tables.deallocate()
    }

    static func tableArrayBytes(keyGroupCount: Int) -> Int { keyGroupCount * MemoryLayout<EntryTable>.stride }

    @inline(__always)
    static func hash(keyHash: UInt64, time: Int64) -> UInt64 {
        StateHash.combine(keyHash, UInt64(bitPattern: time))
    }

    /// The slot of timer (key, time) in key group `group`'s table.
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
        if count == heapCapacity {
            bytes += Self.grownHeapCapacity(heapCapacity) * 8 - heapCapacity * 8
        }
        return bytes
    }

    private static func grownHeapCapacity(_ capacity: Int) -> Int { max(64, capacity * 2) }

    /// Adds a timer that is not in the queue; the caller has reserved
    /// `bytesToAdd`. Returns false when malloc fails (nothing changed).
    func add(group: Int, keyGroup: Int, hash: UInt64, key: UnsafeRawBufferPointer, time: Int64) -> Bool {
        guard let memory = malloc(TimerBlock.headerBytes + key.count) else { return false }
        if count == heapCapacity {
            let capacity = Self.grownHeapCapacity(heapCapacity)
            guard let grown = realloc(heap, capacity * 8) else {
                free(memory)
                return false
            }
            heap = grown.bindMemory(to: UnsafeMutableRawPointer.self, capacity: capacity)
            heapCapacity = capacity
        }
        memory.storeBytes(of: time, as: Int64.self)
        memory.storeBytes(of: keyGroup, toByteOffset: 16, as: Int.self)
        memory.storeBytes(of: key.count, toByteOffset: 24, as: Int.self)
        EntryBlock.copy(key, to: memory + TimerBlock.headerBytes)
        if let grown = tables[group].capacityNeededForInsert { tables[group].resize(to: grown) }
        tables[group].insert(hash: hash, block: memory)
        let heap = self.heap.unsafelyUnwrapped
        heap[count] = memory
        TimerBlock(memory).heapIndex = count
        count += 1
        siftUp(count - 1)
        return true
    }

    /// The earliest timer, if any.
    var first: TimerBlock? { count > 0 ? TimerBlock(heap.unsafelyUnwrapped[0]) : nil }

    /// Removes the timer in slot `slot` of key group `group`'s table and
    /// frees it; returns the bytes freed.
    func remove(group: Int, slot: Int) -> Int {
        let block = tables[group].block(at: slot)
        let timer = TimerBlock(block)
        let slotBytesBefore = tables[group].slotBytes
        tables[group].remove(at: slot)
        if let capacity = tables[group].capacityAfterShrinking { tables[group].resize(to: capacity) }
        var freed = slotBytesBefore - tables[group].slotBytes
        let heap = self.heap.unsafelyUnwrapped
        let index = timer.heapIndex
        count -= 1
        if index != count {
            heap[index] = heap[count]
            TimerBlock(heap[index]).heapIndex = index
            siftDown(index)
            siftUp(index)
        }
        freed += EntryBlock.allocationBytes(timer.size)
        free(block)
        if count == 0 {
            free(heap)
            self.heap = nil
            freed += heapCapacity * 8
            heapCapacity = 0
        }
        return freed
    }

    /// Frees every timer; returns the bytes freed.
    @discardableResult
    func removeAll() -> Int {
        var freed = heapCapacity * 8
        for index in 0..<count {
            let timer = TimerBlock(heap.unsafelyUnwrapped[index])
            freed += EntryBlock.allocationBytes(timer.size)
            free(timer.base)
        }
        free(heap)
        heap = nil
        heapCapacity = 0
        count = 0
        for group in 0..<keyGroupCount {
            freed += tables[group].slotBytes
            tables[group].deallocate()
        }
        return freed
    }

    private func siftUp(_ start: Int) {
        let heap = self.heap.unsafelyUnwrapped
        var index = start
        let moving = heap[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard TimerBlock(moving).precedes(TimerBlock(heap[parent])) else { break }
            heap[index] = heap[parent]
            TimerBlock(heap[index]).heapIndex = index
            index = parent
        }
        heap[index] = moving
        TimerBlock(moving).heapIndex = index
    }

    private func siftDown(_ start: Int) {
        let heap = self.heap.unsafelyUnwrapped
        var index = start
        let moving = heap[index]
        while true {
            let left = 2 * index + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count && TimerBlock(heap[left + 1]).precedes(TimerBlock(heap[left])) { child = left + 1 }
            guard TimerBlock(heap[child]).precedes(TimerBlock(moving)) else { break }
            heap[index] = heap[child]
            TimerBlock(heap[index]).heapIndex = index
            index = child
        }
        heap[index] = moving
        TimerBlock(moving).heapIndex = index
    }
}
