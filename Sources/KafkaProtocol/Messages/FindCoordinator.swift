// Field facts transcribed from Apache Kafka's message definitions
// (FindCoordinatorRequest.json, FindCoordinatorResponse.json).
extension MessageSchema {
    /// FindCoordinatorRequest, versions 0–4 (Kafka's 0-6).
    static let findCoordinatorRequest = MessageSchema(
        name: "FindCoordinatorRequest", versions: 0...4, flexible: "3+", fields: [
            Field("Key", .string, "0-3"),
            Field("KeyType", .int8, "1+"),
            Field("CoordinatorKeys", .array(.string), "4+"),
        ])

    /// FindCoordinatorResponse, versions 0–4 (Kafka's 0-6).
    static let findCoordinatorResponse = MessageSchema(
        name: "FindCoordinatorResponse", versions: 0...4, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "0-3"),
            Field("ErrorMessage", .string, "1-3", nullable: "1-3"),
            Field("NodeId", .int32, "0-3"),
            Field("Host", .string, "0-3"),
            Field("Port", .int32, "0-3"),
            Field("Coordinators", .array(.struct([
                Field("Key", .string, "4+"),
                Field("NodeId", .int32, "4+"),
                Field("Host", .string, "4+"),
                Field("Port", .int32, "4+"),
                Field("ErrorCode", .int16, "4+"),
                Field("ErrorMessage", .string, "4+", nullable: "4+"),
            ])), "4+"),
        ])
}
