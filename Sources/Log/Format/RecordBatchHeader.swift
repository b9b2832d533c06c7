/// The fixed 61-byte header of a Kafka RecordBatch v2, decoded.
///
/// Layout (big-endian, byte offsets from the batch's first byte):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 8 | baseOffset |
/// | 8 | 4 | batchLength: bytes after this field |
/// | 12 | 4 | partitionLeaderEpoch |
/// | 16 | 1 | magic (2) |
/// | 17 | 4 | crc: CRC-32C of bytes 21 ..< end |
/// | 21 | 2 | attributes |
/// | 23 | 4 | lastOffsetDelta |
/// | 27 | 8 | baseTimestamp |
/// | 35 | 8 | maxTimestamp |
/// | 43 | 8 | producerId |
/// | 51 | 2 | producerEpoch |
/// | 53 | 4 | baseSequence |
/// | 57 | 4 | recordCount |
/// | 61 | … | records, compressed as attributes say |
public struct RecordBatchHeader: Sendable, Equatable {
    /// Bytes in the header, up to the first record.
    public static let size = 61
    /// Bytes before batchLength's span starts: baseOffset and batchLength
    /// (Kafka's LOG_OVERHEAD), so `totalSize = batchLength + 12`.
    public static let logOverhead = 12
    /// The only magic this format layer reads and writes.
    public static let magicV2: Int8 = 2
    /// The largest batchLength accepted. Kafka's default `message.max.bytes`
    /// is about 1 MiB; 64 MiB leaves room for large configured limits while
    /// stopping a corrupt length from making a reader allocate gigabytes.
    public static let batchBytesMax = 64 << 20

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    // MARK: Attributes

    static let compressionMask: Int16 = 0x07
    static let timestampTypeBit: Int16 = 1 << 3
    static let transactionalBit: Int16 = 1 << 4
    static let controlBit: Int16 = 1 << 5
    static let deleteHorizonBit: Int16 = 1 << 6

    /// The codec of the records section. `parse` rejects codec ids 5–7,
    /// which no Kafka version defines, so a parsed header always has one.
    public var compression: CompressionCodec {
        guard let codec = CompressionCodec(rawValue: attributes & Self.compressionMask) else {
            preconditionFailure("attributes \(attributes) name no codec; parse() would have rejected them")
        }
        return codec
    }

    public var timestampType: TimestampType {
        attributes & Self.timestampTypeBit != 0 ? .logAppendTime : .createTime
    }

    /// Whether the batch belongs to a transaction (attributes bit 4).
    public var isTransactional: Bool { attributes & Self.transactionalBit != 0 }

    /// Whether the batch holds control records, commit or abort markers (bit 5).
    public var isControl: Bool { attributes & Self.controlBit != 0 }

    /// Whether baseTimestamp is a compaction delete horizon (bit 6).
    public var hasDeleteHorizon: Bool { attributes & Self.deleteHorizonBit != 0 }

    // MARK: Derived

    /// The offset of the batch's last record (or of the last record it had
    /// before compaction removed some).
    ///
    /// Wraps instead of trapping: baseOffset lies outside the CRC, so a
    /// damaged one near `Int64.max` must not crash a reader. A log checks
    /// offsets against its own before trusting them.
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }

    /// The offset the next batch in the log starts at (wrapping, as above).
    public var nextOffset: Int64 { lastOffset &+ 1 }

    /// Bytes of the whole batch, header included.
    public var totalSize: Int { Int(batchLength) + Self.logOverhead }

    // MARK: Parsing

    /// Decodes the header at the start of `bytes`.
    ///
    /// Needs only the first 61 bytes, so a reader can look at a header before
    /// reading the rest of the batch; it does not check the CRC (see
    /// `RecordBatchV2.verifyCRC`). Throws when there are fewer than 61 bytes,
    /// the magic is not 2, batchLength is too small to hold the header or
    /// larger than `batchBytesMax`, the attributes name an unknown codec, or
    /// recordCount is negative.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(LogFormatError) -> RecordBatchHeader {
        guard bytes.count >= size else {
            throw LogFormatError(
                .truncated, "\(bytes.count) bytes is fewer than the \(size)-byte header", at: bytes.count)
        }
        let magic = bytes.loadInt8(at: Field.magic)
        guard magic == magicV2 else {
            throw LogFormatError(.unsupportedMagic, "magic is \(magic), expected \(magicV2)", at: Field.magic)
        }
        let batchLength = bytes.loadBigEndian(at: Field.batchLength, as: Int32.self)
        guard Int(batchLength) >= size - logOverhead, Int(batchLength) <= batchBytesMax else {
            throw LogFormatError(
                .invalidBatchLength,
                "batchLength \(batchLength) is outside \(size - logOverhead)...\(batchBytesMax)",
                at: Field.batchLength)
        }
        let attributes = bytes.loadBigEndian(at: Field.attributes, as: Int16.self)
        guard CompressionCodec(rawValue: attributes & compressionMask) != nil else {
            throw LogFormatError(
                .unsupportedCompression, "attributes name codec \(attributes & compressionMask), which is not 0...4",
                at: Field.attributes)
        }
        let recordCount = bytes.loadBigEndian(at: Field.recordCount, as: Int32.self)
        guard recordCount >= 0 else {
            throw LogFormatError(.malformedRecord, "recordCount \(recordCount) is negative", at: Field.recordCount)
        }
        return RecordBatchHeader(
            baseOffset: bytes.loadBigEndian(at: Field.baseOffset, as: Int64.self),
            batchLength: batchLength,
            partitionLeaderEpoch: bytes.loadBigEndian(at: Field.partitionLeaderEpoch, as: Int32.self),
            magic: magic,
            crc: bytes.loadBigEndian(at: Field.crc, as: UInt32.self),
            attributes: attributes,
            lastOffsetDelta: bytes.loadBigEndian(at: Field.lastOffsetDelta, as: Int32.self),
            baseTimestamp: bytes.loadBigEndian(at: Field.baseTimestamp, as: Int64.self),
            maxTimestamp: bytes.loadBigEndian(at: Field.maxTimestamp, as: Int64.self),
            producerId: bytes.loadBigEndian(at: Field.producerId, as: Int64.self),
            producerEpoch: bytes.loadBigEndian(at: Field.producerEpoch, as: Int16.self),
            baseSequence: bytes.loadBigEndian(at: Field.baseSequence, as: Int32.self),
            recordCount: recordCount)
    }

    /// Byte offsets of the header's fields, from the batch's first byte.
    enum Field {
        static let baseOffset = 0
        static let batchLength = 8
        static let partitionLeaderEpoch = 12
        static let magic = 16
        static let crc = 17
        /// The first byte the CRC covers.
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let baseTimestamp = 27
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        static let recordCount = 57
        static let records = 61
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a big-endian integer at `offset`; the caller has checked bounds.
    @inline(__always)
    func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always)
    func loadInt8(at offset: Int) -> Int8 { Int8(bitPattern: self[offset]) }
}

extension UnsafeMutableRawBufferPointer {
    /// Writes a big-endian integer at `offset`; the caller has checked bounds.
    @inline(__always)
    func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}
