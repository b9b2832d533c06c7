import KafkaProtocol

/// Topic configs and partition counts through the server, for
/// `streamhost topics describe` and `alter` while `serve` holds the data
/// directory.
extension KafkaClient.Versions {
    static let describeConfigs: Int16 = 1
    static let incrementalAlterConfigs: Int16 = 0
    static let createPartitions: Int16 = 1
}

extension KafkaClient {
    /// Kafka's resource type of a topic in DescribeConfigs and AlterConfigs.
    static let topicResourceType: Int64 = 2

    /// Every config of `topic` with its value in force, sorted by name.
    public func topicConfigs(_ topic: String) throws -> [(name: String, value: String)] {
        let body = try send(.describeConfigs, version: Versions.describeConfigs, ProtocolStruct([
            "Resources": .array([.structure(ProtocolStruct([
                "ResourceType": .int(Self.topicResourceType), "ResourceName": .string(topic), "ConfigurationKeys": .null,
            ]))]),
            "IncludeSynonyms": .bool(false),
        ]))
        var configs: [(name: String, value: String)] = []
        for result in body.structs("Results") {
            try Self.check(result.int("ErrorCode"), .describeConfigs, "of topic \(topic)", message: result.string("ErrorMessage"))
            for entry in result.structs("Configs") {
                configs.append((entry.string("Name") ?? "", entry.string("Value") ?? ""))
            }
        }
        return configs.sorted { $0.name < $1.name }
    }

    /// Sets the configs `changes` names and resets `resetting` to their
    /// defaults (IncrementalAlterConfigs SET and DELETE), in one request.
    public func alterTopicConfigs(_ topic: String, changes: [String: String], resetting: [String]) throws {
        let entries: [ProtocolValue] = changes.sorted { $0.key < $1.key }.map {
            .structure(ProtocolStruct(["Name": .string($0.key), "ConfigOperation": .int(0), "Value": .string($0.value)]))
        } + resetting.map {
            .structure(ProtocolStruct(["Name": .string($0), "ConfigOperation": .int(1), "Value": .null]))
        }
        let body = try send(.incrementalAlterConfigs, version: Versions.incrementalAlterConfigs, ProtocolStruct([
            "Resources": .array([.structure(ProtocolStruct([
                "ResourceType": .int(Self.topicResourceType), "ResourceName": .string(topic), "Configs": .array(entries),
            ]))]),
            "ValidateOnly": .bool(false),
        ]))
        for answer in body.structs("Responses") {
            try Self.check(answer.int("ErrorCode"), .incrementalAlterConfigs, "of topic \(topic)", message: answer.string("ErrorMessage"))
        }
    }

    /// Raises the partition count of `topic` to `count` (CreatePartitions).
    public func addPartitions(_ topic: String, count: Int) throws {
        let body = try send(.createPartitions, version: Versions.createPartitions, ProtocolStruct([
            "Topics": .array([.structure(ProtocolStruct([
                "Name": .string(topic), "Count": .int(Int64(count)), "Assignments": .null,
            ]))]),
            "TimeoutMs": .int(30_000), "ValidateOnly": .bool(false),
        ]))
        for answer in body.structs("Results") {
            try Self.check(answer.int("ErrorCode"), .createPartitions, "of topic \(topic)", message: answer.string("ErrorMessage"))
        }
    }
}
