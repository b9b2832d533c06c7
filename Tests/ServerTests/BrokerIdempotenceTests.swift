import KafkaProtocol
import Log
import Testing
import TestKit
@testable import Server

/// Idempotent producers frame by frame: InitProducerId hands out ids, and
/// Produce checks each batch's sequence.
@Suite struct BrokerIdempotenceTests {
    static func records(_ count: Int, producerId: Int64, sequence: Int32) throws -> [UInt8] {
        try RecordBatchV2.encode(
            (0..<count).map { LogRecord(timestamp: 1_700_000_000_000, key: Array("k\($0)".utf8), value: [1]) },
            producerID: producerId, producerEpoch: 0, baseSequence: sequence)
    }

    @Test func retriesAreAnsweredWithTheirOffsetsAndGapsRefused() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        let initialized = try #require(
            try await fixture.send(.initProducerId, 4, ProtocolStruct(["TransactionalId": .null, "TransactionTimeoutMs": .int(60_000)])))
        #expect(initialized.body.int("ErrorCode") == 0)
        #expect(initialized.body.int("ProducerEpoch") == 0)
        let producerId = initialized.body.int("ProducerId")
        let again = try #require(
            try await fixture.send(.initProducerId, 4, ProtocolStruct(["TransactionalId": .null, "TransactionTimeoutMs": .int(60_000)])))
        #expect(again.body.int("ProducerId") != producerId)

        let first = try await fixture.produce(topic: "t", records: try Self.records(3, producerId: producerId, sequence: 0))
        #expect(first?.int("ErrorCode") == 0)
        #expect(first?.int("BaseOffset") == 0)
        let second = try await fixture.produce(topic: "t", records: try Self.records(2, producerId: producerId, sequence: 3))
        #expect(second?.int("BaseOffset") == 3)
        // The first batch again (a retry after a lost answer): its
        // original offset, nothing stored.
        let retry = try await fixture.produce(topic: "t", records: try Self.records(3, producerId: producerId, sequence: 0))
        #expect(retry?.int("ErrorCode") == 0)
        #expect(retry?.int("BaseOffset") == 0)
        // Sequence 9 after 4: a gap.
        let gap = try await fixture.produce(topic: "t", records: try Self.records(1, producerId: producerId, sequence: 9))
        #expect(gap?.int("ErrorCode") == Int64(ErrorCode.outOfOrderSequenceNumber.rawValue))
        #expect(try fixture.data.topic(named: "t").partition(0).endOffset == 5)
    }
}

/// DeleteRecords frame by frame (kafka-python 2.0.2 has no
/// delete_records): the start offset moves up, reads below it are out of
/// range, -1 means the high watermark, and it never moves back.
@Suite struct BrokerDeleteRecordsTests {
    static func request(_ offset: Int64, topic: String = "t") -> ProtocolStruct {
        ProtocolStruct([
            "TimeoutMs": .int(1000),
            "Topics": .array([
                .structure(
                    ProtocolStruct([
                        "Name": .string(topic),
                        "Partitions": .array([.structure(ProtocolStruct(["PartitionIndex": .int(0), "Offset": .int(offset)]))]),
                    ]))
            ]),
        ])
    }

    static func answer(_ response: Response?) -> [Int64] {
        guard let partition = response?.body.first("Topics")?.first("Partitions") else { return [] }
        return [partition.int("ErrorCode"), partition.int("LowWatermark")]
    }

    @Test func theStartOffsetMovesUpAndReadsBelowItAreOutOfRange() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        for _ in 0..<5 { _ = try await fixture.produce(topic: "t", records: try batch(count: 2)) }
        #expect(Self.answer(try await fixture.send(.deleteRecords, 2, Self.request(4))) == [0, 4])
        // Never back.
        #expect(Self.answer(try await fixture.send(.deleteRecords, 1, Self.request(2))) == [0, 4])
        let below = try await fixture.fetch([(topic: "t", partition: 0, offset: 2, maxBytes: 1 << 20)])
        #expect(below.first?.int("ErrorCode") == Int64(ErrorCode.offsetOutOfRange.rawValue))
        #expect(Self.answer(try await fixture.send(.deleteRecords, 2, Self.request(-1))) == [0, 10])
        #expect(Self.answer(try await fixture.send(.deleteRecords, 2, Self.request(11)))
            == [Int64(ErrorCode.offsetOutOfRange.rawValue), -1])
        #expect(Self.answer(try await fixture.send(.deleteRecords, 2, Self.request(0, topic: "nope")))
            == [Int64(ErrorCode.unknownTopicOrPartition.rawValue), -1])
    }
}
