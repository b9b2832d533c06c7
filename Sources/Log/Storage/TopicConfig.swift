/// A topic's settings, named and defaulted as Kafka names them
/// (`retention.ms`, `segment.bytes`, …), plus the durability policy
/// `flush.mode`.
///
/// Values change only through `parse(key:value:)` (or `init(_:)`), which
/// validates each one, so a `TopicConfig` always holds allowed values. It is
/// stored per topic in `config.json` (see `TopicConfig+JSON.swift`).
///
/// | key | default | allowed |
/// | --- | --- | --- |
/// | retention.ms | 604800000 (7 days) | -1 (forever) or ≥ 0 |
/// | retention.bytes | -1 (no limit) | -1 or ≥ 0 |
/// | segment.bytes | 1073741824 (1 GiB) | 1024 … 2147483647 |
/// | segment.ms | 604800000 (7 days) | ≥ 1 |
/// | cleanup.policy | delete | delete, compact, compact,delete |
/// | delete.retention.ms | 86400000 (1 day) | ≥ 0 |
/// | index.interval.bytes | 4096 | 0 … 2147483647 |
/// | max.message.bytes | 1048588 | 61 … 67108876 |
/// | message.timestamp.type | CreateTime | CreateTime, LogAppendTime |
/// | min.cleanable.dirty.ratio | 0.5 | 0 … 1 |
/// | min.compaction.lag.ms | 0 | ≥ 0 |
/// | flush.mode | every-append | every-append, interval, bytes, never |
/// | flush.ms | 1000 | 1 … 86400000 |
/// | flush.bytes | 1048576 | ≥ 1 |
///
/// # Thread safety
/// A value type; `Sendable`.
public struct TopicConfig: Sendable, Equatable {
    /// What happens to old data.
    public enum CleanupPolicy: String, Sendable, CaseIterable {
        /// Whole old segments are deleted by `retention.ms` and `retention.bytes`.
        case delete
        /// Only the latest record per key is kept (`LogCleaner`); every record
        /// needs a key. Retention does not delete segments.
        case compact
        /// Both: compaction keeps the latest record per key, and retention
        /// deletes whole old segments. Kafka's `compact,delete`; `parse` also
        /// takes `delete,compact`.
        case compactAndDelete = "compact,delete"

        /// Whether the log cleaner compacts the topic (and appends need keys).
        public var compacts: Bool { self != .delete }

        /// Whether retention deletes old segments.
        public var deletes: Bool { self != .compact }
    }

    /// When appended data is forced to stable storage (fsync) before or
    /// after `append` returns. See `PartitionLog.append`.
    public enum FlushMode: String, Sendable, CaseIterable {
        /// Every append is fsynced before it returns: an acknowledged append
        /// survives a power loss.
        case everyAppend = "every-append"
        /// Data is fsynced within `flush.ms` of being appended: a power loss
        /// can lose at most the last `flush.ms` of appends.
        case interval
        /// Data is fsynced whenever `flush.bytes` unsynced bytes have piled
        /// up: a power loss can lose less than `flush.bytes`.
        case bytes
        /// Never fsynced by the log (the page cache writes it back). A process
        /// crash loses nothing; a power loss can lose recent appends.
        case never
    }

    public static let dayMilliseconds: Int64 = 86_400_000

    public private(set) var retentionMs: Int64 = 7 * dayMilliseconds
    public private(set) var retentionBytes: Int64 = -1
    public private(set) var segmentBytes: Int = 1 << 30
    public private(set) var segmentMs: Int64 = 7 * dayMilliseconds
    public private(set) var cleanupPolicy: CleanupPolicy = .delete
    public private(set) var deleteRetentionMs: Int64 = dayMilliseconds
    public private(set) var indexIntervalBytes: Int = 4096
    /// The largest batch `append` accepts, in bytes (Kafka's
    /// `max.message.bytes`, whose default this is).
    public private(set) var maxMessageBytes: Int = 1_048_588
    /// Whose clock the records' timestamps are (Kafka's
    /// `message.timestamp.type`): the producer's (CreateTime, as sent), or
    /// the log's at append (LogAppendTime: each batch is stamped with the
    /// append time, which every record of it then reads back as its
    /// timestamp). Kafka's v2 batch keeps no append time for a CreateTime
    /// batch, so LogAppendTime is how a reader learns when a record arrived.
    public private(set) var messageTimestampType: TimestampType = .createTime
    public private(set) var flushMode: FlushMode = .everyAppend
    public private(set) var flushMs: Int64 = 1000
    public private(set) var flushBytes: Int = 1 << 20
    /// The background cleaner compacts a partition once the part of its log
    /// not yet compacted is more than this fraction of the compactable part
    /// (Kafka's `min.cleanable.dirty.ratio`).
    public private(set) var minCleanableDirtyRatio: Double = 0.5
    /// A record stays uncompacted for at least this long after its segment's
    /// newest timestamp (Kafka's `min.compaction.lag.ms`).
    public private(set) var minCompactionLagMs: Int64 = 0

    /// The defaults (table above).
    public init() {}

    /// The defaults with `properties` applied, each validated.
    public init(_ properties: [String: String]) throws(LogError) {
        for key in properties.keys.sorted() {
            try parse(key: key, value: properties[key]!)
        }
    }

    /// Every key, in the order `properties` lists them.
    public static let keys: [String] = [
        "cleanup.policy", "delete.retention.ms", "flush.bytes", "flush.mode", "flush.ms",
        "index.interval.bytes", "max.message.bytes", "message.timestamp.type", "min.cleanable.dirty.ratio",
        "min.compaction.lag.ms", "retention.bytes", "retention.ms", "segment.bytes", "segment.ms",
    ]

    /// Sets `key` to `value` after checking it, or throws
    /// `LogError.invalidConfig` naming the key, the value and what is allowed.
    public mutating func parse(key: String, value: String) throws(LogError) {
        switch key {
        case "retention.ms":
            retentionMs = try Self.integer(key, value, -1 ... Int64.max, "-1 (keep forever) or a number of milliseconds from 0 to \(Int64.max)")
        case "retention.bytes":
            retentionBytes = try Self.integer(key, value, -1 ... Int64.max, "-1 (no size limit) or a number of bytes from 0 to \(Int64.max)")
        case "segment.bytes":
            segmentBytes = Int(try Self.integer(key, value, Self.segmentBytesRange, "a number of bytes from \(Self.segmentBytesRange.lowerBound) to \(Self.segmentBytesRange.upperBound)"))
        case "segment.ms":
            segmentMs = try Self.integer(key, value, 1 ... Int64.max, "a number of milliseconds from 1 to \(Int64.max)")
        case "cleanup.policy":
            guard let policy = CleanupPolicy(rawValue: value == "delete,compact" ? "compact,delete" : value) else {
                throw .invalidConfig(
                    key: key, value: value, allowed: "expected one of: delete, compact, compact,delete")
            }
            cleanupPolicy = policy
        case "min.cleanable.dirty.ratio":
            guard let ratio = Double(value), ratio.isFinite, value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
            else {
                throw .invalidConfig(key: key, value: value, allowed: "not a decimal number; expected a number from 0 to 1")
            }
            guard (0 ... 1).contains(ratio) else {
                throw .invalidConfig(key: key, value: value, allowed: "out of range; expected a number from 0 to 1")
            }
            minCleanableDirtyRatio = ratio
        case "min.compaction.lag.ms":
            minCompactionLagMs = try Self.integer(key, value, 0 ... Int64.max, "a number of milliseconds from 0 to \(Int64.max)")
        case "delete.retention.ms":
            deleteRetentionMs = try Self.integer(key, value, 0 ... Int64.max, "a number of milliseconds from 0 to \(Int64.max)")
        case "index.interval.bytes":
            indexIntervalBytes = Int(try Self.integer(key, value, 0 ... Int64(Int32.max), "a number of bytes from 0 to \(Int32.max)"))
        case "max.message.bytes":
            maxMessageBytes = Int(try Self.integer(key, value, Self.maxMessageBytesRange, "a number of bytes from \(Self.maxMessageBytesRange.lowerBound) (one batch header) to \(Self.maxMessageBytesRange.upperBound)"))
        case "message.timestamp.type":
            switch value {
            case "CreateTime": messageTimestampType = .createTime
            case "LogAppendTime": messageTimestampType = .logAppendTime
            default: throw .invalidConfig(key: key, value: value, allowed: "expected CreateTime or LogAppendTime")
            }
        case "flush.mode":
            guard let mode = FlushMode(rawValue: value) else {
                throw .invalidConfig(key: key, value: value, allowed: "expected one of: every-append, interval, bytes, never")
            }
            flushMode = mode
        case "flush.ms":
            flushMs = try Self.integer(key, value, 1 ... Self.dayMilliseconds, "a number of milliseconds from 1 to \(Self.dayMilliseconds) (one day)")
        case "flush.bytes":
            flushBytes = Int(try Self.integer(key, value, 1 ... Int64(Int.max), "a number of bytes from 1 to \(Int.max)"))
        default:
            throw .invalidConfig(key: key, value: value, allowed: "unknown key; known keys are \(Self.keys.joined(separator: ", "))")
        }
    }

    /// Puts `key` back to its default.
    public mutating func reset(key: String) throws(LogError) {
        let defaults = TopicConfig()
        guard let value = defaults.properties[key] else {
            throw .invalidConfig(key: key, value: "", allowed: "unknown key; known keys are \(Self.keys.joined(separator: ", "))")
        }
        try parse(key: key, value: value)
    }

    /// Every key with its value as `parse(key:value:)` accepts it.
    public var properties: [String: String] {
        [
            "cleanup.policy": cleanupPolicy.rawValue,
            "delete.retention.ms": String(deleteRetentionMs),
            "flush.bytes": String(flushBytes),
            "flush.mode": flushMode.rawValue,
            "flush.ms": String(flushMs),
            "index.interval.bytes": String(indexIntervalBytes),
            "max.message.bytes": String(maxMessageBytes),
            "message.timestamp.type": messageTimestampType == .logAppendTime ? "LogAppendTime" : "CreateTime",
            "min.cleanable.dirty.ratio": String(minCleanableDirtyRatio),
            "min.compaction.lag.ms": String(minCompactionLagMs),
            "retention.bytes": String(retentionBytes),
            "retention.ms": String(retentionMs),
            "segment.bytes": String(segmentBytes),
            "segment.ms": String(segmentMs),
        ]
    }

    /// segment.bytes: 1 KiB (small segments for tests) up to what a 4-byte
    /// index position can address.
    static let segmentBytesRange: ClosedRange<Int64> = 1024 ... Int64(Int32.max)

    /// max.message.bytes: one bare header up to the largest batch the format
    /// layer parses.
    static let maxMessageBytesRange: ClosedRange<Int64> =
        Int64(RecordBatchHeader.size) ... Int64(RecordBatchHeader.batchBytesMax + RecordBatchHeader.logOverhead)

    private static func integer(
        _ key: String, _ value: String, _ range: ClosedRange<Int64>, _ allowed: String
    ) throws(LogError) -> Int64 {
        let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidConfig(key: key, value: value, allowed: "not a whole number; expected \(allowed)")
        }
        guard let number = Int64(value), range.contains(number) else {
            throw .invalidConfig(key: key, value: value, allowed: "out of range; expected \(allowed)")
        }
        return number
    }
}
