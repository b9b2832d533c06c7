/// Key groups: the unit in which keyed data and keyed state are split
/// between the instances of a step.
///
/// A key hashes to one of `maxParallelism` key groups; each instance owns a
/// contiguous range of them. The number of key groups is fixed for a job's
/// life, so rescaling only moves whole ranges (the scheme Flink uses). The
/// hash is Kafka's murmur2, so a key lands in the same key group on every
/// host and in every version.
public struct KeyGroups: Sendable, Hashable {
    public let maxParallelism: Int

    public init(maxParallelism: Int) {
        precondition(maxParallelism >= 1, "maxParallelism must be >= 1")
        self.maxParallelism = maxParallelism
    }

    /// The key group of a key.
    @inline(__always)
    public func keyGroup(of key: UnsafeRawBufferPointer) -> Int {
        Int(Murmur2.hash(key) & 0x7fff_ffff) % maxParallelism
    }

    /// The instance (of `parallelism`) that owns `keyGroup`.
    @inline(__always)
    public func instance(owning keyGroup: Int, parallelism: Int) -> Int {
        keyGroup * parallelism / maxParallelism
    }

    /// The key groups instance `index` of `parallelism` owns, inclusive.
    public func range(ofInstance index: Int, parallelism: Int) -> ClosedRange<Int> {
        precondition(parallelism >= 1 && parallelism <= maxParallelism && index >= 0 && index < parallelism)
        let first = (index * maxParallelism + parallelism - 1) / parallelism
        let last = ((index + 1) * maxParallelism - 1) / parallelism
        return first...last
    }
}

/// Kafka's murmur2 (the default partitioner's hash), seed 0x9747b28c.
public enum Murmur2 {
    public static func hash(_ data: UnsafeRawBufferPointer) -> UInt32 {
        let length = data.count
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let quads = length / 4
        var index = 0
        for _ in 0..<quads {
            var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8
                | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
            index += 4
        }
        switch length & 3 {
        case 3:
            h ^= UInt32(data[index + 2]) << 16
            h ^= UInt32(data[index + 1]) << 8
            h ^= UInt32(data[index])
            h = h &* m
        case 2:
            h ^= UInt32(data[index + 1]) << 8
            h ^= UInt32(data[index])
            h = h &* m
        case 1:
            h ^= UInt32(data[index])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }

    public static func hash(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { hash($0) }
    }
}
