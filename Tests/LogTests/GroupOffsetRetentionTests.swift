import KafkaProtocol
@testable import Log
import Testing
import TestKit

/// `offsets.retention.minutes` and OffsetCommit's retention fields, by
/// Kafka's rules (KIP-211), on a manual clock.
@Suite struct GroupOffsetRetentionTests {
    static let retentionMs: Int64 = 60_000

    func commit(
        _ fixture: GroupFixture, partition: Int = 0, offset: Int64, memberId: String = "", generation: Int32 = -1,
        retentionTimeMs: Int64? = nil, commitMilliseconds: Int64? = nil
    ) -> ErrorCode? {
        fixture.coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "g", generationId: generation, memberId: memberId,
            offsets: [OffsetCommitPartition(
                topic: "orders", partition: partition, offset: offset, commitMilliseconds: commitMilliseconds)],
            retentionTimeMs: retentionTimeMs)
        ).partitions.first?.error
    }

    func committed(_ fixture: GroupFixture, partition: Int = 0) -> Int64? {
        fixture.offsets.committedOffset(group: "g", topic: "orders", partition: partition)
    }

    @Test func anEmptiedGroupsOffsetsExpireTheRetentionAfterItBecameEmpty() throws {
        let fixture = try GroupFixture(offsetsRetentionMs: Self.retentionMs)
        let (leader, follower, generation) = fixture.stableGroupOfTwo()
        #expect(commit(fixture, offset: 7, memberId: leader, generation: generation) == ErrorCode.none)
        // Members keep their group's offsets, however old the commit.
        fixture.clock.advance(by: 10 * Self.retentionMs)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        #expect(committed(fixture) == 7)

        _ = fixture.coordinator.leave(groupId: "g", members: [LeavingMember(memberId: leader), LeavingMember(memberId: follower)])
        #expect(fixture.state == .empty)
        fixture.clock.advance(by: Self.retentionMs - 1)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        fixture.clock.advance(by: 1)
        #expect(fixture.coordinator.expireOffsets() == [ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)])
        #expect(committed(fixture) == nil)
        // The group is forgotten, and the removal is durable (a tombstone).
        #expect(fixture.coordinator.listGroups().isEmpty)
        #expect(try ConsumerGroups(directory: fixture.data).committedOffset(group: "g", topic: "orders", partition: 0) == nil)
    }

    @Test func groupLessCommitsExpireTheRetentionAfterEachCommit() throws {
        let fixture = try GroupFixture(offsetsRetentionMs: Self.retentionMs)
        #expect(commit(fixture, partition: 0, offset: 1) == ErrorCode.none)
        fixture.clock.advance(by: 30_000)
        #expect(commit(fixture, partition: 1, offset: 2) == ErrorCode.none)
        fixture.clock.advance(by: 30_000)
        #expect(fixture.coordinator.expireOffsets() == [ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)])
        #expect(committed(fixture, partition: 1) == 2)
        fixture.clock.advance(by: 30_000)
        #expect(fixture.coordinator.expireOffsets() == [ConsumerGroups.Key(group: "g", topic: "orders", partition: 1)])
    }

    /// OffsetCommit v2-v4's retention time: the offset expires that long
    /// after its commit, whatever the broker's setting, once its group has
    /// no members.
    @Test func aCommitsRetentionTimeOverridesTheBrokerSetting() throws {
        let fixture = try GroupFixture(offsetsRetentionMs: 7 * 24 * 3_600_000)
        #expect(commit(fixture, offset: 3, retentionTimeMs: 1_000) == ErrorCode.none)
        #expect(fixture.offsets.committed(ConsumerGroups.Key(group: "g", topic: "orders", partition: 0))?.expireMilliseconds
            == fixture.clock.now + 1_000)
        fixture.clock.advance(by: 999)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        fixture.clock.advance(by: 1)
        #expect(fixture.coordinator.expireOffsets().count == 1)
        // Any value a client sends is taken without overflow: the largest
        // means never.
        #expect(commit(fixture, partition: 1, offset: 3, retentionTimeMs: Int64.max) == ErrorCode.none)
        #expect(fixture.offsets.committed(ConsumerGroups.Key(group: "g", topic: "orders", partition: 1))?.expireMilliseconds
            == Int64.max)
        fixture.clock.advance(by: 100 * Self.retentionMs)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        #expect(commit(fixture, partition: 1, offset: 3, retentionTimeMs: Int64.min) == ErrorCode.none)
        #expect(fixture.coordinator.expireOffsets().count == 1)

        // A group with members keeps it, as in Kafka.
        let (leader, _, generation) = fixture.stableGroupOfTwo()
        #expect(commit(fixture, offset: 4, memberId: leader, generation: generation, retentionTimeMs: 1_000) == ErrorCode.none)
        fixture.clock.advance(by: 5_000)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        #expect(committed(fixture) == 4)
    }

    /// Membership is not stored: after a restart the retention of a
    /// group's offsets counts from the restart when that is later than
    /// the commit, so no offset goes sooner than Kafka would drop it.
    @Test func afterARestartRetentionCountsFromTheStartAtTheEarliest() throws {
        let fixture = try GroupFixture(offsetsRetentionMs: Self.retentionMs)
        #expect(commit(fixture, offset: 5) == ErrorCode.none)
        fixture.clock.advance(by: 50_000)
        let reopened = try ConsumerGroups(directory: fixture.data, clock: fixture.clock.function)
        var config = GroupCoordinatorConfig()
        config.offsetsRetentionMs = Self.retentionMs
        let restarted = GroupCoordinator(directory: fixture.data, offsets: reopened, config: config, clock: fixture.clock.function)
        fixture.clock.advance(by: Self.retentionMs - 1)
        #expect(restarted.expireOffsets().isEmpty)
        fixture.clock.advance(by: 1)
        #expect(restarted.expireOffsets().count == 1)
        #expect(reopened.committedOffset(group: "g", topic: "orders", partition: 0) == nil)
    }

    /// OffsetCommit v1's commit timestamp is the commit's time.
    @Test func aV1CommitTimestampIsTheCommitsTime() throws {
        let fixture = try GroupFixture(offsetsRetentionMs: Self.retentionMs)
        let later = fixture.clock.now + 20_000
        #expect(commit(fixture, offset: 6, commitMilliseconds: later) == ErrorCode.none)
        #expect(fixture.offsets.committed(ConsumerGroups.Key(group: "g", topic: "orders", partition: 0))?.commitMilliseconds
            == later)
        fixture.clock.advance(by: 20_000 + Self.retentionMs - 1)
        #expect(fixture.coordinator.expireOffsets().isEmpty)
        fixture.clock.advance(by: 1)
        #expect(fixture.coordinator.expireOffsets().count == 1)
    }
}
