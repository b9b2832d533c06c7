import Core
import Foundation
import Log
import Testing

@Suite("TopicConfig")
struct StorageTopicConfigTests {
    @Test func defaultsAreKafkasPlusEveryAppendDurability() {
        let config = TopicConfig()
        #expect(config.retentionMs == 604_800_000)
        #expect(config.retentionBytes == -1)
        #expect(config.segmentBytes == 1_073_741_824)
        #expect(config.segmentMs == 604_800_000)
        #expect(config.cleanupPolicy == .delete)
        #expect(config.deleteRetentionMs == 86_400_000)
        #expect(config.indexIntervalBytes == 4096)
        #expect(config.maxMessageBytes == 1_048_588)
        #expect(config.flushMode == .everyAppend)
        #expect(config.flushMs == 1000)
        #expect(config.flushBytes == 1_048_576)
        #expect(config.minCleanableDirtyRatio == 0.5)
        #expect(config.minCompactionLagMs == 0)
        #expect(config.messageTimestampType == .createTime)
        #expect(Set(config.properties.keys) == Set(TopicConfig.keys))
    }

    @Test(arguments: [
        ("retention.ms", "-1"), ("retention.ms", "0"), ("retention.bytes", "-1"), ("retention.bytes", "1099511627776"),
        ("segment.bytes", "1024"), ("segment.bytes", "2147483647"), ("segment.ms", "1"), ("cleanup.policy", "compact"),
        ("cleanup.policy", "compact,delete"), ("min.cleanable.dirty.ratio", "0.0"),
        ("min.cleanable.dirty.ratio", "0.25"), ("min.cleanable.dirty.ratio", "1.0"), ("min.compaction.lag.ms", "0"),
        ("min.compaction.lag.ms", "3600000"),
        ("delete.retention.ms", "0"), ("index.interval.bytes", "0"), ("max.message.bytes", "61"),
        ("max.message.bytes", "67108876"), ("flush.mode", "interval"), ("flush.mode", "bytes"), ("flush.mode", "never"),
        ("flush.mode", "every-append"), ("flush.ms", "1"), ("flush.ms", "86400000"), ("flush.bytes", "1"),
        ("message.timestamp.type", "LogAppendTime"), ("message.timestamp.type", "CreateTime"),
    ])
    func acceptedValuesAreStoredAndPrintedBack(key: String, value: String) throws {
        var config = TopicConfig()
        try config.parse(key: key, value: value)
        #expect(config.properties[key] == value)
        #expect(try TopicConfig([key: value]) == config)
    }

    @Test(arguments: [
        ("retention.ms", "-2", "-1 (keep forever)"), ("retention.ms", "7d", "not a whole number"),
        ("retention.bytes", "", "not a whole number"), ("segment.bytes", "1023", "from 1024 to 2147483647"),
        ("segment.bytes", "2147483648", "out of range"), ("segment.ms", "0", "from 1 to"),
        ("cleanup.policy", "compact, delete", "delete, compact, compact,delete"),
        ("cleanup.policy", "archive", "expected one of"), ("delete.retention.ms", "-1", "from 0 to"),
        ("min.cleanable.dirty.ratio", "1.5", "out of range; expected a number from 0 to 1"),
        ("min.cleanable.dirty.ratio", "-0.1", "not a decimal number"), ("min.cleanable.dirty.ratio", "nan", "not a decimal"),
        ("min.cleanable.dirty.ratio", "", "not a decimal number"), ("min.compaction.lag.ms", "-1", "from 0 to"),
        ("index.interval.bytes", "-5", "from 0 to 2147483647"), ("max.message.bytes", "60", "61 (one batch header)"),
        ("max.message.bytes", "67108877", "to 67108876"), ("flush.mode", "always", "every-append, interval, bytes, never"),
        ("flush.ms", "0", "from 1 to 86400000"), ("flush.ms", "86400001", "(one day)"), ("flush.bytes", "0", "from 1 to"),
        ("retention.ms", "99999999999999999999", "out of range"), ("retention.ms", " 5", "not a whole number"),
        ("segment.byte", "1024", "unknown key; known keys are cleanup.policy"),
        ("message.timestamp.type", "logappendtime", "expected CreateTime or LogAppendTime"),
    ])
    func refusedValuesNameKeyValueAndWhatIsAllowed(key: String, value: String, allowed: String) {
        var config = TopicConfig()
        do {
            try config.parse(key: key, value: value)
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            #expect(error == .invalidConfig(key: key, value: value, allowed: error.allowedText))
            #expect(error.description.hasPrefix("invalid topic config \(key)=\(value): "))
            #expect(error.description.contains(allowed), "\(error)")
        }
        #expect(config == TopicConfig(), "a refused value changes nothing")
    }

    @Test func resetRestoresTheDefault() throws {
        var config = try TopicConfig(["retention.ms": "5", "flush.mode": "never"])
        try config.reset(key: "retention.ms")
        #expect(config.retentionMs == TopicConfig().retentionMs)
        #expect(config.flushMode == .never)
        #expect(throws: LogError.self) { try config.reset(key: "nope") }
    }

    /// The config's JSON text, and a config read from JSON text.
    func encode(_ config: TopicConfig) -> String { config.json.serialized() }
    func decode(_ text: String) throws -> TopicConfig { try TopicConfig(json: JSONValue.parse(text)) }

    @Test func jsonUsesKafkaNamesAndValidatesOnRead() throws {
        let config = try TopicConfig(["segment.bytes": "4096", "cleanup.policy": "compact", "flush.mode": "bytes"])
        let json = encode(config)
        #expect(json.contains("\"segment.bytes\":4096"))
        #expect(json.contains("\"cleanup.policy\":\"compact\""))
        #expect(json.contains("\"flush.mode\":\"bytes\""))
        #expect(try decode(json) == config)

        // Missing keys keep their defaults; numbers may be given as strings.
        let partial = try decode(#"{"retention.ms": "60000"}"#)
        #expect(partial == (try TopicConfig(["retention.ms": "60000"])))

        #expect(throws: LogError.invalidConfig(key: "segment.bytes", value: "5", allowed: "out of range; expected a number of bytes from 1024 to 2147483647")) {
            try decode(#"{"segment.bytes": 5}"#)
        }
        #expect(throws: LogError.self) {
            try decode(#"{"segment.bites": 5000}"#)
        }

        // The dirty ratio is a JSON decimal and round-trips; a bad one is refused on decode.
        let compacted = try TopicConfig([
            "cleanup.policy": "delete,compact", "min.cleanable.dirty.ratio": "0.75", "min.compaction.lag.ms": "60000",
        ])
        #expect(compacted.cleanupPolicy == .compactAndDelete)
        #expect(compacted.properties["cleanup.policy"] == "compact,delete")
        let compactedJSON = encode(compacted)
        #expect(compactedJSON.contains("\"min.cleanable.dirty.ratio\":0.75"), "\(compactedJSON)")
        #expect(compactedJSON.contains("\"cleanup.policy\":\"compact,delete\""))
        #expect(try decode(compactedJSON) == compacted)
        #expect(try decode(#"{"min.cleanable.dirty.ratio": 1}"#)
            .minCleanableDirtyRatio == 1)
        #expect(throws: LogError.invalidConfig(key: "min.cleanable.dirty.ratio", value: "2.5", allowed: "out of range; expected a number from 0 to 1")) {
            try decode(#"{"min.cleanable.dirty.ratio": 2.5}"#)
        }
    }

    @Test func policiesSayWhetherTheyCompactAndDelete() {
        #expect(TopicConfig.CleanupPolicy.delete.deletes && !TopicConfig.CleanupPolicy.delete.compacts)
        #expect(TopicConfig.CleanupPolicy.compact.compacts && !TopicConfig.CleanupPolicy.compact.deletes)
        #expect(TopicConfig.CleanupPolicy.compactAndDelete.compacts && TopicConfig.CleanupPolicy.compactAndDelete.deletes)
    }
}

extension LogError {
    /// The `allowed` text of an invalidConfig error, for comparisons.
    fileprivate var allowedText: String {
        if case let .invalidConfig(_, _, allowed) = self { return allowed }
        return ""
    }
}
