// Field facts transcribed from Apache Kafka's message definitions
// (CreatePartitionsRequest.json, CreatePartitionsResponse.json).
extension MessageSchema {
    /// CreatePartitionsRequest, versions 0–3 (Kafka's 0-3).
    static let createPartitionsRequest = MessageSchema(
        name: "CreatePartitionsRequest", versions: 0...3, flexible: "2+", fields: [
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Count", .int32, "0+"),
                Field("Assignments", .array(.struct([
                    Field("BrokerIds", .array(.int32), "0+"),
                ])), "0+", nullable: "0+"),
            ])), "0+"),
            Field("TimeoutMs", .int32, "0+"),
            Field("ValidateOnly", .bool, "0+"),
        ])

    /// CreatePartitionsResponse, versions 0–3 (Kafka's 0-3).
    static let createPartitionsResponse = MessageSchema(
        name: "CreatePartitionsResponse", versions: 0...3, flexible: "2+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Results", .array(.struct([
                Field("Name", .string, "0+"),
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "0+", nullable: "0+", default: .null),
            ])), "0+"),
        ])
}
