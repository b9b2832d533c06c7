// Field facts transcribed from Apache Kafka's message definitions
// (DescribeConfigsRequest.json, DescribeConfigsResponse.json).
extension MessageSchema {
    /// DescribeConfigsRequest, versions 0–4 (Kafka's 0-4).
    static let describeConfigsRequest = MessageSchema(
        name: "DescribeConfigsRequest", versions: 0...4, flexible: "4+", fields: [
            Field("Resources", .array(.struct([
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
                Field("ConfigurationKeys", .array(.string), "0+", nullable: "0+"),
            ])), "0+"),
            Field("IncludeSynonyms", .bool, "1+"),
            Field("IncludeDocumentation", .bool, "3+"),
        ])

    /// DescribeConfigsResponse, versions 0–4 (Kafka's 0-4).
    static let describeConfigsResponse = MessageSchema(
        name: "DescribeConfigsResponse", versions: 0...4, flexible: "4+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Results", .array(.struct([
                Field("ErrorCode", .int16, "0+"),
                Field("ErrorMessage", .string, "0+", nullable: "0+"),
                Field("ResourceType", .int8, "0+"),
                Field("ResourceName", .string, "0+"),
                Field("Configs", .array(.struct([
                    Field("Name", .string, "0+"),
                    Field("Value", .string, "0+", nullable: "0+"),
                    Field("ReadOnly", .bool, "0+"),
                    Field("IsDefault", .bool, "0"),
                    Field("ConfigSource", .int8, "1+", default: .int(-1)),
                    Field("IsSensitive", .bool, "0+"),
                    Field("Synonyms", .array(.struct([
                        Field("Name", .string, "1+"),
                        Field("Value", .string, "1+", nullable: "0+"),
                        Field("Source", .int8, "1+"),
                    ])), "1+"),
                    Field("ConfigType", .int8, "3+"),
                    Field("Documentation", .string, "3+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
