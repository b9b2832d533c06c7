import Testing

/// A small seeded generator (SplitMix64) so property tests replay exactly:
/// a failure message names the seed, and the same seed gives the same input.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }
}

/// Builds big-endian byte strings field by field, for batches written by
/// hand from the spec rather than by the encoder under test.
struct BigEndianBytes {
    var bytes: [UInt8] = []

    mutating func int8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
    mutating func int16(_ value: Int16) { append(value) }
    mutating func int32(_ value: Int32) { append(value) }
    mutating func uint32(_ value: UInt32) { append(value) }
    mutating func int64(_ value: Int64) { append(value) }
    mutating func raw(_ value: [UInt8]) { bytes += value }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }
}

@Suite struct FormatTestSupportTests {
    @Test func seededGeneratorReplays() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }
}
