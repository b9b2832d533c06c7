// Field facts transcribed from Apache Kafka's message definitions
// (JoinGroupRequest.json, JoinGroupResponse.json).
extension MessageSchema {
    /// JoinGroupRequest, versions 0–9 (Kafka's 0-9).
    static let joinGroupRequest = MessageSchema(
        name: "JoinGroupRequest", versions: 0...9, flexible: "6+", fields: [
            Field("GroupId", .string, "0+"),
            Field("SessionTimeoutMs", .int32, "0+"),
            Field("RebalanceTimeoutMs", .int32, "1+", default: .int(-1)),
            Field("MemberId", .string, "0+"),
            Field("GroupInstanceId", .string, "5+", nullable: "5+", default: .null),
            Field("ProtocolType", .string, "0+"),
            Field("Protocols", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Metadata", .bytes, "0+"),
            ])), "0+"),
            Field("Reason", .string, "8+", nullable: "8+", default: .null),
        ])

    /// JoinGroupResponse, versions 0–9 (Kafka's 0-9).
    static let joinGroupResponse = MessageSchema(
        name: "JoinGroupResponse", versions: 0...9, flexible: "6+", fields: [
            Field("ThrottleTimeMs", .int32, "2+"),
            Field("ErrorCode", .int16, "0+"),
            Field("GenerationId", .int32, "0+", default: .int(-1)),
            Field("ProtocolType", .string, "7+", nullable: "7+", default: .null),
            Field("ProtocolName", .string, "0+", nullable: "7+"),
            Field("Leader", .string, "0+"),
            Field("SkipAssignment", .bool, "9+"),
            Field("MemberId", .string, "0+"),
            Field("Members", .array(.struct([
                Field("MemberId", .string, "0+"),
                Field("GroupInstanceId", .string, "5+", nullable: "5+", default: .null),
                Field("Metadata", .bytes, "0+"),
            ])), "0+"),
        ])
}
