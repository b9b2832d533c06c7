// Field facts transcribed from Apache Kafka's message definitions
// (LeaveGroupRequest.json, LeaveGroupResponse.json).
extension MessageSchema {
    /// LeaveGroupRequest, versions 0–5 (Kafka's 0-5).
    static let leaveGroupRequest = MessageSchema(
        name: "LeaveGroupRequest", versions: 0...5, flexible: "4+", fields: [
            Field("GroupId", .string, "0+"),
            Field("MemberId", .string, "0-2"),
            Field("Members", .array(.struct([
                Field("MemberId", .string, "3+"),
                Field("GroupInstanceId", .string, "3+", nullable: "3+", default: .null),
                Field("Reason", .string, "5+", nullable: "5+", default: .null),
            ])), "3+"),
        ])

    /// LeaveGroupResponse, versions 0–5 (Kafka's 0-5).
    static let leaveGroupResponse = MessageSchema(
        name: "LeaveGroupResponse", versions: 0...5, flexible: "4+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "0+"),
            Field("Members", .array(.struct([
                Field("MemberId", .string, "3+"),
                Field("GroupInstanceId", .string, "3+", nullable: "3+"),
                Field("ErrorCode", .int16, "3+"),
            ])), "3+"),
        ])
}
