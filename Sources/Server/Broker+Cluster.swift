import KafkaProtocol
import Log

/// ApiVersions, Metadata and DescribeCluster: what the broker serves and
/// where topics live (all on this one broker).
extension Broker {
    func apiVersions(_ request: Request, listener: Int) -> ProtocolStruct {
        ApiVersionsAnswer.body(entries: Self.advertisedEntries(sasl: config.listeners[listener].securityProtocol.usesSASL))
    }

    /// Authorized-operations fields: Kafka's "not requested" value.
    static let operationsOmitted: ProtocolValue = .int(Int64(Int32.min))

    /// This broker as the clients of `listener` reach it: each listener
    /// advertises its own address, as Kafka matches advertised listeners
    /// by name.
    func brokerEntry(listener: Int) -> ProtocolValue {
        let settings = config
        let advertised = settings.advertised(settings.listeners[listener])
        return .structure(
            ProtocolStruct([
                "NodeId": .int(Int64(settings.nodeId)), "BrokerId": .int(Int64(settings.nodeId)),
                "Host": .string(advertised.host), "Port": .int(Int64(advertised.port)), "Rack": .null,
            ]))
    }

    func metadata(_ request: Request, listener: Int) -> ProtocolStruct {
        // v0: an empty list means every topic; v1+: null does.
        let requested = request.body["Topics"]?.array?.compactMap { $0.structure?.string("Name") }
        let names: [String]
        let allowCreate: Bool
        if let requested, !(request.version == 0 && requested.isEmpty) {
            names = requested
            allowCreate = config.autoCreateTopics && (request.body["AllowAutoTopicCreation"]?.bool ?? true)
        } else {
            names = data.topics
            allowCreate = false
        }
        let topics = names.map { name -> ProtocolValue in
            var entry = ProtocolStruct([
                "Name": .string(name), "IsInternal": .bool(TopicName.isInternal(name)), "TopicId": .uuid(.zero),
                "TopicAuthorizedOperations": Self.operationsOmitted,
            ])
            do {
                let topic = try topic(named: name, create: allowCreate)
                entry["ErrorCode"] = ErrorCode.none.value
                entry["Partitions"] = .array(
                    (0..<topic.partitionCount).map { index in
                        .structure(
                            ProtocolStruct([
                                "ErrorCode": ErrorCode.none.value, "PartitionIndex": .int(Int64(index)),
                                "LeaderId": .int(Int64(config.nodeId)), "LeaderEpoch": .int(0),
                                "ReplicaNodes": .array([.int(Int64(config.nodeId))]),
                                "IsrNodes": .array([.int(Int64(config.nodeId))]), "OfflineReplicas": .array([]),
                            ]))
                    })
            } catch {
                entry["ErrorCode"] = Self.errorCode(error).value
                entry["Partitions"] = .array([])
            }
            return .structure(entry)
        }
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "Brokers": .array([brokerEntry(listener: listener)]), "ClusterId": .string(config.clusterId),
            "ControllerId": .int(Int64(config.nodeId)), "Topics": .array(topics),
            "ClusterAuthorizedOperations": Self.operationsOmitted,
        ])
    }

    func describeCluster(_ request: Request, listener: Int) -> ProtocolStruct {
        // EndpointType 1 asks for brokers, 2 for controllers (v1); this
        // broker is both.
        ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": ErrorCode.none.value, "ErrorMessage": .null,
            "EndpointType": .int(request.body.int("EndpointType", or: 1)), "ClusterId": .string(config.clusterId),
            "ControllerId": .int(Int64(config.nodeId)), "Brokers": .array([brokerEntry(listener: listener)]),
            "ClusterAuthorizedOperations": Self.operationsOmitted,
        ])
    }
}
