import Foundation
@testable import Log
import Testing
import TestKit

@Suite struct DeleteRecordsTests {
    /// A partition with one ~900-byte batch of 2 records per segment:
    /// offsets 0-1, 2-3, 4-5, 6-7 and the active segment.
    static func filled(_ directory: TemporaryDirectory, batches: Int = 4) throws -> PartitionLog {
        let log = try PartitionLog.open(
            directory: directory.path + "/orders/0", config: StorageFixtures.config(["segment.bytes": "1024"]))
        for _ in 0 ..< batches {
            var batch = StorageFixtures.batch(records: 2, valueBytes: 400)
            try log.append(&batch)
        }
        return log
    }

    @Test func readsBelowTheNewStartFailAndWholeSegmentsBelowItGo() throws {
        let directory = try TemporaryDirectory()
        let log = try Self.filled(directory)
        defer { try? log.close() }
        #expect(log.segmentCount == 4)
        #expect(try log.deleteRecords(before: 5) == 5)
        #expect(log.startOffset == 5)
        // Segments 0-1 and 2-3 are gone; 4-5 holds the new start.
        #expect(log.segmentBaseOffsets == [4, 6])
        #expect(throws: LogError.offsetOutOfRange(log.partition, requested: 4, start: 5, end: 8)) {
            try log.read(from: 4, maxBytes: 1 << 20)
        }
        // A read from the start returns the whole batch holding it.
        let slice = try log.read(from: 5, maxBytes: 1)
        #expect(slice.firstOffset == 4)
        // ListOffsets by timestamp answers no offset below the start.
        #expect(try log.offset(forTimestamp: 0) == 5)
    }

    @Test func theStartNeverMovesBackAndSurvivesARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.filled(directory)
            try log.deleteRecords(before: 3)
            #expect(try log.deleteRecords(before: 1) == 3)
            #expect(log.startOffset == 3)
            try log.close()
        }
        let log = try PartitionLog.open(
            directory: directory.path + "/orders/0", config: StorageFixtures.config(["segment.bytes": "1024"]))
        defer { try? log.close() }
        #expect(log.startOffset == 3)
        #expect(throws: LogError.self) { try log.read(from: 2, maxBytes: 1 << 20) }
    }

    @Test func anOffsetPastTheEndIsRefusedAndNilMeansTheEnd() throws {
        let directory = try TemporaryDirectory()
        let log = try Self.filled(directory, batches: 2)
        defer { try? log.close() }
        #expect(throws: LogError.offsetOutOfRange(log.partition, requested: 9, start: 0, end: 4)) {
            try log.deleteRecords(before: 9)
        }
        #expect(try log.deleteRecords(before: nil) == 4)
        #expect(log.startOffset == 4)
        let slice = try log.read(from: 4, maxBytes: 1 << 20)
        #expect(slice.isEmpty)
        var batch = StorageFixtures.batch(records: 1)
        #expect(try log.append(&batch).first == 4)
    }

    @Test func aDamagedStartFileIsReportedAndTheFirstSegmentCounts() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.filled(directory)
            try log.deleteRecords(before: 3)
            try log.close()
        }
        try Data("streamhost log start offset v1\nstart 7\ncrc32c 0\n".utf8)
            .write(to: URL(fileURLWithPath: directory.path + "/orders/0/log-start-offset"))
        let capture = LogCapture()
        let log = try PartitionLog.open(
            directory: directory.path + "/orders/0", config: StorageFixtures.config(["segment.bytes": "1024"]),
            logger: capture.logger)
        defer { try? log.close() }
        #expect(log.startOffset == 2)
        #expect(capture.messages(atLeast: .warning).contains { $0.contains("log-start-offset is not usable") })
    }

    @Test func checksummedTextRoundTripsAndRefusesDamage() throws {
        let bytes = ChecksummedText.encode(["a b", "", "c"])
        #expect(try ChecksummedText.decode(bytes).get() == ["a b", "", "c"])
        var damaged = bytes
        damaged[0] ^= 0x20
        #expect(throws: ChecksummedText.Problem.self) { try ChecksummedText.decode(damaged).get() }
        #expect(throws: ChecksummedText.Problem.self) { try ChecksummedText.decode(Array("no checksum\n".utf8)).get() }
    }

    @Test func aTruncationBelowTheStartBringsItDownToTheEnd() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.filled(directory)
            try log.deleteRecords(before: 7)
            // The repair cuts the batch holding offsets 6 and 7.
            #expect(try log.truncate(toOffset: 7) == 6)
            #expect(log.startOffset == 6)
            var batch = StorageFixtures.batch(records: 2)
            #expect(try log.append(&batch).first == 6)
            #expect(try log.read(from: 6, maxBytes: 1 << 20).firstOffset == 6)
            try log.close()
        }
        let log = try PartitionLog.open(
            directory: directory.path + "/orders/0", config: StorageFixtures.config(["segment.bytes": "1024"]))
        defer { try? log.close() }
        #expect(log.startOffset == 6)
    }
}

@Suite struct BrokerStateReadOnlyTests {
    @Test func aReadOnlyOpenWritesNoProducerSnapshotAndRefusesDeleteRecords() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/orders/0"
        do {
            let log = try PartitionLog.open(directory: path, config: StorageFixtures.config([:]))
            var first = IdempotentProducerTests.batch(sequence: 0)
            _ = try log.appendIdempotent(&first)
            try log.close()
            let again = try PartitionLog.open(directory: path, config: StorageFixtures.config([:]))
            var second = IdempotentProducerTests.batch(sequence: 2)
            _ = try again.appendIdempotent(&second)
            // Not closed: the snapshot stays behind the log, as after a crash.
        }
        let snapshot = path + "/producer-state"
        let before = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        let log = try PartitionLog.open(directory: path, config: StorageFixtures.config([:]), readOnly: true)
        #expect(throws: LogError.self) { try log.deleteRecords(before: 1) }
        var retry = IdempotentProducerTests.batch(sequence: 2)
        #expect(throws: LogError.self) { try log.appendIdempotent(&retry) }
        try log.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "/log-start-offset"))
    }
}
