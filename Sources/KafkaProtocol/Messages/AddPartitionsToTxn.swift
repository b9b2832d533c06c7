// Field facts transcribed from Apache Kafka's message definitions
// (AddPartitionsToTxnRequest.json, AddPartitionsToTxnResponse.json).
extension MessageSchema {
    /// AddPartitionsToTxnRequest, versions 0–3 (Kafka's 0-5).
    static let addPartitionsToTxnRequest = MessageSchema(
        name: "AddPartitionsToTxnRequest", versions: 0...3, flexible: "3+", fields: [
            Field("V3AndBelowTransactionalId", .string, "0-3"),
            Field("V3AndBelowProducerId", .int64, "0-3"),
            Field("V3AndBelowProducerEpoch", .int16, "0-3"),
            Field("V3AndBelowTopics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.int32), "0+"),
            ])), "0-3"),
        ])

    /// AddPartitionsToTxnResponse, versions 0–3 (Kafka's 0-5).
    static let addPartitionsToTxnResponse = MessageSchema(
        name: "AddPartitionsToTxnResponse", versions: 0...3, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ResultsByTopicV3AndBelow", .array(.struct([
                Field("Name", .string, "0+"),
                Field("ResultsByPartition", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("PartitionErrorCode", .int16, "0+"),
                ])), "0+"),
            ])), "0-3"),
        ])
}
