// Field facts transcribed from Apache Kafka's message definitions
// (OffsetCommitRequest.json, OffsetCommitResponse.json).
extension MessageSchema {
    /// OffsetCommitRequest, versions 0–8 (Kafka's 0-9).
    static let offsetCommitRequest = MessageSchema(
        name: "OffsetCommitRequest", versions: 0...8, flexible: "8+", fields: [
            Field("GroupId", .string, "0+"),
            Field("GenerationIdOrMemberEpoch", .int32, "1+", default: .int(-1)),
            Field("MemberId", .string, "1+"),
            Field("GroupInstanceId", .string, "7+", nullable: "7+", default: .null),
            Field("RetentionTimeMs", .int64, "2-4", default: .int(-1)),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("CommittedOffset", .int64, "0+"),
                    Field("CommittedLeaderEpoch", .int32, "6+", default: .int(-1)),
                    Field("CommitTimestamp", .int64, "1", default: .int(-1)),
                    Field("CommittedMetadata", .string, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
        ])

    /// OffsetCommitResponse, versions 0–8 (Kafka's 0-9).
    static let offsetCommitResponse = MessageSchema(
        name: "OffsetCommitResponse", versions: 0...8, flexible: "8+", fields: [
            Field("ThrottleTimeMs", .int32, "3+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
