// Field facts transcribed from Apache Kafka's message definitions
// (HeartbeatRequest.json, HeartbeatResponse.json).
extension MessageSchema {
    /// HeartbeatRequest, versions 0–4 (Kafka's 0-4).
    static let heartbeatRequest = MessageSchema(
        name: "HeartbeatRequest", versions: 0...4, flexible: "4+", fields: [
            Field("GroupId", .string, "0+"),
            Field("GenerationId", .int32, "0+"),
            Field("MemberId", .string, "0+"),
            Field("GroupInstanceId", .string, "3+", nullable: "3+", default: .null),
        ])

    /// HeartbeatResponse, versions 0–4 (Kafka's 0-4).
    static let heartbeatResponse = MessageSchema(
        name: "HeartbeatResponse", versions: 0...4, flexible: "4+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "0+"),
        ])
}
