// Field facts transcribed from Apache Kafka's message definitions
// (ListOffsetsRequest.json, ListOffsetsResponse.json).
extension MessageSchema {
    /// ListOffsetsRequest, versions 0–7 (Kafka's 0-10).
    static let listOffsetsRequest = MessageSchema(
        name: "ListOffsetsRequest", versions: 0...7, flexible: "6+", fields: [
            Field("ReplicaId", .int32, "0+"),
            Field("IsolationLevel", .int8, "2+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("CurrentLeaderEpoch", .int32, "4+", default: .int(-1)),
                    Field("Timestamp", .int64, "0+"),
                    Field("MaxNumOffsets", .int32, "0", default: .int(1)),
                ])), "0+"),
            ])), "0+"),
        ])

    /// ListOffsetsResponse, versions 0–7 (Kafka's 0-10).
    static let listOffsetsResponse = MessageSchema(
        name: "ListOffsetsResponse", versions: 0...7, flexible: "6+", fields: [
            Field("ThrottleTimeMs", .int32, "2+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                    Field("OldStyleOffsets", .array(.int64), "0"),
                    Field("Timestamp", .int64, "1+", default: .int(-1)),
                    Field("Offset", .int64, "1+", default: .int(-1)),
                    Field("LeaderEpoch", .int32, "4+", default: .int(-1)),
                ])), "0+"),
            ])), "0+"),
        ])
}
