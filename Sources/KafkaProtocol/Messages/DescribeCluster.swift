// Field facts transcribed from Apache Kafka's message definitions
// (DescribeClusterRequest.json, DescribeClusterResponse.json).
extension MessageSchema {
    /// DescribeClusterRequest, versions 0–1 (Kafka's 0-1).
    static let describeClusterRequest = MessageSchema(
        name: "DescribeClusterRequest", versions: 0...1, flexible: "0+", fields: [
            Field("IncludeClusterAuthorizedOperations", .bool, "0+"),
            Field("EndpointType", .int8, "1+", default: .int(1)),
        ])

    /// DescribeClusterResponse, versions 0–1 (Kafka's 0-1).
    static let describeClusterResponse = MessageSchema(
        name: "DescribeClusterResponse", versions: 0...1, flexible: "0+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("ErrorCode", .int16, "0+"),
            Field("ErrorMessage", .string, "0+", nullable: "0+", default: .null),
            Field("EndpointType", .int8, "1+", default: .int(1)),
            Field("ClusterId", .string, "0+"),
            Field("ControllerId", .int32, "0+", default: .int(-1)),
            Field("Brokers", .array(.struct([
                Field("BrokerId", .int32, "0+"),
                Field("Host", .string, "0+"),
                Field("Port", .int32, "0+"),
                Field("Rack", .string, "0+", nullable: "0+", default: .null),
            ])), "0+"),
            Field("ClusterAuthorizedOperations", .int32, "0+", default: .int(-2147483648)),
        ])
}
