import Foundation
@testable import Log
import Testing
import TestKit

@Suite struct IdempotentProducerTests {
    /// A batch of `count` records from producer `id` at `epoch`, starting
    /// at `sequence`.
    static func batch(id: Int64 = 7, epoch: Int16 = 0, sequence: Int32, count: Int = 2, valueBytes: Int = 3) -> [UInt8] {
        let records = (0 ..< count).map {
            LogRecord(timestamp: 1_000, key: Array("k\($0)".utf8), value: [UInt8](repeating: 1, count: valueBytes))
        }
        return try! RecordBatchV2.encode(records, producerID: id, producerEpoch: epoch, baseSequence: sequence)
    }

    static func open(_ directory: TemporaryDirectory, _ properties: [String: String] = [:]) throws -> PartitionLog {
        try PartitionLog.open(directory: directory.path + "/orders/0", config: StorageFixtures.config(properties))
    }

    @Test func aRetriedBatchIsAnsweredWithItsOriginalOffsetsAndNotStoredTwice() throws {
        let directory = try TemporaryDirectory()
        let log = try Self.open(directory)
        defer { try? log.close() }
        var first = Self.batch(sequence: 0)
        #expect(try log.appendIdempotent(&first) == .appended(first: 0, last: 1))
        var second = Self.batch(sequence: 2)
        #expect(try log.appendIdempotent(&second) == .appended(first: 2, last: 3))
        var retry = Self.batch(sequence: 0)
        #expect(try log.appendIdempotent(&retry) == .duplicate(first: 0, last: 1))
        #expect(log.endOffset == 4)
    }

    @Test func aGapAnOldEpochAndANewEpochNotAtZeroAreRefused() throws {
        let directory = try TemporaryDirectory()
        let log = try Self.open(directory)
        defer { try? log.close() }
        var first = Self.batch(epoch: 1, sequence: 0)
        _ = try log.appendIdempotent(&first)
        var gap = Self.batch(epoch: 1, sequence: 5)
        guard case .refused(.outOfOrderSequenceNumber, _) = try log.appendIdempotent(&gap) else {
            Issue.record("a gap was not refused")
            return
        }
        var old = Self.batch(epoch: 0, sequence: 2)
        guard case .refused(.invalidProducerEpoch, _) = try log.appendIdempotent(&old) else {
            Issue.record("an older epoch was not refused")
            return
        }
        var newEpochNotAtZero = Self.batch(epoch: 2, sequence: 2)
        guard case .refused(.outOfOrderSequenceNumber, _) = try log.appendIdempotent(&newEpochNotAtZero) else {
            Issue.record("a new epoch not starting at 0 was not refused")
            return
        }
        var newEpoch = Self.batch(epoch: 2, sequence: 0)
        #expect(try log.appendIdempotent(&newEpoch) == .appended(first: 2, last: 3))
        #expect(log.endOffset == 4)
    }

    @Test func anUnknownProducerStartsAtZeroUnlessBatchesMayBeGone() throws {
        let directory = try TemporaryDirectory()
        let log = try Self.open(directory)
        defer { try? log.close() }
        var late = Self.batch(id: 9, sequence: 3)
        guard case .refused(.outOfOrderSequenceNumber, _) = try log.appendIdempotent(&late) else {
            Issue.record("a new producer's first batch at sequence 3 was not refused")
            return
        }
        var plain = StorageFixtures.batch(records: 2)
        try log.append(&plain)
        try log.deleteRecords(before: 1)
        // Records were deleted: the producer's earlier batches may have been
        // among them, so its sequence is taken as it comes (KIP-360).
        #expect(try log.appendIdempotent(&late) == .appended(first: 2, last: 3))
    }

    @Test func sequencesWrapAfterInt32Max() throws {
        var header = try Self.header(Self.batch(sequence: 0, count: 3))
        header.baseSequence = Int32.max - 1
        // Records at Int32.max - 1, Int32.max, then 0.
        #expect(ProducerStateTable.lastSequence(header) == 0)
        #expect(ProducerStateTable.follows(0, Int32.max))
        #expect(!ProducerStateTable.follows(Int32.max, Int32.max - 2))
        var table = ProducerStateTable()
        table.record(header)
        header.baseSequence = 1
        header.lastOffsetDelta = 0
        #expect(table.check(header, batchesMayBeGone: false) == .append)
    }

    static func header(_ batch: [UInt8]) throws -> RecordBatchHeader {
        try batch.withUnsafeBytes { try RecordBatchHeader.parse($0) }
    }

    @Test func theStateSurvivesACloseAndACrash() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.open(directory)
            var batch = Self.batch(sequence: 0)
            _ = try log.appendIdempotent(&batch)
            try log.close()
        }
        do {
            // Clean close: the snapshot is at the end.
            let log = try Self.open(directory)
            var retry = Self.batch(sequence: 0)
            #expect(try log.appendIdempotent(&retry) == .duplicate(first: 0, last: 1))
            var next = Self.batch(sequence: 2)
            #expect(try log.appendIdempotent(&next) == .appended(first: 2, last: 3))
            // No close: what a crash leaves. The snapshot is behind the log.
        }
        let log = try Self.open(directory)
        defer { try? log.close() }
        var retry = Self.batch(sequence: 2)
        #expect(try log.appendIdempotent(&retry) == .duplicate(first: 2, last: 3))
        var gap = Self.batch(sequence: 9)
        guard case .refused(.outOfOrderSequenceNumber, _) = try log.appendIdempotent(&gap) else {
            Issue.record("the rebuilt state did not refuse a gap")
            return
        }
    }

    @Test func theStateOutlivesTheSegmentsRetentionDeletes() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.open(directory, ["segment.bytes": "1024", "retention.ms": "1"])
            for sequence in stride(from: Int32(0), to: 10, by: 2) {
                // About 900 bytes: one batch per segment.
                var batch = Self.batch(sequence: sequence, valueBytes: 400)
                _ = try log.appendIdempotent(&batch)
            }
            // A batch of another writer: retention leaves only its (active)
            // segment, so no batch of the producer is left in the log.
            var other = StorageFixtures.batch(records: 1, valueBytes: 400)
            try log.append(&other)
            #expect(log.segmentCount == 6)
            try log.applyRetention(now: 1_000_000)
            #expect(log.startOffset == 10)
            try log.close()
        }
        let log = try Self.open(directory, ["segment.bytes": "1024", "retention.ms": "1"])
        defer { try? log.close() }
        // The snapshot remembers the producer although its batches are
        // gone: a retry of its last batch is a duplicate, and a gap is still
        // refused (a scan of the log would know nothing of it and, batches
        // being gone, accept any sequence).
        var retry = Self.batch(sequence: 8, valueBytes: 400)
        #expect(try log.appendIdempotent(&retry) == .duplicate(first: 8, last: 9))
        var gap = Self.batch(sequence: 14, valueBytes: 400)
        guard case .refused(.outOfOrderSequenceNumber, _) = try log.appendIdempotent(&gap) else {
            Issue.record("a gap was accepted after retention")
            return
        }
    }

    @Test func aDamagedSnapshotIsRebuiltFromTheLog() throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try Self.open(directory)
            var batch = Self.batch(sequence: 0)
            _ = try log.appendIdempotent(&batch)
            try log.close()
        }
        let snapshot = directory.path + "/orders/0/producer-state"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snapshot)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: snapshot))
        let capture = LogCapture()
        let log = try PartitionLog.open(
            directory: directory.path + "/orders/0", config: StorageFixtures.config([:]), logger: capture.logger)
        defer { try? log.close() }
        #expect(capture.messages(atLeast: .warning).contains { $0.contains("producer-state is not usable") })
        var retry = Self.batch(sequence: 0)
        #expect(try log.appendIdempotent(&retry) == .duplicate(first: 0, last: 1))
    }

    @Test func snapshotsRoundTrip() throws {
        var table = ProducerStateTable()
        var header = try Self.header(Self.batch(sequence: 0))
        for sequence in stride(from: Int32(0), to: 14, by: 2) {
            header.baseSequence = sequence
            header.baseOffset = Int64(sequence) + 100
            table.record(header)
        }
        #expect(table.entries[7]?.batches.count == ProducerStateTable.batchesPerProducer)
        let snapshot = ProducerStateSnapshot(offset: 114, table: table)
        #expect(try ProducerStateSnapshot.decode(snapshot.encode()).get() == snapshot)
    }

    @Test func producerIdsAreNeverReusedAfterARestart() throws {
        let directory = try TemporaryDirectory()
        var seen: Set<Int64> = []
        do {
            let data = try DataDirectory.open(path: directory.path)
            let transaction = try data.transactions.begin(transactionalId: "t")
            seen.insert(transaction.producerId)
            for _ in 0 ..< 3 { seen.insert(try data.transactions.producerIds.allocate()) }
            try data.close()
        }
        #expect(seen.count == 4)
        let data = try DataDirectory.open(path: directory.path)
        defer { try? data.close() }
        let next = try data.transactions.producerIds.allocate()
        #expect(!seen.contains(next))
        #expect(next > seen.max()!)
        let transaction = try data.transactions.begin(transactionalId: "u")
        #expect(!seen.contains(transaction.producerId) && transaction.producerId != next)
    }
}

@Suite struct TransactionalSequenceTests {
    @Test func aRetriedTransactionalBatchIsNotStoredTwice() throws {
        let directory = try TemporaryDirectory()
        let data = try DataDirectory.open(path: directory.path)
        defer { try? data.close() }
        try data.createTopic(name: "orders", partitions: 1)
        let handle = try data.transactions.begin(transactionalId: "t")
        func batch(sequence: Int32) -> [UInt8] {
            try! RecordBatchV2.encode(
                [LogRecord(timestamp: 1, key: [1], value: [2]), LogRecord(timestamp: 1, key: [3], value: [4])],
                producerID: handle.producerId, producerEpoch: handle.producerEpoch, baseSequence: sequence,
                isTransactional: true)
        }
        var first = batch(sequence: 0)
        #expect(try data.transactions.appendIdempotent(handle, topic: "orders", partition: 0, batch: &first)
            == .appended(first: 0, last: 1))
        var retry = batch(sequence: 0)
        #expect(try data.transactions.appendIdempotent(handle, topic: "orders", partition: 0, batch: &retry)
            == .duplicate(first: 0, last: 1))
        var gap = batch(sequence: 7)
        guard case .refused(.outOfOrderSequenceNumber, _) = try data.transactions.appendIdempotent(
            handle, topic: "orders", partition: 0, batch: &gap)
        else {
            Issue.record("a gap in a transaction was accepted")
            return
        }
        try data.transactions.commit(handle)
        #expect(try data.topic(named: "orders").partition(0).endOffset == 3)
        let id = try data.transactions.allocateProducerId()
        #expect(id != handle.producerId)
    }
}
