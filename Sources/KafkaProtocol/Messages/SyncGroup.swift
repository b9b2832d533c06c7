// Field facts transcribed from Apache Kafka's message definitions
// (SyncGroupRequest.json, SyncGroupResponse.json).
extension MessageSchema {
    /// SyncGroupRequest, versions 0–5 (Kafka's 0-5).
    static let syncGroupRequest = MessageSchema(
        name: "SyncGroupRequest", versions: 0...5, flexible: "4+", fields: [
            Field("GroupId", .string, "0+"),
            Field("GenerationId", .int32, "0+"),
            Field("MemberId", .string, "0+"),
            Field("GroupInstanceId", .string, "3+", nullable: "3+", default: .null),
            Field("ProtocolType", .string, "5+", nullable: "5+", default: .null),
            Field("ProtocolName", .string, "5+", nullable: "5+", default: .null),
            Field("Assignments", .array(.struct([
                Field("MemberId", .string, "0+"),
                Field("Assignment", .bytes, "0+"),
            ])), "0+"),
        ])

    /// SyncGroupResponse, versions 0–5 (Kafka's 0-5).
    static let syncGroupResponse = MessageSchema(
        name: "SyncGroupResponse", versions: 0...5, flexible: "4+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "0+"),
            Field("ProtocolType", .string, "5+", nullable: "5+", default: .null),
            Field("ProtocolName", .string, "5+", nullable: "5+", default: .null),
            Field("Assignment", .bytes, "0+"),
        ])
}
