import Foundation
import KafkaProtocol
@testable import Log
import Testing
import TestKit

/// A data directory with one topic, its offsets store and a coordinator on
/// a manual clock.
final class GroupFixture {
    let temporary: TemporaryDirectory
    let data: DataDirectory
    let offsets: ConsumerGroups
    let clock = ManualClock()
    let coordinator: GroupCoordinator

    init(initialRebalanceDelayMs: Int64 = 0, maxGroupSize: Int = 10_000, offsetsRetentionMs: Int64? = nil) throws {
        temporary = try TemporaryDirectory()
        data = try DataDirectory.open(path: temporary.path)
        try data.createTopic(name: "orders", partitions: 2)
        offsets = try ConsumerGroups(directory: data, clock: clock.function)
        var config = GroupCoordinatorConfig()
        config.initialRebalanceDelayMs = initialRebalanceDelayMs
        config.maxGroupSize = maxGroupSize
        if let offsetsRetentionMs { config.offsetsRetentionMs = offsetsRetentionMs }
        coordinator = GroupCoordinator(directory: data, offsets: offsets, config: config, clock: clock.function)
    }

    deinit { try? data.close() }

    func request(
        memberId: String = "", instance: String? = nil, protocols: [String] = ["range"], session: Int32 = 10_000,
        rebalance: Int32 = 30_000
    ) -> JoinGroupRequest {
        JoinGroupRequest(
            groupId: "g", memberId: memberId, groupInstanceId: instance, clientId: "client", clientHost: "/127.0.0.1",
            sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, protocolType: "consumer",
            protocols: protocols.map { GroupProtocol(name: $0, metadata: Array("\($0)-meta".utf8)) })
    }

    /// Joins as a new member (both steps of KIP-394); returns the member id
    /// and what collects its join answer.
    func joinNew(
        protocols: [String] = ["range"], session: Int32 = 10_000, rebalance: Int32 = 30_000
    ) -> (id: String, answers: Collected<JoinGroupResponse>) {
        let first = Collected<JoinGroupResponse>()
        coordinator.join(request(protocols: protocols, session: session, rebalance: rebalance), completion: first.append)
        let id = first.last!.memberId
        precondition(first.last!.error == .memberIdRequired)
        let answers = Collected<JoinGroupResponse>()
        coordinator.join(
            request(memberId: id, protocols: protocols, session: session, rebalance: rebalance), completion: answers.append)
        return (id, answers)
    }

    func rejoin(_ id: String, protocols: [String] = ["range"]) -> Collected<JoinGroupResponse> {
        let answers = Collected<JoinGroupResponse>()
        coordinator.join(request(memberId: id, protocols: protocols), completion: answers.append)
        return answers
    }

    func sync(_ id: String, generation: Int32, assignments: [String: [UInt8]] = [:]) -> Collected<SyncGroupResponse> {
        let answers = Collected<SyncGroupResponse>()
        coordinator.sync(
            SyncGroupRequest(groupId: "g", generationId: generation, memberId: id, assignments: assignments),
            completion: answers.append)
        return answers
    }

    var state: GroupState { coordinator.describeGroups(["g"])[0].state }

    /// Two members in a stable generation; returns their ids (the first
    /// is the leader) and the generation.
    func stableGroupOfTwo() -> (leader: String, follower: String, generation: Int32) {
        let a = joinNew()
        let b = joinNew()
        let aAgain = rejoin(a.id)
        let generation = aAgain.last!.generationId
        _ = sync(b.id, generation: generation)
        _ = sync(a.id, generation: generation, assignments: [a.id: [1], b.id: [2]])
        precondition(state == .stable)
        return (a.id, b.id, generation)
    }
}

@Suite struct GroupCoordinatorTests {
    @Test func aNewMemberGetsAnIdFirstAndJoinsWhenTheInitialDelayEnds() throws {
        let fixture = try GroupFixture(initialRebalanceDelayMs: 3_000)
        let first = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(), completion: first.append)
        #expect(first.last?.error == .memberIdRequired)
        let id = try #require(first.last?.memberId)
        #expect(id.hasPrefix("client-"))

        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(memberId: id), completion: answers.append)
        #expect(answers.count == 0)
        #expect(fixture.state == .preparingRebalance)
        #expect(fixture.coordinator.nextDeadline == fixture.clock.now + 3_000)

        fixture.clock.advance(by: 2_999)
        fixture.coordinator.expire()
        #expect(answers.count == 0)
        fixture.clock.advance(by: 1)
        fixture.coordinator.expire()
        let answer = try #require(answers.last)
        #expect(answer.error == .none)
        #expect(answer.generationId == 1)
        #expect(answer.leader == id)
        #expect(answer.protocolName == "range")
        #expect(answer.members == [JoinGroupMember(memberId: id, groupInstanceId: nil, metadata: Array("range-meta".utf8))])
        #expect(fixture.state == .completingRebalance)
    }

    @Test func aJoinWithAnIdNeverHandedOutIsUnknown() throws {
        let fixture = try GroupFixture()
        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(memberId: "made-up"), completion: answers.append)
        #expect(answers.last?.error == .unknownMemberId)
    }

    @Test func badSessionTimeoutsAndGroupIdsAreRefused() throws {
        let fixture = try GroupFixture()
        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(session: 100), completion: answers.append)
        #expect(answers.last?.error == .invalidSessionTimeout)
        var request = fixture.request()
        request.groupId = ""
        fixture.coordinator.join(request, completion: answers.append)
        #expect(answers.last?.error == .invalidGroupId)
    }

    @Test func theProtocolIsChosenByTheMembersVotesAmongThoseAllSupport() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew(protocols: ["range", "roundrobin"])
        #expect(a.answers.last?.protocolName == "range")
        let b = fixture.joinNew(protocols: ["roundrobin", "range", "sticky"])
        let c = fixture.joinNew(protocols: ["roundrobin", "range"])
        let aAgain = fixture.rejoin(a.id, protocols: ["range", "roundrobin"])
        let answer = try #require(aAgain.last)
        #expect(answer.protocolName == "roundrobin")
        #expect(b.answers.last?.protocolName == "roundrobin")
        #expect(c.answers.last?.generationId == answer.generationId)
        // Only the leader gets the member list, with each member's metadata
        // for the chosen protocol.
        #expect(answer.leader == a.id)
        #expect(answer.members.map(\.memberId) == [a.id, b.id, c.id])
        #expect(answer.members.allSatisfy { $0.metadata == Array("roundrobin-meta".utf8) })
        #expect(b.answers.last?.members == [])
    }

    @Test func aMemberWithNoProtocolInCommonIsRefused() throws {
        let fixture = try GroupFixture()
        _ = fixture.joinNew(protocols: ["range"])
        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(protocols: ["sticky"]), completion: answers.append)
        #expect(answers.last?.error == .inconsistentGroupProtocol)
        var request = fixture.request()
        request.protocolType = "connect"
        fixture.coordinator.join(request, completion: answers.append)
        #expect(answers.last?.error == .inconsistentGroupProtocol)
    }

    @Test func followersWaitForTheLeadersAssignment() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew()
        let b = fixture.joinNew()
        let aAgain = fixture.rejoin(a.id)
        let generation = try #require(aAgain.last?.generationId)
        #expect(b.answers.last?.generationId == generation)

        let follower = fixture.sync(b.id, generation: generation)
        #expect(follower.count == 0)
        #expect(fixture.state == .completingRebalance)
        let leader = fixture.sync(a.id, generation: generation, assignments: [a.id: [1, 1], b.id: [2, 2]])
        #expect(leader.last == SyncGroupResponse(error: .none, protocolType: "consumer", protocolName: "range", assignment: [1, 1]))
        #expect(follower.last == SyncGroupResponse(error: .none, protocolType: "consumer", protocolName: "range", assignment: [2, 2]))
        #expect(fixture.state == .stable)

        let description = fixture.coordinator.describeGroups(["g"])[0]
        #expect(description.protocolName == "range")
        #expect(description.members.map(\.assignment) == [[1, 1], [2, 2]])
        #expect(description.members.map(\.metadata) == [Array("range-meta".utf8), Array("range-meta".utf8)])
        #expect(description.members.map(\.clientHost) == ["/127.0.0.1", "/127.0.0.1"])
        // A sync in the Stable state answers the member's assignment again.
        #expect(fixture.sync(b.id, generation: generation).last?.assignment == [2, 2])
        #expect(fixture.sync(b.id, generation: generation - 1).last?.error == .illegalGeneration)
        #expect(fixture.sync("nobody", generation: generation).last?.error == .unknownMemberId)
    }

    @Test func aFollowerWaitingForItsAssignmentHearsOfANewRebalance() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew()
        let b = fixture.joinNew()
        let generation = try #require(fixture.rejoin(a.id).last?.generationId)
        let follower = fixture.sync(b.id, generation: generation)
        _ = fixture.joinNew()
        #expect(follower.last?.error == .rebalanceInProgress)
        #expect(fixture.state == .preparingRebalance)
    }

    @Test func heartbeatsAnswerWithKafkasErrors() throws {
        let fixture = try GroupFixture()
        let (leader, follower, generation) = fixture.stableGroupOfTwo()
        let coordinator = fixture.coordinator
        #expect(coordinator.heartbeat(groupId: "g", memberId: leader, generationId: generation) == .none)
        #expect(coordinator.heartbeat(groupId: "g", memberId: "nobody", generationId: generation) == .unknownMemberId)
        #expect(coordinator.heartbeat(groupId: "other", memberId: leader, generationId: generation) == .unknownMemberId)
        #expect(coordinator.heartbeat(groupId: "g", memberId: leader, generationId: generation - 1) == .illegalGeneration)
        _ = fixture.joinNew()
        #expect(coordinator.heartbeat(groupId: "g", memberId: follower, generationId: generation) == .rebalanceInProgress)
    }

    @Test func aMemberThatStopsHeartbeatingIsRemovedAndTheGroupRebalances() throws {
        let fixture = try GroupFixture()
        let (leader, follower, generation) = fixture.stableGroupOfTwo()
        let coordinator = fixture.coordinator
        fixture.clock.advance(by: 6_000)
        #expect(coordinator.heartbeat(groupId: "g", memberId: leader, generationId: generation) == .none)
        fixture.clock.advance(by: 4_000)
        coordinator.expire()
        // The follower's 10 s session ran out; the leader's did not.
        #expect(fixture.state == .preparingRebalance)
        #expect(coordinator.heartbeat(groupId: "g", memberId: follower, generationId: generation) == .unknownMemberId)
        #expect(coordinator.heartbeat(groupId: "g", memberId: leader, generationId: generation) == .rebalanceInProgress)
        let again = fixture.rejoin(leader)
        #expect(again.last?.generationId == generation + 1)
        #expect(again.last?.members.map(\.memberId) == [leader])
    }

    @Test func membersThatDoNotRejoinWithinTheRebalanceTimeoutAreRemoved() throws {
        let fixture = try GroupFixture()
        let (leader, follower, generation) = fixture.stableGroupOfTwo()
        let c = fixture.joinNew()
        let leaderAgain = fixture.rejoin(leader)
        #expect(leaderAgain.count == 0)
        // The follower keeps heartbeating but never rejoins.
        for step: Int64 in [6_000, 6_000, 6_000, 6_000, 5_999] {
            fixture.clock.advance(by: step)
            #expect(fixture.coordinator.heartbeat(groupId: "g", memberId: follower, generationId: generation) == .rebalanceInProgress)
            fixture.coordinator.expire()
        }
        // 29 999 ms after the rebalance began: the 30 s timeout has not passed.
        #expect(leaderAgain.count == 0)
        fixture.clock.advance(by: 1)
        fixture.coordinator.expire()
        #expect(leaderAgain.last?.generationId == generation + 1)
        #expect(leaderAgain.last?.members.map(\.memberId) == [leader, c.id])
        #expect(fixture.coordinator.heartbeat(groupId: "g", memberId: follower, generationId: generation) == .unknownMemberId)
    }

    @Test func membersThatDoNotSyncWithinTheRebalanceTimeoutAreRemoved() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew()
        let b = fixture.joinNew()
        let generation = try #require(fixture.rejoin(a.id).last?.generationId)
        let follower = fixture.sync(b.id, generation: generation)
        // The leader heartbeats but never sends its assignment.
        for _ in 0 ..< 5 {
            fixture.clock.advance(by: 6_000)
            #expect(fixture.coordinator.heartbeat(groupId: "g", memberId: a.id, generationId: generation) == .none)
            fixture.coordinator.expire()
            if follower.count == 0 { #expect(fixture.state == .completingRebalance) }
        }
        #expect(follower.last?.error == .rebalanceInProgress)
        #expect(fixture.coordinator.describeGroups(["g"])[0].members.map(\.memberId) == [b.id])
    }

    @Test func leaveGroupTakesSeveralMembers() throws {
        let fixture = try GroupFixture()
        let (leader, follower, _) = fixture.stableGroupOfTwo()
        let response = fixture.coordinator.leave(groupId: "g", members: [
            LeavingMember(memberId: leader), LeavingMember(memberId: "nobody"), LeavingMember(memberId: follower),
        ])
        #expect(response.error == .none)
        #expect(response.members.map(\.error) == [.none, .unknownMemberId, .none])
        #expect(fixture.state == .empty)
        #expect(fixture.coordinator.leave(groupId: "other", members: [LeavingMember(memberId: leader)]).members[0].error
            == .unknownMemberId)
    }

    @Test func aStaticMemberThatRestartsKeepsItsPlaceWithoutARebalance() throws {
        let fixture = try GroupFixture()
        let first = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(instance: "host-1"), completion: first.append)
        // Static members skip MEMBER_ID_REQUIRED.
        let old = try #require(first.last)
        #expect(old.error == .none)
        _ = fixture.sync(old.memberId, generation: old.generationId, assignments: [old.memberId: [7]])
        #expect(fixture.state == .stable)

        let restarted = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(instance: "host-1"), completion: restarted.append)
        let answer = try #require(restarted.last)
        #expect(answer.error == .none)
        #expect(answer.memberId != old.memberId)
        #expect(answer.generationId == old.generationId)
        #expect(fixture.state == .stable)
        #expect(fixture.sync(answer.memberId, generation: answer.generationId).last?.assignment == [7])
        #expect(fixture.coordinator.heartbeat(
            groupId: "g", memberId: old.memberId, groupInstanceId: "host-1", generationId: old.generationId) == .fencedInstanceId)
    }

    @Test func commitsAreCheckedAgainstTheGroupAndReturnTheirMetadata() throws {
        let fixture = try GroupFixture()
        let coordinator = fixture.coordinator
        // A consumer without group management commits with generation -1.
        var simple = OffsetCommitRequest(groupId: "solo", offsets: [
            OffsetCommitPartition(topic: "orders", partition: 0, offset: 42, leaderEpoch: 3, metadata: "note"),
            OffsetCommitPartition(topic: "orders", partition: 9, offset: 1),
            OffsetCommitPartition(topic: "missing", partition: 0, offset: 1),
            OffsetCommitPartition(topic: "orders", partition: 1, offset: 1, metadata: String(repeating: "x", count: 4_097)),
        ])
        #expect(coordinator.commitOffsets(simple).partitions.map(\.error)
            == [.none, .unknownTopicOrPartition, .unknownTopicOrPartition, .offsetMetadataTooLarge])
        let fetched = coordinator.fetchOffsets(groupId: "solo", partitions: [
            TopicPartition(topic: "orders", partition: 0), TopicPartition(topic: "orders", partition: 1),
        ])
        #expect(fetched.map(\.offset) == [42, -1])
        #expect(fetched.map(\.metadata) == ["note", ""])
        #expect(fetched[0].leaderEpoch == 3)
        #expect(coordinator.fetchOffsets(groupId: "solo", partitions: nil).map(\.offset) == [42])

        // Generation checks for a managed group.
        let (leader, _, generation) = fixture.stableGroupOfTwo()
        let offsets = [OffsetCommitPartition(topic: "orders", partition: 1, offset: 7)]
        simple = OffsetCommitRequest(groupId: "g", offsets: offsets)
        #expect(coordinator.commitOffsets(simple).partitions[0].error == .unknownMemberId)
        #expect(coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "g", generationId: generation - 1, memberId: leader, offsets: offsets)).partitions[0].error
            == .illegalGeneration)
        #expect(coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "g", generationId: generation, memberId: leader, offsets: offsets)).partitions[0].error == .none)
        #expect(coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "absent", generationId: 3, memberId: "m", offsets: offsets)).partitions[0].error == .illegalGeneration)
    }

    @Test func commitsAreRefusedWhileTheGroupWaitsForItsAssignment() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew()
        let generation = try #require(a.answers.last?.generationId)
        let response = fixture.coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "g", generationId: generation, memberId: a.id,
            offsets: [OffsetCommitPartition(topic: "orders", partition: 0, offset: 1)]))
        #expect(response.partitions[0].error == .rebalanceInProgress)
    }

    @Test func commitMetadataSurvivesReopeningAndOldRecordsStillRead() throws {
        let temporary = try TemporaryDirectory()
        do {
            let data = try DataDirectory.open(path: temporary.path)
            try data.createTopic(name: "orders", partitions: 1)
            let offsets = try ConsumerGroups(directory: data)
            try offsets.commit([(ConsumerGroups.Key(group: "g", topic: "orders", partition: 0),
                                 CommittedOffset(offset: 9, metadata: "m", leaderEpoch: 2))])
            // A record as builds before metadata wrote it.
            var old = try RecordBatchV2.encode([LogRecord(
                timestamp: 1, key: Array(#"{"group":"old","topic":"orders","partition":0}"#.utf8),
                value: Array(#"{"offset":5}"#.utf8))])
            try data.topic(named: ConsumerGroups.topicName).partition(0).append(&old)
            try data.close()
        }
        let data = try DataDirectory.open(path: temporary.path)
        defer { try? data.close() }
        let offsets = try ConsumerGroups(directory: data)
        let commit = try #require(offsets.committed(ConsumerGroups.Key(group: "g", topic: "orders", partition: 0)))
        #expect(commit.offset == 9)
        #expect(commit.metadata == "m")
        #expect(commit.leaderEpoch == 2)
        #expect(offsets.committed(ConsumerGroups.Key(group: "old", topic: "orders", partition: 0))
            == CommittedOffset(offset: 5))
        #expect(offsets.committedOffset(group: "old", topic: "orders", partition: 0) == 5)
    }

    @Test func listDescribeAndDeleteGroups() throws {
        let fixture = try GroupFixture()
        let coordinator = fixture.coordinator
        _ = coordinator.commitOffsets(OffsetCommitRequest(
            groupId: "solo", offsets: [OffsetCommitPartition(topic: "orders", partition: 0, offset: 3)]))
        _ = fixture.stableGroupOfTwo()
        #expect(coordinator.listGroups() == [
            GroupListing(groupId: "g", protocolType: "consumer", state: .stable),
            GroupListing(groupId: "solo", protocolType: "", state: .empty),
        ])
        #expect(coordinator.listGroups(states: [.stable]).map(\.groupId) == ["g"])
        #expect(coordinator.describeGroups(["nope"])[0].state == .dead)

        let results = coordinator.deleteGroups(["g", "solo", "nope"])
        #expect(results.map(\.error) == [.nonEmptyGroup, .none, .groupIdNotFound])
        #expect(coordinator.fetchOffsets(groupId: "solo", partitions: nil).isEmpty)
        #expect(coordinator.listGroups().map(\.groupId) == ["g"])
        // The deletion is in the log: a reopened store has no offsets for it.
        let reopened = try ConsumerGroups(directory: fixture.data)
        #expect(reopened.groups.isEmpty)
    }

    @Test func emptyGroupsWithoutOffsetsAreDroppedByExpire() throws {
        let fixture = try GroupFixture()
        let a = fixture.joinNew()
        _ = fixture.coordinator.leave(groupId: "g", members: [LeavingMember(memberId: a.id)])
        #expect(fixture.coordinator.listGroups().map(\.state) == [.empty])
        fixture.coordinator.expire()
        #expect(fixture.coordinator.listGroups().isEmpty)
    }

    @Test func anUnclaimedMemberIdExpires() throws {
        let fixture = try GroupFixture()
        let first = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(), completion: first.append)
        let id = try #require(first.last?.memberId)
        fixture.clock.advance(by: 10_000)
        fixture.coordinator.expire()
        let late = fixture.rejoin(id)
        #expect(late.last?.error == .unknownMemberId)
    }

    @Test func aMemberLeavingDuringARebalanceCompletesItForTheOthers() throws {
        let fixture = try GroupFixture()
        let (leader, follower, generation) = fixture.stableGroupOfTwo()
        let c = fixture.joinNew()
        let leaderAgain = fixture.rejoin(leader)
        #expect(leaderAgain.count == 0)
        // The follower has not rejoined; its leaving is all the rebalance
        // waited for.
        _ = fixture.coordinator.leave(groupId: "g", members: [LeavingMember(memberId: follower)])
        #expect(leaderAgain.last?.generationId == generation + 1)
        #expect(leaderAgain.last?.members.map(\.memberId) == [leader, c.id])
        #expect(c.answers.last?.generationId == generation + 1)
        // Until the assignment is synced DescribeGroups shows members
        // without metadata, and no protocol.
        let description = fixture.coordinator.describeGroups(["g"])[0]
        #expect(description.state == .completingRebalance)
        #expect(description.protocolName == "")
        #expect(description.members.map(\.memberId) == [leader, c.id])
        #expect(description.members.allSatisfy { $0.metadata.isEmpty && $0.assignment.isEmpty })
    }

    @Test func joinsOfVersionsBeforeKIP394JoinAtOnce() throws {
        let fixture = try GroupFixture()
        var request = fixture.request()
        request.requireKnownMemberId = false
        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(request, completion: answers.append)
        let answer = try #require(answers.last)
        #expect(answer.error == .none)
        #expect(answer.generationId == 1)
        #expect(answer.leader == answer.memberId)
    }

    @Test func aFullGroupRefusesNewMembers() throws {
        let fixture = try GroupFixture(maxGroupSize: 1)
        _ = fixture.joinNew()
        let answers = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(), completion: answers.append)
        #expect(answers.last?.error == .groupMaxSizeReached)
    }

    @Test func anAdminRemovesAStaticMemberByItsInstanceId() throws {
        let fixture = try GroupFixture()
        let first = Collected<JoinGroupResponse>()
        fixture.coordinator.join(fixture.request(instance: "host-1"), completion: first.append)
        let member = try #require(first.last)
        let response = fixture.coordinator.leave(
            groupId: "g", members: [LeavingMember(memberId: "", groupInstanceId: "host-1")])
        #expect(response.members.map(\.error) == [.none])
        #expect(fixture.coordinator.heartbeat(
            groupId: "g", memberId: member.memberId, generationId: member.generationId) == .unknownMemberId)
        // A member id that does not hold the instance id is fenced.
        fixture.coordinator.join(fixture.request(instance: "host-2"), completion: first.append)
        let other = try #require(first.last)
        #expect(fixture.coordinator.leave(
            groupId: "g", members: [LeavingMember(memberId: "impostor", groupInstanceId: "host-2")]).members[0].error
            == .fencedInstanceId)
        #expect(fixture.coordinator.describeGroups(["g"])[0].members.map(\.memberId) == [other.memberId])
    }

    @Test func completionsMayCallTheCoordinatorAgain() throws {
        let fixture = try GroupFixture()
        let coordinator = fixture.coordinator
        let heartbeats = Collected<ErrorCode>()
        let first = Collected<JoinGroupResponse>()
        coordinator.join(fixture.request(), completion: first.append)
        let id = try #require(first.last?.memberId)
        // The completion runs after the lock is released: calling back in
        // does not deadlock.
        coordinator.join(fixture.request(memberId: id)) { answer in
            heartbeats.append(coordinator.heartbeat(groupId: "g", memberId: id, generationId: answer.generationId))
        }
        #expect(heartbeats.all == [.none])
    }
}
