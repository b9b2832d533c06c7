import Core
import Foundation
@testable import Log
import Testing
import TestKit

/// Transactions in the log: visibility to read-committed and
/// read-uncommitted readers, the last stable offset, fencing, resuming
/// after a reopen, and recovery from each state a crash can leave.
@Suite("Transactions")
struct TransactionCoordinatorTests {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/data" }

    init() throws { directory = try TemporaryDirectory(prefix: "transactions") }

    func open(_ capture: LogCapture = LogCapture()) throws -> DataDirectory {
        try DataDirectory.open(path: path, logger: capture.logger)
    }

    static func records(_ values: [String], key: String? = nil) -> [LogRecord] {
        values.map { LogRecord(timestamp: 1_000, key: key.map { Array($0.utf8) }, value: Array($0.utf8)) }
    }

    /// The values a reader with `isolation` sees, reading from the start
    /// as far as it may; and where it stopped.
    static func read(_ log: PartitionLog, _ isolation: IsolationLevel) throws -> (values: [String], stoppedAt: Int64) {
        var values: [String] = []
        var offset = log.startOffset
        while true {
            let slice = try log.read(from: offset, maxBytes: 1 << 20, isolation: isolation)
            for range in slice.visibleBatches {
                let records = try slice.bytes[range].withUnsafeBytes { try RecordBatchV2.decode($0) }
                values += records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            }
            if slice.isEmpty || slice.nextOffset == offset { return (values, slice.nextOffset) }
            offset = slice.nextOffset
        }
    }

    static func append(_ log: PartitionLog, _ values: [String], key: String? = nil) throws {
        var bytes = try RecordBatchV2.encode(records(values, key: key))
        try log.append(&bytes)
    }

    @Test func committedRecordsAppearForReadCommittedReadersOnlyAtCommit() throws {
        let data = try open()
        let topic = try data.createTopic(name: "orders", partitions: 2)
        let (p0, p1) = (try topic.partition(0), try topic.partition(1))
        try Self.append(p0, ["before"])
        let txn = try data.transactions.begin(transactionalId: "job/sink/0-1")
        try data.transactions.append(txn, topic: "orders", partition: 0, records: Self.records(["a1", "a2"]))
        try data.transactions.append(txn, topic: "orders", partition: 1, records: Self.records(["b1"]))
        try Self.append(p0, ["after"])

        #expect(p0.lastStableOffset == 1)
        #expect(try Self.read(p0, .readCommitted) == (["before"], 1))
        #expect(try Self.read(p0, .readUncommitted).values == ["before", "a1", "a2", "after"])
        #expect(try Self.read(p1, .readCommitted).values == [])
        #expect(p0.openTransactions == [OpenTransaction(producerId: txn.producerId, producerEpoch: 0, firstOffset: 1)])
        #expect(data.transactions.status(transactionalId: "job/sink/0-1")?.partitions
            == [TopicPartition(topic: "orders", partition: 0), TopicPartition(topic: "orders", partition: 1)])

        try data.transactions.commit(txn)
        #expect(p0.lastStableOffset == p0.endOffset)
        #expect(try Self.read(p0, .readCommitted).values == ["before", "a1", "a2", "after"])
        #expect(try Self.read(p1, .readCommitted).values == ["b1"])
        // The marker takes an offset but is read by nobody.
        #expect(p1.endOffset == 2)
        #expect(try Self.read(p1, .readUncommitted).values == ["b1"])
        #expect(data.transactions.status(transactionalId: "job/sink/0-1")?.state == .committed)
        #expect(throws: LogError.self) { try data.transactions.append(txn, topic: "orders", partition: 0, records: Self.records(["late"])) }
        try data.close()
    }

    @Test func abortedRecordsAreNeverReadCommitted() throws {
        let data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        let txn = try data.transactions.begin(transactionalId: "x")
        try data.transactions.append(txn, topic: "t", partition: 0, records: Self.records(["gone1"]))
        try Self.append(log, ["plain"])
        try data.transactions.append(txn, topic: "t", partition: 0, records: Self.records(["gone2"]))
        try data.transactions.abort(txn)
        try Self.append(log, ["last"])
        #expect(try Self.read(log, .readCommitted).values == ["plain", "last"])
        #expect(try Self.read(log, .readUncommitted).values == ["gone1", "plain", "gone2", "last"])
        #expect(log.abortedTransactions(overlapping: 0 ..< log.endOffset)
            == [AbortedTransaction(producerId: txn.producerId, firstOffset: 0, lastOffset: 3)])
        try data.close()

        // The aborted range is rebuilt from the log when it opens again.
        let reopened = try open()
        let again = try reopened.topic(named: "t").partition(0)
        #expect(try Self.read(again, .readCommitted).values == ["plain", "last"])
        try reopened.close()
    }

    @Test func interleavedTransactionsAcrossPartitionsEachDecideTheirOwnRecords() throws {
        let data = try open()
        let topic = try data.createTopic(name: "t", partitions: 2)
        let a = try data.transactions.begin(transactionalId: "a")
        let b = try data.transactions.begin(transactionalId: "b")
        for round in 0 ..< 3 {
            for partition in 0 ..< 2 {
                try data.transactions.append(a, topic: "t", partition: partition, records: Self.records(["a\(partition)\(round)"]))
                try data.transactions.append(b, topic: "t", partition: partition, records: Self.records(["b\(partition)\(round)"]))
            }
        }
        #expect(a.producerId != b.producerId)
        try data.transactions.abort(b)
        // a is still open: its first batch holds back everything after it.
        #expect(try Self.read(topic.partition(0), .readCommitted).values == [])
        try data.transactions.commit(a)
        for partition in 0 ..< 2 {
            #expect(try Self.read(topic.partition(partition), .readCommitted).values
                == (0 ..< 3).map { "a\(partition)\($0)" })
        }
        try data.close()
    }

    @Test func aNewBeginFencesTheOpenTransactionOfItsId() throws {
        let data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        let old = try data.transactions.begin(transactionalId: "sink")
        try data.transactions.append(old, topic: "t", partition: 0, records: Self.records(["zombie"]))
        let new = try data.transactions.begin(transactionalId: "sink")
        #expect(new.producerId == old.producerId)
        #expect(new.producerEpoch == old.producerEpoch + 1)
        #expect {
            try data.transactions.append(old, topic: "t", partition: 0, records: Self.records(["late"]))
        } throws: { error in
            guard case .transactionNotOpen(let id, let detail)? = error as? LogError else { return false }
            return id == "sink" && detail.contains("a newer begin took over")
        }
        #expect(throws: LogError.self) { try data.transactions.commit(old) }
        // The partition itself refuses a batch of the older epoch.
        var stale = try RecordBatchV2.encode(
            Self.records(["stale"]), producerID: old.producerId, producerEpoch: old.producerEpoch, isTransactional: true)
        #expect {
            try log.appendTransactional(&stale)
        } throws: { error in
            guard case .producerFenced? = error as? LogError else { return false }
            return true
        }
        try data.transactions.append(new, topic: "t", partition: 0, records: Self.records(["fresh"]))
        try data.transactions.commit(new)
        #expect(try Self.read(log, .readCommitted).values == ["fresh"])
        try data.close()
    }

    @Test func plainAppendsCannotCarryTransactionalOrControlBatches() throws {
        let data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        var transactional = try RecordBatchV2.encode(
            Self.records(["x"]), producerID: 7, producerEpoch: 0, isTransactional: true)
        #expect {
            try log.append(&transactional)
        } throws: { error in
            guard case .invalidBatch(_, let reason)? = error as? LogError else { return false }
            return reason.contains("through a transaction")
        }
        var marker = ControlRecord(kind: .commit, producerId: 7, producerEpoch: 0).encode(timestamp: 1)
        #expect(throws: LogError.self) { try log.append(&marker) }
        #expect(log.endOffset == 0)
        try data.close()
    }

    @Test func anOpenTransactionSurvivesAReopenAndCanBeResumedAndCommitted() throws {
        var data = try open()
        _ = try data.createTopic(name: "t", partitions: 2)
        let txn = try data.transactions.begin(transactionalId: "job/s/0-7")
        try data.transactions.append(txn, topic: "t", partition: 0, records: Self.records(["r0"]))
        try data.transactions.append(txn, topic: "t", partition: 1, records: Self.records(["r1"]))
        try data.close()

        data = try open()
        #expect(try Self.read(data.topic(named: "t").partition(0), .readCommitted).values == [])
        let resumed = try #require(try data.transactions.resume(transactionalId: "job/s/0-7"))
        #expect(resumed == txn)
        try data.transactions.commit(resumed)
        #expect(try data.transactions.resume(transactionalId: "job/s/0-7") == nil)
        #expect(try data.transactions.resume(transactionalId: "never") == nil)
        for partition in 0 ..< 2 {
            #expect(try Self.read(data.topic(named: "t").partition(partition), .readCommitted).values == ["r\(partition)"])
        }
        try data.close()
    }

    @Test func abortOpenTransactionsAbortsThoseOfAPrefixOnly() throws {
        let data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        for id in ["job/a/0-1", "job/b/1-4", "other/a/0-1"] {
            let txn = try data.transactions.begin(transactionalId: id)
            try data.transactions.append(txn, topic: "t", partition: 0, records: Self.records([id]))
        }
        #expect(try data.transactions.abortOpenTransactions(prefix: "job/") == ["job/a/0-1", "job/b/1-4"])
        #expect(data.transactions.status(transactionalId: "other/a/0-1")?.state == .ongoing)
        let other = try #require(try data.transactions.resume(transactionalId: "other/a/0-1"))
        try data.transactions.commit(other)
        #expect(try Self.read(log, .readCommitted).values == ["other/a/0-1"])
        try data.close()
    }

    // MARK: Crash points

    /// Writes a registry record by hand, as the coordinator would have
    /// before a crash.
    static func writeRegistry(_ data: DataDirectory, _ status: TransactionStatus) throws {
        let registry = try data.topic(named: TransactionCoordinator.topicName).partition(0)
        var bytes = try RecordBatchV2.encode([LogRecord(
            timestamp: 1, key: Array(status.transactionalId.utf8), value: status.encodeValue())])
        try registry.append(&bytes)
    }

    /// A transaction over two partitions, left open, with the data directory
    /// closed: the starting point of each crash.
    func openTransactionOnTwoPartitions() throws -> TransactionStatus {
        let data = try open()
        _ = try data.createTopic(name: "t", partitions: 2)
        let txn = try data.transactions.begin(transactionalId: "crash")
        try data.transactions.append(txn, topic: "t", partition: 0, records: Self.records(["x0", "y0"]))
        try data.transactions.append(txn, topic: "t", partition: 1, records: Self.records(["x1"]))
        let status = try #require(data.transactions.status(transactionalId: "crash"))
        try data.close()
        return status
    }

    /// What read-committed readers of both partitions see.
    func visible(_ data: DataDirectory) throws -> [[String]] {
        try (0 ..< 2).map { try Self.read(data.topic(named: "t").partition($0), .readCommitted).values }
    }

    @Test(arguments: [TransactionState.committing, .committed])
    func aCommitCutShortBeforeItsMarkersIsFinishedOnOpen(_ recorded: TransactionState) throws {
        var status = try openTransactionOnTwoPartitions()
        var data = try open()
        status.state = recorded
        try Self.writeRegistry(data, status)
        // Closing without the coordinator's markers is the crash.
        try data.close()

        let capture = LogCapture()
        data = try open(capture)
        #expect(try visible(data) == [["x0", "y0"], ["x1"]])
        #expect(data.transactions.status(transactionalId: "crash")?.state == .committed)
        try data.close()
    }

    @Test func aCommitCutShortBetweenItsMarkersIsFinishedOnOpen() throws {
        var status = try openTransactionOnTwoPartitions()
        var data = try open()
        status.state = .committing
        try Self.writeRegistry(data, status)
        var marker = ControlRecord(kind: .commit, producerId: status.producerId, producerEpoch: status.producerEpoch)
            .encode(timestamp: 1)
        try data.topic(named: "t").partition(0).appendTransactional(&marker)
        try data.close()

        data = try open()
        #expect(try visible(data) == [["x0", "y0"], ["x1"]])
        #expect(try data.topic(named: "t").partition(1).lastStableOffset == data.topic(named: "t").partition(1).endOffset)
        try data.close()
    }

    @Test(arguments: [TransactionState.aborting, .aborted])
    func anAbortCutShortIsFinishedOnOpen(_ recorded: TransactionState) throws {
        var status = try openTransactionOnTwoPartitions()
        var data = try open()
        status.state = recorded
        try Self.writeRegistry(data, status)
        try data.close()

        data = try open()
        #expect(try visible(data) == [[], []])
        #expect(try data.topic(named: "t").partitions.allSatisfy { $0.openTransactions.isEmpty })
        #expect(data.transactions.status(transactionalId: "crash")?.state == .aborted)
        try data.close()
    }

    @Test func aCrashBeforeTheDecisionLeavesTheTransactionOpenAndResumable() throws {
        let status = try openTransactionOnTwoPartitions()
        let data = try open()
        #expect(try visible(data) == [[], []])
        #expect(try data.topic(named: "t").partition(0).openTransactions.map(\.producerId) == [status.producerId])
        let handle = try #require(try data.transactions.resume(transactionalId: "crash"))
        try data.transactions.abort(handle)
        #expect(try visible(data) == [[], []])
        #expect(try data.topic(named: "t").partition(0).lastStableOffset == 3)
        try data.close()
    }

    @Test func dataOfAProducerTheRegistryDoesNotKnowIsAbortedOnOpen() throws {
        var data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        var orphan = try RecordBatchV2.encode(Self.records(["orphan"]), producerID: 4242, producerEpoch: 3,
                                              isTransactional: true)
        try log.appendTransactional(&orphan)
        try Self.append(log, ["plain"])
        try data.close()

        let capture = LogCapture()
        data = try open(capture)
        let reopened = try data.topic(named: "t").partition(0)
        #expect(try Self.read(reopened, .readCommitted).values == ["plain"])
        #expect(reopened.openTransactions.isEmpty)
        #expect(capture.messages(atLeast: .warning).contains { $0.contains("producer id 4242") && $0.contains("abort") })
        try data.close()
    }

    @Test func aDirectoryWithoutTransactionsHasNoRegistryTopic() throws {
        let data = try open()
        let log = try data.createTopic(name: "t", partitions: 1).partition(0)
        try Self.append(log, ["a"])
        #expect(data.topics == ["t"])
        #expect(!FileManager.default.fileExists(atPath: path + "/topics/t/0/" + PartitionLogCore.transactionalFlagName))
        #expect(try Self.read(log, .readCommitted).values == ["a"])
        try data.close()
    }

    // MARK: Compaction

    @Test func compactionDropsAbortedBatchesKeepsMarkersAndStopsAtTheLastStableOffset() throws {
        let data = try open()
        let config = StorageFixtures.config(["cleanup.policy": "compact", "segment.bytes": "1024"])
        let log = try data.createTopic(name: "c", partitions: 1, config: config).partition(0)
        let pad = String(repeating: "-", count: 600)
        try Self.append(log, ["v1" + pad], key: "k")
        let aborted = try data.transactions.begin(transactionalId: "c1")
        try data.transactions.append(aborted, topic: "c", partition: 0, records: Self.records(["aborted" + pad], key: "k"))
        try data.transactions.abort(aborted)
        let committed = try data.transactions.begin(transactionalId: "c2")
        try data.transactions.append(committed, topic: "c", partition: 0, records: Self.records(["v2" + pad], key: "j"))
        try data.transactions.commit(committed)
        let open = try data.transactions.begin(transactionalId: "c3")
        try data.transactions.append(open, topic: "c", partition: 0, records: Self.records(["pending" + pad], key: "k"))
        try Self.append(log, ["after" + pad], key: "j")
        #expect(log.segmentCount > 3)

        _ = try log.compact(force: true)
        // The aborted record neither survived nor hid v1; the open
        // transaction's record did not hide v1 either.
        #expect(try Self.read(log, .readUncommitted).values == ["v1", "v2", "pending", "after"].map { $0 + pad })
        #expect(try Self.read(log, .readCommitted).values == ["v1", "v2"].map { $0 + pad })

        try data.transactions.commit(open)
        _ = try log.compact(force: true)
        #expect(try Self.read(log, .readCommitted).values.sorted() == ["after", "pending"].map { $0 + pad })
        #expect(log.lastStableOffset == log.endOffset)
        try data.close()

        // Markers were kept: on reopen nothing is open and nothing aborted reappears.
        let reopened = try self.open()
        let again = try reopened.topic(named: "c").partition(0)
        #expect(again.openTransactions.isEmpty)
        #expect(try Self.read(again, .readCommitted).values.sorted() == ["after", "pending"].map { $0 + pad })
        try reopened.close()
    }
}
