// Field facts transcribed from Apache Kafka's message definitions
// (TxnOffsetCommitRequest.json, TxnOffsetCommitResponse.json).
extension MessageSchema {
    /// TxnOffsetCommitRequest, versions 0–3 (Kafka's 0-4).
    static let txnOffsetCommitRequest = MessageSchema(
        name: "TxnOffsetCommitRequest", versions: 0...3, flexible: "3+", fields: [
            Field("TransactionalId", .string, "0+"),
            Field("GroupId", .string, "0+"),
            Field("ProducerId", .int64, "0+"),
            Field("ProducerEpoch", .int16, "0+"),
            Field("GenerationId", .int32, "3+", default: .int(-1)),
            Field("MemberId", .string, "3+"),
            Field("GroupInstanceId", .string, "3+", nullable: "3+", default: .null),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("CommittedOffset", .int64, "0+"),
                    Field("CommittedLeaderEpoch", .int32, "2+", default: .int(-1)),
                    Field("CommittedMetadata", .string, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
        ])

    /// TxnOffsetCommitResponse, versions 0–3 (Kafka's 0-4).
    static let txnOffsetCommitResponse = MessageSchema(
        name: "TxnOffsetCommitResponse", versions: 0...3, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
