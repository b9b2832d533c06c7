import Foundation
import Log
import Testing
import TestKit

/// `config.json` in the host's own JSON: a file written by the earlier,
/// Foundation-encoded host opens, and the same settings are written back
/// byte for byte as it wrote them.
@Suite("Topic metadata")
struct TopicMetadataTests {
    /// Written by streamhost before the move, for a topic made with
    /// `topics create deduped --partitions 2 --config cleanup.policy=compact
    /// --config min.cleanable.dirty.ratio=0.25 --config retention.ms=3600000`.
    static let fixture = BuildProducts.packageRoot + "/Tests/LogTests/Fixtures/topic-config-v1/config.json"

    @Test func aFileWrittenByTheFoundationEncoderOpensAndIsWrittenBackTheSame() throws {
        let directory = try TemporaryDirectory(prefix: "topic-metadata")
        let path = directory.path + "/data"
        let data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        try data.createTopic(name: "deduped", partitions: 2)
        try data.close()
        let old = try Data(contentsOf: URL(fileURLWithPath: Self.fixture))
        let file = path + "/topics/deduped/config.json"
        try old.write(to: URL(fileURLWithPath: file))

        let reopened = try DataDirectory.open(path: path, logger: LogCapture().logger)
        let topic = try reopened.topic(named: "deduped")
        #expect(topic.partitions.count == 2)
        #expect(topic.config.cleanupPolicy == .compact)
        #expect(topic.config.minCleanableDirtyRatio == 0.25)
        #expect(topic.config.retentionMs == 3_600_000)
        #expect(topic.config.segmentBytes == 1 << 30)
        // Rewritten with the same settings: the same bytes as the old host's.
        try reopened.alterConfig(topic: "deduped", changes: ["retention.ms": "3600000"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == old)
        try reopened.close()
    }
}
