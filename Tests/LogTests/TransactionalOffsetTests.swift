import Foundation
import KafkaProtocol
@testable import Log
import Testing
import TestKit

@Suite struct TransactionalOffsetTests {
    static func commit(
        _ coordinator: GroupCoordinator, _ handle: TransactionHandle, offset: Int64, generation: Int32 = -1,
        member: String = ""
    ) -> [ErrorCode] {
        coordinator.commitTransactionalOffsets(TxnOffsetCommitRequest(
            transaction: handle,
            commit: OffsetCommitRequest(
                groupId: "g", generationId: generation, memberId: member,
                offsets: [OffsetCommitPartition(topic: "orders", partition: 0, offset: offset, metadata: "txn")])))
            .partitions.map(\.error)
    }

    static func committed(_ coordinator: GroupCoordinator) -> Int64 {
        coordinator.fetchOffsets(groupId: "g", partitions: [TopicPartition(topic: "orders", partition: 0)])[0].offset
    }

    @Test func offsetsCommittedInATransactionApplyWhenItCommits() throws {
        let fixture = try GroupFixture()
        let transactions = fixture.data.transactions
        let handle = try transactions.begin(transactionalId: "t")
        #expect(Self.commit(fixture.coordinator, handle, offset: 10) == [.none])
        #expect(Self.committed(fixture.coordinator) == -1)
        #expect(fixture.offsets.hasPendingTransactionalOffset(
            ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)))
        try transactions.commit(handle)
        #expect(Self.committed(fixture.coordinator) == 10)

        let aborted = try transactions.begin(transactionalId: "t")
        #expect(Self.commit(fixture.coordinator, aborted, offset: 20) == [.none])
        try transactions.abort(aborted)
        #expect(Self.committed(fixture.coordinator) == 10)
        // The handle of the aborted transaction is no longer open.
        #expect(Self.commit(fixture.coordinator, aborted, offset: 30) == [.invalidTxnState])
        // A refused commit leaves nothing pending (offsets are pending from
        // before the append, so that a marker racing it finds them).
        #expect(!fixture.offsets.hasPendingTransactionalOffset(
            ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)))
        #expect(Self.committed(fixture.coordinator) == 10)
    }

    @Test func theOutcomeIsReadBackFromTheLog() throws {
        let temporary = try TemporaryDirectory()
        do {
            let data = try DataDirectory.open(path: temporary.path)
            try data.createTopic(name: "orders", partitions: 1)
            let offsets = try ConsumerGroups(directory: data)
            let key = ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)
            let committed = try data.transactions.begin(transactionalId: "a")
            try offsets.commitTransactional(committed, [(key, CommittedOffset(offset: 5))])
            try data.transactions.commit(committed)
            let aborted = try data.transactions.begin(transactionalId: "b")
            try offsets.commitTransactional(aborted, [(key, CommittedOffset(offset: 7))])
            try data.transactions.abort(aborted)
            let open = try data.transactions.begin(transactionalId: "c")
            try offsets.commitTransactional(open, [(ConsumerGroups.Key(group: "h", topic: "orders", partition: 0),
                                                    CommittedOffset(offset: 9))])
            try data.close()
        }
        let data = try DataDirectory.open(path: temporary.path)
        defer { try? data.close() }
        let offsets = try ConsumerGroups(directory: data)
        #expect(offsets.committedOffset(group: "g", topic: "orders", partition: 0) == 5)
        // Still open after the restart (resumable): pending until it ends.
        #expect(offsets.committedOffset(group: "h", topic: "orders", partition: 0) == nil)
        let resumed = try #require(try data.transactions.resume(transactionalId: "c"))
        try data.transactions.commit(resumed)
        #expect(offsets.committedOffset(group: "h", topic: "orders", partition: 0) == 9)
    }

    @Test func theGroupIsChecked() throws {
        let fixture = try GroupFixture()
        let (leader, _, generation) = fixture.stableGroupOfTwo()
        let handle = try fixture.data.transactions.begin(transactionalId: "t")
        #expect(Self.commit(fixture.coordinator, handle, offset: 1, generation: generation, member: "nobody")
            == [.unknownMemberId])
        #expect(Self.commit(fixture.coordinator, handle, offset: 1, generation: generation - 1, member: leader)
            == [.illegalGeneration])
        #expect(Self.commit(fixture.coordinator, handle, offset: 1, generation: generation, member: leader) == [.none])
    }
}
