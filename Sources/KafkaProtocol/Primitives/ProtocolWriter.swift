/// Appends Kafka protocol primitives to a growing byte array.
public struct ProtocolWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inline(__always)
    public mutating func writeBigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    public mutating func writeInt8(_ value: Int8) { writeBigEndian(value) }
    public mutating func writeInt16(_ value: Int16) { writeBigEndian(value) }
    public mutating func writeUInt16(_ value: UInt16) { writeBigEndian(value) }
    public mutating func writeInt32(_ value: Int32) { writeBigEndian(value) }
    public mutating func writeInt64(_ value: Int64) { writeBigEndian(value) }
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func writeFloat64(_ value: Double) { writeBigEndian(value.bitPattern) }
    public mutating func writeUUID(_ value: KafkaUUID) {
        writeBigEndian(value.high)
        writeBigEndian(value.low)
    }

    public mutating func writeUnsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    public mutating func writeVarlong(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A length prefix: compact (varint N+1, 0 for null), int32 (`wide`) or
    /// int16; nil writes null.
    public mutating func writeLength(_ length: Int?, compact: Bool, wide: Bool) {
        let value = length ?? -1
        if compact {
            writeUnsignedVarint(UInt32(value + 1))
        } else if wide {
            writeInt32(Int32(value))
        } else {
            writeInt16(Int16(value))
        }
    }

    public mutating func writeString(_ value: String?, compact: Bool) {
        guard let value else { return writeLength(nil, compact: compact, wide: false) }
        let utf8 = value.utf8
        precondition(utf8.count <= Int(Int16.max), "a protocol string is at most 32767 bytes")
        writeLength(utf8.count, compact: compact, wide: false)
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeBytes<Bytes: Collection<UInt8>>(_ value: Bytes?, compact: Bool) {
        guard let value else { return writeLength(nil, compact: compact, wide: true) }
        writeLength(value.count, compact: compact, wide: true)
        bytes.append(contentsOf: value)
    }

    public mutating func writeRaw<Bytes: Sequence<UInt8>>(_ value: Bytes) {
        bytes.append(contentsOf: value)
    }

    /// Overwrites 4 bytes at `offset` (a frame's size prefix written last).
    public mutating func patchInt32(_ value: Int32, at offset: Int) {
        for index in 0..<4 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index))
        }
    }
}
