// Field facts transcribed from Apache Kafka's message definitions
// (DeleteRecordsRequest.json, DeleteRecordsResponse.json).
extension MessageSchema {
    /// DeleteRecordsRequest, versions 0–2 (Kafka's 0-2).
    static let deleteRecordsRequest = MessageSchema(
        name: "DeleteRecordsRequest", versions: 0...2, flexible: "2+", fields: [
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("Offset", .int64, "0+"),
                ])), "0+"),
            ])), "0+"),
            Field("TimeoutMs", .int32, "0+"),
        ])

    /// DeleteRecordsResponse, versions 0–2 (Kafka's 0-2).
    static let deleteRecordsResponse = MessageSchema(
        name: "DeleteRecordsResponse", versions: 0...2, flexible: "2+", fields: [
            Field("ThrottleTimeMs", .int32, "0+"),
            Field("Topics", .array(.struct([
                Field("Name", .string, "0+"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("LowWatermark", .int64, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
