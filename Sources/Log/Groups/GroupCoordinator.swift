import Foundation
import KafkaProtocol
import Logging
import Synchronization

/// Kafka's classic consumer-group protocol over a data directory's
/// committed offsets (`ConsumerGroups`): the group state machine (Empty,
/// PreparingRebalance, CompletingRebalance, Stable, Dead), JoinGroup with
/// the MEMBER_ID_REQUIRED round trip (KIP-394) and static members
/// (`group.instance.id`), SyncGroup, Heartbeat, LeaveGroup, session and
/// rebalance timeouts, and the offset, list, describe and delete requests.
/// Every answer carries Kafka's error code (`ErrorCode`), so the
/// protocol server puts it in the response as is. No networking here.
///
/// # Rebalances
/// A new member, a member leaving or timing out, or a member rejoining with
/// other protocols moves the group to PreparingRebalance. Each member's
/// JoinGroup is then held (its completion is kept) until every member has
/// rejoined, or until the largest rebalance timeout of the members has
/// passed, when those that did not rejoin are removed. The first rebalance
/// of an empty group waits `initialRebalanceDelayMs` for more members. The
/// generation then goes up, a protocol all members support is chosen by
/// their votes, and every held join is answered: the leader's with the
/// members and their metadata. The group waits in CompletingRebalance for
/// the leader's SyncGroup, which distributes the assignments to the held
/// SyncGroups of the others (Stable); members that have not sent SyncGroup
/// within the rebalance timeout are removed and the group rebalances.
///
/// # Time
/// Deadlines (sessions, rebalances, ids pending after MEMBER_ID_REQUIRED)
/// are milliseconds of the injected `clock`. Nothing happens on its own:
/// the owner calls `expire()` when `nextDeadline` has come (the server from
/// a SwiftNIO scheduled task; tests after moving a manual clock).
///
/// # What is kept
/// Only committed offsets are durable (in `__consumer_offsets`); membership
/// is in memory. After a restart every group is Empty with its offsets,
/// and consumers rejoin when their heartbeats get UNKNOWN_MEMBER_ID, as
/// after a Kafka coordinator failover. Offsets expire by Kafka's rules
/// (`expireOffsets`, `offsets.retention.minutes`).
///
/// # Thread safety
/// Safe to use from any thread; one lock serialises all groups. Commits are
/// appended under it (the order of commits is the order of the log).
/// Completions (of `join` and `sync`) are called exactly once each, on the
/// thread of whichever call completes them (that join or sync itself, or
/// another member's join, sync, heartbeat or leave, or `expire()`), after
/// the lock is released, so a completion may call the coordinator again.
/// They must not block: hand the answer to the connection's event loop.
public final class GroupCoordinator: Sendable {
    public let config: GroupCoordinatorConfig
    private let directory: DataDirectory
    private let offsets: ConsumerGroups
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let groups = Mutex<[String: ConsumerGroup]>([:])
    /// When this coordinator started: a group known only by its offsets
    /// (from before a restart) lost its members at the latest then.
    private let startedMilliseconds: Int64

    /// A completion to call once the lock is released.
    private typealias Deferred = @Sendable () -> Void

    /// - Parameters:
    ///   - directory: where the committed topics are checked to exist.
    ///   - offsets: the committed offsets; the coordinator must be the only
    ///     writer of `offsets` while it runs.
    ///   - clock: milliseconds since the Unix epoch.
    public init(
        directory: DataDirectory, offsets: ConsumerGroups, config: GroupCoordinatorConfig = GroupCoordinatorConfig(),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.wallClockMilliseconds,
        logger: Logger = Logger(label: "streamhost.groups")
    ) {
        self.directory = directory
        self.offsets = offsets
        self.config = config
        self.clock = clock
        self.logger = logger
        startedMilliseconds = clock()
    }

    /// Runs `body` under the lock, then the completions it collected.
    private func withGroups<Result>(
        _ body: (inout [String: ConsumerGroup], inout [Deferred]) -> Result
    ) -> Result {
        var deferred: [Deferred] = []
        let result = groups.withLock { groups in body(&groups, &deferred) }
        for completion in deferred { completion() }
        return result
    }

    // MARK: JoinGroup

    /// Handles a JoinGroup request; `completion` gets the answer, at once
    /// (errors, MEMBER_ID_REQUIRED, a rejoin that changes nothing) or when
    /// the rebalance completes (see the type's documentation for the
    /// thread).
    public func join(_ request: JoinGroupRequest, completion: @escaping @Sendable (JoinGroupResponse) -> Void) {
        let now = clock()
        withGroups { groups, deferred in
            func answer(_ response: JoinGroupResponse) { deferred.append { completion(response) } }
            guard !request.groupId.isEmpty, request.groupId.utf8.count <= config.idBytesMax else {
                return answer(.failure(.invalidGroupId, memberId: request.memberId))
            }
            guard (config.minSessionTimeoutMs ... config.maxSessionTimeoutMs).contains(Int64(request.sessionTimeoutMs)),
                  request.rebalanceTimeoutMs > 0
            else { return answer(.failure(.invalidSessionTimeout, memberId: request.memberId)) }
            guard request.clientId.utf8.count <= config.idBytesMax,
                  (request.groupInstanceId?.utf8.count ?? 0) <= config.idBytesMax
            else { return answer(.failure(.invalidGroupId, memberId: request.memberId)) }
            if groups[request.groupId] == nil {
                guard request.memberId.isEmpty else { return answer(.failure(.unknownMemberId, memberId: request.memberId)) }
                guard groups.count < config.groupsMax else { return answer(.failure(.coordinatorNotAvailable)) }
                groups[request.groupId] = ConsumerGroup(groupId: request.groupId)
            }
            var group = groups[request.groupId]!
            defer { groups[request.groupId] = group }
            guard group.supports(protocolType: request.protocolType, protocols: request.protocols) else {
                return answer(.failure(.inconsistentGroupProtocol, memberId: request.memberId))
            }
            if request.memberId.isEmpty {
                joinUnknownMember(request, &group, now, completion, &deferred)
            } else {
                joinKnownMember(request, &group, now, completion, &deferred)
            }
        }
    }

    private func newMemberId(_ clientId: String) -> String {
        clientId + "-" + UUID().uuidString.lowercased()
    }

    private func member(for request: JoinGroupRequest, id: String, now: Int64) -> GroupMember {
        GroupMember(
            memberId: id, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
            clientHost: request.clientHost, sessionTimeoutMs: Int64(request.sessionTimeoutMs),
            rebalanceTimeoutMs: Int64(request.rebalanceTimeoutMs), protocolType: request.protocolType,
            protocols: request.protocols, sessionDeadline: now + Int64(request.sessionTimeoutMs))
    }

    private func joinUnknownMember(
        _ request: JoinGroupRequest, _ group: inout ConsumerGroup, _ now: Int64,
        _ completion: @escaping @Sendable (JoinGroupResponse) -> Void, _ deferred: inout [Deferred]
    ) {
        let memberId = newMemberId(request.clientId)
        if let instance = request.groupInstanceId, let oldId = group.staticMembers[instance] {
            // A static member restarted: it takes its old place under a new
            // id, and the old id is fenced.
            let old = group.replace(oldId, with: memberId)
            if let pending = old.joinCompletion { deferred.append { pending(.failure(.fencedInstanceId, memberId: oldId)) } }
            if let pending = old.syncCompletion { deferred.append { pending(.failure(.fencedInstanceId)) } }
            var member = group.members[memberId]!
            let unchanged = member.protocols == request.protocols && member.protocolType == request.protocolType
            member.clientId = request.clientId
            member.clientHost = request.clientHost
            member.sessionTimeoutMs = Int64(request.sessionTimeoutMs)
            member.rebalanceTimeoutMs = Int64(request.rebalanceTimeoutMs)
            member.protocols = request.protocols
            member.sessionDeadline = now + member.sessionTimeoutMs
            if group.state == .stable && unchanged {
                // Nothing changed for the others: no rebalance (the point
                // of static membership). The member gets the current
                // generation and, through SyncGroup, its assignment.
                group.members[memberId] = member
                let response = JoinGroupResponse(
                    error: .none, generationId: group.generationId, protocolType: group.protocolType,
                    protocolName: group.protocolName, leader: group.leaderId ?? "", memberId: memberId, members: [])
                deferred.append { completion(response) }
                return
            }
            member.joinCompletion = completion
            group.members[memberId] = member
            if group.state == .preparingRebalance {
                tryCompleteJoin(&group, now, &deferred)
            } else {
                prepareRebalance(&group, now, &deferred)
            }
            return
        }
        guard group.members.count + group.pendingMembers.count < config.maxGroupSize else {
            deferred.append { completion(.failure(.groupMaxSizeReached)) }
            return
        }
        if request.requireKnownMemberId && request.groupInstanceId == nil {
            group.pendingMembers[memberId] = now + Int64(request.sessionTimeoutMs)
            deferred.append { completion(.failure(.memberIdRequired, memberId: memberId)) }
            return
        }
        addMemberAndRebalance(request, id: memberId, &group, now, completion, &deferred)
    }

    private func addMemberAndRebalance(
        _ request: JoinGroupRequest, id: String, _ group: inout ConsumerGroup, _ now: Int64,
        _ completion: @escaping @Sendable (JoinGroupResponse) -> Void, _ deferred: inout [Deferred]
    ) {
        var member = member(for: request, id: id, now: now)
        member.joinCompletion = completion
        group.add(member)
        if group.state == .preparingRebalance {
            tryCompleteJoin(&group, now, &deferred)
        } else {
            prepareRebalance(&group, now, &deferred)
        }
    }

    private func joinKnownMember(
        _ request: JoinGroupRequest, _ group: inout ConsumerGroup, _ now: Int64,
        _ completion: @escaping @Sendable (JoinGroupResponse) -> Void, _ deferred: inout [Deferred]
    ) {
        let memberId = request.memberId
        func answer(_ response: JoinGroupResponse) { deferred.append { completion(response) } }
        if group.pendingMembers.removeValue(forKey: memberId) != nil {
            return addMemberAndRebalance(request, id: memberId, &group, now, completion, &deferred)
        }
        if group.isFenced(memberId: memberId, instanceId: request.groupInstanceId) {
            return answer(.failure(.fencedInstanceId, memberId: memberId))
        }
        guard var member = group.members[memberId] else { return answer(.failure(.unknownMemberId, memberId: memberId)) }
        let unchanged = member.protocols == request.protocols && member.protocolType == request.protocolType
        if let earlier = member.joinCompletion {
            // A retried join replaces the one held; the earlier one is
            // answered so that no completion is lost.
            deferred.append { earlier(.failure(.unknownMemberId, memberId: memberId)) }
        }
        member.sessionTimeoutMs = Int64(request.sessionTimeoutMs)
        member.rebalanceTimeoutMs = Int64(request.rebalanceTimeoutMs)
        member.protocols = request.protocols
        member.sessionDeadline = now + member.sessionTimeoutMs
        switch group.state {
        case .preparingRebalance:
            member.joinCompletion = completion
            group.members[memberId] = member
            tryCompleteJoin(&group, now, &deferred)
        case .completingRebalance where unchanged, .stable where unchanged && group.leaderId != memberId:
            // The member lost its join answer (or a follower rejoins with
            // nothing new): answer with the current generation.
            member.joinCompletion = nil
            group.members[memberId] = member
            answer(joinResponse(group, for: memberId))
        case .completingRebalance, .stable:
            member.joinCompletion = completion
            group.members[memberId] = member
            prepareRebalance(&group, now, &deferred)
        case .empty, .dead:
            answer(.failure(.unknownMemberId, memberId: memberId))
        }
    }

    /// The answer to a member's join for the current generation.
    private func joinResponse(_ group: ConsumerGroup, for memberId: String) -> JoinGroupResponse {
        let isLeader = group.leaderId == memberId
        let members = isLeader
            ? group.memberOrder.compactMap { id in
                group.members[id].map {
                    JoinGroupMember(
                        memberId: id, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata(for: group.protocolName))
                }
            }
            : []
        return JoinGroupResponse(
            error: .none, generationId: group.generationId, protocolType: group.protocolType,
            protocolName: group.protocolName, leader: group.leaderId ?? "", memberId: memberId, members: members)
    }

    // MARK: Rebalancing

    private func prepareRebalance(_ group: inout ConsumerGroup, _ now: Int64, _ deferred: inout [Deferred]) {
        if group.state == .completingRebalance {
            // Assignments of the generation that did not finish are void.
            for id in group.memberOrder {
                guard var member = group.members[id], let pending = member.syncCompletion else { continue }
                deferred.append { pending(.failure(.rebalanceInProgress)) }
                // Its session counts again from the answer, as in Kafka.
                member.syncCompletion = nil
                member.sessionDeadline = now + member.sessionTimeoutMs
                group.members[id] = member
            }
        }
        for id in group.memberOrder { group.members[id]?.assignment = [] }
        let timeout = group.rebalanceTimeoutMs
        if group.state == .empty && config.initialRebalanceDelayMs > 0 {
            group.rebalanceDeadline = now + min(config.initialRebalanceDelayMs, timeout)
            group.state = .preparingRebalance
            group.inInitialDelay = true
            return
        }
        group.rebalanceDeadline = now + timeout
        group.state = .preparingRebalance
        tryCompleteJoin(&group, now, &deferred)
    }

    /// Completes the join phase when every member has rejoined (not during
    /// an empty group's initial delay, which runs to its deadline).
    private func tryCompleteJoin(_ group: inout ConsumerGroup, _ now: Int64, _ deferred: inout [Deferred]) {
        guard group.state == .preparingRebalance, group.allMembersJoined else { return }
        // The initial delay runs to its deadline (unless nobody is left).
        if group.inInitialDelay && !group.isEmpty { return }
        completeJoin(&group, now, &deferred)
    }

    /// Ends the join phase: members that did not rejoin are removed, the
    /// generation goes up, a protocol is chosen and every held join is
    /// answered.
    private func completeJoin(_ group: inout ConsumerGroup, _ now: Int64, _ deferred: inout [Deferred]) {
        for id in group.memberOrder where group.members[id]?.joinCompletion == nil {
            _ = group.remove(id)
            logger.info("group \(group.groupId): member \(id) removed: it did not rejoin within the rebalance timeout")
        }
        group.generationId &+= 1
        group.inInitialDelay = false
        if group.isEmpty {
            group.state = .empty
            group.emptySinceMilliseconds = now
            group.protocolName = nil
            group.rebalanceDeadline = nil
            logger.info("group \(group.groupId): generation \(group.generationId) is empty")
            return
        }
        group.protocolName = group.selectProtocol()
        if group.leaderId == nil || group.members[group.leaderId!] == nil { group.leaderId = group.memberOrder.first }
        group.state = .completingRebalance
        group.rebalanceDeadline = now + group.rebalanceTimeoutMs
        logger.info(.init(stringLiteral:
            "group \(group.groupId): generation \(group.generationId) with \(group.members.count) members, "
                + "protocol \(group.protocolName ?? "-"), leader \(group.leaderId ?? "-")"))
        for id in group.memberOrder {
            guard var member = group.members[id], let pending = member.joinCompletion else { continue }
            member.joinCompletion = nil
            member.sessionDeadline = now + member.sessionTimeoutMs
            group.members[id] = member
            let response = joinResponse(group, for: id)
            deferred.append { pending(response) }
        }
    }

    /// Removes a member (left, timed out, or replaced) and lets the group
    /// react: a rebalance, or the end of the one under way.
    private func removeMember(
        _ memberId: String, _ group: inout ConsumerGroup, _ now: Int64, reason: String, _ deferred: inout [Deferred]
    ) {
        guard let member = group.remove(memberId) else { return }
        logger.info("group \(group.groupId): member \(memberId) removed: \(reason)")
        if let pending = member.joinCompletion { deferred.append { pending(.failure(.unknownMemberId, memberId: memberId)) } }
        if let pending = member.syncCompletion { deferred.append { pending(.failure(.unknownMemberId)) } }
        switch group.state {
        case .stable, .completingRebalance: prepareRebalance(&group, now, &deferred)
        case .preparingRebalance:
            if group.isEmpty {
                completeJoin(&group, now, &deferred)
            } else {
                tryCompleteJoin(&group, now, &deferred)
            }
        case .empty, .dead: break
        }
    }

    // MARK: SyncGroup

    /// Handles a SyncGroup request: the leader's assignments complete the
    /// rebalance and are distributed; a follower's waits for them
    /// (`completion` is then called by the leader's sync, or with
    /// REBALANCE_IN_PROGRESS or UNKNOWN_MEMBER_ID if the rebalance starts
    /// over or the member is removed).
    public func sync(_ request: SyncGroupRequest, completion: @escaping @Sendable (SyncGroupResponse) -> Void) {
        let now = clock()
        withGroups { groups, deferred in
            func answer(_ response: SyncGroupResponse) { deferred.append { completion(response) } }
            guard var group = groups[request.groupId] else { return answer(.failure(.unknownMemberId)) }
            defer { groups[request.groupId] = group }
            if group.isFenced(memberId: request.memberId, instanceId: request.groupInstanceId) {
                return answer(.failure(.fencedInstanceId))
            }
            guard var member = group.members[request.memberId] else { return answer(.failure(.unknownMemberId)) }
            guard request.generationId == group.generationId else { return answer(.failure(.illegalGeneration)) }
            if let type = request.protocolType, type != group.protocolType {
                return answer(.failure(.inconsistentGroupProtocol))
            }
            if let name = request.protocolName, name != group.protocolName {
                return answer(.failure(.inconsistentGroupProtocol))
            }
            switch group.state {
            case .empty, .dead:
                answer(.failure(.unknownMemberId))
            case .preparingRebalance:
                answer(.failure(.rebalanceInProgress))
            case .completingRebalance:
                if let earlier = member.syncCompletion { deferred.append { earlier(.failure(.unknownMemberId)) } }
                member.syncCompletion = completion
                member.sessionDeadline = now + member.sessionTimeoutMs
                group.members[request.memberId] = member
                if group.leaderId == request.memberId {
                    for id in group.memberOrder {
                        group.members[id]!.assignment = request.assignments[id] ?? []
                    }
                    group.state = .stable
                    group.rebalanceDeadline = nil
                    for id in group.memberOrder {
                        guard let pending = group.members[id]!.syncCompletion else { continue }
                        group.members[id]!.syncCompletion = nil
                        let response = SyncGroupResponse(
                            error: .none, protocolType: group.protocolType, protocolName: group.protocolName,
                            assignment: group.members[id]!.assignment)
                        deferred.append { pending(response) }
                    }
                }
            case .stable:
                member.sessionDeadline = now + member.sessionTimeoutMs
                group.members[request.memberId] = member
                answer(SyncGroupResponse(
                    error: .none, protocolType: group.protocolType, protocolName: group.protocolName,
                    assignment: member.assignment))
            }
        }
    }

    // MARK: Heartbeat and LeaveGroup

    /// Handles a Heartbeat: keeps the member's session alive; answers
    /// REBALANCE_IN_PROGRESS while the group rebalances (the member must
    /// rejoin), UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION when it is no
    /// longer part of the current generation.
    public func heartbeat(
        groupId: String, memberId: String, groupInstanceId: String? = nil, generationId: Int32
    ) -> ErrorCode {
        let now = clock()
        return withGroups { groups, _ in
            guard var group = groups[groupId] else { return .unknownMemberId }
            defer { groups[groupId] = group }
            if group.isFenced(memberId: memberId, instanceId: groupInstanceId) { return .fencedInstanceId }
            guard var member = group.members[memberId] else { return .unknownMemberId }
            guard generationId == group.generationId else { return .illegalGeneration }
            member.sessionDeadline = now + member.sessionTimeoutMs
            group.members[memberId] = member
            switch group.state {
            case .empty, .dead: return .unknownMemberId
            case .preparingRebalance: return .rebalanceInProgress
            case .completingRebalance, .stable: return .none
            }
        }
    }

    /// Handles a LeaveGroup request (v3+ lists several members; older
    /// versions one). A member given by instance id only (an admin's
    /// removal of a static member) is found by it.
    public func leave(groupId: String, members leaving: [LeavingMember]) -> LeaveGroupResponse {
        let now = clock()
        return withGroups { groups, deferred in
            guard var group = groups[groupId] else {
                return LeaveGroupResponse(error: .none, members: leaving.map { ($0, .unknownMemberId) })
            }
            defer { groups[groupId] = group }
            var results: [(member: LeavingMember, error: ErrorCode)] = []
            for request in leaving {
                var memberId = request.memberId
                if memberId.isEmpty, let instance = request.groupInstanceId, let holder = group.staticMembers[instance] {
                    memberId = holder
                }
                if group.pendingMembers.removeValue(forKey: memberId) != nil {
                    results.append((request, .none))
                    tryCompleteJoin(&group, now, &deferred)
                    continue
                }
                if group.isFenced(memberId: memberId, instanceId: request.groupInstanceId) {
                    results.append((request, .fencedInstanceId))
                    continue
                }
                guard group.members[memberId] != nil else {
                    results.append((request, .unknownMemberId))
                    continue
                }
                removeMember(memberId, &group, now, reason: "it left the group", &deferred)
                results.append((request, .none))
            }
            return LeaveGroupResponse(error: .none, members: results)
        }
    }

    // MARK: Deadlines

    /// The earliest deadline of any group (a session, a rebalance, a
    /// pending member id), or nil when there is none: when `expire()`
    /// should run next.
    public var nextDeadline: Int64? {
        groups.withLock { groups in
            var earliest: Int64?
            func consider(_ time: Int64) { earliest = min(earliest ?? time, time) }
            for group in groups.values {
                if let deadline = group.rebalanceDeadline { consider(deadline) }
                for deadline in group.pendingMembers.values { consider(deadline) }
                for member in group.members.values where !member.isAwaiting { consider(member.sessionDeadline) }
            }
            return earliest
        }
    }

    /// Acts on every deadline that has passed by the clock: members whose
    /// session ran out are removed (the group rebalances), ids pending
    /// after MEMBER_ID_REQUIRED are forgotten, a join phase whose rebalance
    /// timeout (or initial delay) passed completes with the members that
    /// rejoined, and members that did not send SyncGroup in time are
    /// removed. Empty groups without committed offsets are dropped.
    public func expire() {
        let now = clock()
        withGroups { groups, deferred in
            for groupId in groups.keys.sorted() {
                var group = groups[groupId]!
                for (id, deadline) in group.pendingMembers where deadline <= now {
                    group.pendingMembers[id] = nil
                }
                for id in group.memberOrder {
                    guard let member = group.members[id], !member.isAwaiting, member.sessionDeadline <= now else { continue }
                    removeMember(
                        id, &group, now, reason: "no heartbeat within its session timeout (\(member.sessionTimeoutMs) ms)",
                        &deferred)
                }
                if let deadline = group.rebalanceDeadline, deadline <= now {
                    switch group.state {
                    case .preparingRebalance:
                        completeJoin(&group, now, &deferred)
                    case .completingRebalance:
                        let late = group.memberOrder.filter { group.members[$0]?.syncCompletion == nil }
                        for id in late {
                            removeMember(id, &group, now, reason: "no SyncGroup within the rebalance timeout", &deferred)
                        }
                    default:
                        group.rebalanceDeadline = nil
                    }
                } else if group.state == .preparingRebalance {
                    tryCompleteJoin(&group, now, &deferred)
                }
                if group.state == .empty && group.pendingMembers.isEmpty && offsets.committed(group: groupId).isEmpty {
                    groups[groupId] = nil
                } else {
                    groups[groupId] = group
                }
            }
        }
    }

    /// Answers every held JoinGroup and SyncGroup with NOT_COORDINATOR, as
    /// a Kafka coordinator that moves away does: the server calls it when
    /// it stops, so no connection waits for a rebalance that will not
    /// complete. The members stay; their next request finds the group as
    /// it was.
    public func releaseHeldRequests() {
        withGroups { groups, deferred in
            for groupId in groups.keys {
                for memberId in groups[groupId]!.memberOrder {
                    guard var member = groups[groupId]!.members[memberId] else { continue }
                    if let pending = member.joinCompletion {
                        deferred.append { pending(.failure(.notCoordinator, memberId: memberId)) }
                    }
                    if let pending = member.syncCompletion { deferred.append { pending(.failure(.notCoordinator)) } }
                    member.joinCompletion = nil
                    member.syncCompletion = nil
                    groups[groupId]!.members[memberId] = member
                }
            }
        }
    }

    // MARK: Offsets

    /// Handles an OffsetCommit request with Kafka's checks: a group-less
    /// commit (generation below 0) is accepted while the group has no
    /// members; otherwise the member must be in the group and in its
    /// generation (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION), and not while
    /// the group waits for its SyncGroup (REBALANCE_IN_PROGRESS). Per
    /// partition: the topic and partition must exist, and the metadata be
    /// at most `offsetMetadataMaxBytes`. The accepted offsets are appended
    /// in one batch.
    public func commitOffsets(_ request: OffsetCommitRequest) -> OffsetCommitResponse {
        let now = clock()
        return withGroups { groups, _ in
            func all(_ error: ErrorCode) -> OffsetCommitResponse { Self.failure(request, error) }
            // A group-less commit creates the group; a commit of a
            // generation of a group that does not exist is late.
            var group: ConsumerGroup
            switch groupForCommit(groups, request.groupId, creating: request.generationId < 0) {
            case let .success(found): group = found
            case let .failure(error): return all(error.code)
            }
            if group.isFenced(memberId: request.memberId, instanceId: request.groupInstanceId) {
                return all(.fencedInstanceId)
            }
            if !(request.generationId < 0 && group.state == .empty) {
                guard var member = group.members[request.memberId] else { return all(.unknownMemberId) }
                guard request.generationId == group.generationId else { return all(.illegalGeneration) }
                guard group.state != .completingRebalance else { return all(.rebalanceInProgress) }
                // A commit counts as a sign of life, as in Kafka.
                member.sessionDeadline = now + member.sessionTimeoutMs
                group.members[request.memberId] = member
            }
            let (results, accepted) = checked(request.offsets, group: request.groupId, retentionTimeMs: request.retentionTimeMs)
            groups[request.groupId] = group
            do throws(LogError) {
                try offsets.commit(accepted)
            } catch {
                logger.error("group \(request.groupId): offsets not committed: \(error)")
                return OffsetCommitResponse(
                    partitions: results.map { ($0.topic, $0.partition, $0.error == .none ? .kafkaStorageError : $0.error) },
                    storageFailure: error)
            }
            return OffsetCommitResponse(partitions: results, storageFailure: nil)
        }
    }

    /// Handles a TxnOffsetCommit request with Kafka's checks: a member id,
    /// when given, must be in the group (UNKNOWN_MEMBER_ID) and hold its
    /// instance id (FENCED_INSTANCE_ID); a generation, when given (not -1),
    /// must be the group's (ILLEGAL_GENERATION); per partition as
    /// `commitOffsets`. The accepted offsets are appended to
    /// `__consumer_offsets` in the transaction and become committed when it
    /// commits (see `ConsumerGroups.commitTransactional`); a handle that is
    /// not its id's open transaction gets INVALID_TXN_STATE, one of an
    /// older epoch PRODUCER_FENCED.
    public func commitTransactionalOffsets(_ transactional: TxnOffsetCommitRequest) -> OffsetCommitResponse {
        let request = transactional.commit
        return withGroups { groups, _ in
            func all(_ error: ErrorCode) -> OffsetCommitResponse { Self.failure(request, error) }
            var group: ConsumerGroup
            switch groupForCommit(groups, request.groupId, creating: true) {
            case let .success(found): group = found
            case let .failure(error): return all(error.code)
            }
            if !request.memberId.isEmpty && group.members[request.memberId] == nil { return all(.unknownMemberId) }
            if group.isFenced(memberId: request.memberId, instanceId: request.groupInstanceId) {
                return all(.fencedInstanceId)
            }
            if request.generationId >= 0 && request.generationId != group.generationId { return all(.illegalGeneration) }
            let (results, accepted) = checked(request.offsets, group: request.groupId)
            do throws(LogError) {
                try offsets.commitTransactional(transactional.transaction, accepted)
            } catch {
                let code: ErrorCode
                switch error {
                case .transactionNotOpen: code = .invalidTxnState
                case .producerFenced: code = .producerFenced
                default:
                    code = .kafkaStorageError
                    logger.error("group \(request.groupId): transactional offsets not committed: \(error)")
                }
                return OffsetCommitResponse(
                    partitions: results.map { ($0.topic, $0.partition, $0.error == .none ? code : $0.error) },
                    storageFailure: code == .kafkaStorageError ? error : nil)
            }
            groups[request.groupId] = group
            return OffsetCommitResponse(partitions: results, storageFailure: nil)
        }
    }

    /// Every partition of `request` answered with `error`.
    private static func failure(_ request: OffsetCommitRequest, _ error: ErrorCode) -> OffsetCommitResponse {
        OffsetCommitResponse(partitions: request.offsets.map { ($0.topic, $0.partition, error) }, storageFailure: nil)
    }

    /// A Kafka error code as an `Error`, for `Result`.
    private struct Refusal: Error {
        let code: ErrorCode
    }

    /// The group a commit goes to: the existing one, or a new empty one
    /// when `creating` (else ILLEGAL_GENERATION); INVALID_GROUP_ID for a
    /// bad id, COORDINATOR_NOT_AVAILABLE past `groupsMax`.
    private func groupForCommit(
        _ groups: [String: ConsumerGroup], _ groupId: String, creating: Bool
    ) -> Result<ConsumerGroup, Refusal> {
        guard !groupId.isEmpty, groupId.utf8.count <= config.idBytesMax else { return .failure(Refusal(code: .invalidGroupId)) }
        if let existing = groups[groupId] { return .success(existing) }
        guard creating else { return .failure(Refusal(code: .illegalGeneration)) }
        guard groups.count < config.groupsMax else { return .failure(Refusal(code: .coordinatorNotAvailable)) }
        return .success(ConsumerGroup(groupId: groupId))
    }

    /// The per-partition checks of a commit: an error per partition, and
    /// the offsets that passed.
    private func checked(
        _ offsets: [OffsetCommitPartition], group: String, retentionTimeMs: Int64? = nil
    ) -> (results: [(topic: String, partition: Int, error: ErrorCode)], accepted: [(ConsumerGroups.Key, CommittedOffset)]) {
        // Kafka's expire timestamp: the coordinator's time plus the
        // retention asked for (OffsetCommit v2-v4), saturated: a client's
        // Int64.max means never.
        let now = clock()
        let expireMilliseconds = retentionTimeMs.map { retention in
            let (sum, overflow) = now.addingReportingOverflow(retention)
            return overflow ? (retention > 0 ? Int64.max : Int64.min) : sum
        }
        var results: [(topic: String, partition: Int, error: ErrorCode)] = []
        var accepted: [(ConsumerGroups.Key, CommittedOffset)] = []
        for offset in offsets {
            var error = ErrorCode.none
            if offset.metadata.utf8.count > config.offsetMetadataMaxBytes {
                error = .offsetMetadataTooLarge
            } else if !partitionExists(offset.topic, offset.partition) {
                error = .unknownTopicOrPartition
            } else {
                accepted.append((
                    ConsumerGroups.Key(group: group, topic: offset.topic, partition: offset.partition),
                    CommittedOffset(
                        offset: offset.offset, metadata: offset.metadata, leaderEpoch: offset.leaderEpoch,
                        commitMilliseconds: offset.commitMilliseconds ?? now, expireMilliseconds: expireMilliseconds)))
            }
            results.append((offset.topic, offset.partition, error))
        }
        return (results, accepted)
    }

    private func partitionExists(_ topic: String, _ partition: Int) -> Bool {
        guard let found = try? directory.topic(named: topic) else { return false }
        return partition >= 0 && partition < found.partitionCount
    }

    /// Handles an OffsetFetch request: the committed offset and metadata of
    /// each partition asked for (offset -1 where none is), or of every
    /// partition the group committed when `partitions` is nil.
    public func fetchOffsets(groupId: String, partitions: [TopicPartition]?) -> [OffsetFetchPartition] {
        guard let partitions else {
            return offsets.committed(group: groupId).map {
                OffsetFetchPartition(
                    topic: $0.key.topic, partition: $0.key.partition, offset: $0.commit.offset,
                    leaderEpoch: $0.commit.leaderEpoch, metadata: $0.commit.metadata, error: .none)
            }
        }
        return partitions.map { partition in
            let commit = offsets.committed(
                ConsumerGroups.Key(group: groupId, topic: partition.topic, partition: partition.partition))
            return OffsetFetchPartition(
                topic: partition.topic, partition: partition.partition, offset: commit?.offset ?? -1,
                leaderEpoch: commit?.leaderEpoch, metadata: commit?.metadata ?? "", error: .none)
        }
    }

    // MARK: Offset retention

    /// Removes committed offsets that expired (Kafka's
    /// `offsets.retention.minutes` and the KIP-211 rules), with tombstones
    /// in one batch; returns the keys removed, sorted. The server calls it
    /// every `offsetsRetentionCheckIntervalMs`.
    ///
    /// - A group with members keeps its offsets (Kafka's classic groups).
    /// - A group whose members are all gone: its offsets expire
    ///   `offsetsRetentionMs` after it became Empty.
    /// - A group no member joined since this coordinator started (one that
    ///   only commits without joining, as `assign()` consumers do, and
    ///   every group after a restart): each offset expires
    ///   `offsetsRetentionMs` after its commit or after the start,
    ///   whichever is later. Membership is not stored, so the start is the
    ///   latest a group can have lost its members, and no offset is
    ///   removed sooner than Kafka would remove it.
    /// - An offset committed with a retention time (OffsetCommit v2-v4)
    ///   expires at its own expire time instead, when its group has no
    ///   members.
    /// - An offset with a transactional commit pending stays.
    /// A group left without offsets or members is forgotten.
    @discardableResult
    public func expireOffsets() -> [ConsumerGroups.Key] {
        let now = clock()
        let retention = config.offsetsRetentionMs
        return withGroups { groups, _ in
            var expired: [ConsumerGroups.Key] = []
            for groupId in offsets.groups {
                let group = groups[groupId]
                if let group, !group.isEmpty { continue }
                for (key, commit) in offsets.committed(group: groupId) {
                    let base = group?.emptySinceMilliseconds ?? max(commit.commitMilliseconds, startedMilliseconds)
                    let isExpired = commit.expireMilliseconds.map { now >= $0 } ?? (now - base >= retention)
                    if isExpired && !offsets.hasPendingTransactionalOffset(key) { expired.append(key) }
                }
            }
            expired.sort()
            guard !expired.isEmpty else { return [] }
            do throws(LogError) {
                try offsets.deleteOffsets(expired)
            } catch {
                logger.error("offsets retention: \(expired.count) expired offsets not removed (retried at the next check): \(error)")
                return []
            }
            for groupId in Set(expired.map(\.group)) {
                logger.info("group \(groupId): committed offsets expired (offsets.retention.minutes or the commit's retention time)")
                if let group = groups[groupId], group.isEmpty, group.pendingMembers.isEmpty,
                   offsets.committed(group: groupId).isEmpty
                {
                    groups[groupId] = nil
                }
            }
            return expired
        }
    }

    // MARK: Listing, describing, deleting

    /// Every group the coordinator knows (members, or committed offsets
    /// only, which list as Empty), sorted by id; only those in `states`
    /// when given (ListGroups v4).
    public func listGroups(states: Set<GroupState>? = nil) -> [GroupListing] {
        let withOffsets = offsets.groups
        let listed = groups.withLock { groups -> [GroupListing] in
            var listed = groups.values.map {
                GroupListing(groupId: $0.groupId, protocolType: $0.protocolType ?? "", state: $0.state)
            }
            for id in withOffsets where groups[id] == nil {
                listed.append(GroupListing(groupId: id, protocolType: "", state: .empty))
            }
            return listed
        }
        return listed.filter { states?.contains($0.state) ?? true }.sorted { $0.groupId < $1.groupId }
    }

    /// Describes groups: state, protocol type, the chosen protocol and the
    /// members (with metadata and assignment in the Stable state only). An
    /// unknown group is Dead with no members.
    public func describeGroups(_ groupIds: [String]) -> [GroupDescription] {
        let withOffsets = Set(offsets.groups)
        return groups.withLock { groups in
            groupIds.map { id in
                guard let group = groups[id] else {
                    return GroupDescription(
                        groupId: id, error: id.isEmpty ? .invalidGroupId : .none,
                        state: withOffsets.contains(id) ? .empty : .dead, protocolType: "", protocolName: "", members: [])
                }
                let stable = group.state == .stable
                return GroupDescription(
                    groupId: id, error: .none, state: group.state, protocolType: group.protocolType ?? "",
                    protocolName: stable ? group.protocolName ?? "" : "",
                    members: group.memberOrder.compactMap { memberId in
                        group.members[memberId].map {
                            GroupMemberDescription(
                                memberId: memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                                clientHost: $0.clientHost, metadata: stable ? $0.metadata(for: group.protocolName) : [],
                                assignment: stable ? $0.assignment : [])
                        }
                    })
            }
        }
    }

    /// Deletes groups and their committed offsets: only groups without
    /// members (NON_EMPTY_GROUP otherwise); GROUP_ID_NOT_FOUND for a group
    /// the coordinator does not know.
    public func deleteGroups(_ groupIds: [String]) -> [(groupId: String, error: ErrorCode)] {
        withGroups { groups, _ in
            groupIds.map { id in
                guard !id.isEmpty else { return (id, .invalidGroupId) }
                let hasOffsets = !offsets.committed(group: id).isEmpty
                if let group = groups[id] {
                    guard group.state == .empty || group.state == .dead else { return (id, .nonEmptyGroup) }
                } else if !hasOffsets {
                    return (id, .groupIdNotFound)
                }
                do throws(LogError) {
                    try offsets.deleteOffsets(group: id)
                } catch {
                    logger.error("group \(id): not deleted: \(error)")
                    return (id, .kafkaStorageError)
                }
                groups[id] = nil
                logger.info("group \(id): deleted")
                return (id, .none)
            }
        }
    }
}
