/// One group's membership as the `GroupCoordinator` keeps it: state,
/// generation, chosen protocol, leader, members in join order, members
/// that were given an id but have not joined with it yet (KIP-394), and
/// static members by instance id.
///
/// # Thread safety
/// A value type, used under the coordinator's lock.
struct ConsumerGroup {
    let groupId: String
    var state: GroupState = .empty
    var generationId: Int32 = 0
    var protocolType: String?
    var protocolName: String?
    var leaderId: String?
    var members: [String: GroupMember] = [:]
    /// Member ids in the order they joined: the first becomes the leader
    /// when there is none.
    var memberOrder: [String] = []
    /// Ids handed out with MEMBER_ID_REQUIRED, to their deadline (the
    /// session timeout they asked for): until then a join with the id is
    /// accepted as a new member's.
    var pendingMembers: [String: Int64] = [:]
    /// `group.instance.id` to the member id that holds it.
    var staticMembers: [String: String] = [:]
    /// PreparingRebalance: when the join completes whoever has rejoined.
    /// CompletingRebalance: when members that have not sent SyncGroup are
    /// removed.
    var rebalanceDeadline: Int64?
    /// Whether the join phase is an empty group's first, which waits for
    /// its deadline (`initialRebalanceDelayMs`) even when all have joined.
    var inInitialDelay = false
    /// When the group last became Empty (its last member gone), for the
    /// retention of its offsets; nil for a group that had no members since
    /// the coordinator started (group-less commits only).
    var emptySinceMilliseconds: Int64?

    init(groupId: String) {
        self.groupId = groupId
    }

    var isEmpty: Bool { members.isEmpty }

    /// The protocols every member supports, in no particular order.
    var commonProtocols: Set<String> {
        var common: Set<String>?
        for member in members.values {
            let names = Set(member.protocols.map(\.name))
            common = common.map { $0.intersection(names) } ?? names
        }
        return common ?? []
    }

    /// Whether a member with these protocols can join (Kafka's
    /// `supportsProtocols`): the same protocol type, and one protocol all
    /// current members and it support.
    func supports(protocolType: String, protocols: [GroupProtocol]) -> Bool {
        guard !protocolType.isEmpty, !protocols.isEmpty else { return false }
        if members.isEmpty { return true }
        guard protocolType == self.protocolType else { return false }
        let common = commonProtocols
        return protocols.contains { common.contains($0.name) }
    }

    /// Kafka's protocol selection: among the protocols every member
    /// supports, each member votes for the first in its own order of
    /// preference; the most votes win, ties going to the one the earliest
    /// joined member prefers.
    func selectProtocol() -> String? {
        let common = commonProtocols
        var votes: [String: Int] = [:]
        for member in members.values {
            if let choice = member.protocols.first(where: { common.contains($0.name) }) {
                votes[choice.name, default: 0] += 1
            }
        }
        guard let most = votes.values.max() else { return nil }
        let first = memberOrder.first.flatMap { members[$0] }
        return first?.protocols.map(\.name).first { votes[$0] == most }
            ?? votes.keys.sorted().first { votes[$0] == most }
    }

    /// The largest rebalance timeout of the members (Kafka's group
    /// rebalance timeout).
    var rebalanceTimeoutMs: Int64 {
        members.values.map(\.rebalanceTimeoutMs).max() ?? 0
    }

    /// Whether every member has rejoined and no id handed out is pending.
    var allMembersJoined: Bool {
        pendingMembers.isEmpty && members.values.allSatisfy { $0.joinCompletion != nil }
    }

    /// Whether `memberId` holds `instanceId` (or no instance id is given);
    /// false means the caller was replaced by a newer static member.
    func isFenced(memberId: String, instanceId: String?) -> Bool {
        guard let instanceId, let holder = staticMembers[instanceId] else { return false }
        return holder != memberId
    }

    mutating func add(_ member: GroupMember) {
        if members.isEmpty { protocolType = member.protocolType }
        members[member.memberId] = member
        memberOrder.append(member.memberId)
        if let instance = member.groupInstanceId { staticMembers[instance] = member.memberId }
        if leaderId == nil { leaderId = member.memberId }
    }

    /// Removes a member; returns it.
    mutating func remove(_ memberId: String) -> GroupMember? {
        guard let member = members.removeValue(forKey: memberId) else { return nil }
        memberOrder.removeAll { $0 == memberId }
        if let instance = member.groupInstanceId, staticMembers[instance] == memberId {
            staticMembers[instance] = nil
        }
        if leaderId == memberId { leaderId = memberOrder.first }
        if members.isEmpty { protocolType = nil }
        return member
    }

    /// Gives a static member's place to a new member id (the instance
    /// restarted); returns the member as it was.
    mutating func replace(_ oldId: String, with newId: String) -> GroupMember {
        precondition(members[oldId] != nil && members[newId] == nil, "replace takes a member and a fresh id")
        let old = members.removeValue(forKey: oldId)!
        var member = old
        member.memberId = newId
        member.joinCompletion = nil
        member.syncCompletion = nil
        members[newId] = member
        memberOrder = memberOrder.map { $0 == oldId ? newId : $0 }
        if let instance = member.groupInstanceId { staticMembers[instance] = newId }
        if leaderId == oldId { leaderId = newId }
        return old
    }
}

/// A member of a group.
///
/// # Thread safety
/// A value type, used under the coordinator's lock.
struct GroupMember {
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int64
    var rebalanceTimeoutMs: Int64
    var protocolType: String
    var protocols: [GroupProtocol]
    var assignment: [UInt8] = []
    /// Set while the member waits for the rebalance to complete.
    var joinCompletion: (@Sendable (JoinGroupResponse) -> Void)?
    /// Set while the member waits for the leader's SyncGroup.
    var syncCompletion: (@Sendable (SyncGroupResponse) -> Void)?
    /// When the member is removed unless it heartbeats (or joins or syncs)
    /// before.
    var sessionDeadline: Int64

    /// The member's metadata for `protocol` (empty when it has none).
    func metadata(for protocolName: String?) -> [UInt8] {
        protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    /// Whether a waiting join or sync keeps the member alive: the
    /// rebalance timeout bounds those waits instead of the session.
    var isAwaiting: Bool { joinCompletion != nil || syncCompletion != nil }
}
