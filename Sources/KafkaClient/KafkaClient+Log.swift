import KafkaProtocol

/// The typed requests the CLI makes. Each checks the error codes of the
/// answer and throws `KafkaClientError.kafka` naming the API, the topic
/// and partition, and Kafka's code.
extension KafkaClient {
    /// Versions asked for: the oldest that carry every field used here (no
    /// flexible versions needed).
    enum Versions {
        /// v4: AllowAutoTopicCreation, which the CLI sets false (a command
        /// never creates a topic by naming it).
        static let metadata: Int16 = 4
        static let produce: Int16 = 7
        static let listOffsets: Int16 = 2
        static let fetch: Int16 = 11
        static let createTopics: Int16 = 4
        static let deleteTopics: Int16 = 3
    }

    public struct TopicMetadata: Sendable, Equatable {
        public let name: String
        public let partitionCount: Int
        public let isInternal: Bool
    }

    /// Every topic (when `topics` is nil) or the named ones; a named topic
    /// that does not exist throws UNKNOWN_TOPIC_OR_PARTITION.
    public func metadata(topics: [String]? = nil) throws -> [TopicMetadata] {
        let request = ProtocolStruct([
            "Topics": topics.map { .array($0.map { .structure(ProtocolStruct(["Name": .string($0)])) }) } ?? .null,
            "AllowAutoTopicCreation": .bool(false),
        ])
        let body = try send(.metadata, version: Versions.metadata, request)
        return try body.structs("Topics").map { topic in
            let name = topic.string("Name") ?? ""
            try Self.check(topic.int("ErrorCode"), .metadata, "for topic \(name)")
            return TopicMetadata(
                name: name, partitionCount: topic.structs("Partitions").count, isInternal: topic.fields["IsInternal"]?.bool ?? false)
        }
    }

    public func createTopic(name: String, partitions: Int, configs: [String: String]) throws {
        let topic = ProtocolStruct([
            "Name": .string(name), "NumPartitions": .int(Int64(partitions)), "ReplicationFactor": .int(-1),
            "Assignments": .array([]),
            "Configs": .array(configs.sorted { $0.key < $1.key }.map {
                .structure(ProtocolStruct(["Name": .string($0.key), "Value": .string($0.value)]))
            }),
        ])
        let body = try send(.createTopics, version: Versions.createTopics, ProtocolStruct([
            "Topics": .array([.structure(topic)]), "timeoutMs": .int(30_000), "validateOnly": .bool(false),
        ]))
        for answer in body.structs("Topics") {
            try Self.check(answer.int("ErrorCode"), .createTopics, "of topic \(name)", message: answer.string("ErrorMessage"))
        }
    }

    public func deleteTopic(name: String) throws {
        let body = try send(.deleteTopics, version: Versions.deleteTopics, ProtocolStruct([
            "TopicNames": .array([.string(name)]), "TimeoutMs": .int(30_000),
        ]))
        for answer in body.structs("Responses") {
            try Self.check(answer.int("ErrorCode"), .deleteTopics, "of topic \(name)")
        }
    }

    /// Appends record batches (RecordBatch v2, as the direct path builds
    /// them) to one partition with acks=all; returns the base offset.
    /// Transactional batches name their transaction's id.
    @discardableResult
    public func produce(topic: String, partition: Int, batches: [UInt8], transactionalId: String? = nil) throws -> Int64 {
        let data = ProtocolStruct([
            "Name": .string(topic),
            "PartitionData": .array([.structure(ProtocolStruct([
                "Index": .int(Int64(partition)), "Records": .bytes(batches[...]),
            ]))]),
        ])
        let body = try send(.produce, version: Versions.produce, ProtocolStruct([
            "TransactionalId": transactionalId.map { .string($0) } ?? .null, "Acks": .int(-1), "TimeoutMs": .int(30_000), "TopicData": .array([.structure(data)]),
        ]))
        guard let answer = body.structs("Responses").first?.structs("PartitionResponses").first else {
            throw KafkaClientError.malformed(address: address, api: .produce, reason: "no answer for \(topic) partition \(partition)")
        }
        try Self.check(answer.int("ErrorCode"), .produce, "to \(topic) partition \(partition)")
        return answer.int("BaseOffset")
    }

    /// Kafka's special ListOffsets timestamps.
    public static let earliest: Int64 = -2
    public static let latest: Int64 = -1

    /// The offset for `timestamp` (`earliest`, `latest`, or ms since the
    /// epoch: the first record at or after it, -1 when none) in each
    /// partition. `readCommitted` makes `latest` the last stable offset.
    public func listOffsets(
        topic: String, partitions: [Int], timestamp: Int64, readCommitted: Bool
    ) throws -> [Int: Int64] {
        let request = ProtocolStruct([
            "ReplicaId": .int(-1), "IsolationLevel": .int(readCommitted ? 1 : 0),
            "Topics": .array([.structure(ProtocolStruct([
                "Name": .string(topic),
                "Partitions": .array(partitions.map {
                    .structure(ProtocolStruct(["PartitionIndex": .int(Int64($0)), "Timestamp": .int(timestamp)]))
                }),
            ]))]),
        ])
        let body = try send(.listOffsets, version: Versions.listOffsets, request)
        var result: [Int: Int64] = [:]
        for answer in body.structs("Topics").flatMap({ $0.structs("Partitions") }) {
            let partition = Int(answer.int("PartitionIndex"))
            try Self.check(answer.int("ErrorCode"), .listOffsets, "of \(topic) partition \(partition)")
            result[partition] = answer.int("Offset", or: -1)
        }
        return result
    }

    public struct FetchedPartition: Sendable {
        public let partition: Int
        public let highWatermark: Int64
        public let lastStableOffset: Int64
        public let logStartOffset: Int64
        /// Aborted transactions: producer id and first offset (Kafka's
        /// FetchResponse `aborted_transactions`; read committed only).
        public let abortedTransactions: [(producerId: Int64, firstOffset: Int64)]
        /// Whole record batches as stored.
        public let records: [UInt8]
    }

    /// The upper bound of one Fetch answer.
    public static let fetchBytesMax: Int32 = 1 << 20

    /// Reads from each partition at its offset; waits up to `maxWaitMs` for
    /// at least one byte (a long poll: 0 answers at once).
    public func fetch(
        topic: String, offsets: [(partition: Int, offset: Int64)], maxWaitMs: Int32, readCommitted: Bool
    ) throws -> [FetchedPartition] {
        let request = ProtocolStruct([
            "ReplicaId": .int(-1), "MaxWaitMs": .int(Int64(maxWaitMs)), "MinBytes": .int(1),
            "MaxBytes": .int(Int64(Self.fetchBytesMax)), "IsolationLevel": .int(readCommitted ? 1 : 0),
            "SessionId": .int(0), "SessionEpoch": .int(-1),
            "Topics": .array([.structure(ProtocolStruct([
                "Topic": .string(topic),
                "Partitions": .array(offsets.map {
                    .structure(ProtocolStruct([
                        "Partition": .int(Int64($0.partition)), "FetchOffset": .int($0.offset),
                        "PartitionMaxBytes": .int(Int64(Self.fetchBytesMax)),
                    ]))
                }),
            ]))]),
            "ForgottenTopicsData": .array([]), "RackId": .string(""),
        ])
        let body = try send(.fetch, version: Versions.fetch, request)
        try Self.check(body.int("ErrorCode"), .fetch, "of \(topic)")
        return try body.structs("Responses").flatMap { $0.structs("Partitions") }.map { answer in
            let partition = Int(answer.int("PartitionIndex"))
            try Self.check(answer.int("ErrorCode"), .fetch, "of \(topic) partition \(partition)")
            return FetchedPartition(
                partition: partition, highWatermark: answer.int("HighWatermark"),
                lastStableOffset: answer.int("LastStableOffset", or: -1), logStartOffset: answer.int("LogStartOffset", or: -1),
                abortedTransactions: answer.structs("AbortedTransactions").map {
                    ($0.int("ProducerId"), $0.int("FirstOffset"))
                },
                records: Array(answer.fields["Records"]?.bytes ?? []))
        }
    }
}
