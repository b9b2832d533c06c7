// Field facts transcribed from Apache Kafka's message definitions
// (DeleteTopicsRequest.json, DeleteTopicsResponse.json).
extension MessageSchema {
    /// DeleteTopicsRequest, versions 0–5 (Kafka's 0-6).
    static let deleteTopicsRequest = MessageSchema(
        name: "DeleteTopicsRequest", versions: 0...5, flexible: "4+", fields: [
            Field("TopicNames", .array(.string), "0-5"),
            Field("TimeoutMs", .int32, "0+"),
        ])

    /// DeleteTopicsResponse, versions 0–5 (Kafka's 0-6).
    static let deleteTopicsResponse = MessageSchema(
        name: "DeleteTopicsResponse", versions: 0...5, flexible: "4+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("Responses", .array(.struct([
                Field("Name", .string, "0+"),
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "5+", nullable: "5+", default: .null),
            ])), "0+"),
        ])
}
