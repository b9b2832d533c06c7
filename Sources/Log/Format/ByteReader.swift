/// Reads a records section with every read checked against a limit, so a
/// malformed batch is an error naming its byte offset, never an over-read.
///
/// `limit` is the end of the current record while a record is parsed and
/// the end of the section between records.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    var position = 0
    var limit: Int
    /// Added to `position` in errors: 61 for an uncompressed section (so the
    /// offset is within the batch), 0 for a decompressed one.
    let offsetBias: Int
    let isDecompressed: Bool

    init(_ bytes: UnsafeRawBufferPointer, offsetBias: Int, isDecompressed: Bool) {
        // An empty buffer may have no base address; nothing will be read.
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        count = bytes.count
        limit = bytes.count
        self.offsetBias = offsetBias
        self.isDecompressed = isDecompressed
    }

    var remaining: Int { limit - position }

    func error(_ message: String, at position: Int? = nil) -> LogFormatError {
        LogFormatError(
            .malformedRecord, message, at: (position ?? self.position) + offsetBias,
            inDecompressedRecords: isDecompressed)
    }

    @inline(__always)
    mutating func readInt8(_ field: StaticString, record: Int) throws(LogFormatError) -> Int8 {
        guard position < limit else { throw error("record \(record): \(field) lies past the record's end") }
        defer { position += 1 }
        return Int8(bitPattern: base.load(fromByteOffset: position, as: UInt8.self))
    }

    /// Reads unsigned LEB128 of at most `bytesMax` bytes. Like Kafka's
    /// reader, bits beyond the integer's width in the last byte are dropped.
    @inline(__always)
    mutating func readUnsignedVarint(
        bytesMax: Int, _ field: StaticString, record: Int
    ) throws(LogFormatError) -> UInt64 {
        guard position < limit else { throw error("record \(record): \(field) lies past the record's end") }
        let first = base.load(fromByteOffset: position, as: UInt8.self)
        if first < 0x80 {
            position += 1
            return UInt64(first)
        }
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<bytesMax {
            guard position < limit else {
                throw error("record \(record): \(field) varint runs past the record's end", at: start)
            }
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw error("record \(record): \(field) varint is longer than \(bytesMax) bytes", at: start)
    }

    @inline(__always)
    mutating func readVarint(_ field: StaticString, record: Int) throws(LogFormatError) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: try readUnsignedVarint(
            bytesMax: Varint.varintBytesMax, field, record: record))
        return Int32(bitPattern: raw >> 1) ^ -Int32(bitPattern: raw & 1)
    }

    @inline(__always)
    mutating func readVarlong(_ field: StaticString, record: Int) throws(LogFormatError) -> Int64 {
        let raw = try readUnsignedVarint(bytesMax: Varint.varlongBytesMax, field, record: record)
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a length varint and that many bytes; -1 means null when
    /// `nullable`. Any other negative length, or one past the limit, throws.
    @inline(__always)
    mutating func readLengthPrefixed(
        _ field: StaticString, record: Int, nullable: Bool
    ) throws(LogFormatError) -> UnsafeRawBufferPointer? {
        let lengthAt = position
        let length = try readVarint(field, record: record)
        if length < 0 {
            if length == -1 && nullable { return nil }
            throw error("record \(record): \(field) length \(length) is negative", at: lengthAt)
        }
        guard Int(length) <= remaining else {
            throw error(
                "record \(record): \(field) length \(length) runs past the record's end (\(remaining) bytes left)",
                at: lengthAt)
        }
        defer { position += Int(length) }
        return UnsafeRawBufferPointer(start: base + position, count: Int(length))
    }
}
