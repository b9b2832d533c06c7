/// Reads Kafka protocol primitives from a frame, checking every length
/// against the bytes that remain before anything is allocated, so a
/// malformed or hostile frame is an error, never an over-read or a huge
/// allocation.
///
/// Byte fields (`bytes`, `records`) come back as slices of the frame: a
/// record batch is carried, never copied or re-encoded.
///
/// # Ownership
/// The reader holds the frame array; slices it returns share its storage.
public struct ProtocolReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position == end }

    /// Why a primitive could not be read; the message decoder adds the
    /// message, version and field path.
    public struct Shortfall: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    @inline(__always)
    mutating func take(_ count: Int, _ what: StaticString) throws(Shortfall) -> Range<Int> {
        guard count <= remaining else {
            throw Shortfall("\(what) needs \(count) bytes at byte \(position), \(remaining) left")
        }
        defer { position += count }
        return position..<(position + count)
    }

    @inline(__always)
    mutating func readBigEndian<T: FixedWidthInteger>(_ type: T.Type, _ what: StaticString) throws(Shortfall) -> T {
        let range = try take(MemoryLayout<T>.size, what)
        var value: T = 0
        for index in range { value = (value << 8) | T(truncatingIfNeeded: bytes[index]) }
        return value
    }

    public mutating func readInt8() throws(Shortfall) -> Int8 { try readBigEndian(Int8.self, "int8") }
    public mutating func readInt16() throws(Shortfall) -> Int16 { try readBigEndian(Int16.self, "int16") }
    public mutating func readUInt16() throws(Shortfall) -> UInt16 { try readBigEndian(UInt16.self, "uint16") }
    public mutating func readInt32() throws(Shortfall) -> Int32 { try readBigEndian(Int32.self, "int32") }
    public mutating func readInt64() throws(Shortfall) -> Int64 { try readBigEndian(Int64.self, "int64") }

    public mutating func readBool() throws(Shortfall) -> Bool {
        let byte = try readBigEndian(UInt8.self, "bool")
        // Kafka's own reader accepts any non-zero byte as true; a strict
        // decoder refuses it so that every accepted frame re-encodes to the
        // same bytes.
        guard byte <= 1 else { throw Shortfall("bool must be 0 or 1, found \(byte) at byte \(position - 1)") }
        return byte == 1
    }

    public mutating func readFloat64() throws(Shortfall) -> Double {
        Double(bitPattern: try readBigEndian(UInt64.self, "float64"))
    }

    public mutating func readUUID() throws(Shortfall) -> KafkaUUID {
        KafkaUUID(high: try readBigEndian(UInt64.self, "uuid"), low: try readBigEndian(UInt64.self, "uuid"))
    }

    /// An unsigned LEB128 varint of at most 5 bytes (Kafka's 32-bit
    /// `UNSIGNED_VARINT`).
    public mutating func readUnsignedVarint() throws(Shortfall) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<5 {
            let byte = try readBigEndian(UInt8.self, "unsigned varint")
            if index == 4 && byte > 0x0F { throw Shortfall("unsigned varint longer than 32 bits at byte \(position - 1)") }
            value |= UInt32(byte & 0x7F) << (7 * index)
            if byte & 0x80 == 0 { return value }
        }
        throw Shortfall("unsigned varint longer than 5 bytes at byte \(position)")
    }

    /// A zigzag varint (Kafka's `VARINT`).
    public mutating func readVarint() throws(Shortfall) -> Int32 {
        let raw = try readUnsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A zigzag varlong of at most 10 bytes (Kafka's `VARLONG`).
    public mutating func readVarlong() throws(Shortfall) -> Int64 {
        var raw: UInt64 = 0
        for index in 0..<10 {
            let byte = try readBigEndian(UInt8.self, "varlong")
            if index == 9 && byte > 0x01 { throw Shortfall("varlong longer than 64 bits at byte \(position - 1)") }
            raw |= UInt64(byte & 0x7F) << (7 * index)
            if byte & 0x80 == 0 { return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }
        }
        throw Shortfall("varlong longer than 10 bytes at byte \(position)")
    }

    /// The length of a string, bytes or array: an int16/int32 (classic) or
    /// an unsigned varint N+1 (compact). Returns nil for null, and throws for
    /// a null the field does not allow or a negative length other than -1.
    public mutating func readLength(compact: Bool, wide: Bool, nullable: Bool) throws(Shortfall) -> Int? {
        let length: Int
        if compact {
            length = Int(try readUnsignedVarint()) - 1
        } else if wide {
            length = Int(try readInt32())
        } else {
            length = Int(try readInt16())
        }
        if length == -1 {
            guard nullable else { throw Shortfall("null where the field is not nullable, at byte \(position)") }
            return nil
        }
        guard length >= 0 else { throw Shortfall("negative length \(length) at byte \(position)") }
        return length
    }

    public mutating func readString(compact: Bool, nullable: Bool) throws(Shortfall) -> String? {
        guard let length = try readLength(compact: compact, wide: false, nullable: nullable) else { return nil }
        let range = try take(length, "string")
        guard let string = String(validating: bytes[range], as: UTF8.self) else {
            throw Shortfall("string of \(length) bytes at byte \(range.lowerBound) is not valid UTF-8")
        }
        return string
    }

    public mutating func readBytes(compact: Bool, nullable: Bool) throws(Shortfall) -> ArraySlice<UInt8>? {
        guard let length = try readLength(compact: compact, wide: true, nullable: nullable) else { return nil }
        return bytes[try take(length, "bytes")]
    }

    /// Skips `count` bytes (an unknown tagged field's payload), returning them.
    public mutating func readRaw(_ count: Int) throws(Shortfall) -> ArraySlice<UInt8> {
        bytes[try take(count, "tagged field")]
    }
}

/// A Kafka UUID (topic ids): 128 bits, big-endian on the wire.
public struct KafkaUUID: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    public static let zero = KafkaUUID(high: 0, low: 0)
}
