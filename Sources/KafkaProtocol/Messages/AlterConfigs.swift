// Field facts transcribed from Apache Kafka's message definitions
// (AlterConfigsRequest.json, AlterConfigsResponse.json).
extension MessageSchema {
    /// AlterConfigsRequest, versions 0–2 (Kafka's 0-2).
    static let alterConfigsRequest = MessageSchema(
        name: "AlterConfigsRequest", versions: 0...2, flexible: "2+", fields: [
            Field("Resources", .array(.struct([
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
                Field("Configs", .array(.struct([
                    Field("Name", .string, "0+"),
                    Field("Value", .string, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
            Field("ValidateOnly", .bool, "0+"),
        ])

    /// AlterConfigsResponse, versions 0–2 (Kafka's 0-2).
    static let alterConfigsResponse = MessageSchema(
        name: "AlterConfigsResponse", versions: 0...2, flexible: "2+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Responses", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "0+", nullable: "0+"),
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
            ])), "0+"),
        ])
}
