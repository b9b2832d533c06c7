import KafkaProtocol

/// The requests and answers of the classic consumer-group protocol as the
/// `GroupCoordinator` takes and gives them: Kafka's JoinGroup, SyncGroup,
/// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups,
/// DescribeGroups and DeleteGroups, without the wire encoding (the
/// KafkaProtocol module's job). Field names follow Kafka's message specs.
///
/// # Thread safety
/// Value types; `Sendable`.

/// Where a group is in Kafka's classic state machine; `rawValue` is the
/// name Kafka's ListGroups and DescribeGroups answer with.
public enum GroupState: String, Sendable, CaseIterable {
    /// No members (it may still have committed offsets).
    case empty = "Empty"
    /// Members are (re)joining; joins are answered when all have or the
    /// rebalance timeout passes.
    case preparingRebalance = "PreparingRebalance"
    /// The join is answered; waiting for the leader's SyncGroup.
    case completingRebalance = "CompletingRebalance"
    /// Assignments are distributed; members heartbeat.
    case stable = "Stable"
    /// Removed (DeleteGroups), or unknown to the coordinator.
    case dead = "Dead"
}

/// One protocol a member supports (for consumers, an assignor such as
/// "range"), with the member's metadata for it (its subscription).
public struct GroupProtocol: Sendable, Equatable {
    public var name: String
    public var metadata: [UInt8]

    public init(name: String, metadata: [UInt8]) {
        self.name = name
        self.metadata = metadata
    }
}

/// A JoinGroup request.
public struct JoinGroupRequest: Sendable {
    public var groupId: String
    /// Empty for a member that has none yet.
    public var memberId: String
    /// Set by static members (`group.instance.id`).
    public var groupInstanceId: String?
    public var clientId: String
    public var clientHost: String
    public var sessionTimeoutMs: Int32
    public var rebalanceTimeoutMs: Int32
    public var protocolType: String
    /// In the member's order of preference.
    public var protocols: [GroupProtocol]
    /// JoinGroup v4 and later (KIP-394): a member without an id is first
    /// answered MEMBER_ID_REQUIRED with its new id, and joins when it
    /// comes back with it.
    public var requireKnownMemberId: Bool

    public init(
        groupId: String, memberId: String = "", groupInstanceId: String? = nil, clientId: String = "",
        clientHost: String = "", sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, protocolType: String,
        protocols: [GroupProtocol], requireKnownMemberId: Bool = true
    ) {
        self.groupId = groupId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.clientId = clientId
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberId = requireKnownMemberId
    }
}

/// A member as the leader's JoinGroup answer lists it: its metadata for
/// the chosen protocol.
public struct JoinGroupMember: Sendable, Equatable {
    public var memberId: String
    public var groupInstanceId: String?
    public var metadata: [UInt8]
}

/// The answer to a JoinGroup request.
public struct JoinGroupResponse: Sendable, Equatable {
    public var error: ErrorCode
    /// -1 with an error.
    public var generationId: Int32
    public var protocolType: String?
    public var protocolName: String?
    public var leader: String
    /// The member's id: with MEMBER_ID_REQUIRED, the one to join with.
    public var memberId: String
    /// Every member with its metadata for the leader; empty for the others.
    public var members: [JoinGroupMember]

    public static func failure(_ error: ErrorCode, memberId: String = "") -> JoinGroupResponse {
        JoinGroupResponse(
            error: error, generationId: -1, protocolType: nil, protocolName: nil, leader: "", memberId: memberId,
            members: [])
    }
}

/// A SyncGroup request: the leader sends every member's assignment, the
/// others none.
public struct SyncGroupRequest: Sendable {
    public var groupId: String
    public var generationId: Int32
    public var memberId: String
    public var groupInstanceId: String?
    /// SyncGroup v5: checked against the group's when given.
    public var protocolType: String?
    public var protocolName: String?
    /// Member id to assignment bytes (the leader's only).
    public var assignments: [String: [UInt8]]

    public init(
        groupId: String, generationId: Int32, memberId: String, groupInstanceId: String? = nil,
        protocolType: String? = nil, protocolName: String? = nil, assignments: [String: [UInt8]] = [:]
    ) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }
}

/// The answer to a SyncGroup request.
public struct SyncGroupResponse: Sendable, Equatable {
    public var error: ErrorCode
    public var protocolType: String?
    public var protocolName: String?
    /// The member's assignment (empty with an error).
    public var assignment: [UInt8]

    public static func failure(_ error: ErrorCode) -> SyncGroupResponse {
        SyncGroupResponse(error: error, protocolType: nil, protocolName: nil, assignment: [])
    }
}

/// A member leaving (LeaveGroup v3+ lists several; an admin removes static
/// members by instance id with an empty member id).
public struct LeavingMember: Sendable, Equatable {
    public var memberId: String
    public var groupInstanceId: String?

    public init(memberId: String, groupInstanceId: String? = nil) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
    }
}

/// The answer to a LeaveGroup request: an error for the whole request, and
/// one per member.
public struct LeaveGroupResponse: Sendable, Equatable {
    public var error: ErrorCode
    public var members: [(member: LeavingMember, error: ErrorCode)]

    public static func == (a: LeaveGroupResponse, b: LeaveGroupResponse) -> Bool {
        a.error == b.error && a.members.elementsEqual(b.members) { $0.member == $1.member && $0.error == $1.error }
    }
}

/// One partition's offset in an OffsetCommit request.
public struct OffsetCommitPartition: Sendable, Equatable {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var leaderEpoch: Int32?
    public var metadata: String
    /// OffsetCommit v1's CommitTimestamp, when the client sent one (not
    /// -1): the commit's time instead of the coordinator's clock, as Kafka
    /// takes it; the retention of a group-less commit counts from it.
    public var commitMilliseconds: Int64?

    public init(
        topic: String, partition: Int, offset: Int64, leaderEpoch: Int32? = nil, metadata: String = "",
        commitMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitMilliseconds = commitMilliseconds
    }
}

/// An OffsetCommit request. A consumer that uses no group management
/// (`assign()`) sends generation -1 and an empty member id.
public struct OffsetCommitRequest: Sendable {
    public var groupId: String
    public var generationId: Int32
    public var memberId: String
    public var groupInstanceId: String?
    public var offsets: [OffsetCommitPartition]
    /// OffsetCommit v2-v4's RetentionTimeMs when not -1: the offsets
    /// expire this long after the commit, instead of
    /// `offsets.retention.minutes` after the group became empty (Kafka's
    /// per-commit expire timestamp). Versions 5+ have no such field.
    public var retentionTimeMs: Int64?

    public init(
        groupId: String, generationId: Int32 = -1, memberId: String = "", groupInstanceId: String? = nil,
        offsets: [OffsetCommitPartition], retentionTimeMs: Int64? = nil
    ) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.offsets = offsets
        self.retentionTimeMs = retentionTimeMs
    }
}

/// A TxnOffsetCommit request: offsets committed as part of the
/// transaction `transaction`, visible once it commits. The commit's
/// generation is -1 and its member id empty when the producer does not
/// pass its consumer's group metadata (TxnOffsetCommit before v3).
public struct TxnOffsetCommitRequest: Sendable {
    public var transaction: TransactionHandle
    public var commit: OffsetCommitRequest

    public init(transaction: TransactionHandle, commit: OffsetCommitRequest) {
        self.transaction = transaction
        self.commit = commit
    }
}

/// The answer to an OffsetCommit request: one error per partition, in the
/// request's order, and the storage failure behind KAFKA_STORAGE_ERROR
/// answers (for the server's log).
public struct OffsetCommitResponse: Sendable {
    public var partitions: [(topic: String, partition: Int, error: ErrorCode)]
    public var storageFailure: LogError?
}

/// One partition's committed offset as OffsetFetch answers it: offset -1
/// and empty metadata when the group has committed none.
public struct OffsetFetchPartition: Sendable, Equatable {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var leaderEpoch: Int32?
    public var metadata: String
    public var error: ErrorCode
}

/// A group as ListGroups lists it.
public struct GroupListing: Sendable, Equatable {
    public var groupId: String
    /// Empty for a group that only stores offsets.
    public var protocolType: String
    public var state: GroupState
}

/// A member as DescribeGroups shows it. Metadata and assignment are given
/// in the Stable state only, as Kafka does.
public struct GroupMemberDescription: Sendable, Equatable {
    public var memberId: String
    public var groupInstanceId: String?
    public var clientId: String
    public var clientHost: String
    public var metadata: [UInt8]
    public var assignment: [UInt8]
}

/// A group as DescribeGroups shows it; an unknown group is Dead with no
/// members (Kafka's answer).
public struct GroupDescription: Sendable, Equatable {
    public var groupId: String
    public var error: ErrorCode
    public var state: GroupState
    public var protocolType: String
    /// The chosen protocol, in the Stable state only.
    public var protocolName: String
    public var members: [GroupMemberDescription]
}
