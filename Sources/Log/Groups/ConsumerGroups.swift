import Core
import Foundation
import Synchronization

/// Committed consumer-group offsets, kept in the internal topic
/// `__consumer_offsets` (one partition, `cleanup.policy=compact`,
/// `segment.bytes` 100 MiB as Kafka's `offsets.topic.segment.bytes`).
///
/// Each commit appends one record: key `{"group":G,"topic":T,"partition":P}`
/// and value `{"offset":N}`; the latest record per key wins, which is
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
    private let directoryPath: String
    private let committed = Mutex<[Key: Int64]>([:])

    /// The internal topic's segment size: Kafka's `offsets.topic.segment.bytes`.
    /// Smaller than the 1 GiB default so that segments roll, and so get
    /// compacted, at a modest size.
    public static let segmentBytes = 100 << 20

    /// Opens the offsets store in `directory`, creating its topic on first
    /// use. A topic made by an older build whose cleanup.policy does not
    /// compact is switched to compact. A data directory opened read-only
    /// (without `__consumer_offsets` among its writable topics) is only
    /// read: no topic is made, and `commit` throws `readOnly`.
    public init(directory: DataDirectory) throws(LogError) {
        directoryPath = directory.path
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
        var table: [Key: Int64] = [:]
        var offset = log.startOffset
        while offset < log.endOffset {
            let slice = try log.read(from: offset, maxBytes: 1 << 20)
            if slice.isEmpty { break }
            let records: [DecodedRecord]
            do {
                records = try slice.bytes.withUnsafeBytes { (raw) throws(RecordBatchV2.BatchesError) in
                    try RecordBatchV2.decode(batchesIn: raw)
                }
            } catch {
                throw .invalidBatch(log.partition, reason: "consumer offsets: \(error)")
            }
            for record in records {
                guard let key = record.key.flatMap(Self.parseKey) else { continue }
                table[key] = record.value.flatMap(Self.parseOffset)
            }
            offset = slice.nextOffset
        }
        committed.withLock { $0 = table }
    }

    /// The committed offset (the next offset to read), if any.
    public func committedOffset(group: String, topic: String, partition: Int) -> Int64? {
        committed.withLock { $0[Key(group: group, topic: topic, partition: partition)] }
    }

    /// Commits `offset` (the next offset the group will read).
    public func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogError) {
        try commit([(Key(group: group, topic: topic, partition: partition), offset)])
    }

    /// Commits several offsets in one batch.
    public func commit(_ offsets: [(Key, Int64)]) throws(LogError) {
        guard !offsets.isEmpty else { return }
        guard let log else {
            throw .readOnly(path: directoryPath, operation: "commit consumer-group offsets")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let records = offsets.map { key, offset in
            LogRecord(timestamp: now, key: Self.encodeKey(key),
                      value: Array(JSONValue.object(JSONObject([("offset", .int(offset))])).serialized().utf8),
                      headers: [])
        }
        var batch: [UInt8]
        do {
            batch = try RecordBatchV2.encode(records)
        } catch {
            throw .invalidBatch(log.partition, reason: "consumer offsets: \(error)")
        }
        _ = try log.append(&batch)
        committed.withLock { table in for (key, offset) in offsets { table[key] = offset } }
    }

    /// Every committed offset, sorted by group, topic and partition.
    public var all: [(key: Key, offset: Int64)] {
        committed.withLock { $0.map { (key: $0.key, offset: $0.value) } }.sorted { $0.key < $1.key }
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

    static func parseOffset(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBytes { try? JSONValue.parse(bytes: $0) }?["offset"]?.int64Value
    }
}
