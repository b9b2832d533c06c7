import Foundation
import Log
import Testing
import TestKit

@Suite struct TransactionTimeoutTests {
    static let record = LogRecord(timestamp: 1_000, key: Array("k".utf8), value: Array("v".utf8))

    @Test func aTimeoutAboveTheMaximumIsRefused() throws {
        let directory = try TemporaryDirectory()
        let data = try DataDirectory.open(path: directory.path)
        defer { try? data.close() }
        let outcome = try data.transactions.begin(transactionalId: "t", timeoutMs: 900_001)
        guard case .refused(.invalidTransactionTimeout, _) = outcome else {
            Issue.record("a timeout above transaction.max.timeout.ms was accepted: \(outcome)")
            return
        }
        guard case .refused(.invalidTransactionTimeout, _) = try data.transactions.begin(transactionalId: "t", timeoutMs: 0)
        else {
            Issue.record("a zero timeout was accepted")
            return
        }
    }

    @Test func anOpenTransactionIsAbortedWhenItsTimeoutRunsOutAndItsProducerFenced() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        try data.createTopic(name: "orders", partitions: 1)
        let coordinator = data.transactions
        guard case let .begun(handle) = try coordinator.begin(transactionalId: "t", timeoutMs: 60_000) else {
            Issue.record("the begin was refused")
            return
        }
        try coordinator.append(handle, topic: "orders", partition: 0, records: [Self.record])
        let log = try data.topic(named: "orders").partition(0)
        #expect(log.lastStableOffset == 0)
        #expect(coordinator.nextTransactionDeadline == clock.now + 60_000)

        clock.advance(by: 59_999)
        #expect(coordinator.abortTimedOutTransactions() == [])
        clock.advance(by: 1)
        #expect(coordinator.abortTimedOutTransactions() == ["t"])
        let status = try #require(coordinator.status(transactionalId: "t"))
        #expect(status.state == .aborted)
        #expect(status.producerEpoch == handle.producerEpoch + 1)
        // The abort marker closes the transaction: read-committed readers
        // move past it and see none of its records.
        #expect(log.lastStableOffset == log.endOffset)
        #expect(throws: LogError.self) { try coordinator.commit(handle) }
        #expect(coordinator.nextTransactionDeadline == nil)
    }

    @Test func endedAndUntimedTransactionsAreLeftAlone() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        try data.createTopic(name: "orders", partitions: 1)
        let coordinator = data.transactions
        guard case let .begun(timed) = try coordinator.begin(transactionalId: "timed", timeoutMs: 1_000) else {
            Issue.record("the begin was refused")
            return
        }
        try coordinator.append(timed, topic: "orders", partition: 0, records: [Self.record])
        try coordinator.commit(timed)
        let untimed = try coordinator.begin(transactionalId: "job/sink-0")
        try coordinator.append(untimed, topic: "orders", partition: 0, records: [Self.record])
        clock.advance(by: 10_000_000)
        #expect(coordinator.abortTimedOutTransactions() == [])
        #expect(coordinator.status(transactionalId: "timed")?.state == .committed)
        #expect(coordinator.status(transactionalId: "job/sink-0")?.state == .ongoing)
        #expect(coordinator.nextTransactionDeadline == nil)
    }

    @Test func aTimedTransactionOpenAcrossARestartStillTimesOut() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        do {
            let data = try DataDirectory.open(path: directory.path, clock: clock.function)
            try data.createTopic(name: "orders", partitions: 1)
            guard case let .begun(handle) = try data.transactions.begin(transactionalId: "t", timeoutMs: 60_000) else {
                Issue.record("the begin was refused")
                return
            }
            try data.transactions.append(handle, topic: "orders", partition: 0, records: [Self.record])
            try data.close()
        }
        clock.advance(by: 30_000)
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        // Open and resumable after the restart, with its original deadline.
        #expect(data.transactions.status(transactionalId: "t")?.state == .ongoing)
        #expect(data.transactions.nextTransactionDeadline == clock.now + 30_000)
        clock.advance(by: 30_000)
        #expect(data.transactions.abortTimedOutTransactions() == ["t"])
    }

    /// A Kafka producer keeps its epoch across transactions: the next one
    /// opens at the same epoch, its timeout starts then (not at begin, so
    /// an idle producer is not aborted), and an older epoch is fenced.
    @Test func theNextTransactionOpensAtTheSameEpochWithItsOwnTimeout() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        try data.createTopic(name: "orders", partitions: 1)
        let coordinator = data.transactions
        let handle = try coordinator.begin(transactionalId: "t")
        // Idle long after InitProducerId: nothing times out.
        clock.advance(by: 1_000_000)
        #expect(coordinator.nextTransactionDeadline == nil)
        #expect(coordinator.continueTransaction(handle, timeoutMs: 5_000) == .open)
        #expect(coordinator.nextTransactionDeadline == clock.now + 5_000)
        try coordinator.append(handle, topic: "orders", partition: 0, records: [Self.record])
        try coordinator.commit(handle)
        // The next transaction, same producer id and epoch.
        #expect(coordinator.continueTransaction(handle, timeoutMs: 5_000) == .open)
        #expect(coordinator.status(transactionalId: "t")?.state == .ongoing)
        try coordinator.append(handle, topic: "orders", partition: 0, records: [Self.record])
        clock.advance(by: 5_000)
        #expect(coordinator.abortTimedOutTransactions() == ["t"])
        // The abort bumped the epoch: the old handle is fenced.
        guard case .refused(.producerFenced, _) = coordinator.continueTransaction(handle, timeoutMs: 5_000) else {
            Issue.record("an older epoch was not fenced")
            return
        }
        let stranger = TransactionHandle(transactionalId: "nobody", producerId: 7, producerEpoch: 0)
        guard case .refused(.invalidProducerIdMapping, _) = coordinator.continueTransaction(stranger, timeoutMs: 5_000)
        else {
            Issue.record("an unknown transactional id was accepted")
            return
        }
    }
}

/// InitProducerId's epoch bump (`begin(recordsEpoch: true)`) is stored, so
/// the fencing of an older instance survives a restart.
@Suite struct TransactionEpochDurabilityTests {
    @Test func aRecordedEpochBumpStillFencesTheOlderInstanceAfterARestart() throws {
        let directory = try TemporaryDirectory()
        let older: TransactionHandle
        let newer: TransactionHandle
        do {
            let data = try DataDirectory.open(path: directory.path)
            _ = try data.createTopic(name: "t", partitions: 1)
            older = try data.transactions.begin(transactionalId: "app", recordsEpoch: true)
            #expect(data.transactions.continueTransaction(older, timeoutMs: 60_000) == .open)
            try data.transactions.append(older, topic: "t", partition: 0, records: [LogRecord(timestamp: 1, key: nil, value: [1], headers: [])])
            try data.transactions.commit(older)
            // A new instance takes over; it has not written anything yet.
            newer = try data.transactions.begin(transactionalId: "app", recordsEpoch: true)
            #expect(newer.producerEpoch == older.producerEpoch + 1)
            try data.close()
        }
        let data = try DataDirectory.open(path: directory.path)
        defer { try? data.close() }
        #expect(data.transactions.status(transactionalId: "app")?.producerEpoch == newer.producerEpoch)
        guard case .refused(.producerFenced, _) = data.transactions.continueTransaction(older, timeoutMs: 60_000) else {
            Issue.record("the older instance was not fenced after the restart")
            return
        }
        #expect(data.transactions.continueTransaction(newer, timeoutMs: 60_000) == .open)
        try data.transactions.append(newer, topic: "t", partition: 0, records: [LogRecord(timestamp: 2, key: nil, value: [2], headers: [])])
        try data.transactions.commit(newer)
    }

    /// A new transactional id's first InitProducerId is stored too: after
    /// a restart its producer id is still valid.
    @Test func aNewIdsRecordedProducerIdSurvivesARestart() throws {
        let directory = try TemporaryDirectory()
        let handle: TransactionHandle
        do {
            let data = try DataDirectory.open(path: directory.path)
            handle = try data.transactions.begin(transactionalId: "fresh", recordsEpoch: true)
            try data.close()
        }
        let data = try DataDirectory.open(path: directory.path)
        defer { try? data.close() }
        #expect(data.transactions.continueTransaction(handle, timeoutMs: 60_000) == .open)
    }
}
