// Field facts transcribed from Apache Kafka's message definitions
// (InitProducerIdRequest.json, InitProducerIdResponse.json).
extension MessageSchema {
    /// InitProducerIdRequest, versions 0–4 (Kafka's 0-5).
    static let initProducerIdRequest = MessageSchema(
        name: "InitProducerIdRequest", versions: 0...4, flexible: "2+", fields: [
            Field("TransactionalId", .string, "0+", nullable: "0+"),
            Field("TransactionTimeoutMs", .int32, "0+"),
            Field("ProducerId", .int64, "3+", default: .int(-1)),
            Field("ProducerEpoch", .int16, "3+", default: .int(-1)),
        ])

    /// InitProducerIdResponse, versions 0–4 (Kafka's 0-5).
    static let initProducerIdResponse = MessageSchema(
        name: "InitProducerIdResponse", versions: 0...4, flexible: "2+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ErrorCode", .int16, "0+"),
            Field("ProducerId", .int64, "0+", default: .int(-1)),
            Field("ProducerEpoch", .int16, "0+"),
        ])
}
