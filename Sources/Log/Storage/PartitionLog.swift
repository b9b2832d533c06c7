import Dispatch
import Foundation
import Logging
import Synchronization

/// One partition of a topic: a directory of segments holding Kafka
/// RecordBatch v2 batches, offsets assigned at append.
///
/// Directory layout (names as Kafka's):
///
///     <directory>/00000000000000000000.log        batches from offset 0
///     <directory>/00000000000000000000.index      sparse offset index
///     <directory>/00000000000000000000.timeindex  time index
///     <directory>/00000000000000368769.log        next segment, from offset 368769
///     …
///
/// `open` recovers the directory (see `Segment+Recovery.swift`): a torn
/// tail left by a crash (the active segment's file ends inside a batch) is
/// cut at the last whole batch and logged with the file, byte position,
/// bytes cut and offsets kept; damage anywhere, even in the last complete
/// batch, is kept and reported, never dropped (`repair` removes it);
/// missing or inconsistent indexes are rebuilt. A read-only open changes
/// nothing on disk.
///
/// # Durability (`flush.mode`)
/// - `every-append`: `append` fsyncs the `.log` file before it returns.
/// - `interval`: data is fsynced within `flush.ms` of being appended. An
///   append that leaves data unflushed schedules a background flush
///   `flush.ms` later when none is pending (a Dispatch timer on a global
///   queue; it takes the partition's lock and fsyncs if the oldest unflushed
///   append is due, else waits the remainder). An append that finds the
///   oldest unflushed append already `flush.ms` old fsyncs before it
///   returns, so a late timer cannot stretch the window while appends keep
///   coming.
/// - `bytes`: the append that brings the unflushed bytes to `flush.bytes`
///   fsyncs before it returns.
/// - `never`: no fsync; the page cache writes the data back.
/// `flushedOffset` tells how far data is known to be on disk. Rolling a
/// segment fsyncs the old one and the directory (all modes but `never`).
///
/// # Compaction
/// On compacted topics `compact` (see `PartitionLog+Compaction.swift`)
/// rewrites older segments keeping the latest record per key, so offsets
/// may have gaps; reads return the next higher record.
///
/// # Thread safety
/// Safe to use from any thread. One lock serialises appends, reads,
/// retention and truncation of the partition; a read copies its bytes out
/// under the lock, so the returned `LogSlice` is independent of later
/// changes. A compaction pass takes the lock only to plan and to swap its
/// segments in.
///
/// # Ownership
/// Owns the partition's files while open. One process may open a
/// directory at a time (`DataDirectory` holds a lock for that).
public final class PartitionLog: Sendable {
    public let partition: TopicPartition
    public let directory: String
    private let core: Mutex<PartitionLogCore>

    private init(partition: TopicPartition, directory: String, core: consuming sending PartitionLogCore) {
        self.partition = partition
        self.directory = directory
        self.core = Mutex(core)
    }

    /// Opens (creating when missing) and recovers the partition in
    /// `directory`.
    /// - Parameters:
    ///   - partition: the name used in messages; by default the directory's
    ///     parent name and its own name as the number (`<topic>/<n>`).
    ///   - logger: where recovery, retention and failures are reported.
    ///   - clock: wall-clock milliseconds since the epoch; `segment.ms`
    ///     counts with it for segments whose batches carry no timestamp.
    ///   - readOnly: change nothing on disk, now or later: a torn tail is
    ///     left in place (reads end before it), indexes that disagree with
    ///     the log are rebuilt in memory only, and appends, truncation,
    ///     retention, compaction and repair throw `LogError.readOnly`.
    public static func open(
        directory: String, config: TopicConfig, partition: TopicPartition? = nil,
        logger: Logger = Logger(label: "streamhost.log"),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.wallClockMilliseconds, readOnly: Bool = false
    ) throws(LogError) -> PartitionLog {
        let name = partition ?? defaultName(directory)
        let core = try PartitionLogCore.open(
            directory: directory, config: config, partition: name, logger: logger, clock: clock, readOnly: readOnly)
        return PartitionLog(partition: name, directory: directory, core: core)
    }

    /// Milliseconds since the Unix epoch, from the system clock.
    @Sendable public static func wallClockMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    private static func defaultName(_ directory: String) -> TopicPartition {
        let parts = directory.split(separator: "/")
        let number = parts.last.flatMap { Int($0) }
        let topic = number != nil && parts.count >= 2 ? String(parts[parts.count - 2]) : String(parts.last ?? "")
        return TopicPartition(topic: topic, partition: number ?? 0)
    }

    /// Appends one batch and returns the offsets it was given.
    ///
    /// `batch` must be exactly one Kafka RecordBatch v2 with a valid CRC,
    /// at least one record, lastOffsetDelta = recordCount - 1, and at most
    /// `max.message.bytes`, and on a compacted topic (`cleanup.policy`
    /// compact or compact,delete) a key on every record, and every record
    /// readable (`RecordBatchV2.validateRecords`); otherwise
    /// `LogError.invalidBatch` (or `.invalidRecord` for a record that reads
    /// but has its offset delta out of order) is thrown, naming the record,
    /// and nothing is written. Its baseOffset is set to `endOffset` in place
    /// (baseOffset is outside the CRC). The call returns once the topic's
    /// `flush.mode` is met (see the type's documentation).
    ///
    /// A failed write (such as ENOSPC) or fsync cuts the segment back to
    /// its previous end, so no partial batch is ever visible; the partition
    /// stays readable and the error says "the append was not stored".
    @discardableResult
    public func append(_ batch: inout [UInt8]) throws(LogError) -> (first: Int64, last: Int64) {
        let result = try core.withLock { (core) throws(LogError) -> PartitionLogCore.AppendResult in
            try core.append(&batch)
        }
        if let delay = result.scheduleFlushAfterMilliseconds { scheduleFlush(afterMilliseconds: delay) }
        return (result.first, result.last)
    }

    /// Whole batches starting with the one holding `offset`, up to
    /// `maxBytes` but always at least one batch (even a larger one), all from
    /// one segment. `nextOffset` of the result is where to read next. Reading
    /// at `endOffset` returns an empty slice; outside `startOffset ...
    /// endOffset` throws `offsetOutOfRange`.
    ///
    /// Offsets increase but may have gaps where compaction removed records:
    /// a read from a removed offset starts with the first batch holding a
    /// higher one (whose records may all be below `offset` when compaction
    /// kept only the batch's first records; skip those). When nothing is
    /// left from `offset` to the end, the slice is empty and its
    /// `nextOffset` is `endOffset`.
    ///
    /// Every batch is checked (header, CRC-32C, increasing offsets). A bad
    /// first batch throws `LogError.corruptBatch` naming the file, byte
    /// position and offset, and how to repair; a bad later batch ends the
    /// slice before it. Nothing is skipped silently.
    public func read(from offset: Int64, maxBytes: Int) throws(LogError) -> LogSlice {
        try core.withLock { (core) throws(LogError) -> LogSlice in try core.read(from: offset, maxBytes: maxBytes) }
    }

    /// A read as `read(from:maxBytes:)` for `.readUncommitted`. For
    /// `.readCommitted` the slice stops before the last stable offset
    /// (`nextOffset` is then at most the LSO, and a read at the LSO is
    /// empty) and lists the aborted transactions its batches may belong
    /// to; `LogSlice.visibleBatches` skips those and the markers.
    public func read(from offset: Int64, maxBytes: Int, isolation: IsolationLevel) throws(LogError) -> LogSlice {
        try core.withLock { (core) throws(LogError) -> LogSlice in
            switch isolation {
            case .readUncommitted: try core.read(from: offset, maxBytes: maxBytes)
            case .readCommitted: try core.readCommitted(from: offset, maxBytes: maxBytes)
            }
        }
    }

    /// The last stable offset: the first offset of the earliest transaction
    /// still open in the partition, else `endOffset`. Read-committed
    /// readers read up to it.
    public var lastStableOffset: Int64 { core.withLock { $0.lastStableOffset } }

    /// The transactions still open in the partition, oldest first.
    public var openTransactions: [OpenTransaction] { core.withLock { $0.openTransactions } }

    /// The aborted transactions whose batches may lie in `range`.
    public func abortedTransactions(overlapping range: Range<Int64>) -> [AbortedTransaction] {
        core.withLock { $0.transactions.aborted(overlapping: range) }
    }

    /// Appends a transactional data batch or a marker: for the
    /// `TransactionCoordinator` only, which registers the partition with
    /// the transaction first. Refuses a batch of an epoch older than the
    /// partition has seen for its producer id (`producerFenced`).
    @discardableResult
    func appendTransactional(_ batch: inout [UInt8]) throws(LogError) -> (first: Int64, last: Int64) {
        let result = try core.withLock { (core) throws(LogError) -> PartitionLogCore.AppendResult in
            try core.append(&batch, transactional: true)
        }
        if let delay = result.scheduleFlushAfterMilliseconds { scheduleFlush(afterMilliseconds: delay) }
        return (result.first, result.last)
    }

    /// The offset of the first record, in offset order, whose timestamp is at
    /// or after `timestamp`; nil when every record is older (Kafka's
    /// ListOffsets by timestamp).
    public func offset(forTimestamp timestamp: Int64) throws(LogError) -> Int64? {
        let found = try core.withLock { (core) throws(LogError) -> (offset: Int64, bytes: [UInt8])? in
            guard let (segment, location) = try core.batch(forTimestamp: timestamp) else { return nil }
            let slice = try segment.read(from: location, maxBytes: 0)
            return (location.header.baseOffset, slice.bytes)
        }
        guard let found else { return nil }
        let offset = found.bytes.withUnsafeBytes { buffer in
            // The batch's largest timestamp reaches `timestamp`; find the
            // record that does. A batch that cannot be decoded still bounds
            // the answer from below.
            guard let records = try? RecordBatchV2.decode(buffer) else { return found.offset }
            return records.first(where: { $0.timestamp >= timestamp })?.offset ?? found.offset
        }
        // Never below the start offset DeleteRecords set inside a batch.
        return max(offset, startOffset)
    }

    /// The first offset still in the partition (retention moves it up).
    public var startOffset: Int64 { core.withLock { $0.startOffset } }

    /// The offset the next appended record gets.
    public var endOffset: Int64 { core.withLock { $0.endOffset } }

    /// Every offset below this one is fsynced (see `flush.mode`).
    public var flushedOffset: Int64 { core.withLock { $0.flushedOffset } }

    /// Bytes of all segments' `.log` files.
    public var sizeInBytes: Int { core.withLock { $0.sizeInBytes } }

    /// How many segments the partition has (the last is active).
    public var segmentCount: Int { core.withLock { $0.segments.count } }

    /// The base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { core.withLock { $0.segments.map(\.baseOffset) } }

    public var config: TopicConfig { core.withLock { $0.config } }

    /// Replaces the config; segment size, retention and flushing follow it
    /// from the next operation on.
    public func update(config: TopicConfig) {
        core.withLock { $0.update(config: config) }
    }

    /// fsyncs everything appended so far.
    public func flush() throws(LogError) {
        try core.withLock { (core) throws(LogError) in try core.flush() }
    }

    /// Deletes whole old segments (never the active one) by `retention.ms`
    /// (a segment's newest record timestamp against `now`) and then
    /// `retention.bytes`; returns how many were deleted. Topics with
    /// cleanup.policy=compact are left alone (compact,delete ones are not).
    @discardableResult
    public func applyRetention(now: Int64) throws(LogError) -> Int {
        try core.withLock { (core) throws(LogError) -> Int in try core.applyRetention(nowMilliseconds: now) }
    }

    /// Removes the batch holding `offset` and everything after it (or from
    /// the first unreadable batch before it); returns the new end offset.
    /// The end offset moves back, so the offsets removed are handed out
    /// again: readers that had read them would miss the new records. Repair
    /// damage with `repair()` instead, which keeps every offset.
    @discardableResult
    public func truncate(toOffset offset: Int64) throws(LogError) -> Int64 {
        try core.withLock { (core) throws(LogError) -> Int64 in try core.truncate(toOffset: offset) }
    }

    /// Flushes (unless flush.mode is never) and closes the files; later
    /// calls throw `partitionClosed`. Closing twice is harmless.
    public func close() throws(LogError) {
        try core.withLock { (core) throws(LogError) in try core.close() }
    }

    /// Runs `body` under the partition's lock (for the extensions of this
    /// type in other files).
    func withCore<Result, Failure: Error>(
        _ body: (PartitionLogCore) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        try core.withLock { (core) throws(Failure) -> sending Result in try body(core) }
    }

    var logger: Logger { core.withLock { $0.logger } }

    func scheduleFlush(afterMilliseconds delay: Int64) {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .milliseconds(Int(delay))) { [weak self] in
            guard let self else { return }
            if let next = self.core.withLock({ $0.runScheduledFlush() }) {
                self.scheduleFlush(afterMilliseconds: next)
            }
        }
    }
}

extension PartitionLog {
    /// Removes damaged bytes (batches whose header, CRC or offsets fail,
    /// and anything unreadable) from every segment, keeping every whole
    /// batch; returns what was found and removed. The end offset never
    /// moves back: the offsets a removed region held become a gap that
    /// reads pass over, and appends continue above every offset handed out
    /// before. With `dryRun` nothing is changed (a read-only partition
    /// allows only that). See `RepairReport` and `PartitionLogCore+Repair`.
    public func repair(dryRun: Bool = false) throws(LogError) -> RepairReport {
        try repair(dryRun: dryRun, fault: nil)
    }

    /// `repair` stopped at a step by `fault` (tests: a crash there).
    func repair(dryRun: Bool, fault: CompactionSwap.FaultHook?) throws(LogError) -> RepairReport {
        try withCore { (core) throws(LogError) -> RepairReport in try core.repair(dryRun: dryRun, fault: fault) }
    }
}
