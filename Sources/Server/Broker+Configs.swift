import KafkaProtocol
import Log

/// CreatePartitions, AlterConfigs and IncrementalAlterConfigs: changes to
/// existing topics, through the log's `addPartitions` and `alterConfig`
/// (each atomic on disk).
extension Broker {
    /// Raises partition counts; manual assignments are refused (one
    /// broker). ValidateOnly checks without changing anything.
    func createPartitions(_ request: Request) -> ProtocolStruct {
        let validateOnly = request.body["ValidateOnly"]?.bool ?? false
        let results = request.body.structs("Topics").map { wanted -> ProtocolValue in
            let name = wanted.string("Name") ?? ""
            var answer = ProtocolStruct(["Name": .string(name), "ErrorMessage": .null])
            answer.settle { _ throws(RequestFailure) in
                let count = Int(wanted.int("Count"))
                guard wanted.structs("Assignments").isEmpty else {
                    throw RequestFailure(.invalidReplicaAssignment, "manual replica assignments are not supported; leave them null")
                }
                do {
                    if validateOnly {
                        let current = try data.topic(named: name).partitionCount
                        guard (1...TopicLimits.partitionsMax).contains(count) else {
                            throw LogError.invalidPartitionCount(topic: name, count: count)
                        }
                        guard count > current else {
                            throw LogError.partitionsNotAdded(topic: name, current: current, requested: count)
                        }
                    } else {
                        try data.addPartitions(topic: name, count: count)
                    }
                } catch {
                    throw RequestFailure(error)
                }
            }
            return .structure(answer)
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Results": .array(results)])
    }

    /// Kafka's IncrementalAlterConfigs operations.
    static let setOperation: Int64 = 0
    static let deleteOperation: Int64 = 1

    /// AlterConfigs replaces a topic's whole config (keys not named go back
    /// to their defaults); IncrementalAlterConfigs sets (0) or deletes (1)
    /// the keys named. APPEND and SUBTRACT (list configs) are refused: no
    /// topic config here is a list. Only topics (resource type 2) are
    /// alterable; the broker's settings come from its config file.
    func alterConfigs(_ request: Request, incremental: Bool) -> ProtocolStruct {
        let validateOnly = request.body["ValidateOnly"]?.bool ?? false
        let responses = request.body.structs("Resources").map { resource -> ProtocolValue in
            let type = resource.int("ResourceType")
            let name = resource.string("ResourceName") ?? ""
            var answer = ProtocolStruct([
                "ResourceType": .int(type), "ResourceName": .string(name), "ErrorMessage": .null,
            ])
            answer.settle { _ throws(RequestFailure) in
                guard type == Self.topicResource else {
                    throw RequestFailure(.invalidRequest, "only topic configs (resource type 2) can be altered, not type \(type)")
                }
                var changes: [String: String] = [:]
                var resetting: [String] = []
                for entry in resource.structs("Configs") {
                    let key = entry.string("Name") ?? ""
                    let operation = incremental ? entry.int("ConfigOperation") : Self.setOperation
                    switch (operation, entry.string("Value")) {
                    case (Self.setOperation, let value?): changes[key] = value
                    case (Self.setOperation, nil) where !incremental: resetting.append(key)
                    case (Self.deleteOperation, _): resetting.append(key)
                    case (Self.setOperation, nil):
                        throw RequestFailure(.invalidConfig, "config \(key): SET needs a value")
                    default:
                        throw RequestFailure(.invalidConfig, "config \(key): operation \(operation) is not supported (SET 0, DELETE 1)")
                    }
                }
                do {
                    let topic = try data.topic(named: name)
                    if !incremental {
                        // Every key not given goes back to its default.
                        resetting += TopicConfig.keys.filter { changes[$0] == nil && !resetting.contains($0) }
                    }
                    if validateOnly {
                        var config = topic.config
                        for key in resetting { try config.reset(key: key) }
                        for key in changes.keys.sorted() { try config.parse(key: key, value: changes[key]!) }
                    } else {
                        try data.alterConfig(topic: name, changes: changes, resetting: resetting)
                    }
                } catch {
                    throw RequestFailure(error)
                }
            }
            return .structure(answer)
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Responses": .array(responses)])
    }
}
