/// Kafka's variable-length integers: zigzag-encoded, then unsigned LEB128
/// (7 bits a byte, low bits first, high bit set on every byte but the last).
/// A varint holds an Int32 in at most 5 bytes, a varlong an Int64 in at most 10.
enum Varint {
    static let varintBytesMax = 5
    static let varlongBytesMax = 10

    @inline(__always)
    static func zigzag(_ value: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Bytes the LEB128 form of `value` takes.
    @inline(__always)
    static func size(unsigned value: UInt64) -> Int {
        // ceil(significant bits / 7), with 0 taking one byte.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    @inline(__always)
    static func size(_ value: Int32) -> Int { size(unsigned: zigzag(value)) }

    @inline(__always)
    static func size(_ value: Int64) -> Int { size(unsigned: zigzag(value)) }
}
