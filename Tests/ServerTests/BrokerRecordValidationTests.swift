import KafkaProtocol
import Testing
import TestKit
@testable import Log
@testable import Server

/// Produce of a batch whose header and CRC are valid but whose records are
/// not: the partition gets Kafka's error (CORRUPT_MESSAGE for a record that
/// cannot be read, INVALID_RECORD for one that breaks a rule) with a
/// message, and the other partitions of the same request are stored.
@Suite("Broker record validation")
struct BrokerRecordValidationTests {
    /// `batch` with its CRC recomputed after a test changed its records.
    private func resealed(_ batch: [UInt8]) -> [UInt8] {
        var batch = batch
        let crc = batch.withUnsafeBytes { RecordBatchV2.computeCRC($0, totalSize: $0.count) }
        withUnsafeBytes(of: crc.bigEndian) { batch.replaceSubrange(17 ..< 21, with: $0) }
        return batch
    }

    /// Produces `records` per partition of topic "t" in one request (v9,
    /// which has ErrorMessage); returns the partition responses by index.
    private func produce(
        _ fixture: BrokerFixture, _ records: [Int32: [UInt8]]
    ) async throws -> [Int64: ProtocolStruct] {
        let partitions = records.sorted { $0.key < $1.key }.map { index, bytes in
            ProtocolValue.structure(ProtocolStruct(["Index": .int(Int64(index)), "Records": .bytes(bytes[...])]))
        }
        let response = try #require(try await fixture.send(
            .produce, 9,
            ProtocolStruct([
                "TransactionalId": .null, "Acks": .int(-1), "TimeoutMs": .int(1000),
                "TopicData": .array([
                    .structure(ProtocolStruct(["Name": .string("t"), "PartitionData": .array(partitions)]))
                ]),
            ])))
        let answers = try #require(response.body.first("Responses")).structs("PartitionResponses")
        return Dictionary(uniqueKeysWithValues: answers.map { ($0.int("Index"), $0) })
    }

    @Test func aBrokenRecordFailsItsPartitionOnly() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 3)
        let good = try batch(count: 2)
        let secondRecord = 61 + 1 + Int(good[61] >> 1)
        // Record 1's offsetDelta (after its length, attributes and
        // timestampDelta) 1 becomes 0: readable, but out of order.
        var outOfOrder = good
        #expect(outOfOrder[secondRecord + 3] == 2)
        outOfOrder[secondRecord + 3] = 0
        // Record 0's length runs past the batch: unreadable.
        var tooLong = good
        tooLong[61] = 0x7E
        let answers = try await produce(fixture, [0: good, 1: resealed(outOfOrder), 2: resealed(tooLong)])

        #expect(answers[0]?.int("ErrorCode") == 0)
        #expect(answers[0]?.int("BaseOffset") == 0)
        #expect(answers[1]?.int("ErrorCode") == Int64(ErrorCode.invalidRecord.rawValue))
        let invalid = answers[1]?.string("ErrorMessage") ?? ""
        #expect(invalid.contains("topic t, partition 1") && invalid.contains("record 1"), "\(invalid)")
        #expect(answers[2]?.int("ErrorCode") == Int64(ErrorCode.corruptMessage.rawValue))
        let corrupt = answers[2]?.string("ErrorMessage") ?? ""
        #expect(corrupt.contains("topic t, partition 2") && corrupt.contains("record 0"), "\(corrupt)")

        let topic = try fixture.data.topic(named: "t")
        #expect(try topic.partition(0).endOffset == 2)
        #expect(try topic.partition(1).endOffset == 0)
        #expect(try topic.partition(2).endOffset == 0)
    }
}
