// Field facts transcribed from Apache Kafka's message definitions
// (MetadataRequest.json, MetadataResponse.json).
extension MessageSchema {
    /// MetadataRequest, versions 0–12 (Kafka's 0-12).
    static let metadataRequest = MessageSchema(
        name: "MetadataRequest", versions: 0...12, flexible: "9+", fields: [
            Field("Topics", .array(.struct([
                Field("TopicId", .uuid, "10+"),
                Field("Name", .string, "0+", nullable: "10+"),
            ])), "0+", nullable: "1+"),
            Field("AllowAutoTopicCreation", .bool, "4+", default: .bool(true)),
            Field("IncludeClusterAuthorizedOperations", .bool, "8-10"),
            Field("IncludeTopicAuthorizedOperations", .bool, "8+"),
        ])

    /// MetadataResponse, versions 0–12 (Kafka's 0-12).
    static let metadataResponse = MessageSchema(
        name: "MetadataResponse", versions: 0...12, flexible: "9+", fields: [
            Field("ThrottleTimeMs", .int32, "3+"),
            Field("Brokers", .array(.struct([
                Field("NodeId", .int32, "0+"),
                Field("Host", .string, "0+"),
                Field("Port", .int32, "0+"),
                Field("Rack", .string, "1+", nullable: "1+", default: .null),
            ])), "0+"),
            Field("ClusterId", .string, "2+", nullable: "2+", default: .null),
            Field("ControllerId", .int32, "1+", default: .int(-1)),
            Field("Topics", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("Name", .string, "0+", nullable: "12+"),
                Field("TopicId", .uuid, "10+"),
                Field("IsInternal", .bool, "1+"),
                Field("Partitions", .array(.struct([
                    Field("ErrorCode", .int16, "0+"),
                    Field("PartitionIndex", .int32, "0+"),
                    Field("LeaderId", .int32, "0+"),
                    Field("LeaderEpoch", .int32, "7+", default: .int(-1)),
                    Field("ReplicaNodes", .array(.int32), "0+"),
                    Field("IsrNodes", .array(.int32), "0+"),
                    Field("OfflineReplicas", .array(.int32), "5+"),
                ])), "0+"),
                Field("TopicAuthorizedOperations", .int32, "8+", default: .int(-2147483648)),
            ])), "0+"),
            Field("ClusterAuthorizedOperations", .int32, "8-10", default: .int(-2147483648)),
        ])
}
