// Field facts transcribed from Apache Kafka's message definitions
// (DeleteGroupsRequest.json, DeleteGroupsResponse.json).
extension MessageSchema {
    /// DeleteGroupsRequest, versions 0–2 (Kafka's 0-2).
    static let deleteGroupsRequest = MessageSchema(
        name: "DeleteGroupsRequest", versions: 0...2, flexible: "2+", fields: [
            Field("GroupsNames", .array(.string), "0+"),
        ])

    /// DeleteGroupsResponse, versions 0–2 (Kafka's 0-2).
    static let deleteGroupsResponse = MessageSchema(
        name: "DeleteGroupsResponse", versions: 0...2, flexible: "2+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Results", .array(.struct([
                Field("GroupId", .string, "0+"),
                Field("ErrorCode", .int16, "0+"),
            ])), "0+"),
        ])
}
