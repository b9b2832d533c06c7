import KafkaProtocol

/// Group requests for the CLI: simple (group-less) commits and reads of
/// committed offsets, and the group listing. No membership: the CLI never
/// joins a group.

/// The versions asked for, in the one table of KafkaClient+Log.swift.
extension KafkaClient.Versions {
    /// v2: generation and member id, the retention field left at -1.
    static let offsetCommit: Int16 = 2
    /// v3: a null topic list asks for every committed partition.
    static let offsetFetch: Int16 = 3
    static let listGroups: Int16 = 2
}

extension KafkaClient {
    /// Commits offsets for `group` outside any generation (generation -1,
    /// no member id), as Kafka's simple consumers do.
    public func commitOffsets(group: String, topic: String, offsets: [(partition: Int, offset: Int64)]) throws {
        let body = try send(.offsetCommit, version: Versions.offsetCommit, ProtocolStruct([
            "GroupId": .string(group), "GenerationIdOrMemberEpoch": .int(-1), "MemberId": .string(""),
            "RetentionTimeMs": .int(-1),
            "Topics": .array([.structure(ProtocolStruct([
                "Name": .string(topic),
                "Partitions": .array(offsets.map {
                    .structure(ProtocolStruct([
                        "PartitionIndex": .int(Int64($0.partition)), "CommittedOffset": .int($0.offset),
                        "CommittedMetadata": .string(""),
                    ]))
                }),
            ]))]),
        ]))
        for topicAnswer in body.structs("Topics") {
            for answer in topicAnswer.structs("Partitions") {
                try Self.check(
                    answer.int("ErrorCode"), .offsetCommit,
                    "of group \(group) for \(topic) partition \(answer.int("PartitionIndex"))")
            }
        }
    }

    public struct CommittedOffset: Sendable, Equatable {
        public let topic: String
        public let partition: Int
        public let offset: Int64
    }

    /// The group's committed offsets: every partition it committed (topic
    /// nil), or those of `topic`; partitions without a commit are left out.
    public func committedOffsets(group: String, topic: String? = nil, partitions: [Int] = []) throws -> [CommittedOffset] {
        let topics: ProtocolValue = topic.map { name in
            .array([.structure(ProtocolStruct([
                "Name": .string(name), "PartitionIndexes": .array(partitions.map { .int(Int64($0)) }),
            ]))])
        } ?? .null
        let body = try send(.offsetFetch, version: Versions.offsetFetch, ProtocolStruct([
            "GroupId": .string(group), "Topics": topics,
        ]))
        try Self.check(body.int("ErrorCode"), .offsetFetch, "of group \(group)")
        var result: [CommittedOffset] = []
        for topicAnswer in body.structs("Topics") {
            let name = topicAnswer.string("Name") ?? ""
            for answer in topicAnswer.structs("Partitions") {
                try Self.check(
                    answer.int("ErrorCode"), .offsetFetch,
                    "of group \(group) for \(name) partition \(answer.int("PartitionIndex"))")
                let offset = answer.int("CommittedOffset", or: -1)
                guard offset >= 0 else { continue }
                result.append(CommittedOffset(topic: name, partition: Int(answer.int("PartitionIndex")), offset: offset))
            }
        }
        return result.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// The groups the server knows (with members or committed offsets).
    public func listGroups() throws -> [String] {
        let body = try send(.listGroups, version: Versions.listGroups, ProtocolStruct())
        try Self.check(body.int("ErrorCode"), .listGroups, "")
        return body.structs("Groups").compactMap { $0.string("GroupId") }.sorted()
    }
}
