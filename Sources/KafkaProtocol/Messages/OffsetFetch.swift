// Field facts transcribed from Apache Kafka's message definitions
// (OffsetFetchRequest.json, OffsetFetchResponse.json).
extension MessageSchema {
    /// OffsetFetchRequest, versions 0–8 (Kafka's 0-9).
    static let offsetFetchRequest = MessageSchema(
        name: "OffsetFetchRequest", versions: 0...8, flexible: "6+", fields: [
            Field("GroupId", .string, "0-7"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0-7"),
                Field("PartitionIndexes", .array(.int32), "0-7"),
            ])), "0-7", nullable: "2-7"),
            Field("Groups", .array(.struct([
                Field("GroupId", .string, "8+"),
                Field("Topics", .array(.struct([
                    Field("Name", .string, "8+"),
                    Field("PartitionIndexes", .array(.int32), "8+"),
                ])), "8+", nullable: "8+"),
            ])), "8+"),
            Field("RequireStable", .bool, "7+"),
        ])

    /// OffsetFetchResponse, versions 0–8 (Kafka's 0-9).
    static let offsetFetchResponse = MessageSchema(
        name: "OffsetFetchResponse", versions: 0...8, flexible: "6+", fields: [
            Field("ThrottleTimeMs", .int32, "3+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0-7"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0-7"),
                    Field("CommittedOffset", .int64, "0-7"),
                    Field("CommittedLeaderEpoch", .int32, "5-7", default: .int(-1)),
                    Field("Metadata", .string, "0-7", nullable: "0-7"),
                    Field("ErrorCode", .int16, "0-7"),
                ])), "0-7"),
            ])), "0-7"),
            Field("ErrorCode", .int16, "2-7"),
            Field("Groups", .array(.struct([
                Field("GroupId", .string, "8+"),
                Field("Topics", .array(.struct([
                    Field("Name", .string, "8+"),
                    Field("Partitions", .array(.struct([
                        Field("PartitionIndex", .int32, "8+"),
                        Field("CommittedOffset", .int64, "8+"),
                        Field("CommittedLeaderEpoch", .int32, "8+", default: .int(-1)),
                        Field("Metadata", .string, "8+", nullable: "8+"),
                        Field("ErrorCode", .int16, "8+"),
                    ])), "8+"),
                ])), "8+"),
                Field("ErrorCode", .int16, "8+"),
            ])), "8+"),
        ])
}
