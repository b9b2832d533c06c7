// Field facts transcribed from Apache Kafka's message definitions
// (ListTransactionsRequest.json, ListTransactionsResponse.json; KIP-664,
// DurationFilter from KIP-994).
extension MessageSchema {
    /// ListTransactionsRequest, versions 0–1 (Kafka's 0-2).
    static let listTransactionsRequest = MessageSchema(
        name: "ListTransactionsRequest", versions: 0...1, flexible: "0+", fields: [
            Field("StateFilters", .array(.string), "0+"),
            Field("ProducerIdFilters", .array(.int64), "0+"),
            Field("DurationFilter", .int64, "1+", default: .int(-1)),
        ])

    /// ListTransactionsResponse, versions 0–1 (Kafka's 0-2).
    static let listTransactionsResponse = MessageSchema(
        name: "ListTransactionsResponse", versions: 0...1, flexible: "0+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ErrorCode", .int16, "0+"),
            Field("UnknownStateFilters", .array(.string), "0+"),
            Field("TransactionStates", .array(.struct([
                Field("TransactionalId", .string, "0+"),
                Field("ProducerId", .int64, "0+"),
                Field("TransactionState", .string, "0+"),
            ])), "0+"),
        ])
}
