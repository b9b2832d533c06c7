import Columns
import Core

extension RecordBatchV2 {
    /// The most bytes a batch's records may decompress to. A compressed batch
    /// is at most `RecordBatchHeader.batchBytesMax`, but a hostile one can
    /// claim gigabytes once inflated; decoding stops with an error instead.
    public static let decompressedBytesMax = 128 << 20

    /// The fewest bytes one record takes: length, attributes, timestampDelta,
    /// offsetDelta, key length, value length and header count, one byte each.
    static let recordBytesMin = 7

    /// Decodes every record of the batch at the start of `batch`.
    ///
    /// Checks the header and the CRC first, then decompresses and reads each
    /// record with every varint and length bounded by the bytes around it.
    /// Any disagreement throws a `LogFormatError` naming the byte offset;
    /// a malformed batch never crashes or reads out of bounds.
    public static func decode(_ batch: UnsafeRawBufferPointer) throws(LogFormatError) -> [DecodedRecord] {
        var collector = DecodedRecordCollector()
        try visitRecords(batch, visitor: &collector)
        return collector.records
    }

    /// Decodes the batch at the start of `batch` into `into`, skipping
    /// records whose offset is below `fromOffset`; returns how many records
    /// were appended.
    ///
    /// Keys and values are copied from the (decompressed) batch straight
    /// into the columns, without a per-record allocation. Record headers
    /// are kept only by `LogSlice.decodeRecords` (a reader's path), which
    /// hands them on as the batch's headers column; here they are dropped.
    /// Checks as `decode(_:)` does; on error, records appended before it
    /// stay in `into`.
    ///
    /// `crcVerified: true` skips the CRC for bytes the caller has just
    /// verified itself (a `PartitionLog.read` slice: the log checks every
    /// batch it returns); every length and varint is still bounds-checked.
    @discardableResult
    public static func decode(
        _ batch: UnsafeRawBufferPointer, into: RecordBatch, fromOffset: Int64 = 0, crcVerified: Bool = false
    ) throws(LogFormatError) -> Int {
        var appender = RecordBatchAppender(batch: into, fromOffset: fromOffset)
        try visitRecords(batch, visitor: &appender, verifyCRC: !crcVerified) { header in
            // A batch wholly below fromOffset still has its CRC checked but
            // is not decompressed.
            header.lastOffset >= fromOffset
        }
        return appender.appended
    }

    /// Decodes the batch at the start of `batch` into `into` like
    /// `decode(_:into:fromOffset:crcVerified:)`, appending at most
    /// `recordsMax` records. Returns how many were appended and where the
    /// next read continues: right after the last record appended when the
    /// limit cut the batch short, else the batch's next offset.
    ///
    /// Offsets within a batch may have gaps (compaction removes records but
    /// keeps the batch's offset range), so the position after k records is
    /// the k-th record's offset + 1, never a count added to `fromOffset`.
    public static func decode(
        _ batch: UnsafeRawBufferPointer, into: RecordBatch, fromOffset: Int64, crcVerified: Bool = false,
        recordsMax: Int
    ) throws(LogFormatError) -> (appended: Int, nextOffset: Int64) {
        precondition(recordsMax >= 0, "recordsMax \(recordsMax) is negative")
        if recordsMax == 0 { return (0, fromOffset) }
        var appender = RecordBatchAppender(batch: into, fromOffset: fromOffset, limit: recordsMax)
        var batchNextOffset: Int64 = fromOffset
        try visitRecords(batch, visitor: &appender, verifyCRC: !crcVerified) { header in
            batchNextOffset = header.nextOffset
            return header.lastOffset >= fromOffset
        }
        let nextOffset = appender.cutShort ? appender.lastAppendedOffset + 1 : max(batchNextOffset, fromOffset)
        return (appender.appended, nextOffset)
    }

    /// Checks the batch and calls `visitor` with each record in order.
    ///
    /// `shouldRead` sees the CRC-checked header and may skip the records.
    static func visitRecords<Visitor: RecordVisitor>(
        _ batch: UnsafeRawBufferPointer, visitor: inout Visitor, verifyCRC: Bool = true,
        shouldRead: (RecordBatchHeader) -> Bool = { _ in true }
    ) throws(LogFormatError) {
        let header = verifyCRC ? try checkCRC(batch) : try RecordBatchHeader.parse(batch)
        guard header.totalSize <= batch.count else {
            throw LogFormatError(
                .truncated, "the batch needs \(header.totalSize) bytes but only \(batch.count) remain", at: 0)
        }
        guard shouldRead(header) else { return }
        let section = UnsafeRawBufferPointer(
            rebasing: batch[RecordBatchHeader.Field.records ..< header.totalSize])
        if header.compression == .none {
            try readRecords(section, header: header, offsetBias: RecordBatchHeader.Field.records,
                            isDecompressed: false, visitor: &visitor)
        } else {
            try RecordCompression.withDecompressed(header.compression, section, limit: decompressedBytesMax) {
                (records) throws(LogFormatError) in
                try readRecords(records, header: header, offsetBias: 0, isDecompressed: true, visitor: &visitor)
            }
        }
    }

    /// Checks every record of the batch at the start of `batch` as Kafka's
    /// broker does before it stores a batch (LogValidator): each record's
    /// framing (length, varints, key, value, header count and lengths),
    /// exactly `recordCount` records filling the records section,
    /// decompressing first when the batch is compressed (one output buffer
    /// per call, no allocation per record), plus the rules of a batch to
    /// append: offset deltas 0, 1, 2, … in order and record timestamps that
    /// fit an Int64.
    ///
    /// Throws `.invalidRecord` for a record that reads but breaks a rule,
    /// and another kind (`.malformedRecord`, `.decompressionFailed`, …) for
    /// bytes that cannot be read; the message names the record (0-based).
    /// `crcVerified: true` skips the CRC the caller has just checked.
    public static func validateRecords(
        _ batch: UnsafeRawBufferPointer, crcVerified: Bool = false
    ) throws(LogFormatError) {
        var checker = RecordRulesChecker()
        try visitRecords(batch, visitor: &checker, verifyCRC: !crcVerified)
    }

    /// The rules of `validateRecords` for one record, read at `reader`.
    @inline(__always)
    private static func checkRecordRules(
        index: Int, offsetDelta: Int32, timestampDelta: Int64, header: RecordBatchHeader, reader: ByteReader
    ) throws(LogFormatError) {
        guard Int(offsetDelta) == index else {
            throw LogFormatError(
                .invalidRecord,
                "record \(index): offsetDelta \(offsetDelta), expected \(index) (the records of a batch to append "
                    + "have offset deltas 0, 1, 2, … in order)",
                at: reader.position + reader.offsetBias, inDecompressedRecords: reader.isDecompressed)
        }
        guard !header.baseTimestamp.addingReportingOverflow(timestampDelta).overflow else {
            throw LogFormatError(
                .invalidRecord,
                "record \(index): timestampDelta \(timestampDelta) added to baseTimestamp \(header.baseTimestamp) "
                    + "overflows a 64-bit timestamp",
                at: reader.position + reader.offsetBias, inDecompressedRecords: reader.isDecompressed)
        }
    }

    /// Reads `header.recordCount` records that fill `section` exactly.
    @inline(__always)
    private static func readRecords<Visitor: RecordVisitor>(
        _ section: UnsafeRawBufferPointer, header: RecordBatchHeader, offsetBias: Int, isDecompressed: Bool,
        visitor: inout Visitor
    ) throws(LogFormatError) {
        var reader = ByteReader(section, offsetBias: offsetBias, isDecompressed: isDecompressed)
        let count = Int(header.recordCount)
        // Also bounds what a visitor reserves for a hostile recordCount.
        guard count <= section.count / recordBytesMin else {
            throw LogFormatError(
                .malformedRecord,
                "recordCount \(count) needs at least \(count * recordBytesMin) bytes of records, "
                    + "the batch has \(section.count)",
                at: RecordBatchHeader.Field.recordCount)
        }
        visitor.begin(recordCount: count)
        let useMaxTimestamp = header.timestampType == .logAppendTime
        for index in 0..<count {
            reader.limit = reader.count
            let lengthAt = reader.position
            let length = try reader.readVarint("length", record: index)
            guard length >= 0, Int(length) <= reader.remaining else {
                throw reader.error(
                    "record \(index): length \(length) is outside 0...\(reader.remaining) (bytes left)", at: lengthAt)
            }
            let recordEnd = reader.position + Int(length)
            reader.limit = recordEnd
            _ = try reader.readInt8("attributes", record: index)
            let timestampDelta = try reader.readVarlong("timestampDelta", record: index)
            let offsetDelta = try reader.readVarint("offsetDelta", record: index)
            if Visitor.checksRecordRules {
                try checkRecordRules(
                    index: index, offsetDelta: offsetDelta, timestampDelta: timestampDelta, header: header,
                    reader: reader)
            }
            let key = try reader.readLengthPrefixed("key", record: index, nullable: true)
            let value = try reader.readLengthPrefixed("value", record: index, nullable: true)
            let headerCountAt = reader.position
            let headerCount = try reader.readVarint("header count", record: index)
            // A header takes at least two bytes (two length varints).
            guard headerCount >= 0, Int(headerCount) <= reader.remaining / 2 else {
                throw reader.error(
                    "record \(index): header count \(headerCount) is negative or exceeds the record's bytes",
                    at: headerCountAt)
            }
            let headersStart = reader.position
            for _ in 0..<Int(headerCount) {
                _ = try reader.readLengthPrefixed("header key", record: index, nullable: false)
                _ = try reader.readLengthPrefixed("header value", record: index, nullable: true)
            }
            guard reader.position == recordEnd else {
                let fieldBytes = reader.position - (recordEnd - Int(length))
                throw reader.error(
                    "record \(index): length says \(length) bytes but its fields take \(fieldBytes)",
                    at: reader.position)
            }
            let headers = RawHeaders(
                bytes: UnsafeRawBufferPointer(start: reader.base + headersStart, count: recordEnd - headersStart),
                count: Int(headerCount))
            visitor.visit(
                offset: header.baseOffset &+ Int64(offsetDelta),
                timestamp: useMaxTimestamp ? header.maxTimestamp : header.baseTimestamp &+ timestampDelta,
                key: key, value: value, headers: headers)
        }
        reader.limit = reader.count
        guard reader.position == reader.count else {
            throw reader.error(
                "\(reader.count - reader.position) bytes follow the last of \(count) records", at: reader.position)
        }
    }
}

/// Receives the records of a batch as `visitRecords` reads them. The
/// buffers are valid only during the call.
protocol RecordVisitor {
    /// Whether `visitRecords` also checks the rules a batch to append must
    /// follow (`RecordBatchV2.checkRecordRules`); a stored batch may break
    /// them legitimately (compaction leaves gaps in the offset deltas).
    static var checksRecordRules: Bool { get }
    mutating func begin(recordCount: Int)
    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders)
}

extension RecordVisitor {
    static var checksRecordRules: Bool { false }
}

/// Reads every record of a batch and keeps nothing: `validateRecords`.
struct RecordRulesChecker: RecordVisitor {
    static var checksRecordRules: Bool { true }
    mutating func begin(recordCount: Int) {}
    @inline(__always)
    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {}
}

/// A record's headers as stored, already bounds-checked by the reader.
struct RawHeaders {
    let bytes: UnsafeRawBufferPointer
    let count: Int

    /// Decodes the headers; only valid for bytes `visitRecords` has checked.
    func decoded() -> [RecordHeader] {
        guard count > 0 else { return [] }
        var reader = ByteReader(bytes, offsetBias: 0, isDecompressed: false)
        var headers: [RecordHeader] = []
        headers.reserveCapacity(count)
        do {
            for _ in 0..<count {
                let key = try reader.readLengthPrefixed("header key", record: 0, nullable: false)
                let value = try reader.readLengthPrefixed("header value", record: 0, nullable: true)
                headers.append(RecordHeader(key: String(decoding: key ?? .init(start: nil, count: 0), as: UTF8.self),
                                            value: value.map { Array($0) }))
            }
        } catch {
            // The bytes were checked when the record was read.
            preconditionFailure("headers failed a second read: \(error)")
        }
        return headers
    }

    /// Appends the headers as one row of a headers column
    /// (`ColumnarValues.headersType`): a list of {key, value} structs, a
    /// null value for a header without one. Keys are the producer's bytes
    /// as stored (Kafka defines them as UTF-8 but checks nothing), so that
    /// they go back out exactly as they came. Only valid for bytes
    /// `visitRecords` has checked.
    func append(to column: Column) {
        let entries = column.children[0]
        var reader = ByteReader(bytes, offsetBias: 0, isDecompressed: false)
        do {
            for _ in 0..<count {
                let key = try reader.readLengthPrefixed("header key", record: 0, nullable: false)
                let value = try reader.readLengthPrefixed("header value", record: 0, nullable: true)
                entries.children[0].append(bytes: key ?? UnsafeRawBufferPointer(start: nil, count: 0))
                if let value { entries.children[1].append(bytes: value) } else { entries.children[1].appendNull() }
                entries.appendStruct()
            }
        } catch {
            // The bytes were checked when the record was read.
            preconditionFailure("headers failed a second read: \(error)")
        }
        column.appendList()
    }
}

struct DecodedRecordCollector: RecordVisitor {
    var records: [DecodedRecord] = []

    mutating func begin(recordCount: Int) { records.reserveCapacity(recordCount) }

    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {
        records.append(DecodedRecord(
            offset: offset, timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) },
            headers: headers.decoded()))
    }
}

struct RecordBatchAppender: RecordVisitor {
    let batch: RecordBatch
    let fromOffset: Int64
    /// The most records to append; later ones set `cutShort`.
    var limit = Int.max
    var appended = 0
    var lastAppendedOffset: Int64 = -1
    /// Whether a record at or after `fromOffset` was left out by `limit`.
    var cutShort = false
    /// Records after this offset are left out (a bounded reader stops
    /// before its stop offset).
    var lastOffsetIncluded = Int64.max
    /// The offsets of the records appended, when collected.
    var offsets: [Int64]?
    /// The records' headers as a headers column, one row per record of
    /// `batch` (an empty list for a record without any), made at the first
    /// record that has some; nil while none has. Collected only when
    /// `collectsHeaders`.
    var headers: Column?
    var collectsHeaders = false

    init(batch: RecordBatch, fromOffset: Int64, limit: Int = Int.max) {
        self.batch = batch
        self.fromOffset = fromOffset
        self.limit = limit
    }

    mutating func begin(recordCount: Int) {}

    @inline(__always)
    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {
        guard offset >= fromOffset && offset <= lastOffsetIncluded else { return }
        guard appended < limit else {
            cutShort = true
            return
        }
        if collectsHeaders {
            if self.headers == nil, headers.count > 0 {
                let column = Column(ColumnarValues.headersType, capacity: batch.count + 1)
                for _ in 0..<batch.count { column.appendList() }
                self.headers = column
            }
            if let column = self.headers { headers.append(to: column) }
        }
        batch.append(timestamp: timestamp, key: key, value: value)
        offsets?.append(offset)
        appended += 1
        lastAppendedOffset = offset
    }
}
