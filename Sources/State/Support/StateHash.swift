/// A fast 64-bit hash of short byte strings for the memory backend's
/// tables: eight bytes at a time through a folded 64×64→128-bit multiply
/// (wyhash's mixing step).
///
/// It is seeded per store, but it is not a keyed cryptographic hash: a user
/// who controls keys and knows the seed could force collisions. The seed
/// comes from the system random generator, so a key set that collides in
/// one store does not in another.
enum StateHash {
    static let multiplier0: UInt64 = 0xa076_1d64_78bd_642f
    static let multiplier1: UInt64 = 0xe703_7ed1_a0b4_28db

    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The hash of `bytes` under `seed`.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var state = seed ^ multiplier0
        guard let base = bytes.baseAddress, count > 0 else {
            return fold(state, multiplier1)
        }
        var offset = 0
        while offset + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            state = fold(state ^ word, multiplier1)
            offset += 8
        }
        if offset < count {
            // The last 1 to 7 bytes, little-endian, in one word.
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
                shift += 8
                offset += 1
            }
            state = fold(state ^ tail, multiplier1)
        }
        return fold(state ^ UInt64(truncatingIfNeeded: count), multiplier0)
    }

    /// Combines two hashes (a key's and a user key's, or a key's and a time).
    @inline(__always)
    static func combine(_ first: UInt64, _ second: UInt64) -> UInt64 {
        fold(first ^ multiplier0, second ^ multiplier1)
    }
}
