import Core
import KafkaProtocol
import Log

/// Topics, partitions and consumer groups as the API shows them, read from
/// the server's own log (the data directory it holds, its group
/// coordinator and committed offsets). Reads only.
///
/// # Thread safety
/// Each method may be called from any thread: the log's types lock inside.
public struct LogInspection: Sendable {
    let data: DataDirectory
    let groups: GroupCoordinator
    let offsets: ConsumerGroups

    public init(data: DataDirectory, groups: GroupCoordinator, offsets: ConsumerGroups) {
        self.data = data
        self.groups = groups
        self.offsets = offsets
    }

    public struct TopicView: Sendable {
        public var name: String
        public var isInternal: Bool
        public var partitionCount: Int
        /// Bytes on disk over every partition.
        public var bytes: Int
        public var configs: [String: String]?
        public var partitions: [PartitionView]?

        /// The API's JSON (OpenAPI "Topic"), keys sorted, as every answer's.
        public var json: JSONValue {
            var object: JSONObject = ["bytes": .int(Int64(bytes))]
            object["configs"] = configs.map { configs in
                .object(JSONObject(configs.keys.sorted().map { ($0, JSONValue.string(configs[$0]!)) }))
            }
            object["isInternal"] = .bool(isInternal)
            object["name"] = .string(name)
            object["partitionCount"] = .int(Int64(partitionCount))
            object["partitions"] = partitions.map { .array($0.map(\.json)) }
            return .object(object)
        }
    }

    public struct PartitionView: Sendable {
        public var partition: Int
        public var startOffset: Int64
        public var endOffset: Int64
        public var lastStableOffset: Int64
        public var bytes: Int
        public var segments: Int

        /// The API's JSON (OpenAPI "Partition").
        public var json: JSONValue {
            ["bytes": .int(Int64(bytes)), "endOffset": .int(endOffset), "lastStableOffset": .int(lastStableOffset),
             "partition": .int(Int64(partition)), "segments": .int(Int64(segments)), "startOffset": .int(startOffset)]
        }
    }

    public struct GroupView: Sendable {
        public var groupId: String
        public var state: String
        public var protocolType: String
        public var members: [MemberView]?
        public var offsets: [GroupOffsetView]?
        /// The sum of the partitions' lag.
        public var totalLag: Int64?

        /// The API's JSON (OpenAPI "Group").
        public var json: JSONValue {
            var object: JSONObject = ["groupId": .string(groupId)]
            object["members"] = members.map { .array($0.map(\.json)) }
            object["offsets"] = offsets.map { .array($0.map(\.json)) }
            object["protocolType"] = .string(protocolType)
            object["state"] = .string(state)
            object["totalLag"] = totalLag.map(JSONValue.int)
            return .object(object)
        }
    }

    public struct MemberView: Sendable {
        public var memberId: String
        public var clientId: String
        public var clientHost: String
        /// The partitions the group's leader gave it (the consumer
        /// protocol's assignment), when it can be read.
        public var assignment: [TopicPartitions]

        public var json: JSONValue {
            ["assignment": .array(assignment.map(\.json)), "clientHost": .string(clientHost), "clientId": .string(clientId),
             "memberId": .string(memberId)]
        }
    }

    public struct TopicPartitions: Sendable {
        public var topic: String
        public var partitions: [Int]

        public var json: JSONValue {
            ["partitions": .array(partitions.map { .int(Int64($0)) }), "topic": .string(topic)]
        }
    }

    public struct GroupOffsetView: Sendable {
        public var topic: String
        public var partition: Int
        public var committedOffset: Int64
        /// nil when the topic or partition is gone.
        public var endOffset: Int64?
        /// endOffset − committedOffset (records the group has not read yet).
        public var lag: Int64?

        public var json: JSONValue {
            var object: JSONObject = ["committedOffset": .int(committedOffset)]
            object["endOffset"] = endOffset.map(JSONValue.int)
            object["lag"] = lag.map(JSONValue.int)
            object["partition"] = .int(Int64(partition))
            object["topic"] = .string(topic)
            return .object(object)
        }
    }

    public func topics() -> [TopicView] {
        data.topics.compactMap { try? topicView(named: $0, detailed: false) }
    }

    public func topic(named name: String) -> TopicView? {
        try? topicView(named: name, detailed: true)
    }

    private func topicView(named name: String, detailed: Bool) throws(LogError) -> TopicView {
        let topic = try data.topic(named: name)
        let partitions = topic.partitions.map { log in
            PartitionView(partition: log.partition.partition, startOffset: log.startOffset, endOffset: log.endOffset,
                          lastStableOffset: log.lastStableOffset, bytes: log.sizeInBytes, segments: log.segmentCount)
        }
        return TopicView(
            name: name, isInternal: TopicName.isInternal(name), partitionCount: topic.partitionCount,
            bytes: partitions.reduce(0) { $0 + $1.bytes }, configs: detailed ? topic.config.properties : nil,
            partitions: detailed ? partitions : nil)
    }

    /// The groups with members or committed offsets, sorted by id.
    public func groupList() -> [GroupView] {
        var views: [String: GroupView] = [:]
        for listing in groups.listGroups() {
            views[listing.groupId] = GroupView(groupId: listing.groupId, state: listing.state.rawValue,
                                               protocolType: listing.protocolType)
        }
        for id in offsets.groups where views[id] == nil {
            views[id] = GroupView(groupId: id, state: GroupState.empty.rawValue, protocolType: "")
        }
        return views.values.sorted { $0.groupId < $1.groupId }
    }

    /// One group: members with their assignments, committed offsets with
    /// lag; nil when the group is unknown.
    public func group(id: String) -> GroupView? {
        let description = groups.describeGroups([id]).first
        let committed = offsets.committed(group: id)
        let known = description.map { $0.error == .none && $0.state != .dead } ?? false
        guard known || !committed.isEmpty else { return nil }
        let members = (description?.members ?? []).map { member in
            MemberView(memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost,
                       assignment: Self.assignment(member.assignment))
        }
        let offsetViews = committed.map { entry -> GroupOffsetView in
            let end = (try? data.topic(named: entry.key.topic).partition(entry.key.partition))?.endOffset
            return GroupOffsetView(topic: entry.key.topic, partition: entry.key.partition,
                                   committedOffset: entry.commit.offset, endOffset: end,
                                   lag: end.map { max(0, $0 - entry.commit.offset) })
        }
        return GroupView(
            groupId: id, state: (known ? description?.state : nil)?.rawValue ?? GroupState.empty.rawValue,
            protocolType: description?.protocolType ?? "", members: members, offsets: offsetViews,
            totalLag: offsetViews.reduce(0) { $0 + ($1.lag ?? 0) })
    }

    /// Bounds on an assignment read from a member (its bytes come from a
    /// client).
    static let assignmentTopicsMax = 10_000
    static let assignmentPartitionsMax = 100_000

    /// The consumer protocol's Assignment (version, then topics with their
    /// partitions); empty when the bytes are not one (another protocol
    /// type, or a group not yet stable).
    static func assignment(_ bytes: [UInt8]) -> [TopicPartitions] {
        guard !bytes.isEmpty else { return [] }
        var reader = ProtocolReader(bytes)
        do {
            _ = try reader.readInt16()
            let count = Int(try reader.readInt32())
            guard (0...assignmentTopicsMax).contains(count) else { return [] }
            var result: [TopicPartitions] = []
            for _ in 0..<count {
                guard let topic = try reader.readString(compact: false, nullable: false) else { return [] }
                let partitionCount = Int(try reader.readInt32())
                guard (0...assignmentPartitionsMax).contains(partitionCount) else { return [] }
                var partitions: [Int] = []
                for _ in 0..<partitionCount { partitions.append(Int(try reader.readInt32())) }
                result.append(TopicPartitions(topic: topic, partitions: partitions))
            }
            return result
        } catch {
            return []
        }
    }
}
