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
