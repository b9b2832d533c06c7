extension RecordBatchV2 {
    /// What filtering did to one batch.
    enum FilterOutcome {
        /// Every record was kept and the header needs no change: the batch's
        /// bytes can be copied as they are (CRC included).
        case unchanged
        /// No record was kept: the batch goes.
        case removed
        /// Some records were kept (or a delete horizon was added): the new
        /// batch's bytes.
        case rewritten([UInt8])
    }

    /// The result of `filter`: the outcome and what the batch held.
    struct FilteredBatch {
        /// The input batch's header.
        let header: RecordBatchHeader
        let outcome: FilterOutcome
        let recordsRead: Int
        let recordsKept: Int
        /// Records kept whose value is null (tombstones).
        let tombstonesKept: Int
        /// The output batch's delete horizon, if it has one.
        let deleteHorizon: Int64?
    }

    /// One record of the batch being filtered, as `filter`'s predicate sees it.
    struct FilterCandidate {
        let offset: Int64
        let timestamp: Int64
        /// nil for a null key.
        let key: UnsafeRawBufferPointer?
        /// Whether the value is null: a tombstone in a compacted topic.
        let isTombstone: Bool
    }

    /// Keeps the records of the batch at the start of `batch` for which
    /// `keep` returns true, Kafka's way (`MemoryRecords.filterTo`):
    ///
    /// - the output batch keeps the input's baseOffset, lastOffsetDelta,
    ///   producer id, epoch and base sequence, partitionLeaderEpoch,
    ///   timestamp type, transactional and control bits; each kept record
    ///   keeps its offset delta and timestamp. The batch therefore still
    ///   spans its original offsets, with gaps where records went;
    /// - when a kept record is a tombstone and the batch has no delete
    ///   horizon yet, `deleteHorizonForTombstones` (if given) becomes its
    ///   delete horizon: baseTimestamp holds it and attributes bit 6 is set
    ///   (KIP-534). A batch that has one keeps it;
    /// - records are compressed again with the batch's codec when this build
    ///   writes it (none, lz4, zstd), else (gzip, snappy) stored uncompressed.
    ///
    /// The CRC is checked first unless `crcVerified`; any malformed record
    /// throws, and nothing is produced for the batch.
    static func filter(
        _ batch: UnsafeRawBufferPointer, crcVerified: Bool = false, deleteHorizonForTombstones: Int64?,
        keep: @escaping (FilterCandidate) -> Bool
    ) throws(LogFormatError) -> FilteredBatch {
        let header = crcVerified ? try RecordBatchHeader.parse(batch) : try checkCRC(batch)
        var collector = RetainingCollector(baseOffset: header.baseOffset, keep: keep)
        try visitRecords(batch, visitor: &collector, verifyCRC: false)
        let kept = collector.records.count
        let existingHorizon = header.hasDeleteHorizon ? header.baseTimestamp : nil
        let newHorizon = existingHorizon == nil && collector.tombstonesKept > 0 ? deleteHorizonForTombstones : nil
        func result(_ outcome: FilterOutcome, horizon: Int64?) -> FilteredBatch {
            FilteredBatch(
                header: header, outcome: outcome, recordsRead: collector.recordsRead, recordsKept: kept,
                tombstonesKept: collector.tombstonesKept, deleteHorizon: horizon)
        }
        if kept == 0 { return result(.removed, horizon: nil) }
        if kept == collector.recordsRead && newHorizon == nil { return result(.unchanged, horizon: existingHorizon) }
        let compression: CompressionCodec = switch header.compression {
        case .none, .lz4, .zstd: header.compression
        case .gzip, .snappy: .none
        }
        let fields = BatchFields(
            baseOffset: header.baseOffset, compression: compression, producerID: header.producerId,
            producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
            isTransactional: header.isTransactional, isControl: header.isControl,
            partitionLeaderEpoch: header.partitionLeaderEpoch, timestampType: header.timestampType,
            lastOffsetDelta: header.lastOffsetDelta, deleteHorizon: existingHorizon ?? newHorizon,
            maxTimestamp: header.timestampType == .logAppendTime ? header.maxTimestamp : nil)
        let bytes = try collector.storage.withBytes { (storage) throws(LogFormatError) -> [UInt8] in
            try encode(RetainedRecordSource(records: collector.records, storage: storage), fields)
        }
        return result(.rewritten(bytes), horizon: existingHorizon ?? newHorizon)
    }
}

extension RecordBatchV2 {
    /// The index (0-based, in the batch) of the first record with a null
    /// key, or nil when every record has a key. Reads (and decompresses)
    /// the records; the CRC is checked unless `crcVerified`.
    static func firstRecordWithoutKey(
        _ batch: UnsafeRawBufferPointer, crcVerified: Bool = false
    ) throws(LogFormatError) -> Int? {
        var finder = KeylessRecordFinder()
        try visitRecords(batch, visitor: &finder, verifyCRC: !crcVerified)
        return finder.firstKeyless
    }
}

/// Finds the first record without a key.
struct KeylessRecordFinder: RecordVisitor {
    var index = 0
    var firstKeyless: Int?

    mutating func begin(recordCount: Int) {}

    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {
        if key == nil && firstKeyless == nil { firstKeyless = index }
        index += 1
    }
}

/// A kept record: its fields, with key, value and headers as ranges of the
/// collector's storage.
struct RetainedRecord {
    var offsetDelta: Int32
    var timestamp: Int64
    var keyStart: Int
    /// -1 for a null key.
    var keyLength: Int
    var valueStart: Int
    /// -1 for a null value.
    var valueLength: Int
    var headersStart: Int
    var headersLength: Int
    var headerCount: Int
}

/// Collects the records `keep` accepts, copying their bytes into one
/// storage array (the visited buffers live only during the visit).
struct RetainingCollector: RecordVisitor {
    let baseOffset: Int64
    let keep: (RecordBatchV2.FilterCandidate) -> Bool
    var records: [RetainedRecord] = []
    var storage: [UInt8] = []
    var recordsRead = 0
    var tombstonesKept = 0

    init(baseOffset: Int64, keep: @escaping (RecordBatchV2.FilterCandidate) -> Bool) {
        self.baseOffset = baseOffset
        self.keep = keep
    }

    mutating func begin(recordCount: Int) {}

    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {
        recordsRead += 1
        let candidate = RecordBatchV2.FilterCandidate(
            offset: offset, timestamp: timestamp, key: key, isTombstone: value == nil)
        guard keep(candidate) else { return }
        if value == nil { tombstonesKept += 1 }
        func append(_ bytes: UnsafeRawBufferPointer?) -> (start: Int, length: Int) {
            guard let bytes else { return (storage.count, -1) }
            let start = storage.count
            storage.append(contentsOf: bytes)
            return (start, bytes.count)
        }
        let keyRange = append(key)
        let valueRange = append(value)
        let headersRange = append(headers.bytes)
        records.append(RetainedRecord(
            offsetDelta: Int32(truncatingIfNeeded: offset &- baseOffset), timestamp: timestamp,
            keyStart: keyRange.start, keyLength: keyRange.length, valueStart: valueRange.start,
            valueLength: valueRange.length, headersStart: headersRange.start, headersLength: headersRange.length,
            headerCount: headers.count))
    }
}

/// Kept records as an encoder's source, with their original offset deltas.
struct RetainedRecordSource: EncodableRecords {
    let records: [RetainedRecord]
    let storage: UnsafeRawBufferPointer

    var count: Int { records.count }

    @inline(__always)
    func offsetDelta(at index: Int) -> Int32 { records[index].offsetDelta }

    @inline(__always)
    func timestamp(at index: Int) -> Int64 { records[index].timestamp }

    @inline(__always)
    func keyLength(at index: Int) -> Int { records[index].keyLength }

    @inline(__always)
    func valueLength(at index: Int) -> Int { records[index].valueLength }

    @inline(__always)
    func headersSize(at index: Int) -> Int {
        Varint.size(Int64(records[index].headerCount)) + records[index].headersLength
    }

    @inline(__always)
    func writeKey(at index: Int, into writer: inout ByteWriter) {
        let record = records[index]
        guard record.keyLength > 0 else { return }
        writer.writeBytes(UnsafeRawBufferPointer(rebasing: storage[record.keyStart ..< record.keyStart + record.keyLength]))
    }

    @inline(__always)
    func writeValue(at index: Int, into writer: inout ByteWriter) {
        let record = records[index]
        guard record.valueLength > 0 else { return }
        writer.writeBytes(
            UnsafeRawBufferPointer(rebasing: storage[record.valueStart ..< record.valueStart + record.valueLength]))
    }

    @inline(__always)
    func writeHeaders(at index: Int, into writer: inout ByteWriter) {
        let record = records[index]
        writer.writeVarint(Int32(record.headerCount))
        guard record.headersLength > 0 else { return }
        writer.writeBytes(
            UnsafeRawBufferPointer(rebasing: storage[record.headersStart ..< record.headersStart + record.headersLength]))
    }
}
