import Columns
import Core

extension RecordBatchV2 {
    /// The most records one batch may hold. Kafka counts them in an Int32
    /// (recordCount) and numbers them with Int32 deltas.
    public static let recordCountMax = Int(Int32.max)

    /// Encodes `records` as one RecordBatch v2.
    ///
    /// Records take offsets `baseOffset`, `baseOffset + 1`, …; the first
    /// record's timestamp is the batch's baseTimestamp and the others are
    /// stored as (possibly negative) deltas from it. The timestamp type is
    /// CreateTime and partitionLeaderEpoch is -1, as a producer writes them;
    /// the log may overwrite baseOffset and partitionLeaderEpoch, which lie
    /// outside the CRC.
    ///
    /// Throws when `records` is empty, when `compression` is gzip or snappy
    /// (read-only here), or when the batch would exceed
    /// `RecordBatchHeader.batchBytesMax`.
    public static func encode(
        _ records: [LogRecord], baseOffset: Int64 = 0, compression: CompressionCodec = .none,
        producerID: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
        isTransactional: Bool = false, isControl: Bool = false
    ) throws(LogFormatError) -> [UInt8] {
        try encode(
            LogRecordSource(records: records),
            BatchFields(
                baseOffset: baseOffset, compression: compression, producerID: producerID,
                producerEpoch: producerEpoch, baseSequence: baseSequence,
                isTransactional: isTransactional, isControl: isControl))
    }

    /// Encodes records `range` of `batch` (all of them by default) as one
    /// RecordBatch v2, reading its columns directly: one output buffer, no
    /// per-record allocation. Records get the headers of the batch's headers
    /// column (ABI 1.3, `ColumnarValues.headers`), none without one.
    ///
    /// The same rules as `encode(_: [LogRecord], …)` apply.
    public static func encode(
        _ batch: RecordBatch, records range: Range<Int>? = nil, baseOffset: Int64 = 0,
        compression: CompressionCodec = .none,
        producerID: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
        isTransactional: Bool = false, isControl: Bool = false
    ) throws(LogFormatError) -> [UInt8] {
        let range = range ?? 0..<batch.count
        precondition(range.lowerBound >= 0 && range.upperBound <= batch.count, "record range out of bounds")
        let fields = BatchFields(
            baseOffset: baseOffset, compression: compression, producerID: producerID,
            producerEpoch: producerEpoch, baseSequence: baseSequence,
            isTransactional: isTransactional, isControl: isControl)
        // withColumns rethrows untyped errors; carry the typed one out in a Result.
        let result = batch.withColumns { columns in
            Result { () throws(LogFormatError) in
                try encode(ColumnSource(columns: columns, first: range.lowerBound, count: range.count,
                                        headers: batch.columnar?.headers), fields)
            }
        }
        return try result.get()
    }

    /// The header fields an encoder takes from its caller.
    struct BatchFields {
        var baseOffset: Int64
        var compression: CompressionCodec
        var producerID: Int64
        var producerEpoch: Int16
        var baseSequence: Int32
        var isTransactional: Bool
        var isControl: Bool
        var partitionLeaderEpoch: Int32 = -1
        var timestampType: TimestampType = .createTime
        /// nil: recordCount - 1. Compaction keeps a batch's original
        /// lastOffsetDelta when it removes records (Kafka's rule), so the
        /// batch still spans its original offsets.
        var lastOffsetDelta: Int32? = nil
        /// A compaction delete horizon: stored as baseTimestamp with
        /// attributes bit 6, record timestamps then being deltas from it.
        var deleteHorizon: Int64? = nil
        /// nil: the records' largest timestamp. A LogAppendTime batch keeps
        /// the time the log stamped, which its records' timestamps read as.
        var maxTimestamp: Int64? = nil
    }

    /// Encodes any record source in two passes: the first sizes every record
    /// exactly (and finds maxTimestamp), the second writes into one buffer of
    /// that size, so nothing grows or copies on the way.
    static func encode<Source: EncodableRecords>(
        _ source: Source, _ fields: BatchFields
    ) throws(LogFormatError) -> [UInt8] {
        let count = source.count
        guard count > 0 else { throw LogFormatError(.invalidArgument, "a batch needs at least one record") }
        guard count <= recordCountMax else {
            throw LogFormatError(.invalidArgument, "\(count) records exceed recordCountMax \(recordCountMax)")
        }
        let baseTimestamp = fields.deleteHorizon ?? source.timestamp(at: 0)
        var maxTimestamp = source.timestamp(at: 0)
        var recordsSize = 0
        for index in 0..<count {
            let timestamp = source.timestamp(at: index)
            if timestamp > maxTimestamp { maxTimestamp = timestamp }
            recordsSize += recordSize(source, index, baseTimestamp: baseTimestamp).total
            // Checked per record so the sum cannot overflow before the check.
            guard recordsSize <= decompressedBytesMax else {
                throw LogFormatError(
                    .invalidArgument,
                    "records exceed \(decompressedBytesMax) bytes (decompressedBytesMax) at record \(index)")
            }
        }

        let headerSize = RecordBatchHeader.size
        var output: [UInt8]
        if fields.compression == .none {
            let totalSize = headerSize + recordsSize
            try checkTotalSize(totalSize)
            output = [UInt8](unsafeUninitializedCapacity: totalSize) { buffer, initialized in
                var writer = ByteWriter(base: UnsafeMutableRawPointer(buffer.baseAddress!), capacity: totalSize,
                                        position: headerSize)
                writeRecords(source, baseTimestamp: baseTimestamp, into: &writer)
                precondition(writer.position == totalSize, "encoder sized the batch wrong")
                initialized = totalSize
            }
        } else {
            // One scratch allocation holds the plain records, then the
            // compressed ones; the result is copied into an array of exactly
            // the batch's size, since compression usually leaves most of the
            // bound unused and a log may hold the array for a while.
            let bound = try RecordCompression.compressBound(fields.compression, inputCount: recordsSize)
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(recordsSize + bound, 1), alignment: 16)
            defer { scratch.deallocate() }
            var writer = ByteWriter(base: scratch, capacity: recordsSize)
            writeRecords(source, baseTimestamp: baseTimestamp, into: &writer)
            precondition(writer.position == recordsSize, "encoder sized the batch wrong")
            let compressed = scratch + recordsSize
            let written = try RecordCompression.compress(
                fields.compression, UnsafeRawBufferPointer(start: scratch, count: recordsSize),
                into: compressed, capacity: bound)
            try checkTotalSize(headerSize + written)
            output = [UInt8](unsafeUninitializedCapacity: headerSize + written) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress! + headerSize).copyMemory(from: compressed, byteCount: written)
                initialized = headerSize + written
            }
        }
        output.withUnsafeMutableBytes { batch in
            writeHeader(
                into: batch, fields: fields, recordCount: Int32(count), baseTimestamp: baseTimestamp,
                maxTimestamp: fields.maxTimestamp ?? maxTimestamp)
        }
        return output
    }

    private static func checkTotalSize(_ totalSize: Int) throws(LogFormatError) {
        guard totalSize - RecordBatchHeader.logOverhead <= RecordBatchHeader.batchBytesMax else {
            throw LogFormatError(
                .invalidArgument,
                "the batch would take \(totalSize) bytes, more than batchBytesMax \(RecordBatchHeader.batchBytesMax); split it")
        }
    }

    /// Writes the 61-byte header, then the CRC over everything after it.
    private static func writeHeader(
        into batch: UnsafeMutableRawBufferPointer, fields: BatchFields, recordCount: Int32,
        baseTimestamp: Int64, maxTimestamp: Int64
    ) {
        typealias Field = RecordBatchHeader.Field
        var attributes = fields.compression.rawValue
        if fields.timestampType == .logAppendTime { attributes |= RecordBatchHeader.timestampTypeBit }
        if fields.isTransactional { attributes |= RecordBatchHeader.transactionalBit }
        if fields.isControl { attributes |= RecordBatchHeader.controlBit }
        if fields.deleteHorizon != nil { attributes |= RecordBatchHeader.deleteHorizonBit }
        batch.storeBigEndian(fields.baseOffset, at: Field.baseOffset)
        batch.storeBigEndian(Int32(batch.count - RecordBatchHeader.logOverhead), at: Field.batchLength)
        batch.storeBigEndian(fields.partitionLeaderEpoch, at: Field.partitionLeaderEpoch)
        batch.storeBigEndian(RecordBatchHeader.magicV2, at: Field.magic)
        batch.storeBigEndian(attributes, at: Field.attributes)
        batch.storeBigEndian(fields.lastOffsetDelta ?? recordCount - 1, at: Field.lastOffsetDelta)
        batch.storeBigEndian(baseTimestamp, at: Field.baseTimestamp)
        batch.storeBigEndian(maxTimestamp, at: Field.maxTimestamp)
        batch.storeBigEndian(fields.producerID, at: Field.producerId)
        batch.storeBigEndian(fields.producerEpoch, at: Field.producerEpoch)
        batch.storeBigEndian(fields.baseSequence, at: Field.baseSequence)
        batch.storeBigEndian(recordCount, at: Field.recordCount)
        let crc = computeCRC(UnsafeRawBufferPointer(batch), totalSize: batch.count)
        batch.storeBigEndian(crc, at: Field.crc)
    }

    /// Sizes of record `index`: its body (after the length varint) and in all.
    ///
    /// Lengths are sized as Int64 so that an oversized key or value gives a
    /// large size (which the caller rejects) instead of trapping; once the
    /// total passed that check, every length fits the Int32 varints written.
    @inline(__always)
    private static func recordSize<Source: EncodableRecords>(
        _ source: Source, _ index: Int, baseTimestamp: Int64
    ) -> (body: Int, total: Int) {
        let keyLength = source.keyLength(at: index)
        let valueLength = source.valueLength(at: index)
        let body = 1  // attributes
            + Varint.size(source.timestamp(at: index) &- baseTimestamp)
            + Varint.size(source.offsetDelta(at: index))
            + Varint.size(Int64(keyLength)) + max(keyLength, 0)
            + Varint.size(Int64(valueLength)) + max(valueLength, 0)
            + source.headersSize(at: index)
        return (body, Varint.size(Int64(body)) + body)
    }

    /// Writes every record: length, attributes (0), timestampDelta,
    /// offsetDelta, key, value, headers.
    @inline(__always)
    private static func writeRecords<Source: EncodableRecords>(
        _ source: Source, baseTimestamp: Int64, into writer: inout ByteWriter
    ) {
        for index in 0..<source.count {
            let (body, _) = recordSize(source, index, baseTimestamp: baseTimestamp)
            writer.writeVarint(Int32(body))
            let bodyStart = writer.position
            writer.writeUInt8(0)
            writer.writeVarlong(source.timestamp(at: index) &- baseTimestamp)
            writer.writeVarint(source.offsetDelta(at: index))
            writer.writeVarint(Int32(source.keyLength(at: index)))
            source.writeKey(at: index, into: &writer)
            writer.writeVarint(Int32(source.valueLength(at: index)))
            source.writeValue(at: index, into: &writer)
            source.writeHeaders(at: index, into: &writer)
            precondition(writer.position - bodyStart == body, "encoder sized record \(index) wrong")
        }
    }
}

/// What the encoder needs of a record source. Lengths are -1 for null.
/// Implementations are specialized into the encoder, so calls are direct.
protocol EncodableRecords {
    var count: Int { get }
    /// The record's offset delta from the batch's baseOffset; increasing.
    /// Fresh batches number their records 0, 1, 2, … (the default).
    func offsetDelta(at index: Int) -> Int32
    func timestamp(at index: Int) -> Int64
    func keyLength(at index: Int) -> Int
    func valueLength(at index: Int) -> Int
    /// Bytes of the header count varint and the headers.
    func headersSize(at index: Int) -> Int
    func writeKey(at index: Int, into writer: inout ByteWriter)
    func writeValue(at index: Int, into writer: inout ByteWriter)
    func writeHeaders(at index: Int, into writer: inout ByteWriter)
}

extension EncodableRecords {
    @inline(__always)
    func offsetDelta(at index: Int) -> Int32 { Int32(truncatingIfNeeded: index) }
}

/// `[LogRecord]` as a record source.
struct LogRecordSource: EncodableRecords {
    let records: [LogRecord]

    var count: Int { records.count }
    func timestamp(at index: Int) -> Int64 { records[index].timestamp }
    func keyLength(at index: Int) -> Int { records[index].key?.count ?? -1 }
    func valueLength(at index: Int) -> Int { records[index].value?.count ?? -1 }

    func headersSize(at index: Int) -> Int {
        let headers = records[index].headers
        var size = Varint.size(Int64(headers.count))
        for header in headers {
            let keyLength = header.key.utf8.count
            let valueLength = header.value?.count ?? -1
            size += Varint.size(Int64(keyLength)) + keyLength + Varint.size(Int64(valueLength)) + max(valueLength, 0)
        }
        return size
    }

    func writeKey(at index: Int, into writer: inout ByteWriter) {
        if let key = records[index].key { writer.writeBytes(key) }
    }

    func writeValue(at index: Int, into writer: inout ByteWriter) {
        if let value = records[index].value { writer.writeBytes(value) }
    }

    func writeHeaders(at index: Int, into writer: inout ByteWriter) {
        let headers = records[index].headers
        writer.writeVarint(Int32(headers.count))
        for header in headers {
            var key = header.key
            writer.writeVarint(Int32(key.utf8.count))
            key.withUTF8 { writer.writeBytes(UnsafeRawBufferPointer($0)) }
            writer.writeVarint(Int32(header.value?.count ?? -1))
            if let value = header.value { writer.writeBytes(value) }
        }
    }
}

/// Records `first ..< first + count` of a Core `RecordBatch`, read straight
/// from its columns, with the headers of its headers column (nil: none).
struct ColumnSource: EncodableRecords {
    let columns: RecordBatch.Columns
    let first: Int
    let count: Int
    let headers: Column?

    @inline(__always)
    func timestamp(at index: Int) -> Int64 { columns.timestamps[first + index] }

    @inline(__always)
    private func flags(_ index: Int) -> UInt8 { columns.flags?[first + index] ?? 0 }

    @inline(__always)
    func keyLength(at index: Int) -> Int {
        guard let offsets = columns.keyOffsets, flags(index) & RecordBatch.keyNullFlag == 0 else { return -1 }
        return Int(offsets[first + index + 1] &- offsets[first + index])
    }

    @inline(__always)
    func valueLength(at index: Int) -> Int {
        guard flags(index) & RecordBatch.valueNullFlag == 0 else { return -1 }
        return Int(columns.valueOffsets[first + index + 1] &- columns.valueOffsets[first + index])
    }

    /// The header entries of record `index` (rows of the list's struct
    /// child), empty for a null list row.
    @inline(__always)
    private func headerEntries(_ index: Int) -> Range<Int> {
        guard let headers, !headers.isNull(first + index) else { return 0..<0 }
        return headers.listRange(at: first + index)
    }

    @inline(__always)
    func headersSize(at index: Int) -> Int {
        let entries = headerEntries(index)
        guard !entries.isEmpty, let headers else { return 1 }
        let pairs = headers.children[0]
        let (keys, values) = (pairs.children[0], pairs.children[1])
        var size = Varint.size(Int64(entries.count))
        for entry in entries {
            let row = pairs.childRow(entry)
            let keyLength = keys.bytes(at: row).count
            let valueLength = values.isNull(row) ? -1 : values.bytes(at: row).count
            size += Varint.size(Int64(keyLength)) + keyLength + Varint.size(Int64(valueLength)) + max(valueLength, 0)
        }
        return size
    }

    @inline(__always)
    func writeKey(at index: Int, into writer: inout ByteWriter) {
        let length = keyLength(at: index)
        guard length > 0, let keys = columns.keys, let offsets = columns.keyOffsets else { return }
        writer.writeBytes(UnsafeRawBufferPointer(start: keys + Int(offsets[first + index]), count: length))
    }

    @inline(__always)
    func writeValue(at index: Int, into writer: inout ByteWriter) {
        let length = valueLength(at: index)
        guard length > 0 else { return }
        writer.writeBytes(UnsafeRawBufferPointer(
            start: columns.values + Int(columns.valueOffsets[first + index]), count: length))
    }

    @inline(__always)
    func writeHeaders(at index: Int, into writer: inout ByteWriter) {
        let entries = headerEntries(index)
        guard !entries.isEmpty, let headers else {
            writer.writeUInt8(0)
            return
        }
        let pairs = headers.children[0]
        let (keys, values) = (pairs.children[0], pairs.children[1])
        writer.writeVarint(Int32(entries.count))
        for entry in entries {
            let row = pairs.childRow(entry)
            // The host refuses a plugin's header with a null key where it
            // copies the batch (Kafka's keys are never null).
            precondition(!keys.isNull(row), "a record header with a null key")
            let key = keys.bytes(at: row)
            writer.writeVarint(Int32(key.count))
            if key.count > 0 { writer.writeBytes(key) }
            if values.isNull(row) {
                writer.writeVarint(-1)
            } else {
                let value = values.bytes(at: row)
                writer.writeVarint(Int32(value.count))
                if value.count > 0 { writer.writeBytes(value) }
            }
        }
    }
}
