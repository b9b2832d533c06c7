// Field facts transcribed from Apache Kafka's message definitions
// (ProduceRequest.json, ProduceResponse.json).
extension MessageSchema {
    /// ProduceRequest, versions 3–9 (Kafka's 0-11).
    static let produceRequest = MessageSchema(
        name: "ProduceRequest", versions: 3...9, flexible: "9+", fields: [
            Field("TransactionalId", .string, "3+", nullable: "3+", default: .null),
            Field("Acks", .int16, "0+"),
            Field("TimeoutMs", .int32, "0+"),
            Field("TopicData", .array(.struct([
                Field("Name", .string, "0+"),
                Field("PartitionData", .array(.struct([
                    Field("Index", .int32, "0+"),
                    Field("Records", .records, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
        ])

    /// ProduceResponse, versions 3–9 (Kafka's 0-11).
    static let produceResponse = MessageSchema(
        name: "ProduceResponse", versions: 3...9, flexible: "9+", fields: [
            Field("Responses", .array(.struct([
                Field("Name", .string, "0+"),
                Field("PartitionResponses", .array(.struct([
                    Field("Index", .int32, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                    Field("BaseOffset", .int64, "0+"),
                    Field("LogAppendTimeMs", .int64, "2+", default: .int(-1)),
                    Field("LogStartOffset", .int64, "5+", default: .int(-1)),
                    Field("RecordErrors", .array(.struct([
                        Field("BatchIndex", .int32, "8+"),
                        Field("BatchIndexErrorMessage", .string, "8+", nullable: "8+", default: .null),
                    ])), "8+"),
                    Field("ErrorMessage", .string, "8+", nullable: "8+", default: .null),
                ])), "0+"),
            ])), "0+"),
            Field("ThrottleTimeMs", .int32, "1+"),
        ])
}
