import KafkaProtocol
import Log
import Testing
import TestKit
@testable import Server

/// The group APIs frame by frame: the wire fields reach the coordinator
/// and its answers reach the wire, version differences included.
@Suite struct BrokerGroupTests {
    static func join(_ memberId: String) -> ProtocolStruct {
        ProtocolStruct([
            "GroupId": .string("g"), "SessionTimeoutMs": .int(10_000), "RebalanceTimeoutMs": .int(10_000),
            "MemberId": .string(memberId), "GroupInstanceId": .null, "ProtocolType": .string("consumer"),
            "Protocols": .array([.structure(ProtocolStruct(["Name": .string("range"), "Metadata": .bytes([1, 2][...])]))]),
            "Reason": .null,
        ])
    }

    @Test func oneMemberJoinsSyncsCommitsAndLeaves() async throws {
        let fixture = try BrokerFixture { $0.groups.initialRebalanceDelayMs = 0 }
        _ = try fixture.data.createTopic(name: "t", partitions: 2)

        let coordinator = try #require(
            try await fixture.send(.findCoordinator, 3, ProtocolStruct(["Key": .string("g"), "KeyType": .int(0)])))
        #expect(coordinator.body.int("ErrorCode") == 0)
        #expect(coordinator.body.int("NodeId") == 1)

        // v5: a new member first gets its id (KIP-394).
        let first = try #require(try await fixture.send(.joinGroup, 5, Self.join("")))
        #expect(first.body.int("ErrorCode") == Int64(ErrorCode.memberIdRequired.rawValue))
        let memberId = try #require(first.body.string("MemberId"))
        #expect(memberId.hasPrefix("test-"))
        let joined = try #require(try await fixture.send(.joinGroup, 5, Self.join(memberId)))
        #expect(joined.body.int("ErrorCode") == 0)
        #expect(joined.body.string("Leader") == memberId)
        #expect(joined.body.string("ProtocolName") == "range")
        let generation = joined.body.int("GenerationId")
        #expect(joined.body.structs("Members").map { $0["Metadata"]?.bytes.map(Array.init) } == [[1, 2]])

        let synced = try #require(
            try await fixture.send(
                .syncGroup, 3,
                ProtocolStruct([
                    "GroupId": .string("g"), "GenerationId": .int(generation), "MemberId": .string(memberId),
                    "GroupInstanceId": .null,
                    "Assignments": .array([
                        .structure(ProtocolStruct(["MemberId": .string(memberId), "Assignment": .bytes([9][...])]))
                    ]),
                ])))
        #expect(synced.body.int("ErrorCode") == 0)
        #expect(synced.body["Assignment"]?.bytes.map(Array.init) == [9])

        let beat = try #require(
            try await fixture.send(
                .heartbeat, 3,
                ProtocolStruct([
                    "GroupId": .string("g"), "GenerationId": .int(generation), "MemberId": .string(memberId),
                    "GroupInstanceId": .null,
                ])))
        #expect(beat.body.int("ErrorCode") == 0)

        let commit = try #require(
            try await fixture.send(
                .offsetCommit, 7,
                ProtocolStruct([
                    "GroupId": .string("g"), "GenerationIdOrMemberEpoch": .int(generation), "MemberId": .string(memberId),
                    "GroupInstanceId": .null,
                    "Topics": .array([
                        .structure(
                            ProtocolStruct([
                                "Name": .string("t"),
                                "Partitions": .array([
                                    .structure(
                                        ProtocolStruct([
                                            "PartitionIndex": .int(1), "CommittedOffset": .int(42),
                                            "CommittedLeaderEpoch": .int(-1), "CommittedMetadata": .string("m"),
                                        ])),
                                    .structure(
                                        ProtocolStruct([
                                            "PartitionIndex": .int(5), "CommittedOffset": .int(1),
                                            "CommittedLeaderEpoch": .int(-1), "CommittedMetadata": .null,
                                        ])),
                                ]),
                            ]))
                    ]),
                ])))
        let commitResults = commit.body.structs("Topics").first?.structs("Partitions").map { $0.int("ErrorCode") }
        #expect(commitResults == [0, Int64(ErrorCode.unknownTopicOrPartition.rawValue)])

        // v8 asks per group; a null topic list asks for all.
        let fetched = try #require(
            try await fixture.send(
                .offsetFetch, 8,
                ProtocolStruct([
                    "Groups": .array([.structure(ProtocolStruct(["GroupId": .string("g"), "Topics": .null]))]),
                    "RequireStable": .bool(true),
                ])))
        let partitions = fetched.body.structs("Groups").first?.structs("Topics").first?.structs("Partitions") ?? []
        #expect(partitions.map { [$0.int("PartitionIndex"), $0.int("CommittedOffset")] } == [[1, 42]])
        #expect(partitions.first?.string("Metadata") == "m")

        let described = try #require(try await fixture.send(.describeGroups, 5, ProtocolStruct(["Groups": .array([.string("g")])])))
        let group = try #require(described.body.structs("Groups").first)
        #expect(group.string("GroupState") == "Stable")
        #expect(group.structs("Members").map { $0.string("MemberId") } == [memberId])

        // v2 and older: one member, its outcome is the request's.
        let left = try #require(
            try await fixture.send(.leaveGroup, 2, ProtocolStruct(["GroupId": .string("g"), "MemberId": .string(memberId)])))
        #expect(left.body.int("ErrorCode") == 0)
        let listed = try #require(try await fixture.send(.listGroups, 4, ProtocolStruct(["StatesFilter": .array([.string("Empty")])])))
        #expect(listed.body.structs("Groups").map { $0.string("GroupId") } == ["g"])
        let deleted = try #require(try await fixture.send(.deleteGroups, 2, ProtocolStruct(["GroupsNames": .array([.string("g")])])))
        #expect(deleted.body.structs("Results").map { $0.int("ErrorCode") } == [0])
    }

    /// A JoinGroup held for the other members is answered when the server
    /// stops, so no connection keeps it from closing.
    @Test func aHeldJoinIsAnsweredAtShutdown() async throws {
        let fixture = try BrokerFixture { $0.groups.initialRebalanceDelayMs = 300_000 }
        // v3: no MEMBER_ID_REQUIRED round trip; the first join of an empty
        // group waits for the initial delay.
        async let held = fixture.send(.joinGroup, 3, Self.join(""))
        while fixture.broker.groups.listGroups().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        fixture.broker.shutDown()
        let answer = try #require(try await held)
        #expect(answer.body.int("ErrorCode") == Int64(ErrorCode.notCoordinator.rawValue))
    }
}
