// Field facts transcribed from Apache Kafka's message definitions
// (CreateTopicsRequest.json, CreateTopicsResponse.json).
extension MessageSchema {
    /// CreateTopicsRequest, versions 0–7 (Kafka's 0-7).
    static let createTopicsRequest = MessageSchema(
        name: "CreateTopicsRequest", versions: 0...7, flexible: "5+", fields: [
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("NumPartitions", .int32, "0+"),
                Field("ReplicationFactor", .int16, "0+"),
                Field("Assignments", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("BrokerIds", .array(.int32), "0+"),
                ])), "0+"),
                Field("Configs", .array(.struct([
                    Field("Name", .string, "0+"),
                    Field("Value", .string, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
            Field("timeoutMs", .int32, "0+", default: .int(60000)),
            Field("validateOnly", .bool, "1+"),
        ])

    /// CreateTopicsResponse, versions 0–7 (Kafka's 0-7).
    static let createTopicsResponse = MessageSchema(
        name: "CreateTopicsResponse", versions: 0...7, flexible: "5+", fields: [
            Field("ThrottleTimeMs", .int32, "2+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("TopicId", .uuid, "7+"),
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "1+", nullable: "0+"),
                Field("TopicConfigErrorCode", .int16, "5+", tag: 0),
                Field("NumPartitions", .int32, "5+", default: .int(-1)),
                Field("ReplicationFactor", .int16, "5+", default: .int(-1)),
                Field("Configs", .array(.struct([
                    Field("Name", .string, "5+"),
                    Field("Value", .string, "5+", nullable: "5+"),
                    Field("ReadOnly", .bool, "5+"),
                    Field("ConfigSource", .int8, "5+", default: .int(-1)),
                    Field("IsSensitive", .bool, "5+"),
                ])), "5+", nullable: "5+"),
            ])), "0+"),
        ])
}
