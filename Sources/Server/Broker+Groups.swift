import Dispatch
import KafkaProtocol
import Log
import Synchronization

/// The consumer-group APIs over the log's `GroupCoordinator`: this broker
/// is the coordinator of every group (FindCoordinator names it), the
/// coordinator keeps the state machine and the committed offsets, and the
/// handlers only translate between the wire and its requests.
///
/// JoinGroup and SyncGroup are answered when the coordinator calls their
/// completion, which may be much later (when the other members have
/// joined, or the leader has synced): the connection's task waits on a
/// continuation, no thread does.
extension Broker {
    /// JoinGroup, answered when the rebalance completes.
    func joinGroup(_ request: Request, clientHost: String) async -> ProtocolStruct {
        let body = request.body
        let sessionTimeoutMs = Int32(truncatingIfNeeded: body.int("SessionTimeoutMs"))
        // v0 has no rebalance timeout: the session timeout serves as one.
        let rebalanceTimeoutMs = request.version == 0
            ? sessionTimeoutMs : Int32(truncatingIfNeeded: body.int("RebalanceTimeoutMs", or: -1))
        let join = JoinGroupRequest(
            groupId: body.string("GroupId") ?? "", memberId: body.string("MemberId") ?? "",
            groupInstanceId: body.string("GroupInstanceId"), clientId: request.header.clientId ?? "",
            clientHost: clientHost, sessionTimeoutMs: sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs,
            protocolType: body.string("ProtocolType") ?? "",
            protocols: body.structs("Protocols").map {
                GroupProtocol(name: $0.string("Name") ?? "", metadata: Array($0["Metadata"]?.bytes ?? []))
            },
            // KIP-394: from v4 a new member first gets its id
            // (MEMBER_ID_REQUIRED) and joins again with it.
            requireKnownMemberId: request.version >= 4)
        let answer = await Self.coordinatorAnswer(ifDisconnected: .failure(.unknownServerError, memberId: join.memberId)) {
            answered in self.groups.join(join, completion: answered)
        }
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": answer.error.value, "GenerationId": .int(Int64(answer.generationId)),
            "ProtocolType": answer.protocolType.map(ProtocolValue.string) ?? .null,
            // Nullable from v7 only.
            "ProtocolName": answer.protocolName.map(ProtocolValue.string) ?? (request.version >= 7 ? .null : .string("")),
            "Leader": .string(answer.leader), "SkipAssignment": .bool(false), "MemberId": .string(answer.memberId),
            "Members": .array(
                answer.members.map {
                    .structure(
                        ProtocolStruct([
                            "MemberId": .string($0.memberId),
                            "GroupInstanceId": $0.groupInstanceId.map(ProtocolValue.string) ?? .null,
                            "Metadata": .bytes($0.metadata[...]),
                        ]))
                }),
        ])
    }

    /// SyncGroup, answered when the leader's assignments are in.
    func syncGroup(_ request: Request) async -> ProtocolStruct {
        let body = request.body
        var assignments: [String: [UInt8]] = [:]
        for entry in body.structs("Assignments") {
            assignments[entry.string("MemberId") ?? ""] = Array(entry["Assignment"]?.bytes ?? [])
        }
        let sync = SyncGroupRequest(
            groupId: body.string("GroupId") ?? "", generationId: Int32(truncatingIfNeeded: body.int("GenerationId")),
            memberId: body.string("MemberId") ?? "", groupInstanceId: body.string("GroupInstanceId"),
            protocolType: body.string("ProtocolType"), protocolName: body.string("ProtocolName"),
            assignments: assignments)
        let answer = await Self.coordinatorAnswer(ifDisconnected: .failure(.unknownServerError)) {
            answered in self.groups.sync(sync, completion: answered)
        }
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": answer.error.value,
            "ProtocolType": answer.protocolType.map(ProtocolValue.string) ?? .null,
            "ProtocolName": answer.protocolName.map(ProtocolValue.string) ?? .null,
            "Assignment": .bytes(answer.assignment[...]),
        ])
    }

    /// Calls the coordinator (`request` gets the completion to call) on a
    /// Dispatch thread, since the call takes the coordinator's lock, which
    /// commits hold while they append; returns its answer, or
    /// `ifDisconnected` (never sent) as soon as the task is cancelled
    /// because the client disconnected (`KafkaServer.serveUntilClosed`),
    /// so a held join does not hold its connection until the rebalance
    /// ends. The member stays in the group as Kafka keeps it, until the
    /// rebalance timeout removes it; the completion, called later, is
    /// dropped.
    static func coordinatorAnswer<Answer: Sendable>(
        ifDisconnected: Answer, _ request: @escaping @Sendable (@escaping @Sendable (Answer) -> Void) -> Void
    ) async -> Answer {
        let once = OnceAnswer<Answer>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                once.install(continuation)
                DispatchQueue.global().async { request(once.resolve) }
            }
        } onCancel: {
            once.resolve(ifDisconnected)
        }
    }

    /// FindCoordinator: this broker coordinates every group and
    /// transactional id (KeyType 0 and 1).
    func findCoordinator(_ request: Request, listener: Int) -> ProtocolStruct {
        let settings = config
        let advertised = settings.advertised(settings.listeners[listener])
        let keyType = request.body.int("KeyType")
        let code: ErrorCode = keyType == 0 || keyType == 1 ? .none : .invalidRequest
        let message: ProtocolValue = code == .none ? .null : .string("key type \(keyType) is neither 0 (group) nor 1 (transaction)")
        guard request.version >= 4 else {
            return ProtocolStruct([
                "ThrottleTimeMs": .int(0), "ErrorCode": code.value, "ErrorMessage": message,
                "NodeId": .int(Int64(config.nodeId)), "Host": .string(advertised.host), "Port": .int(Int64(advertised.port)),
            ])
        }
        let keys = request.body["CoordinatorKeys"]?.array?.compactMap(\.string) ?? []
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0),
            "Coordinators": .array(
                keys.map { key in
                    .structure(
                        ProtocolStruct([
                            "Key": .string(key), "NodeId": .int(Int64(config.nodeId)), "Host": .string(advertised.host),
                            "Port": .int(Int64(advertised.port)), "ErrorCode": code.value, "ErrorMessage": message,
                        ]))
                }),
        ])
    }

    func heartbeat(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let code = groups.heartbeat(
            groupId: body.string("GroupId") ?? "", memberId: body.string("MemberId") ?? "",
            groupInstanceId: body.string("GroupInstanceId"),
            generationId: Int32(truncatingIfNeeded: body.int("GenerationId")))
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "ErrorCode": code.value])
    }

    /// LeaveGroup: one member up to v2, a list from v3 (KIP-345).
    func leaveGroup(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let leaving: [LeavingMember] =
            request.version < 3
            ? [LeavingMember(memberId: body.string("MemberId") ?? "")]
            : body.structs("Members").map {
                LeavingMember(memberId: $0.string("MemberId") ?? "", groupInstanceId: $0.string("GroupInstanceId"))
            }
        let answer = groups.leave(groupId: body.string("GroupId") ?? "", members: leaving)
        // Up to v2 the one member's outcome is the request's.
        let code = request.version < 3 ? answer.members.first?.error ?? answer.error : answer.error
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": code.value,
            "Members": .array(
                answer.members.map {
                    .structure(
                        ProtocolStruct([
                            "MemberId": .string($0.member.memberId),
                            "GroupInstanceId": $0.member.groupInstanceId.map(ProtocolValue.string) ?? .null,
                            "ErrorCode": $0.error.value,
                        ]))
                }),
        ])
    }

    /// OffsetCommit. Its retention fields are taken as Kafka takes them:
    /// v1's CommitTimestamp (when not -1) as the commit's time, v2-v4's
    /// RetentionTimeMs (when not -1) as a per-commit expiry; from v5 the
    /// broker's `offsets.retention.minutes` alone decides.
    func offsetCommit(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let retentionTimeMs = body.int("RetentionTimeMs", or: -1)
        let commit = OffsetCommitRequest(
            groupId: body.string("GroupId") ?? "",
            generationId: Int32(truncatingIfNeeded: body.int("GenerationIdOrMemberEpoch", or: -1)),
            memberId: body.string("MemberId") ?? "", groupInstanceId: body.string("GroupInstanceId"),
            offsets: Self.committedOffsets(body), retentionTimeMs: retentionTimeMs == -1 ? nil : retentionTimeMs)
        let answer = groups.commitOffsets(commit)
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Topics": Self.commitResults(answer)])
    }

    /// The offsets of an OffsetCommit or TxnOffsetCommit request.
    static func committedOffsets(_ body: ProtocolStruct) -> [OffsetCommitPartition] {
        body.structs("Topics").flatMap { topic in
            topic.structs("Partitions").map { partition in
                let epoch = partition.int("CommittedLeaderEpoch", or: -1)
                let commitTimestamp = partition.int("CommitTimestamp", or: -1)
                return OffsetCommitPartition(
                    topic: topic.string("Name") ?? "", partition: Int(partition.int("PartitionIndex")),
                    offset: partition.int("CommittedOffset"), leaderEpoch: epoch < 0 ? nil : Int32(truncatingIfNeeded: epoch),
                    metadata: partition.string("CommittedMetadata") ?? "",
                    commitMilliseconds: commitTimestamp == -1 ? nil : commitTimestamp)
            }
        }
    }

    /// A commit's per-partition outcomes as the responses' Topics array,
    /// topics in the order they first appear.
    static func commitResults(_ answer: OffsetCommitResponse) -> ProtocolValue {
        var order: [String] = []
        var byTopic: [String: [ProtocolValue]] = [:]
        for result in answer.partitions {
            if byTopic[result.topic] == nil { order.append(result.topic) }
            byTopic[result.topic, default: []].append(
                .structure(ProtocolStruct(["PartitionIndex": .int(Int64(result.partition)), "ErrorCode": result.error.value])))
        }
        return .array(
            order.map { .structure(ProtocolStruct(["Name": .string($0), "Partitions": .array(byTopic[$0]!)])) })
    }

    /// OffsetFetch: one group up to v7, several from v8; a null topic list
    /// asks for every partition the group committed. With RequireStable
    /// (v7+) a partition with a transactional commit pending answers
    /// UNSTABLE_OFFSET_COMMIT, and the client asks again.
    func offsetFetch(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let requireStable = body["RequireStable"]?.bool ?? false
        func topics(group: String, wanted: ProtocolValue?) -> ProtocolValue {
            var partitions: [TopicPartition]?
            if let wanted, !wanted.isNull {
                partitions = (wanted.array ?? []).compactMap(\.structure).flatMap { topic in
                    (topic["PartitionIndexes"]?.array ?? []).compactMap(\.int).map {
                        TopicPartition(topic: topic.string("Name") ?? "", partition: Int($0))
                    }
                }
            }
            var order: [String] = []
            var byTopic: [String: [ProtocolValue]] = [:]
            for entry in groups.fetchOffsets(groupId: group, partitions: partitions) {
                if byTopic[entry.topic] == nil { order.append(entry.topic) }
                var code = entry.error
                if requireStable && code == .none
                    && offsets.hasPendingTransactionalOffset(
                        ConsumerGroups.Key(group: group, topic: entry.topic, partition: entry.partition))
                {
                    code = .unstableOffsetCommit
                }
                byTopic[entry.topic, default: []].append(
                    .structure(
                        ProtocolStruct([
                            "PartitionIndex": .int(Int64(entry.partition)),
                            "CommittedOffset": .int(code == .none ? entry.offset : -1),
                            "CommittedLeaderEpoch": .int(Int64(entry.leaderEpoch ?? -1)),
                            "Metadata": .string(entry.metadata), "ErrorCode": code.value,
                        ])))
            }
            return .array(
                order.map { .structure(ProtocolStruct(["Name": .string($0), "Partitions": .array(byTopic[$0]!)])) })
        }
        guard request.version >= 8 else {
            return ProtocolStruct([
                "ThrottleTimeMs": .int(0), "ErrorCode": ErrorCode.none.value,
                "Topics": topics(group: body.string("GroupId") ?? "", wanted: body["Topics"]),
            ])
        }
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0),
            "Groups": .array(
                body.structs("Groups").map { group in
                    let id = group.string("GroupId") ?? ""
                    return .structure(
                        ProtocolStruct([
                            "GroupId": .string(id), "Topics": topics(group: id, wanted: group["Topics"]),
                            "ErrorCode": ErrorCode.none.value,
                        ]))
                }),
        ])
    }

    /// ListGroups, filtered by state from v4 (an empty filter lists all).
    func listGroups(_ request: Request) -> ProtocolStruct {
        let filter = request.body["StatesFilter"]?.array?.compactMap(\.string) ?? []
        // A state Kafka does not know matches no group.
        let states = filter.isEmpty ? nil : Set(filter.compactMap { GroupState(rawValue: $0) })
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": ErrorCode.none.value,
            "Groups": .array(
                groups.listGroups(states: states).map {
                    .structure(
                        ProtocolStruct([
                            "GroupId": .string($0.groupId), "ProtocolType": .string($0.protocolType),
                            "GroupState": .string($0.state.rawValue),
                        ]))
                }),
        ])
    }

    func describeGroups(_ request: Request) -> ProtocolStruct {
        let ids = request.body["Groups"]?.array?.compactMap(\.string) ?? []
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0),
            "Groups": .array(
                groups.describeGroups(ids).map { group in
                    .structure(
                        ProtocolStruct([
                            "ErrorCode": group.error.value, "GroupId": .string(group.groupId),
                            "GroupState": .string(group.state.rawValue), "ProtocolType": .string(group.protocolType),
                            "ProtocolData": .string(group.protocolName), "AuthorizedOperations": Self.operationsOmitted,
                            "Members": .array(
                                group.members.map {
                                    .structure(
                                        ProtocolStruct([
                                            "MemberId": .string($0.memberId),
                                            "GroupInstanceId": $0.groupInstanceId.map(ProtocolValue.string) ?? .null,
                                            "ClientId": .string($0.clientId), "ClientHost": .string($0.clientHost),
                                            "MemberMetadata": .bytes($0.metadata[...]),
                                            "MemberAssignment": .bytes($0.assignment[...]),
                                        ]))
                                }),
                        ]))
                }),
        ])
    }

    func deleteGroups(_ request: Request) -> ProtocolStruct {
        let ids = request.body["GroupsNames"]?.array?.compactMap(\.string) ?? []
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0),
            "Results": .array(
                groups.deleteGroups(ids).map {
                    .structure(ProtocolStruct(["GroupId": .string($0.groupId), "ErrorCode": $0.error.value]))
                }),
        ])
    }

    /// The longest the group deadline task sleeps: a join that makes an
    /// earlier deadline (a new member's session, the initial rebalance
    /// delay) is acted on at most this late.
    static let groupDeadlineTickMs = 100

    /// Acts on the group coordinator's deadlines (expired sessions,
    /// rebalance timeouts) until the broker shuts down; the listener runs
    /// it next to its connections.
    public func driveGroupDeadlines() async {
        var nextOffsetsCheck = PartitionLog.wallClockMilliseconds() + groups.config.offsetsRetentionCheckIntervalMs
        while !notifier.isShutDown {
            let now = PartitionLog.wallClockMilliseconds()
            if let deadline = groups.nextDeadline, deadline <= now {
                await offloaded { self.groups.expire() }
            }
            if nextOffsetsCheck <= now {
                // offsets.retention.check.interval.ms
                nextOffsetsCheck = now + groups.config.offsetsRetentionCheckIntervalMs
                await offloaded { _ = self.groups.expireOffsets() }
            }
            try? await Task.sleep(for: .milliseconds(Self.groupDeadlineTickMs))
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the
/// coordinator's completion or the cancellation (in either order with
/// `install`).
///
/// # Thread safety
/// Safe from any thread.
final class OnceAnswer<Answer: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Answer, Never>?, answer: Answer?)>((nil, nil))

    func install(_ continuation: CheckedContinuation<Answer, Never>) {
        let ready = state.withLock { state -> Answer? in
            guard let answer = state.answer else {
                state.continuation = continuation
                return nil
            }
            return answer
        }
        if let ready { continuation.resume(returning: ready) }
    }

    @Sendable func resolve(_ answer: Answer) {
        let waiting = state.withLock { state -> CheckedContinuation<Answer, Never>? in
            guard state.answer == nil else { return nil }
            state.answer = answer
            defer { state.continuation = nil }
            return state.continuation
        }
        waiting?.resume(returning: answer)
    }
}
