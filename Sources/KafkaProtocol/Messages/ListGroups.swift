// Field facts transcribed from Apache Kafka's message definitions
// (ListGroupsRequest.json, ListGroupsResponse.json).
extension MessageSchema {
    /// ListGroupsRequest, versions 0–4 (Kafka's 0-5).
    static let listGroupsRequest = MessageSchema(
        name: "ListGroupsRequest", versions: 0...4, flexible: "3+", fields: [
            Field("StatesFilter", .array(.string), "4+"),
        ])

    /// ListGroupsResponse, versions 0–4 (Kafka's 0-5).
    static let listGroupsResponse = MessageSchema(
        name: "ListGroupsResponse", versions: 0...4, flexible: "3+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "0+"),
            Field("Groups", .array(.struct([
                Field("GroupId", .string, "0+"),
                Field("ProtocolType", .string, "0+"),
                Field("GroupState", .string, "4+"),
            ])), "0+"),
        ])
}
