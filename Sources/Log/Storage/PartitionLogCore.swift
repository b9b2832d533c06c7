import Dispatch
import Logging
import DurableFiles

/// The state and logic of one partition: its segments, appends, reads,
/// durability bookkeeping, retention and truncation. `PartitionLog` is its
/// thread-safe front; see there for what each operation promises.
///
/// # Thread safety
/// Not thread-safe: used only under `PartitionLog`'s lock.
///
/// # Ownership
/// Owns its segments (and so their files).
final class PartitionLogCore {
    /// The most bytes one read returns beyond its first batch, whatever
    /// `maxBytes` asks for: a bound on the buffer a read allocates.
    static let readBytesMax = 64 << 20

    let partition: TopicPartition
    let directory: String
    let logger: Logger
    let clock: @Sendable () -> Int64
    private(set) var config: TopicConfig
    /// Oldest first; never empty. The last one is the active segment.
    /// Changed by appends (a roll), retention, truncation and compaction's
    /// commit (`PartitionLogCore+Compaction.swift`).
    var segments: [Segment]
    /// Every offset below this one has been fsynced.
    private(set) var flushedOffset: Int64
    private(set) var unflushedBytes = 0
    /// Monotonic time of the oldest append not yet fsynced.
    private var firstUnflushedAppendNanoseconds: UInt64?
    /// Whether a background flush is scheduled (`flush.mode=interval`).
    var flushScheduled = false
    private(set) var isClosed = false
    /// How far the partition is compacted (`CleanerCheckpoint`); nil when
    /// no pass is on record, so the whole log counts as dirty.
    var cleanerCheckpoint: CleanerCheckpoint?
    /// Whether a compaction pass of this partition is between planning and
    /// commit: a second one is refused meanwhile.
    var compactionRunning = false
    /// Open and aborted transactions and producer epochs
    /// (`PartitionLogCore+Transactions.swift`).
    var transactions = PartitionTransactions()
    /// Whether the partition's `transactional` flag file exists (it has held
    /// a transactional batch, so opening it reads every batch header).
    var hasTransactionalFlag = false
    /// Idempotent producers' sequences (`PartitionLogCore+Producers.swift`).
    var producers = ProducerStateTable()
    /// The offset of the `producer-state` snapshot on disk; nil when the
    /// partition has none (it never held a batch with a producer id).
    var producerSnapshotOffset: Int64?
    /// The active segment when the snapshot was written: a roll rewrites it.
    var producerSnapshotSegmentBase: Int64?
    var producersExpiredSinceSnapshot = false
    /// The log start offset DeleteRecords set (`LogStartOffsetFile`); 0
    /// when none.
    var logStartOffsetFloor: Int64 = 0
    /// Opened by a command that only reads: every operation that would
    /// change the partition throws `readOnly` (see `PartitionLogCore.open`).
    let readOnly: Bool

    init(
        partition: TopicPartition, directory: String, config: TopicConfig, segments: [Segment],
        logger: Logger, clock: @escaping @Sendable () -> Int64, readOnly: Bool = false
    ) {
        precondition(!segments.isEmpty, "a partition has at least one segment")
        self.partition = partition
        self.directory = directory
        self.config = config
        self.segments = segments
        self.logger = logger
        self.clock = clock
        self.readOnly = readOnly
        self.flushedOffset = segments[segments.count - 1].nextOffset
    }

    var active: Segment { segments[segments.count - 1] }
    /// The first readable offset: the first segment's base offset, or
    /// above it where DeleteRecords moved it (`logStartOffsetFloor`).
    var startOffset: Int64 { max(segments[0].baseOffset, logStartOffsetFloor) }
    var endOffset: Int64 { active.nextOffset }
    var sizeInBytes: Int { segments.reduce(0) { $0 + $1.size } }

    func checkOpen() throws(LogError) {
        if isClosed { throw .partitionClosed(partition) }
    }

    /// Throws unless the partition is open for writing; `operation` says
    /// what was refused.
    func checkWritable(_ operation: String) throws(LogError) {
        try checkOpen()
        if readOnly { throw .readOnly(path: directory, operation: "\(operation) \(partition)") }
    }

    // MARK: Append

    /// What `append` did, for `PartitionLog` to act on.
    struct AppendResult {
        let first: Int64
        let last: Int64
        /// Milliseconds after which a background flush must run, when one
        /// was not scheduled yet (`flush.mode=interval`).
        let scheduleFlushAfterMilliseconds: Int64?
    }

    /// Appends one batch. Transactional and control batches come only from
    /// the `TransactionCoordinator` (`transactional: true`): it registers
    /// the partition with the transaction first, so that recovery knows
    /// every partition a transaction may have written to.
    func append(_ batch: inout [UInt8], transactional: Bool = false) throws(LogError) -> AppendResult {
        try checkWritable("append to")
        var header = try validate(batch)
        var marker: ControlRecord?
        if header.isTransactional || header.isControl {
            guard transactional else {
                throw .invalidBatch(
                    partition,
                    reason: "the batch is \(header.isControl ? "a control batch" : "transactional") (attributes "
                        + "\(header.attributes)); transactional batches are appended through a transaction "
                        + "(TransactionCoordinator, or log_txn_append in a plugin), and control batches only by "
                        + "the coordinator")
            }
            marker = try checkTransactional(batch, header)
        }
        let first = endOffset
        let last = first + Int64(header.lastOffsetDelta)
        if shouldRoll(header, size: batch.count, lastOffset: last) {
            do {
                try roll()
            } catch {
                logger.error("\(partition): \(error)")
                throw error
            }
        }
        try prepareProducerBatch(header)
        batch.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(first, in: $0) }
        header.baseOffset = first
        if config.messageTimestampType == .logAppendTime, !header.isControl {
            let (now, unstamped) = (clock(), header)
            header = batch.withUnsafeMutableBytes { RecordBatchV2.setLogAppendTime(now, in: $0, header: unstamped) }
        }
        let sync = shouldSync(appending: batch.count)
        let unflushedBefore = flushedOffset < first ? " Offsets \(flushedOffset) to \(first - 1), appended earlier, "
            + "are not fsynced yet either." : ""
        do {
            try batch.withBytes { (buffer) throws(FileSystemError) in
                try active.append(buffer, header: header, sync: sync)
            }
        } catch {
            let failure = LogError(
                error,
                "the append was not stored (\(partition) is unchanged and still readable, next offset \(first))."
                    + (sync && error.operation == "fsync" ? unflushedBefore : ""))
            logger.error("\(failure)")
            throw failure
        }
        if header.isTransactional { transactions.record(header, marker: marker) }
        recordProducerBatch(header)
        if sync {
            markFlushed()
        } else {
            unflushedBytes += batch.count
            if firstUnflushedAppendNanoseconds == nil { firstUnflushedAppendNanoseconds = Self.monotonicNanoseconds() }
        }
        var delay: Int64?
        if config.flushMode == .interval && unflushedBytes > 0 && !flushScheduled {
            flushScheduled = true
            delay = config.flushMs
        }
        return AppendResult(first: first, last: last, scheduleFlushAfterMilliseconds: delay)
    }

    /// Checks a batch before anything is written: one whole v2 batch with a
    /// valid CRC, records numbered 0 ..< recordCount, within max.message.bytes,
    /// every record readable and following the rules of
    /// `RecordBatchV2.validateRecords`, and on a compacted topic a key on
    /// every record.
    private func validate(_ batch: [UInt8]) throws(LogError) -> RecordBatchHeader {
        let header: RecordBatchHeader
        do {
            header = try batch.withBytes { (buffer) throws(LogFormatError) in try RecordBatchV2.checkCRC(buffer) }
        } catch {
            throw .invalidBatch(partition, reason: error.message)
        }
        guard batch.count == header.totalSize else {
            throw .invalidBatch(
                partition,
                reason: "the buffer holds \(batch.count) bytes but its batch is \(header.totalSize) bytes; append "
                    + "takes exactly one batch")
        }
        guard batch.count <= config.maxMessageBytes else {
            throw .invalidBatch(
                partition,
                reason: "the batch is \(batch.count) bytes, more than max.message.bytes=\(config.maxMessageBytes); "
                    + "send smaller batches or raise the topic's max.message.bytes")
        }
        guard header.recordCount > 0, Int64(header.lastOffsetDelta) == Int64(header.recordCount) - 1 else {
            throw .invalidBatch(
                partition,
                reason: "recordCount \(header.recordCount) and lastOffsetDelta \(header.lastOffsetDelta) do not "
                    + "describe records numbered from 0 (a batch to append holds at least one record, and its "
                    + "lastOffsetDelta is recordCount - 1)")
        }
        // Every record, so that no reader later fails on a batch the log
        // accepted (Kafka's LogValidator does the same).
        do {
            try batch.withBytes { (buffer) throws(LogFormatError) in
                try RecordBatchV2.validateRecords(buffer, crcVerified: true)
            }
        } catch {
            var reason = error.message
            if let byte = error.byteOffset {
                reason += " (at byte \(byte) of the \(error.inDecompressedRecords ? "decompressed records" : "batch"))"
            }
            throw error.kind == .invalidRecord
                ? .invalidRecord(partition, reason: reason) : .invalidBatch(partition, reason: reason)
        }
        if config.cleanupPolicy.compacts {
            // Compaction keeps the latest record per key, so a keyless
            // record has no meaning there; Kafka refuses it too.
            let keyless: Int?
            do {
                keyless = try batch.withBytes { (buffer) throws(LogFormatError) in
                    try RecordBatchV2.firstRecordWithoutKey(buffer, crcVerified: true)
                }
            } catch {
                throw .invalidBatch(partition, reason: error.message)
            }
            if let keyless {
                throw .invalidBatch(
                    partition,
                    reason: "record \(keyless) of the batch (0-based) has no key, and the topic has "
                        + "cleanup.policy=\(config.cleanupPolicy.rawValue): compaction keeps the latest record per "
                        + "key, so every record needs one; give the records keys or use a topic with "
                        + "cleanup.policy=delete")
            }
        }
        return header
    }

    /// Kafka's roll rules: the segment would pass segment.bytes; its first
    /// batch is more than segment.ms older than this one (by record
    /// timestamps, or by wall clock while it has none); or the batch's last
    /// offset would not fit the index's 4-byte relative offset.
    private func shouldRoll(_ header: RecordBatchHeader, size: Int, lastOffset: Int64) -> Bool {
        let segment = active
        // A segment that holds only damage (kept by recovery) has no
        // offset yet: a new segment would take its name and file.
        guard !segment.isEmpty, segment.nextOffset > segment.baseOffset else { return false }
        if segment.size + size > config.segmentBytes { return true }
        if lastOffset - segment.baseOffset > Int64(Int32.max) { return true }
        let waited: Int64
        if let first = segment.indexState.firstBatchMaxTimestamp, first >= 0 {
            waited = header.maxTimestamp &- first
        } else {
            waited = clock() - segment.createdAtMilliseconds
        }
        return waited > config.segmentMs
    }

    /// Starts a new active segment at the end offset (or at `base`, above
    /// it: repair keeps the offsets of removed damage). The old one gets its
    /// final time-index entry and, unless flush.mode is never, an fsync of
    /// its files; the new file's directory entry is fsynced as well.
    func roll(at base: Int64? = nil) throws(LogError) {
        precondition(base.map { $0 >= endOffset } ?? true, "a segment rolled at \(base!), below the end offset \(endOffset)")
        let old = active
        let sync = config.flushMode != .never
        let base = base ?? endOffset
        precondition(base > old.baseOffset, "a segment rolled at \(base) would replace \(old.log.path)")
        do {
            try old.finishAppends(sync: sync)
        } catch {
            throw LogError(error, "the segment was not rolled and the append was not stored")
        }
        if sync { markFlushed() }
        let segment: Segment
        do {
            segment = try Segment.create(
                directory: directory, baseOffset: base, partition: partition,
                indexIntervalBytes: config.indexIntervalBytes, nowMilliseconds: clock(), logger: logger)
        } catch {
            throw LogError(error, "no new segment was started and the append was not stored")
        }
        if sync {
            do {
                try ActiveFileSystem.current.syncDirectory(directory)
            } catch {
                segment.close()
                for path in [segment.log.path, segment.offsetIndex.path, segment.timeIndex.path] {
                    _ = try? ActiveFileSystem.current.removeFile(path)
                }
                throw LogError(error, "no new segment was started and the append was not stored")
            }
        }
        segments.append(segment)
        logger.debug("\(partition): rolled to segment \(segment.log.path) at offset \(base)")
    }

    // MARK: Durability

    private func shouldSync(appending size: Int) -> Bool {
        switch config.flushMode {
        case .everyAppend:
            return true
        case .never:
            return false
        case .bytes:
            return unflushedBytes + size >= config.flushBytes
        case .interval:
            guard let first = firstUnflushedAppendNanoseconds else { return false }
            return Self.monotonicNanoseconds() - first >= UInt64(config.flushMs) * 1_000_000
        }
    }

    private func markFlushed() {
        flushedOffset = endOffset
        unflushedBytes = 0
        firstUnflushedAppendNanoseconds = nil
    }

    /// fsyncs every segment holding offsets not fsynced yet.
    func flush() throws(LogError) {
        try checkOpen()
        for segment in segments where segment.nextOffset > flushedOffset && !segment.isEmpty {
            do {
                try segment.sync()
            } catch {
                throw LogError(error, "offsets \(flushedOffset) to \(endOffset - 1) of \(partition) may not be durable")
            }
        }
        markFlushed()
    }

    /// The background flush of flush.mode=interval. Returns the delay after
    /// which to run again, or nil when nothing is left to flush.
    func runScheduledFlush() -> Int64? {
        flushScheduled = false
        guard !isClosed, config.flushMode == .interval, let first = firstUnflushedAppendNanoseconds else { return nil }
        let elapsedMilliseconds = Int64((Self.monotonicNanoseconds() - first) / 1_000_000)
        if elapsedMilliseconds < config.flushMs {
            flushScheduled = true
            return config.flushMs - elapsedMilliseconds
        }
        do {
            try flush()
            return nil
        } catch {
            logger.error("\(partition): background flush failed: \(error); it is retried, and the next append retries it too")
            flushScheduled = true
            return config.flushMs
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    // MARK: Read

    func read(from offset: Int64, maxBytes: Int) throws(LogError) -> LogSlice {
        try checkOpen()
        guard offset >= startOffset && offset <= endOffset else {
            throw .offsetOutOfRange(partition, requested: offset, start: startOffset, end: endOffset)
        }
        var index = segmentIndex(for: offset)
        while index < segments.count {
            let segment = segments[index]
            if let location = try segment.lookup(offset: offset) {
                return try segment.read(from: location, maxBytes: min(maxBytes, Self.readBytesMax))
            }
            index += 1
        }
        // No batch holds an offset from `offset` on: the read is at the end,
        // or compaction removed everything from there to the end.
        return LogSlice(bytes: [], firstOffset: offset, nextOffset: endOffset, batchCount: 0)
    }

    /// The index of the last segment whose base offset is at most `offset`.
    private func segmentIndex(for offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(low - 1, 0)
    }

    /// The first batch, in offset order, with a record timestamp at or after
    /// `timestamp`; nil when there is none.
    func batch(forTimestamp timestamp: Int64) throws(LogError) -> (segment: Segment, location: BatchLocation)? {
        try checkOpen()
        for segment in segments where (segment.indexState.maxTimestamp ?? Int64.min) >= timestamp {
            if let location = try segment.lookup(timestamp: timestamp) { return (segment, location) }
        }
        return nil
    }

    // MARK: Retention

    /// Deletes old segments, never the active one: first those whose
    /// largest timestamp is more than retention.ms old, then the oldest ones
    /// while the rest still hold at least retention.bytes. Stops at the first
    /// segment that must stay. Topics with cleanup.policy=compact are left
    /// alone (compact,delete ones are not).
    func applyRetention(nowMilliseconds now: Int64) throws(LogError) -> Int {
        try checkWritable("apply retention to")
        guard config.cleanupPolicy.deletes else { return 0 }
        var deleted = 0
        if config.retentionMs >= 0 {
            while segments.count > 1, now - segments[0].largestTimestamp() > config.retentionMs {
                try deleteOldestSegment(because: "its newest record is more than retention.ms=\(config.retentionMs) old")
                deleted += 1
            }
        }
        if config.retentionBytes >= 0 {
            var excess = Int64(sizeInBytes) - config.retentionBytes
            while segments.count > 1, excess - Int64(segments[0].size) >= 0 {
                excess -= Int64(segments[0].size)
                try deleteOldestSegment(because: "the partition is larger than retention.bytes=\(config.retentionBytes)")
                deleted += 1
            }
        }
        if deleted > 0 && config.flushMode != .never {
            try? ActiveFileSystem.current.syncDirectory(directory)
        }
        if deleted > 0 { transactions.forget(below: startOffset) }
        return deleted
    }

    func deleteOldestSegment(because reason: String) throws(LogError) {
        let segment = segments[0]
        let description = "\(segment.log.path) (offsets \(segment.baseOffset) to \(segment.nextOffset - 1), "
            + "\(segment.size) bytes)"
        do {
            try segment.delete()
        } catch {
            throw LogError(error, "segment \(segment.log.path) was kept; retention tries again next time")
        }
        segments.removeFirst()
        logger.info("\(partition): deleted segment \(description): \(reason)")
    }

    // MARK: Truncation

    /// Removes every batch holding an offset at or above `offset` (the whole
    /// batch holding `offset` goes, even its lower offsets), or from the
    /// first unreadable batch before it. Returns the new end offset.
    func truncate(toOffset offset: Int64) throws(LogError) -> Int64 {
        try checkWritable("truncate")
        guard offset >= startOffset && offset <= endOffset else {
            throw .offsetOutOfRange(partition, requested: offset, start: startOffset, end: endOffset)
        }
        guard offset < endOffset else { return endOffset }
        let oldEnd = endOffset
        let oldSize = sizeInBytes
        // Newest first, so a crash midway leaves a shorter but whole log.
        while segments.count > 1, active.baseOffset >= offset {
            let segment = active
            do {
                try segment.delete()
            } catch {
                throw LogError(error, "\(partition) was truncated only down to offset \(endOffset); run the repair again")
            }
            segments.removeLast()
        }
        let segment = active
        let position = segment.baseOffset >= offset ? 0 : segment.truncationPosition(for: offset)
        do {
            try segment.log.truncate(to: position)
        } catch {
            throw LogError(error, "\(partition) was truncated only down to offset \(endOffset); run the repair again")
        }
        segment.close()
        // Recovery rebuilds the segment's state and indexes from what is left.
        let reopened = try Segment.recover(
            directory: directory, baseOffset: segment.baseOffset, partition: partition, config: config,
            isActive: true, nowMilliseconds: clock(), logger: logger)
        segments[segments.count - 1] = reopened
        if config.flushMode != .never {
            do {
                try reopened.sync()
                try ActiveFileSystem.current.syncDirectory(directory)
            } catch {
                throw LogError(error, "\(partition) is truncated to offset \(endOffset) but that may not be durable")
            }
        }
        flushedOffset = min(flushedOffset, endOffset)
        unflushedBytes = 0
        firstUnflushedAppendNanoseconds = nil
        lowerLogStartAfterTruncation()
        rebuildTransactions()
        rebuildProducers()
        if let checkpoint = cleanerCheckpoint, checkpoint.firstDirtyOffset > endOffset {
            // Offsets appended from here on must count as dirty again.
            forgetCleanerCheckpoint()
        }
        logger.warning(.init(stringLiteral:
            "\(partition): truncated at offset \(offset): removed offsets \(endOffset) to \(oldEnd - 1) "
                + "(\(oldSize - sizeInBytes) bytes); the partition now ends at offset \(endOffset)"))
        return endOffset
    }

    // MARK: Config and closing

    func update(config newConfig: TopicConfig) {
        config = newConfig
        active.setIndexInterval(newConfig.indexIntervalBytes)
    }

    /// Closes the files without flushing and marks the partition closed:
    /// what a process that dies leaves (compaction's crash tests), and what
    /// remains when a committed compaction could not be completed (opening
    /// the partition again completes it).
    func abandon() {
        for segment in segments { segment.close() }
        isClosed = true
    }

    /// fsyncs what is not yet (unless flush.mode is never) and closes the
    /// files. Later calls throw `partitionClosed`.
    func close() throws(LogError) {
        guard !isClosed else { return }
        var failure: LogError?
        if config.flushMode != .never && flushedOffset < endOffset {
            do { try flush() } catch { failure = error }
        }
        writeProducerSnapshot()
        for segment in segments { segment.close() }
        isClosed = true
        if let failure { throw failure }
    }
}
