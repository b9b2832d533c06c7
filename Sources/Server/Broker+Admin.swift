import KafkaProtocol
import Log

/// ListOffsets, CreateTopics, DeleteTopics and DescribeConfigs.
extension Broker {
    /// ListOffsets v1+: -2 earliest, -1 latest (the last stable offset for
    /// read_committed), otherwise the first offset whose record timestamp
    /// is at or after the one asked for, or -1 when none is. The timestamp
    /// answered is -1 (unknown): the log finds the offset, not the
    /// record's own timestamp.
    func listOffsets(_ request: Request) -> ProtocolStruct {
        let readCommitted = request.body.int("IsolationLevel") == 1
        let topics = request.body.structs("Topics").map { wanted -> ProtocolValue in
            let name = wanted.string("Name") ?? ""
            let partitions = wanted.structs("Partitions").map { wantedPartition -> ProtocolValue in
                let index = wantedPartition.int("PartitionIndex")
                var answer = ProtocolStruct([
                    "PartitionIndex": .int(index), "Timestamp": .int(-1), "Offset": .int(-1), "LeaderEpoch": .int(0),
                ])
                do {
                    let partition = try data.topic(named: name).partition(Int(index))
                    switch wantedPartition.int("Timestamp") {
                    case -2: answer["Offset"] = .int(partition.startOffset)
                    case -1: answer["Offset"] = .int(readCommitted ? partition.lastStableOffset : partition.endOffset)
                    case let timestamp where timestamp >= 0:
                        answer["Offset"] = .int(try partition.offset(forTimestamp: timestamp) ?? -1)
                    default:
                        answer["ErrorCode"] = ErrorCode.invalidRequest.value
                        return .structure(answer)
                    }
                    answer["ErrorCode"] = ErrorCode.none.value
                } catch {
                    answer["ErrorCode"] = Self.errorCode(error).value
                }
                return .structure(answer)
            }
            return .structure(ProtocolStruct(["Name": .string(name), "Partitions": .array(partitions)]))
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Topics": .array(topics)])
    }

    /// CreateTopics: replication factor -1 or 1 (one broker), partitions -1
    /// for `num.partitions`, no manual assignments; configs are the log's
    /// topic configs, each checked.
    func createTopics(_ request: Request) -> ProtocolStruct {
        let validateOnly = request.body["validateOnly"]?.bool ?? false
        let topics = request.body.structs("Topics").map { wanted -> ProtocolValue in
            let name = wanted.string("Name") ?? ""
            var answer = ProtocolStruct([
                "Name": .string(name), "TopicId": .uuid(.zero), "ErrorMessage": .null, "NumPartitions": .int(-1),
                "ReplicationFactor": .int(-1), "Configs": .null,
            ])
            answer.settle { answer throws(RequestFailure) in
                // The coordinators make them, with the configs they need
                // (one compacted partition).
                if let refusal = Self.internalTopicRefusal(name, "create") { throw refusal }
                let requested = Int(wanted.int("NumPartitions"))
                let partitions = requested == -1 ? config.defaultPartitions : requested
                guard (1...TopicLimits.partitionsMax).contains(partitions) else {
                    throw RequestFailure(
                        .invalidPartitions, "partitions must be from 1 to \(TopicLimits.partitionsMax), not \(requested)")
                }
                let replication = wanted.int("ReplicationFactor")
                guard replication == -1 || replication == 1 else {
                    throw RequestFailure(
                        .invalidReplicationFactor, "replication factor \(replication) is impossible on one broker; use 1 or -1")
                }
                guard wanted.structs("Assignments").isEmpty else {
                    throw RequestFailure(.invalidReplicaAssignment, "manual replica assignments are not supported; leave them empty")
                }
                var properties: [String: String] = [:]
                for entry in wanted.structs("Configs") {
                    guard let key = entry.string("Name"), let value = entry.string("Value") else {
                        throw RequestFailure(.invalidConfig, "config \(entry.string("Name") ?? "") has no value")
                    }
                    properties[key] = value
                }
                let topicConfig: TopicConfig
                do {
                    try TopicName.validate(name)
                    topicConfig = try TopicConfig(properties)
                    if validateOnly {
                        if data.topics.contains(name) { throw LogError.topicExists(name) }
                    } else {
                        _ = try data.createTopic(name: name, partitions: partitions, config: topicConfig)
                        logger.debug("created topic \(name) (CreateTopics)")
                    }
                } catch {
                    throw RequestFailure(error)
                }
                answer["NumPartitions"] = .int(Int64(partitions))
                answer["ReplicationFactor"] = .int(1)
                answer["Configs"] = .array(Self.topicConfigEntries(topicConfig, keys: nil).map(ProtocolValue.structure))
            }
            return .structure(answer)
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Topics": .array(topics)])
    }

    func deleteTopics(_ request: Request) -> ProtocolStruct {
        let names = (request.body["TopicNames"]?.array ?? []).compactMap(\.string)
        let responses = names.map { name -> ProtocolValue in
            var answer = ProtocolStruct(["Name": .string(name), "ErrorMessage": .null])
            // Kafka lets an authorized admin delete them; here the
            // coordinators hold them open, so their state would be lost.
            if let refusal = Self.internalTopicRefusal(name, "delete") {
                answer["ErrorCode"] = refusal.code.value
                answer["ErrorMessage"] = .string(refusal.message)
                return .structure(answer)
            }
            do {
                try data.deleteTopic(named: name)
                answer["ErrorCode"] = ErrorCode.none.value
                logger.info("deleted topic \(name) (DeleteTopics)")
            } catch {
                answer["ErrorCode"] = Self.errorCode(error).value
                answer["ErrorMessage"] = .string("\(error)")
            }
            return .structure(answer)
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Responses": .array(responses)])
    }

    /// Kafka's ConfigResource types.
    static let topicResource: Int64 = 2
    static let brokerResource: Int64 = 4
    /// Kafka's ConfigSource values.
    static let dynamicTopicConfig: Int64 = 1
    static let staticBrokerConfig: Int64 = 4
    static let defaultConfig: Int64 = 5

    /// DescribeConfigs for topics (every topic config, with whether it is
    /// the default) and for this broker (the server's settings).
    func describeConfigs(_ request: Request) -> ProtocolStruct {
        let results = request.body.structs("Resources").map { resource -> ProtocolValue in
            let type = resource.int("ResourceType")
            let name = resource.string("ResourceName") ?? ""
            let keys = resource["ConfigurationKeys"]?.array.map { Set($0.compactMap(\.string)) }
            var answer = ProtocolStruct([
                "ErrorCode": ErrorCode.none.value, "ErrorMessage": .null, "ResourceType": .int(type),
                "ResourceName": .string(name), "Configs": .array([]),
            ])
            switch type {
            case Self.topicResource:
                do {
                    let topic = try data.topic(named: name)
                    answer["Configs"] = .array(Self.topicConfigEntries(topic.config, keys: keys).map(ProtocolValue.structure))
                } catch {
                    answer["ErrorCode"] = Self.errorCode(error).value
                    answer["ErrorMessage"] = .string("\(error)")
                }
            case Self.brokerResource where name.isEmpty || name == String(config.nodeId):
                let defaults = Dictionary(ServerConfig().brokerConfigs, uniquingKeysWith: { first, _ in first })
                answer["Configs"] = .array(
                    config.brokerConfigs.filter { keys?.contains($0.name) ?? true }.map { entry in
                        let isDefault = defaults[entry.name] == entry.value
                        return .structure(
                            Self.configEntry(
                                name: entry.name, value: entry.value,
                                source: isDefault ? Self.defaultConfig : Self.staticBrokerConfig))
                    })
            case Self.brokerResource:
                answer["ErrorCode"] = ErrorCode.invalidRequest.value
                answer["ErrorMessage"] = .string("this server is broker \(config.nodeId), not \(name)")
            default:
                answer["ErrorCode"] = ErrorCode.invalidRequest.value
                answer["ErrorMessage"] = .string("resource type \(type) is not served; ask for a topic (2) or the broker (4)")
            }
            return .structure(answer)
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Results": .array(results)])
    }

    /// One entry per topic config key (`keys` nil: all), the default ones
    /// marked so. A key set to its default value reads as default.
    static func topicConfigEntries(_ topicConfig: TopicConfig, keys: Set<String>?) -> [ProtocolStruct] {
        let defaults = TopicConfig().properties
        let values = topicConfig.properties
        return TopicConfig.keys.filter { keys?.contains($0) ?? true }.map { key in
            let value = values[key] ?? ""
            return configEntry(
                name: key, value: value, source: defaults[key] == value ? defaultConfig : dynamicTopicConfig)
        }
    }

    static func configEntry(name: String, value: String, source: Int64) -> ProtocolStruct {
        ProtocolStruct([
            "Name": .string(name), "Value": .string(value), "ReadOnly": .bool(false),
            "IsDefault": .bool(source == defaultConfig), "ConfigSource": .int(source), "IsSensitive": .bool(false),
            "Synonyms": .array([]), "ConfigType": .int(configType(value)), "Documentation": .null,
        ])
    }

    /// Kafka's ConfigType, told from the value: BOOLEAN 1, LONG 5, DOUBLE
    /// 6, else STRING 2.
    static func configType(_ value: String) -> Int64 {
        if value == "true" || value == "false" { return 1 }
        if Int64(value) != nil { return 5 }
        if Double(value) != nil { return 6 }
        return 2
    }
}
