#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The latest offset of each key seen in the dirty part of a partition,
/// which compaction keeps while it drops older records of the same keys.
///
/// An open-addressing hash table (linear probing) whose keys are stored
/// once, back to back, in one byte arena, and compared byte for byte: the
/// map is exact, unlike Kafka's, which keeps only a hash of each key and
/// would drop a record whose key's hash collides with a later key's.
/// Looking a key up allocates nothing.
///
/// # Thread safety
/// A value type used by one compaction pass.
struct OffsetMap {
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart = 0
        /// -1 while the slot is empty.
        var keyLength: Int32 = -1
        var offset: Int64 = 0
    }

    /// Bytes one slot takes, for `byteCount`.
    static let slotBytes = MemoryLayout<Slot>.stride

    private var slots: [Slot]
    private var arena: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
    }

    /// Memory the map holds: its slots and its keys.
    var byteCount: Int { slots.count * Self.slotBytes + arena.count }

    /// The offset recorded for `key`, if any.
    func offset(for key: UnsafeRawBufferPointer) -> Int64? {
        let hash = Self.hash(key)
        let index = find(key, hash: hash)
        return slots[index].keyLength < 0 ? nil : slots[index].offset
    }

    /// Records `offset` as the latest for `key` (offsets are put in
    /// increasing order, so the last put wins).
    mutating func put(_ key: UnsafeRawBufferPointer, offset: Int64) {
        precondition(key.count <= Int(Int32.max), "a key of \(key.count) bytes")
        let hash = Self.hash(key)
        let index = find(key, hash: hash)
        if slots[index].keyLength >= 0 {
            slots[index].offset = offset
            return
        }
        slots[index] = Slot(hash: hash, keyStart: arena.count, keyLength: Int32(key.count), offset: offset)
        arena.append(contentsOf: key)
        count += 1
        // Load factor 0.7: probes stay short.
        if count * 10 >= slots.count * 7 { grow() }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        return arena.withUnsafeBytes { arena in
            while true {
                let slot = slots[index]
                if slot.keyLength < 0 { return index }
                if slot.hash == hash && Int(slot.keyLength) == key.count
                    && (key.count == 0
                        || memcmp(arena.baseAddress! + slot.keyStart, key.baseAddress!, key.count) == 0)
                {
                    return index
                }
                index = (index + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.keyLength >= 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].keyLength >= 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// A 64-bit hash of `bytes`, eight bytes at a time with a multiply-mix
    /// per word and MurmurHash3's finaliser; only the table's speed depends
    /// on its quality, never its answers.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var position = 0
        while position + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            hash = (hash ^ mix(word)) &* 0x9FB2_1C65_1E98_DF25
            position += 8
        }
        if position < bytes.count {
            var word: UInt64 = 0
            for index in position ..< bytes.count { word |= UInt64(bytes[index]) << (8 * UInt64(index - position)) }
            hash = (hash ^ mix(word)) &* 0x9FB2_1C65_1E98_DF25
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }

    @inline(__always)
    private static func mix(_ word: UInt64) -> UInt64 {
        let product = word &* 0xBF58_476D_1CE4_E5B9
        return product ^ (product >> 31)
    }
}
