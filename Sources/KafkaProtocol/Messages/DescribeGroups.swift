// Field facts transcribed from Apache Kafka's message definitions
// (DescribeGroupsRequest.json, DescribeGroupsResponse.json).
extension MessageSchema {
    /// DescribeGroupsRequest, versions 0–5 (Kafka's 0-5).
    static let describeGroupsRequest = MessageSchema(
        name: "DescribeGroupsRequest", versions: 0...5, flexible: "5+", fields: [
            Field("Groups", .array(.string), "0+"),
            Field("IncludeAuthorizedOperations", .bool, "3+"),
        ])

    /// DescribeGroupsResponse, versions 0–5 (Kafka's 0-5).
    static let describeGroupsResponse = MessageSchema(
        name: "DescribeGroupsResponse", versions: 0...5, flexible: "5+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("Groups", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("GroupId", .string, "0+"),
                Field("GroupState", .string, "0+"),
                Field("ProtocolType", .string, "0+"),
                Field("ProtocolData", .string, "0+"),
                Field("Members", .array(.struct([
                    Field("MemberId", .string, "0+"),
                    Field("GroupInstanceId", .string, "4+", nullable: "4+", default: .null),
                    Field("ClientId", .string, "0+"),
                    Field("ClientHost", .string, "0+"),
                    Field("MemberMetadata", .bytes, "0+"),
                    Field("MemberAssignment", .bytes, "0+"),
                ])), "0+"),
                Field("AuthorizedOperations", .int32, "3+", default: .int(-2147483648)),
            ])), "0+"),
        ])
}
