// Field facts transcribed from Apache Kafka's message definitions
// (IncrementalAlterConfigsRequest.json, IncrementalAlterConfigsResponse.json).
extension MessageSchema {
    /// IncrementalAlterConfigsRequest, versions 0–1 (Kafka's 0-1).
    static let incrementalAlterConfigsRequest = MessageSchema(
        name: "IncrementalAlterConfigsRequest", versions: 0...1, flexible: "1+", fields: [
            Field("Resources", .array(.struct([
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
                Field("Configs", .array(.struct([
                    Field("Name", .string, "0+"),
                    Field("ConfigOperation", .int8, "0+"),
                    Field("Value", .string, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
            Field("ValidateOnly", .bool, "0+"),
        ])

    /// IncrementalAlterConfigsResponse, versions 0–1 (Kafka's 0-1).
    static let incrementalAlterConfigsResponse = MessageSchema(
        name: "IncrementalAlterConfigsResponse", versions: 0...1, flexible: "1+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Responses", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "0+", nullable: "0+"),
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
            ])), "0+"),
        ])
}
