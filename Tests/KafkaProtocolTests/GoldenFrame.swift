/// Assembles a frame by hand, byte by byte, as the protocol guide lays
/// them out, independently of the codec under test: the golden side of
/// the round-trip tests.
struct GoldenFrame {
    private(set) var payload: [UInt8] = []

    private func appending(_ bytes: [UInt8]) -> GoldenFrame {
        var copy = self
        copy.payload += bytes
        return copy
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    func i8(_ value: Int8) -> GoldenFrame { appending(Self.bigEndian(value)) }
    func i16(_ value: Int16) -> GoldenFrame { appending(Self.bigEndian(value)) }
    func i32(_ value: Int32) -> GoldenFrame { appending(Self.bigEndian(value)) }
    func i64(_ value: Int64) -> GoldenFrame { appending(Self.bigEndian(value)) }
    func bool(_ value: Bool) -> GoldenFrame { appending([value ? 1 : 0]) }
    func raw(_ bytes: [UInt8]) -> GoldenFrame { appending(bytes) }

    /// An unsigned varint (LEB128), as compact lengths and tags use.
    func uvarint(_ value: UInt32) -> GoldenFrame {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return appending(bytes)
    }

    /// STRING / NULLABLE_STRING: int16 length (-1 for null), UTF-8 bytes.
    func string(_ value: String?) -> GoldenFrame {
        guard let value else { return i16(-1) }
        return i16(Int16(value.utf8.count)).raw(Array(value.utf8))
    }
    /// COMPACT_(NULLABLE_)STRING: varint length+1 (0 for null).
    func compactString(_ value: String?) -> GoldenFrame {
        guard let value else { return uvarint(0) }
        return uvarint(UInt32(value.utf8.count + 1)).raw(Array(value.utf8))
    }
    /// BYTES / RECORDS: int32 length (-1 for null).
    func bytes(_ value: [UInt8]?) -> GoldenFrame {
        guard let value else { return i32(-1) }
        return i32(Int32(value.count)).raw(value)
    }
    func compactBytes(_ value: [UInt8]?) -> GoldenFrame {
        guard let value else { return uvarint(0) }
        return uvarint(UInt32(value.count + 1)).raw(value)
    }
    /// ARRAY count: int32 (-1 for null).
    func count(_ value: Int32) -> GoldenFrame { i32(value) }
    /// COMPACT_ARRAY count: varint count+1 (0 for null).
    func compactCount(_ value: Int?) -> GoldenFrame { uvarint(value.map { UInt32($0 + 1) } ?? 0) }
    /// An empty tagged-field section.
    func noTags() -> GoldenFrame { uvarint(0) }

    /// Request header v1 (int16 client-id length) or v2 (v1 + tags).
    func requestHeader(key: Int16, version: Int16, correlationId: Int32, clientId: String?, flexible: Bool) -> GoldenFrame {
        let header = i16(key).i16(version).i32(correlationId).string(clientId)
        return flexible ? header.noTags() : header
    }
    /// Response header v0 (correlation id) or v1 (+ tags).
    func responseHeader(correlationId: Int32, flexible: Bool) -> GoldenFrame {
        let header = i32(correlationId)
        return flexible ? header.noTags() : header
    }

    /// The whole frame: int32 size, then the payload.
    var framed: [UInt8] { Self.bigEndian(Int32(payload.count)) + payload }
}
