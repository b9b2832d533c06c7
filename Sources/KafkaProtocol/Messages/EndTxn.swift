// Field facts transcribed from Apache Kafka's message definitions
// (EndTxnRequest.json, EndTxnResponse.json).
extension MessageSchema {
    /// EndTxnRequest, versions 0–3 (Kafka's 0-5).
    static let endTxnRequest = MessageSchema(
        name: "EndTxnRequest", versions: 0...3, flexible: "3+", fields: [
            Field("TransactionalId", .string, "0+"),
            Field("ProducerId", .int64, "0+"),
            Field("ProducerEpoch", .int16, "0+"),
            Field("Committed", .bool, "0+"),
        ])

    /// EndTxnResponse, versions 0–3 (Kafka's 0-5).
    static let endTxnResponse = MessageSchema(
        name: "EndTxnResponse", versions: 0...3, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ErrorCode", .int16, "0+"),
        ])
}
