#if canImport(Glibc)
import Glibc
#endif

/// The accumulators of one slice of event time, keyed by record key, in flat
/// memory: Flink's window slicing (`SliceAssigner`). Also a window merged
/// from slices when it fires, and (with no accumulator) a set of keys.
///
/// An open-addressing hash table of entry numbers over three arenas: the
/// keys' bytes, each entry's hash and key range, and the accumulators
/// (`AccumulatorLayout`'s fixed part, the same bytes the window keeps in
/// keyed state, so an entry is written to state as it is). Entries are
/// never removed one by one: the whole table goes when its slice fires.
///
/// # Ownership
/// Owns its memory; pointers it returns are valid until the next insert.
///
/// # Thread safety
/// Used by its operator instance only.
final class SliceTable {
    let start: Int64
    let end: Int64
    let entrySize: Int
    /// Entries in insertion order.
    private(set) var count = 0

    /// Slot → entry + 1 (0: empty); a power of two, at most half full.
    private var slots: UnsafeMutablePointer<Int32>
    private var slotMask: Int
    private var hashes: UnsafeMutablePointer<UInt64>
    private var keyOffsets: UnsafeMutablePointer<UInt32>
    private var keys: UnsafeMutablePointer<UInt8>
    private var keyCapacity: Int
    private var accumulators: UnsafeMutableRawPointer
    private var capacity: Int

    /// The largest number of entries: Int32 entry numbers.
    static let entriesMax = Int(Int32.max) / 2

    /// A table with room for `initialCapacity` keys (rounded up to a power
    /// of two) before it grows.
    init(start: Int64, end: Int64, entrySize: Int, capacity initialCapacity: Int = 256) {
        self.start = start
        self.end = end
        self.entrySize = entrySize
        var rounded = 16
        while rounded < initialCapacity { rounded *= 2 }
        capacity = rounded
        let slotCount = capacity * 2
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        hashes = .allocate(capacity: capacity)
        keyOffsets = .allocate(capacity: capacity + 1)
        keyOffsets[0] = 0
        keyCapacity = capacity * 8
        keys = .allocate(capacity: keyCapacity)
        accumulators = .allocate(byteCount: max(capacity * entrySize, 1), alignment: 8)
    }

    deinit {
        slots.deallocate()
        hashes.deallocate()
        keyOffsets.deallocate()
        keys.deallocate()
        accumulators.deallocate()
    }

    /// A 64-bit hash of a key (FNV-1a, then a multiplicative mix so that
    /// the table's low bits do not follow the key groups' murmur2).
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return (hash ^ (hash >> 29)) &* 0x9e37_79b9_7f4a_7c15
    }

    /// The accumulator of `key`; a new key's is an empty fixed part with
    /// the table's start and end in its header
    /// (`AccumulatorLayout.makeEmpty`), or nothing when entries have no
    /// accumulator. No closure: one that captures the operator's layout
    /// and the table retained and released them per record (~9 % of the
    /// windowed benchmark's CPU).
    @inline(__always)
    func accumulator(for key: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash >> 32) & slotMask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            let entry = Int(stored) - 1
            if hashes[entry] == hash && Self.equal(self.key(entry), key) {
                return accumulators + entry * entrySize
            }
            slot = (slot + 1) & slotMask
        }
        precondition(count < Self.entriesMax, "a window slice with more than \(Self.entriesMax) keys")
        if count == capacity {
            grow()
            return accumulator(for: key)
        }
        let entry = count
        let keyStart = Int(keyOffsets[entry])
        if keyStart + key.count > keyCapacity {
            var newCapacity = keyCapacity * 2
            while newCapacity < keyStart + key.count { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: keys, count: keyStart)
            keys.deallocate()
            keys = grown
            keyCapacity = newCapacity
        }
        if let base = key.baseAddress, !key.isEmpty {
            (keys + keyStart).update(from: base.assumingMemoryBound(to: UInt8.self), count: key.count)
        }
        keyOffsets[entry + 1] = UInt32(keyStart + key.count)
        hashes[entry] = hash
        slots[slot] = Int32(entry + 1)
        count += 1
        let accumulator = accumulators + entry * entrySize
        if entrySize > 0 { AccumulatorLayout.makeEmpty(start: start, end: end, fixedSize: entrySize, at: accumulator) }
        return accumulator
    }

    /// The accumulator of `key` when the table has it.
    func existingAccumulator(for key: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash >> 32) & slotMask
        while slots[slot] != 0 {
            let entry = Int(slots[slot]) - 1
            if hashes[entry] == hash && Self.equal(self.key(entry), key) { return accumulators + entry * entrySize }
            slot = (slot + 1) & slotMask
        }
        return nil
    }

    /// Whether the table has `key`.
    func contains(_ key: UnsafeRawBufferPointer) -> Bool { existingAccumulator(for: key) != nil }

    /// The bytes the table holds allocated (its slots, hashes, key offsets,
    /// keys and accumulators), for the operator's memory bound.
    var memoryBytes: Int {
        capacity * (2 * MemoryLayout<Int32>.stride + MemoryLayout<UInt64>.stride + MemoryLayout<UInt32>.stride + entrySize)
            + keyCapacity
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    @inline(__always)
    func key(_ entry: Int) -> UnsafeRawBufferPointer {
        let start = Int(keyOffsets[entry])
        return UnsafeRawBufferPointer(start: keys + start, count: Int(keyOffsets[entry + 1]) - start)
    }

    /// Visits every entry in insertion order.
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeMutableRawPointer) throws -> Void) rethrows {
        for entry in 0..<count {
            try body(key(entry), accumulators + entry * entrySize)
        }
    }

    /// Doubles every arena and rehashes.
    private func grow() {
        let newCapacity = capacity * 2
        let newHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity)
        newHashes.update(from: hashes, count: count)
        hashes.deallocate()
        hashes = newHashes
        let newOffsets = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity + 1)
        newOffsets.update(from: keyOffsets, count: count + 1)
        keyOffsets.deallocate()
        keyOffsets = newOffsets
        let newAccumulators = UnsafeMutableRawPointer.allocate(byteCount: max(newCapacity * entrySize, 1), alignment: 8)
        newAccumulators.copyMemory(from: accumulators, byteCount: count * entrySize)
        accumulators.deallocate()
        accumulators = newAccumulators
        capacity = newCapacity

        let slotCount = newCapacity * 2
        slots.deallocate()
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        for entry in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[entry] >> 32) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = Int32(entry + 1)
        }
    }
}
