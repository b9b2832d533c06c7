// Field facts transcribed from Apache Kafka's message definitions
// (FetchRequest.json, FetchResponse.json).
extension MessageSchema {
    /// FetchRequest, versions 4–12 (Kafka's 0-17).
    static let fetchRequest = MessageSchema(
        name: "FetchRequest", versions: 4...12, flexible: "12+", fields: [
            Field("ClusterId", .string, "12+", nullable: "12+", tag: 0, default: .null),
            Field("ReplicaId", .int32, "0-14", default: .int(-1)),
            Field("MaxWaitMs", .int32, "0+"),
            Field("MinBytes", .int32, "0+"),
            Field("MaxBytes", .int32, "3+", default: .int(2147483647)),
            Field("IsolationLevel", .int8, "4+"),
            Field("SessionId", .int32, "7+"),
            Field("SessionEpoch", .int32, "7+", default: .int(-1)),
            Field("Topics", .array(.struct([
                Field("Topic", .string, "0-12"),
                Field("Partitions", .array(.struct([
                    Field("Partition", .int32, "0+"),
                    Field("CurrentLeaderEpoch", .int32, "9+", default: .int(-1)),
                    Field("FetchOffset", .int64, "0+"),
                    Field("LastFetchedEpoch", .int32, "12+", default: .int(-1)),
                    Field("LogStartOffset", .int64, "5+", default: .int(-1)),
                    Field("PartitionMaxBytes", .int32, "0+"),
                ])), "0+"),
            ])), "0+"),
            Field("ForgottenTopicsData", .array(.struct([
                Field("Topic", .string, "7-12"),
                Field("Partitions", .array(.int32), "7+"),
            ])), "7+"),
            Field("RackId", .string, "11+"),
        ])

    /// FetchResponse, versions 4–12 (Kafka's 0-17).
    static let fetchResponse = MessageSchema(
        name: "FetchResponse", versions: 4...12, flexible: "12+", fields: [
            Field("ThrottleTimeMs", .int32, "1+"),
            Field("ErrorCode", .int16, "7+"),
            Field("SessionId", .int32, "7+"),
            Field("Responses", .array(.struct([
                Field("Topic", .string, "0-12"),
                Field("Partitions", .array(.struct([
                    Field("PartitionIndex", .int32, "0+"),
                    Field("ErrorCode", .int16, "0+"),
                    Field("HighWatermark", .int64, "0+"),
                    Field("LastStableOffset", .int64, "4+", default: .int(-1)),
                    Field("LogStartOffset", .int64, "5+", default: .int(-1)),
                    Field("DivergingEpoch", .struct([
                        Field("Epoch", .int32, "12+", default: .int(-1)),
                        Field("EndOffset", .int64, "12+", default: .int(-1)),
                    ]), "12+", tag: 0),
                    Field("CurrentLeader", .struct([
                        Field("LeaderId", .int32, "12+", default: .int(-1)),
                        Field("LeaderEpoch", .int32, "12+", default: .int(-1)),
                    ]), "12+", tag: 1),
                    Field("SnapshotId", .struct([
                        Field("EndOffset", .int64, "0+", default: .int(-1)),
                        Field("Epoch", .int32, "0+", default: .int(-1)),
                    ]), "12+", tag: 2),
                    Field("AbortedTransactions", .array(.struct([
                        Field("ProducerId", .int64, "4+"),
                        Field("FirstOffset", .int64, "4+"),
                    ])), "4+", nullable: "4+"),
                    Field("PreferredReadReplica", .int32, "11+", default: .int(-1)),
                    Field("Records", .records, "0+", nullable: "0+"),
                ])), "0+"),
            ])), "0+"),
        ])
}
