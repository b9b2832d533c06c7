// Field facts transcribed from Apache Kafka's message definitions
// (AddOffsetsToTxnRequest.json, AddOffsetsToTxnResponse.json).
extension MessageSchema {
    /// AddOffsetsToTxnRequest, versions 0–3 (Kafka's 0-4).
    static let addOffsetsToTxnRequest = MessageSchema(
        name: "AddOffsetsToTxnRequest", versions: 0...3, flexible: "3+", fields: [
            Field("TransactionalId", .string, "0+"),
            Field("ProducerId", .int64, "0+"),
            Field("ProducerEpoch", .int16, "0+"),
            Field("GroupId", .string, "0+"),
        ])

    /// AddOffsetsToTxnResponse, versions 0–3 (Kafka's 0-4).
    static let addOffsetsToTxnResponse = MessageSchema(
        name: "AddOffsetsToTxnResponse", versions: 0...3, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ErrorCode", .int16, "0+"),
        ])
}
