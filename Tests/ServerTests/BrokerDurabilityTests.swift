import Foundation
import KafkaProtocol
import Log
import Testing
import TestKit
@testable import Server

/// Internal topics in Metadata and Produce, and OffsetCommit's retention
/// fields, through the broker's wire handlers.
@Suite struct BrokerDurabilityTests {
    @Test func metadataMarksBothInternalTopicsInternal() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "orders", partitions: 1)
        // A transaction that appends makes __transaction_state.
        let handle = try fixture.data.transactions.begin(transactionalId: "tx")
        try fixture.data.transactions.append(
            handle, topic: "orders", partition: 0, records: [LogRecord(timestamp: 1, key: nil, value: [1], headers: [])])
        try fixture.data.transactions.commit(handle)
        let all = try #require(try await fixture.send(.metadata, 9, ProtocolStruct(["Topics": .null])))
        let isInternal = Dictionary(
            uniqueKeysWithValues: all.body.structs("Topics").map { ($0.string("Name") ?? "", $0["IsInternal"]?.bool ?? false) })
        #expect(isInternal == ["__consumer_offsets": true, "__transaction_state": true, "orders": false])
    }

    /// Kafka's ReplicaManager refuses appends to internal topics from
    /// clients with INVALID_TOPIC_EXCEPTION; the other partitions of the
    /// request are unaffected.
    @Test func produceToAnInternalTopicIsRefused() async throws {
        let fixture = try BrokerFixture()
        for name in [ConsumerGroups.topicName, TransactionCoordinator.topicName] {
            if !fixture.data.topics.contains(name) { _ = try fixture.data.createTopic(name: name, partitions: 1) }
            let before = try fixture.data.topic(named: name).partition(0).endOffset
            let answer = try #require(try await fixture.produce(topic: name, records: try batch(count: 3), version: 9))
            #expect(answer.int("ErrorCode") == Int64(ErrorCode.invalidTopicException.rawValue))
            #expect(answer.string("ErrorMessage")?.contains("internal topic \(name)") == true)
            #expect(try fixture.data.topic(named: name).partition(0).endOffset == before)
        }
        _ = try fixture.data.createTopic(name: "orders", partitions: 1)
        #expect(try await fixture.produce(topic: "orders", records: try batch(count: 3))?.int("ErrorCode") == 0)
    }

    /// Deleting, trimming (DeleteRecords, Kafka's rule too) or creating
    /// an internal topic is refused, and Metadata never auto-creates one.
    @Test func internalTopicsCannotBeDeletedTrimmedOrCreatedByClients() async throws {
        let fixture = try BrokerFixture()
        let invalidTopic = Int64(ErrorCode.invalidTopicException.rawValue)
        let deleted = try #require(try await fixture.send(
            .deleteTopics, 4, ProtocolStruct(["TopicNames": .array([.string(ConsumerGroups.topicName)]), "TimeoutMs": .int(1000)])))
        #expect(deleted.body.structs("Responses").first?.int("ErrorCode") == invalidTopic)
        #expect(fixture.data.topics.contains(ConsumerGroups.topicName))

        let trimmed = try #require(try await fixture.send(.deleteRecords, 1, ProtocolStruct([
            "Topics": .array([.structure(ProtocolStruct([
                "Name": .string(ConsumerGroups.topicName),
                "Partitions": .array([.structure(ProtocolStruct(["PartitionIndex": .int(0), "Offset": .int(-1)]))]),
            ]))]),
            "TimeoutMs": .int(1000),
        ])))
        #expect(trimmed.body.structs("Topics").first?.structs("Partitions").first?.int("ErrorCode") == invalidTopic)

        let created = try #require(try await fixture.send(.createTopics, 4, ProtocolStruct([
            "Topics": .array([.structure(ProtocolStruct([
                "Name": .string(TransactionCoordinator.topicName), "NumPartitions": .int(3), "ReplicationFactor": .int(1),
                "Assignments": .array([]), "Configs": .array([]),
            ]))]),
            "timeoutMs": .int(1000), "validateOnly": .bool(false),
        ])))
        #expect(created.body.structs("Topics").first?.int("ErrorCode") == invalidTopic)
        let named = ProtocolStruct(["Name": .string(TransactionCoordinator.topicName)])
        let metadata = try #require(try await fixture.send(
            .metadata, 9, ProtocolStruct(["Topics": .array([.structure(named)]), "AllowAutoTopicCreation": .bool(true)])))
        #expect(metadata.body.structs("Topics").first?.int("ErrorCode") == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        #expect(!fixture.data.topics.contains(TransactionCoordinator.topicName))
    }

    func commit(_ fixture: BrokerFixture, version: Int16, partition: Int64, retentionTimeMs: Int64) async throws -> Int64? {
        var body = ProtocolStruct([
            "GroupId": .string("g"), "GenerationIdOrMemberEpoch": .int(-1), "MemberId": .string(""),
            "Topics": .array([
                .structure(ProtocolStruct([
                    "Name": .string("t"),
                    "Partitions": .array([
                        .structure(ProtocolStruct([
                            "PartitionIndex": .int(partition), "CommittedOffset": .int(10 + partition),
                            "CommittedMetadata": .string("m\(partition)"),
                        ]))
                    ]),
                ]))
            ]),
        ])
        if (2...4).contains(version) { body["RetentionTimeMs"] = .int(retentionTimeMs) }
        let answer = try #require(try await fixture.send(.offsetCommit, version, body))
        return answer.body.structs("Topics").first?.structs("Partitions").first?.int("ErrorCode")
    }

    /// v2-v4's RetentionTimeMs is a per-commit expiry (honoured, as Kafka
    /// does); -1 and v5+ (no field) leave `offsets.retention.minutes` in
    /// charge.
    @Test func offsetCommitRetentionTimeIsHonouredForV2ToV4() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 3)
        #expect(try await commit(fixture, version: 2, partition: 0, retentionTimeMs: 1) == 0)
        #expect(try await commit(fixture, version: 4, partition: 1, retentionTimeMs: -1) == 0)
        #expect(try await commit(fixture, version: 8, partition: 2, retentionTimeMs: 1) == 0)
        let committed = { (partition: Int) in fixture.broker.offsets.committed(ConsumerGroups.Key(group: "g", topic: "t", partition: partition)) }
        let first = try #require(committed(0))
        #expect(first.expireMilliseconds == first.commitMilliseconds + 1)
        #expect(committed(1)?.expireMilliseconds == nil)
        #expect(committed(2)?.expireMilliseconds == nil)
        // Past the 1 ms (the wall clock moves on), only partition 0 goes:
        // the others have the default seven days.
        while PartitionLog.wallClockMilliseconds() <= first.commitMilliseconds + 1 { usleep(1_000) }
        #expect(fixture.broker.groups.expireOffsets() == [ConsumerGroups.Key(group: "g", topic: "t", partition: 0)])
        #expect(committed(1)?.offset == 11)
        #expect(committed(2)?.offset == 12)
    }

    /// The server runs the expiry itself, every
    /// `offsets.retention.check.interval.ms`.
    @Test func theServerRemovesExpiredOffsetsOnItsOwn() async throws {
        let running = try await RunningServer {
            $0.groups.offsetsRetentionMs = 1
            $0.groups.offsetsRetentionCheckIntervalMs = 20
        }
        let fixture = running.fixture
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        #expect(try await commit(fixture, version: 8, partition: 0, retentionTimeMs: -1) == 0)
        let key = ConsumerGroups.Key(group: "g", topic: "t", partition: 0)
        // Bounded: a minute at the most (the suite's limit is longer).
        var waitedMs = 0
        while fixture.broker.offsets.committed(key) != nil && waitedMs < 60_000 {
            try await Task.sleep(for: .milliseconds(20))
            waitedMs += 20
        }
        #expect(fixture.broker.offsets.committed(key) == nil)
        try await running.stop()
    }

    @Test func offsetsRetentionSettingsAreReadAndDescribed() throws {
        var config = ServerConfig()
        try config.apply(key: "offsets.retention.minutes", value: "2")
        try config.apply(key: "offsets.retention.check.interval.ms", value: "500")
        #expect(config.groups.offsetsRetentionMs == 120_000)
        #expect(config.groups.offsetsRetentionCheckIntervalMs == 500)
        let described = Dictionary(uniqueKeysWithValues: config.brokerConfigs.map { ($0.name, $0.value) })
        #expect(described["offsets.retention.minutes"] == "2")
        #expect(ServerConfig().brokerConfigs.contains { $0.name == "offsets.retention.minutes" && $0.value == "10080" })
        #expect(throws: ServerError.self) { try config.apply(key: "offsets.retention.minutes", value: "0") }
    }
}
