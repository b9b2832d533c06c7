// Field facts transcribed from Apache Kafka's message definitions
// (ApiVersionsRequest.json, ApiVersionsResponse.json).
extension MessageSchema {
    /// ApiVersionsRequest, versions 0–3 (Kafka's 0-4).
    static let apiVersionsRequest = MessageSchema(
        name: "ApiVersionsRequest", versions: 0...3, flexible: "3+", fields: [
            Field("ClientSoftwareName", .string, "3+"),
            Field("ClientSoftwareVersion", .string, "3+"),
        ])

    /// ApiVersionsResponse, versions 0–3 (Kafka's 0-4).
    static let apiVersionsResponse = MessageSchema(
        name: "ApiVersionsResponse", versions: 0...3, flexible: "3+", fields: [
            Field("ErrorCode", .int16, "0+"),
            Field("ApiKeys", .array(.struct([
                Field("ApiKey", .int16, "0+"),
                Field("MinVersion", .int16, "0+"),
                Field("MaxVersion", .int16, "0+"),
            ])), "0+"),
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("SupportedFeatures", .array(.struct([
                Field("Name", .string, "3+"),
                Field("MinVersion", .int16, "3+"),
                Field("MaxVersion", .int16, "3+"),
            ])), "3+", tag: 0),
            Field("FinalizedFeaturesEpoch", .int64, "3+", tag: 1, default: .int(-1)),
            Field("FinalizedFeatures", .array(.struct([
                Field("Name", .string, "3+"),
                Field("MaxVersionLevel", .int16, "3+"),
                Field("MinVersionLevel", .int16, "3+"),
            ])), "3+", tag: 2),
            Field("ZkMigrationReady", .bool, "3+", tag: 3),
        ])
}
