import Foundation
import Log
import Testing
import TestKit

@Suite struct LogMaintenanceTests {
    @Test func retentionRunsEveryCheckIntervalByTheClock() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(milliseconds: 10_000_000)
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        let topic = try data.createTopic(
            name: "events", partitions: 1, config: StorageFixtures.config(["segment.bytes": "1024", "retention.ms": "60000"]))
        let log = topic.partitions[0]
        for _ in 0 ..< 3 {
            // Record timestamps 1 000: far older than retention.ms by the clock.
            var batch = StorageFixtures.batch(records: 2, valueBytes: 400)
            try log.append(&batch)
        }
        #expect(log.segmentCount == 3)
        let maintenance = LogMaintenance(directory: data, clock: clock.function)
        #expect(maintenance.nextDue == clock.now + 10_000)

        clock.advance(by: 299_999)
        let early = maintenance.runDue()
        #expect(!early.ranRetention)
        #expect(early.ranTransactionTimeouts)
        #expect(log.segmentCount == 3)

        clock.advance(by: 1)
        let report = maintenance.runDue()
        #expect(report.ranRetention)
        #expect(report.segmentsDeleted == 2)
        #expect(report.failures.isEmpty)
        #expect(log.segmentCount == 1)
        #expect(log.startOffset == 4)
        // Not again before the next interval.
        #expect(!maintenance.runDue().ranRetention)
    }

    @Test func itDrivesTransactionTimeoutsGroupDeadlinesAndProducerExpiry() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let data = try DataDirectory.open(path: directory.path, clock: clock.function)
        defer { try? data.close() }
        try data.createTopic(name: "orders", partitions: 1)
        let log = try data.topic(named: "orders").partition(0)
        var idempotent = try RecordBatchV2.encode(
            [LogRecord(timestamp: clock.now, key: [1], value: [2])], producerID: 3, producerEpoch: 0, baseSequence: 0)
        _ = try log.appendIdempotent(&idempotent)
        #expect(log.producerCount == 1)

        let offsets = try ConsumerGroups(directory: data, clock: clock.function)
        var groupConfig = GroupCoordinatorConfig()
        groupConfig.initialRebalanceDelayMs = 0
        let groups = GroupCoordinator(directory: data, offsets: offsets, config: groupConfig, clock: clock.function)
        let joined = Collected<JoinGroupResponse>()
        groups.join(JoinGroupRequest(
            groupId: "g", clientId: "c", sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 6_000, protocolType: "consumer",
            protocols: [GroupProtocol(name: "range", metadata: [])], requireKnownMemberId: false), completion: joined.append)
        let member = try #require(joined.last)
        _ = groups.sync(SyncGroupRequest(groupId: "g", generationId: member.generationId, memberId: member.memberId)) { _ in }

        guard case .begun = try data.transactions.begin(transactionalId: "t", timeoutMs: 5_000) else {
            Issue.record("the begin was refused")
            return
        }
        var config = LogMaintenance.Config()
        config.producerIdExpirationMs = 60_000
        config.producerIdExpirationCheckIntervalMs = 60_000
        let maintenance = LogMaintenance(directory: data, groups: groups, config: config, clock: clock.function)
        // The member's session (6 s) is the first deadline.
        #expect(maintenance.nextDue == clock.now + 6_000)
        clock.advance(by: 6_000)
        let first = maintenance.runDue()
        #expect(first.ranGroupDeadlines)
        // The silent member is removed; the group, empty and without
        // offsets, is dropped.
        #expect(groups.listGroups().isEmpty)
        clock.advance(by: 4_000)
        // The transaction has no partition yet but is open: it is aborted.
        #expect(maintenance.runDue().abortedTransactions == ["t"])
        clock.advance(by: 50_001)
        let later = maintenance.runDue()
        #expect(later.ranProducerExpiry)
        #expect(later.producersExpired == 1)
        #expect(log.producerCount == 0)
    }
}
