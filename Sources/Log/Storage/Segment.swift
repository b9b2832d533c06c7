import Logging
import DurableFiles

/// One segment of a partition: a `.log` file of RecordBatch v2 bytes holding
/// offsets from `baseOffset` on, with its sparse offset index (`.index`) and
/// time index (`.timeindex`).
///
/// Only the partition's last segment (the active one) is appended to.
/// Reads find a batch through the offset index, then scan batch headers
/// (61 bytes each) from the indexed position; they check every header, the
/// batch's CRC and that offsets increase, and a failed check is an error
/// naming the file, byte position and offset.
///
/// Within a segment offsets increase but need not be contiguous: appends
/// write each batch right after the previous one's last offset, while
/// compaction (`LogCleaner`) drops whole batches and so leaves gaps. A
/// batch keeps its base offset and last offset when compaction removes
/// some of its records (Kafka's rule), so a gap is always between batches,
/// and the segment's first batch may start above `baseOffset`. baseOffset
/// lies outside a batch's CRC (Kafka's format), so a base offset damaged
/// upwards cannot be told from a gap; one damaged downwards is reported.
///
/// # Thread safety
/// Not thread-safe: owned by one `PartitionLog`, used under its lock.
///
/// # Ownership
/// Owns its three files; `close()` releases them, `delete()` removes them.
final class Segment {
    let baseOffset: Int64
    let directory: String
    let partition: TopicPartition
    let log: DurableFile
    let offsetIndex: IndexFile<OffsetIndexEntry>
    let timeIndex: IndexFile<TimeIndexEntry>
    /// Wall-clock milliseconds when this object was created; `segment.ms`
    /// counts from it while the segment has no batch.
    let createdAtMilliseconds: Int64
    let logger: Logger

    /// The logical size of the `.log` file: the end of its last whole batch.
    private(set) var size: Int
    /// The offset after the segment's last batch (`baseOffset` while it has
    /// none).
    private(set) var nextOffset: Int64
    private(set) var indexState: SegmentIndexState

    init(
        baseOffset: Int64, directory: String, partition: TopicPartition, log: DurableFile,
        offsetIndex: IndexFile<OffsetIndexEntry>, timeIndex: IndexFile<TimeIndexEntry>,
        size: Int, nextOffset: Int64, indexState: SegmentIndexState, createdAtMilliseconds: Int64, logger: Logger
    ) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.partition = partition
        self.log = log
        self.offsetIndex = offsetIndex
        self.timeIndex = timeIndex
        self.size = size
        self.nextOffset = nextOffset
        self.indexState = indexState
        self.createdAtMilliseconds = createdAtMilliseconds
        self.logger = logger
    }

    /// Creates an empty segment starting at `baseOffset`, replacing any
    /// files of that name.
    static func create(
        directory: String, baseOffset: Int64, partition: TopicPartition, indexIntervalBytes: Int,
        nowMilliseconds: Int64, logger: Logger
    ) throws(FileSystemError) -> Segment {
        let logPath = SegmentFileName.log(directory, baseOffset)
        let log = try DurableFile.open(logPath, create: true, truncate: true)
        do {
            let offsetIndex = try IndexFile<OffsetIndexEntry>.open(
                SegmentFileName.offsetIndex(directory, baseOffset), baseOffset: baseOffset).index
            try offsetIndex.truncate(toCount: 0)
            let timeIndex = try IndexFile<TimeIndexEntry>.open(
                SegmentFileName.timeIndex(directory, baseOffset), baseOffset: baseOffset).index
            try timeIndex.truncate(toCount: 0)
            return Segment(
                baseOffset: baseOffset, directory: directory, partition: partition, log: log,
                offsetIndex: offsetIndex, timeIndex: timeIndex, size: 0, nextOffset: baseOffset,
                indexState: SegmentIndexState(indexIntervalBytes: indexIntervalBytes),
                createdAtMilliseconds: nowMilliseconds, logger: logger)
        } catch {
            log.close()
            for path in [logPath, SegmentFileName.offsetIndex(directory, baseOffset),
                         SegmentFileName.timeIndex(directory, baseOffset)] {
                _ = try? ActiveFileSystem.current.removeFile(path)
            }
            throw error
        }
    }

    var isEmpty: Bool { size == 0 }

    /// Every offset of a segment starting at `baseOffset` is below this one:
    /// an index entry holds an offset relative to the base in 4 bytes. (An
    /// older segment also ends before the next one's base; opening the
    /// partition checks that, and refuses segments that overlap.)
    static func offsetLimit(baseOffset: Int64) -> Int64 {
        baseOffset &+ Int64(Int32.max) &+ 1
    }

    /// Why a batch's offsets cannot belong to a segment whose offsets are
    /// below `limit`, or nil when they can. With gaps allowed between
    /// batches, this is what catches most damaged base offsets (which lie
    /// outside the CRC): a random one lands far outside the segment.
    static func offsetProblem(_ header: RecordBatchHeader, limit: Int64) -> String? {
        guard header.lastOffsetDelta >= 0, header.lastOffset >= header.baseOffset, header.lastOffset < limit else {
            return "the batch's offsets \(header.baseOffset) to \(header.lastOffset) do not fit the segment, whose "
                + "offsets are below \(limit)"
        }
        return nil
    }

    private var readOffsetLimit: Int64 { Self.offsetLimit(baseOffset: baseOffset) }

    /// The segment's largest record timestamp, or the `.log` file's
    /// modification time when no batch has one (Kafka's rule for retention).
    func largestTimestamp() -> Int64 {
        if let maxTimestamp = indexState.maxTimestamp, maxTimestamp >= 0 { return maxTimestamp }
        return (try? log.modificationTimeMilliseconds()) ?? 0
    }

    func setIndexInterval(_ bytes: Int) {
        indexState.indexIntervalBytes = bytes
    }

    // MARK: Appending

    /// Writes `batch` (one whole batch whose header is `header`, offsets
    /// assigned) at the end, adds its index entries, and fsyncs the `.log`
    /// file when `sync` is true.
    ///
    /// All or nothing: on failure the files are cut back to their previous
    /// ends, so no partial batch is ever visible, and the error is thrown.
    func append(_ batch: UnsafeRawBufferPointer, header: RecordBatchHeader, sync: Bool) throws(FileSystemError) {
        precondition(header.baseOffset == nextOffset, "batch at offset \(header.baseOffset) appended where \(nextOffset) is next")
        precondition(batch.count == header.totalSize, "append of \(batch.count) bytes for a \(header.totalSize)-byte batch")
        let position = size
        let offsetEntryCount = offsetIndex.count
        let timeEntryCount = timeIndex.count
        var state = indexState
        let entries = state.add(header, at: position)
        do {
            try log.write(batch, at: position)
            if let entry = entries.offset { try offsetIndex.append(entry) }
            if let entry = entries.time { try timeIndex.append(entry) }
            if sync { try log.syncData() }
        } catch {
            rollBack(logSize: position, offsetEntries: offsetEntryCount, timeEntries: timeEntryCount)
            throw error
        }
        indexState = state
        size = position + batch.count
        nextOffset = header.nextOffset
    }

    /// Cuts the files back after a failed append. A failure here is logged
    /// and otherwise harmless: every write names its position, so bytes past
    /// `size` are overwritten by the next append and cut by recovery.
    private func rollBack(logSize: Int, offsetEntries: Int, timeEntries: Int) {
        do {
            try log.truncate(to: logSize)
            if offsetIndex.count > offsetEntries { try offsetIndex.truncate(toCount: offsetEntries) }
            if timeIndex.count > timeEntries { try timeIndex.truncate(toCount: timeEntries) }
        } catch {
            logger.warning(.init(stringLiteral:
                "\(partition): could not cut \(error.path) back after a failed append (\(error.operation): "
                    + "\(FileSystemError.text(error.code))); the bytes past the last whole batch are ignored and "
                    + "overwritten by the next append"))
        }
    }

    /// Called when the segment stops being the active one: records its
    /// largest timestamp in the time index, and fsyncs its files when
    /// `sync` is true.
    func finishAppends(sync: Bool) throws(FileSystemError) {
        var state = indexState
        if let entry = state.finalTimeEntry() {
            try timeIndex.append(entry)
            indexState = state
        }
        if sync {
            try log.syncData()
            try offsetIndex.sync()
            try timeIndex.sync()
        }
    }

    /// fsyncs the `.log` file.
    func sync() throws(FileSystemError) {
        try log.syncData()
    }

    // MARK: Finding batches

    /// The batch holding `offset`, or the first batch after it when the
    /// segment has a gap there; nil when the segment has no offset ≥ `offset`.
    func lookup(offset: Int64) throws(LogError) -> BatchLocation? {
        guard offset < nextOffset else { return nil }
        guard var location = try firstLocation(from: offsetIndex.floor(offset: offset)) else { return nil }
        while location.header.lastOffset < offset {
            guard let next = try self.location(after: location) else { return nil }
            location = next
        }
        return location
    }

    /// The first batch whose largest timestamp is at least `timestamp`, or
    /// nil when the segment has none.
    func lookup(timestamp: Int64) throws(LogError) -> BatchLocation? {
        guard let maxTimestamp = indexState.maxTimestamp, maxTimestamp >= timestamp else { return nil }
        let start = timeIndex.floor(timestamp: timestamp)?.offset ?? baseOffset
        guard var location = try lookup(offset: start) else { return nil }
        while location.header.maxTimestamp < timestamp {
            guard let next = try self.location(after: location) else { return nil }
            location = next
        }
        return location
    }

    /// The batch at an index entry's position (checked against the entry),
    /// or the segment's first batch when `entry` is nil.
    private func firstLocation(from entry: OffsetIndexEntry?) throws(LogError) -> BatchLocation? {
        let position = entry?.position ?? 0
        guard position < size else { return nil }
        let header = try readHeader(at: position, expectedOffset: entry?.offset ?? baseOffset)
        if let entry, header.lastOffset != entry.offset {
            throw corrupt(
                position, entry.offset,
                "the batch holds offsets \(header.baseOffset) to \(header.lastOffset) but the index says its last "
                    + "offset is \(entry.offset)")
        }
        if entry == nil, header.baseOffset < baseOffset {
            throw corrupt(
                position, baseOffset,
                "the segment's first batch starts at offset \(header.baseOffset), below the segment's base offset "
                    + "\(baseOffset)")
        }
        return try checkedLocation(position, header)
    }

    /// The batch right after `location`, or nil at the end of the segment.
    /// Its base offset must be above the previous batch's last offset (a gap
    /// between them is what compaction leaves).
    func location(after location: BatchLocation) throws(LogError) -> BatchLocation? {
        let position = location.end
        guard position < size else { return nil }
        let expected = location.header.nextOffset
        let header = try readHeader(at: position, expectedOffset: expected)
        guard header.baseOffset >= expected else {
            throw corrupt(
                position, expected,
                "the batch starts at offset \(header.baseOffset) but the batch before it ends at offset "
                    + "\(expected - 1)")
        }
        return try checkedLocation(position, header)
    }

    private func checkedLocation(_ position: Int, _ header: RecordBatchHeader) throws(LogError) -> BatchLocation {
        guard position + header.totalSize <= size else {
            throw corrupt(
                position, header.baseOffset,
                "the batch of \(header.totalSize) bytes runs past the end of the segment's \(size) bytes")
        }
        if let problem = Self.offsetProblem(header, limit: readOffsetLimit) {
            throw corrupt(position, header.baseOffset, problem)
        }
        return BatchLocation(position: position, header: header)
    }

    private func readHeader(at position: Int, expectedOffset: Int64) throws(LogError) -> RecordBatchHeader {
        let bytes: [UInt8]
        do {
            bytes = try log.read(count: RecordBatchHeader.size, at: position)
        } catch {
            throw LogError(error, "nothing was read from \(partition)")
        }
        do {
            return try bytes.withBytes { (buffer) throws(LogFormatError) in try RecordBatchHeader.parse(buffer) }
        } catch {
            throw corrupt(position, expectedOffset, "unreadable batch header: \(error.message)")
        }
    }

    func corrupt(_ position: Int, _ offset: Int64, _ detail: String) -> LogError {
        .corruptBatch(partition, file: log.path, position: position, offset: offset, detail: detail)
    }

    // MARK: Reading

    /// Whole batches starting with the one at `location`: as many as fit in
    /// `maxBytes`, and always the first one. Every batch's header, CRC and
    /// offsets (increasing, gaps allowed) are checked. A bad first batch is
    /// an error; a bad later batch ends the slice before it, so the next read
    /// (starting there) reports it.
    func read(from location: BatchLocation, maxBytes: Int) throws(LogError) -> LogSlice {
        let wanted = min(size - location.position, max(location.header.totalSize, maxBytes))
        var bytes: [UInt8]
        do {
            bytes = try log.read(count: wanted, at: location.position)
        } catch {
            throw LogError(error, "nothing was read from \(partition)")
        }
        var cursor = 0
        var batchCount = 0
        var nextOffset = location.header.baseOffset
        // A bad batch after the first ends the slice; the next read starts
        // at it and reports it.
        var failure: LogError?
        bytes.withUnsafeBytes { buffer in
            while cursor + RecordBatchHeader.size <= buffer.count {
                let batch = UnsafeRawBufferPointer(rebasing: buffer[cursor...])
                let header: RecordBatchHeader
                do throws(LogFormatError) {
                    header = try RecordBatchV2.checkCRC(batch)
                } catch {
                    // A later batch cut off by maxBytes is not an error: it
                    // is simply not part of this slice.
                    if error.kind == .truncated && batchCount > 0 { break }
                    failure = corrupt(location.position + cursor, nextOffset, error.message)
                    break
                }
                if header.baseOffset < nextOffset {
                    failure = corrupt(
                        location.position + cursor, nextOffset,
                        "the batch starts at offset \(header.baseOffset) but the batch before it ends at offset "
                            + "\(nextOffset - 1)")
                    break
                }
                if let problem = Self.offsetProblem(header, limit: readOffsetLimit) {
                    failure = corrupt(location.position + cursor, nextOffset, problem)
                    break
                }
                cursor += header.totalSize
                nextOffset = header.nextOffset
                batchCount += 1
            }
        }
        if batchCount == 0 {
            throw failure ?? corrupt(location.position, nextOffset, "the file ends inside the batch")
        }
        bytes.removeSubrange(cursor...)
        return LogSlice(bytes: bytes, firstOffset: location.header.baseOffset, nextOffset: nextOffset, batchCount: batchCount)
    }

    // MARK: Truncation and deletion

    /// The position to cut the `.log` file at so that it keeps only batches
    /// below `offset`: the start of the batch holding `offset` (the whole
    /// batch goes), or of the first batch that cannot be read, whichever
    /// comes first. Used by repair, so it tolerates what `lookup` rejects.
    func truncationPosition(for offset: Int64) -> Int {
        let entry = offsetIndex.floor(offset: offset - 1)
        var position = entry?.position ?? 0
        var expected: Int64? = entry == nil ? baseOffset : nil
        while position < size {
            guard let bytes = try? log.read(count: RecordBatchHeader.size, at: position),
                  let header = try? bytes.withBytes({ (buffer) throws(LogFormatError) in
                      try RecordBatchHeader.parse(buffer)
                  }),
                  expected.map({ header.baseOffset >= $0 }) ?? true,
                  header.lastOffset < offset,
                  position + header.totalSize <= size
            else { return position }
            position += header.totalSize
            expected = header.nextOffset
        }
        return position
    }

    /// Closes the files.
    func close() {
        log.close()
        offsetIndex.close()
        timeIndex.close()
    }

    /// Removes the segment's files. The `.log` file is first renamed to
    /// `.log.deleted`, so a crash midway cannot bring the segment back
    /// (recovery removes leftover `.deleted` files). Throws only when that
    /// rename fails, in which case nothing changed; a failure to unlink
    /// afterwards is logged and left to recovery.
    func delete() throws(FileSystemError) {
        let logPath = log.path
        try ActiveFileSystem.current.rename(logPath, to: logPath + SegmentFileName.deletedSuffix)
        close()
        for path in [offsetIndex.path, timeIndex.path, logPath + SegmentFileName.deletedSuffix] {
            do {
                try ActiveFileSystem.current.removeFile(path)
            } catch {
                logger.warning(.init(stringLiteral:
                    "\(partition): could not remove \(path) (\(FileSystemError.text(error.code))); it is removed "
                        + "when the partition is next opened"))
            }
        }
    }
}
