// Field facts transcribed from Apache Kafka's message definitions
// (DescribeTransactionsRequest.json, DescribeTransactionsResponse.json;
// KIP-664).
extension MessageSchema {
    /// DescribeTransactionsRequest, version 0 (Kafka's 0).
    static let describeTransactionsRequest = MessageSchema(
        name: "DescribeTransactionsRequest", versions: 0...0, flexible: "0+", fields: [
            Field("TransactionalIds", .array(.string), "0+"),
        ])

    /// DescribeTransactionsResponse, version 0 (Kafka's 0).
    static let describeTransactionsResponse = MessageSchema(
        name: "DescribeTransactionsResponse", versions: 0...0, flexible: "0+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("TransactionStates", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("TransactionalId", .string, "0+"),
                Field("TransactionState", .string, "0+"),
                Field("TransactionTimeoutMs", .int32, "0+"),
                Field("TransactionStartTimeMs", .int64, "0+"),
                Field("ProducerId", .int64, "0+"),
                Field("ProducerEpoch", .int16, "0+"),
                Field("Topics", .array(.struct([
                    Field("Topic", .string, "0+"),
                    Field("Partitions", .array(.int32), "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
