import Core
import Foundation
import Synchronization

/// Committed consumer-group offsets, kept in the internal topic
/// `__consumer_offsets` (one partition, `cleanup.policy=compact`,
/// `segment.bytes` 100 MiB as Kafka's `offsets.topic.segment.bytes`).
///
/// Each commit appends one record: key `{"group":G,"topic":T,"partition":P}`
/// and value `{"offset":N}`, plus `"metadata"` (the client's string),
/// `"leader_epoch"` and `"commit_ms"` when there are any (records of older
/// builds have only the offset and read back with empty metadata); a
/// record without a value (a tombstone, written by `deleteOffsets`)
/// removes the key. The latest record per key wins, which is
/// exactly what compaction keeps, so the log cleaner bounds the topic by
/// the number of keys rather than of commits. On open the topic is read
/// from its start to rebuild the table, so the offsets survive restarts
/// with the durability of the log itself.
///
/// # Thread safety
/// All methods may be called from any thread.
public final class ConsumerGroups: Sendable {
    /// The internal topic's name.
    public static let topicName = "__consumer_offsets"

    public struct Key: Hashable, Sendable, Comparable {
        public let group: String
        public let topic: String
        public let partition: Int

        public init(group: String, topic: String, partition: Int) {
            self.group = group
            self.topic = topic
            self.partition = partition
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.group, a.topic, a.partition) < (b.group, b.topic, b.partition)
        }
    }

    /// nil when the data directory is read-only and has no offsets topic.
    private let log: PartitionLog?
    private let directory: DataDirectory
    private let clock: @Sendable () -> Int64
    private let committed = Mutex<[Key: CommittedOffset]>([:])
    /// Offsets committed in transactions not decided yet, by producer id:
    /// applied when the COMMIT marker is written, dropped on ABORT.
    private let pending = Mutex<[Int64: [Key: CommittedOffset]]>([:])

    /// The internal topic's segment size: Kafka's `offsets.topic.segment.bytes`.
    /// Smaller than the 1 GiB default so that segments roll, and so get
    /// compacted, at a modest size.
    public static let segmentBytes = 100 << 20

    /// Opens the offsets store in `directory`, creating its topic on first
    /// use. A topic made by an older build whose cleanup.policy does not
    /// compact is switched to compact. A data directory opened read-only
    /// (without `__consumer_offsets` among its writable topics) is only
    /// read: no topic is made, and commits throw `readOnly`.
    /// - Parameter clock: milliseconds since the Unix epoch, stamped on
    ///   each commit (`CommittedOffset.commitMilliseconds`).
    public init(
        directory: DataDirectory, clock: @escaping @Sendable () -> Int64 = PartitionLog.wallClockMilliseconds
    ) throws(LogError) {
        self.clock = clock
        self.directory = directory
        var topic: Topic
        let writable = directory.allowsWrites(to: Self.topicName)
        if !directory.topics.contains(Self.topicName) && !writable {
            log = nil
            return
        }
        if directory.topics.contains(Self.topicName) {
            topic = try directory.topic(named: Self.topicName)
            if !topic.config.cleanupPolicy.compacts && writable {
                try directory.alterConfig(topic: Self.topicName, changes: ["cleanup.policy": "compact"])
                topic = try directory.topic(named: Self.topicName)
            }
        } else {
            let config = try TopicConfig([
                "cleanup.policy": "compact", "retention.ms": "-1", "segment.bytes": String(Self.segmentBytes),
            ])
            topic = try directory.createTopic(name: Self.topicName, partitions: 1, config: config)
        }
        let log = try topic.partition(0)
        self.log = log
        var table: [Key: CommittedOffset] = [:]
        var open: [Int64: [Key: CommittedOffset]] = [:]
        var offset = log.startOffset
        while offset < log.endOffset {
            let slice = try log.read(from: offset, maxBytes: 1 << 20)
            if slice.isEmpty { break }
            let batches: [StoredBatch]
            do {
                batches = try slice.bytes.withBytes { (raw) throws(LogFormatError) -> [StoredBatch] in
                    try Self.batches(in: raw)
                }
            } catch {
                throw .invalidBatch(log.partition, reason: "consumer offsets at offset \(offset): \(error.message)")
            }
            for batch in batches {
                if batch.header.isControl {
                    let decided = open.removeValue(forKey: batch.header.producerId) ?? [:]
                    if batch.marker?.kind == .commit { table.merge(decided) { $1 } }
                    continue
                }
                for record in batch.records {
                    guard let key = record.key.flatMap(Self.parseKey) else { continue }
                    let commit = record.value.flatMap(Self.parseCommit)
                    if batch.header.isTransactional {
                        open[batch.header.producerId, default: [:]][key] = commit
                    } else {
                        table[key] = commit
                    }
                }
            }
            offset = slice.nextOffset
        }
        committed.withLock { $0 = table }
        pending.withLock { $0 = open }
        let partition = log.partition
        directory.transactions.markerObservers.withLock { observers in
            observers.append { [weak self] marker, markedPartition in
                guard markedPartition == partition else { return }
                self?.transactionEnded(producerId: marker.producerId, committed: marker.kind == .commit)
            }
        }
    }

    /// A batch of the topic, decoded.
    private struct StoredBatch {
        let header: RecordBatchHeader
        let records: [DecodedRecord]
        let marker: ControlRecord?
    }

    private static func batches(in raw: UnsafeRawBufferPointer) throws(LogFormatError) -> [StoredBatch] {
        var batches: [StoredBatch] = []
        var position = 0
        while position < raw.count {
            let header = try RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: raw[position...]))
            // A read returns whole batches; a short one fails to decode.
            let bytes = UnsafeRawBufferPointer(rebasing: raw[position ..< min(position + header.totalSize, raw.count)])
            position += header.totalSize
            batches.append(StoredBatch(
                header: header, records: try RecordBatchV2.decode(bytes),
                marker: header.isControl ? ControlRecord.decode(bytes) : nil))
        }
        return batches
    }

    /// Offsets committed in a transaction (Kafka's TxnOffsetCommit): they
    /// are appended to the topic as part of the transaction `handle` (which
    /// adds the topic's partition to it), and become the committed offsets
    /// when the transaction commits; an abort drops them. Throws as
    /// `TransactionCoordinator.append` does (`transactionNotOpen`,
    /// `producerFenced`).
    public func commitTransactional(_ handle: TransactionHandle, _ offsets: [(Key, CommittedOffset)]) throws(LogError) {
        guard !offsets.isEmpty else { return }
        let (stamped, records) = stampedRecords(offsets)
        // Pending before the append: the transaction may end (a timeout's
        // abort) as soon as the batch is in the log, and its marker must
        // find them. Undone if the append fails.
        let earlier = pending.withLock { pending in
            let earlier = pending[handle.producerId]
            for (key, commit) in stamped { pending[handle.producerId, default: [:]][key] = commit }
            return earlier
        }
        do {
            try directory.transactions.append(handle, topic: Self.topicName, partition: 0, records: records)
        } catch {
            pending.withLock { pending in
                if pending[handle.producerId] != nil { pending[handle.producerId] = earlier }
            }
            throw error
        }
    }

    /// Whether offsets of `key` wait for a transaction's outcome (Kafka's
    /// UNSTABLE_OFFSET_COMMIT for OffsetFetch with require_stable).
    public func hasPendingTransactionalOffset(_ key: Key) -> Bool {
        pending.withLock { $0.values.contains { $0[key] != nil } }
    }

    private func transactionEnded(producerId: Int64, committed isCommitted: Bool) {
        pending.withLock { pending in
            guard let decided = pending.removeValue(forKey: producerId) else { return }
            if isCommitted { committed.withLock { $0.merge(decided) { $1 } } }
        }
    }

    /// The committed offset (the next offset to read), if any.
    public func committedOffset(group: String, topic: String, partition: Int) -> Int64? {
        committed.withLock { $0[Key(group: group, topic: topic, partition: partition)]?.offset }
    }

    /// The committed offset of `key` with its metadata, if any.
    public func committed(_ key: Key) -> CommittedOffset? {
        committed.withLock { $0[key] }
    }

    /// Commits `offset` (the next offset the group will read).
    public func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogError) {
        try commit([(Key(group: group, topic: topic, partition: partition), offset)])
    }

    /// Commits several offsets in one batch.
    public func commit(_ offsets: [(Key, Int64)]) throws(LogError) {
        try commit(offsets.map { ($0.0, CommittedOffset(offset: $0.1)) })
    }

    /// Commits several offsets with their metadata in one batch; each
    /// commit's `commitMilliseconds` is set to the clock's time.
    public func commit(_ offsets: [(Key, CommittedOffset)]) throws(LogError) {
        guard !offsets.isEmpty else { return }
        let (stamped, records) = stampedRecords(offsets)
        try append(records)
        committed.withLock { table in for (key, commit) in stamped { table[key] = commit } }
    }

    /// Removes every committed offset of `group` (tombstones in the topic,
    /// which compaction removes later); returns how many there were.
    @discardableResult
    public func deleteOffsets(group: String) throws(LogError) -> Int {
        let keys = committed.withLock { $0.keys.filter { $0.group == group } }.sorted()
        try deleteOffsets(keys)
        return keys.count
    }

    /// Removes the committed offsets of `keys` (tombstones in one batch);
    /// keys without one are written too, harmlessly.
    public func deleteOffsets(_ keys: [Key]) throws(LogError) {
        guard !keys.isEmpty else { return }
        let now = clock()
        try append(keys.map { LogRecord(timestamp: now, key: Self.encodeKey($0), value: nil, headers: []) })
        committed.withLock { table in for key in keys { table[key] = nil } }
    }

    /// The groups that have committed offsets, sorted.
    public var groups: [String] {
        committed.withLock { Set($0.keys.map(\.group)) }.sorted()
    }

    /// The committed offsets of `group`, sorted by topic and partition.
    public func committed(group: String) -> [(key: Key, commit: CommittedOffset)] {
        committed.withLock { $0.filter { $0.key.group == group }.map { (key: $0.key, commit: $0.value) } }
            .sorted { $0.key < $1.key }
    }

    /// The commits with the clock's time, and their records.
    private func stampedRecords(
        _ offsets: [(Key, CommittedOffset)]
    ) -> (stamped: [(Key, CommittedOffset)], records: [LogRecord]) {
        let now = clock()
        let stamped = offsets.map { key, commit in
            var commit = commit
            if commit.commitMilliseconds < 0 { commit.commitMilliseconds = now }
            return (key, commit)
        }
        let records = stamped.map { key, commit in
            LogRecord(timestamp: now, key: Self.encodeKey(key), value: Self.encodeCommit(commit), headers: [])
        }
        return (stamped, records)
    }

    private func append(_ records: [LogRecord]) throws(LogError) {
        guard let log else {
            throw .readOnly(path: directory.path, operation: "commit consumer-group offsets")
        }
        var batch: [UInt8]
        do {
            batch = try RecordBatchV2.encode(records)
        } catch {
            throw .invalidBatch(log.partition, reason: "consumer offsets: \(error)")
        }
        _ = try log.append(&batch)
    }

    /// Every committed offset, sorted by group, topic and partition.
    public var all: [(key: Key, offset: Int64)] {
        committed.withLock { $0.map { (key: $0.key, offset: $0.value.offset) } }.sorted { $0.key < $1.key }
    }

    static func encodeKey(_ key: Key) -> [UInt8] {
        Array(JSONValue.object(JSONObject([
            ("group", .string(key.group)), ("topic", .string(key.topic)), ("partition", .int(Int64(key.partition))),
        ])).serialized().utf8)
    }

    static func parseKey(_ bytes: [UInt8]) -> Key? {
        guard let value = bytes.withUnsafeBytes({ try? JSONValue.parse(bytes: $0) }),
              let group = value["group"]?.stringValue, let topic = value["topic"]?.stringValue,
              let partition = value["partition"]?.int64Value
        else { return nil }
        return Key(group: group, topic: topic, partition: Int(partition))
    }

    static func encodeCommit(_ commit: CommittedOffset) -> [UInt8] {
        var fields: [(String, JSONValue)] = [("offset", .int(commit.offset))]
        if !commit.metadata.isEmpty { fields.append(("metadata", .string(commit.metadata))) }
        if let epoch = commit.leaderEpoch { fields.append(("leader_epoch", .int(Int64(epoch)))) }
        fields.append(("commit_ms", .int(commit.commitMilliseconds)))
        if let expire = commit.expireMilliseconds { fields.append(("expire_ms", .int(expire))) }
        return Array(JSONValue.object(JSONObject(fields)).serialized().utf8)
    }

    /// A commit record's value; nil when it has no offset. The fields
    /// after the offset are optional: records of older builds lack them.
    static func parseCommit(_ bytes: [UInt8]) -> CommittedOffset? {
        guard let value = bytes.withUnsafeBytes({ try? JSONValue.parse(bytes: $0) }),
              let offset = value["offset"]?.int64Value
        else { return nil }
        return CommittedOffset(
            offset: offset, metadata: value["metadata"]?.stringValue ?? "",
            leaderEpoch: value["leader_epoch"]?.int64Value.flatMap { Int32(exactly: $0) },
            commitMilliseconds: value["commit_ms"]?.int64Value ?? -1, expireMilliseconds: value["expire_ms"]?.int64Value)
    }
}

/// One committed offset of a consumer group: the next offset the group
/// reads, with the string the client attached (Kafka's commit metadata,
/// returned by OffsetFetch).
///
/// # Thread safety
/// A value type; `Sendable`.
public struct CommittedOffset: Sendable, Equatable {
    public var offset: Int64
    public var metadata: String
    /// The leader epoch the client saw (Kafka's committedLeaderEpoch); nil
    /// when it sent none.
    public var leaderEpoch: Int32?
    /// When it was committed, milliseconds since the Unix epoch; -1 for
    /// records written before the time was stored. A commit given with -1
    /// is stamped with the clock's time.
    public var commitMilliseconds: Int64
    /// When it expires whatever its group does (OffsetCommit v2-v4's
    /// retention time added to the commit time); nil for the broker's
    /// `offsets.retention.minutes` rule (see `GroupCoordinator.expireOffsets`).
    public var expireMilliseconds: Int64?

    public init(
        offset: Int64, metadata: String = "", leaderEpoch: Int32? = nil, commitMilliseconds: Int64 = -1,
        expireMilliseconds: Int64? = nil
    ) {
        self.offset = offset
        self.metadata = metadata
        self.leaderEpoch = leaderEpoch
        self.commitMilliseconds = commitMilliseconds
        self.expireMilliseconds = expireMilliseconds
    }
}
