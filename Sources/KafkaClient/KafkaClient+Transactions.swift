import KafkaProtocol

/// Producer ids and transactions for a job writing through the server:
/// InitProducerId, AddPartitionsToTxn, EndTxn, and the listing APIs that
/// find a transaction again after a restart (DescribeTransactions,
/// ListTransactions).

/// The versions asked for, in the one table of KafkaClient+Log.swift.
extension KafkaClient.Versions {
    /// v2: the oldest with the flexible header that newer brokers
    /// expect; every field used is in v0.
    static let initProducerId: Int16 = 2
    /// v3: the last with the per-transaction (V3AndBelow) fields.
    static let addPartitionsToTxn: Int16 = 3
    static let endTxn: Int16 = 3
    static let describeTransactions: Int16 = 0
    static let listTransactions: Int16 = 0
}

extension KafkaClient {
    public struct ProducerIdentity: Sendable, Equatable {
        public let producerId: Int64
        public let epoch: Int16
    }

    /// A producer id and epoch: idempotent without a transactional id; for
    /// a transactional id, the server aborts (and fences) a transaction of
    /// that id still open.
    public func initProducerId(transactionalId: String?, transactionTimeoutMs: Int32) throws -> ProducerIdentity {
        let body = try send(.initProducerId, version: Versions.initProducerId, ProtocolStruct([
            "TransactionalId": transactionalId.map { .string($0) } ?? .null,
            "TransactionTimeoutMs": .int(Int64(transactionTimeoutMs)),
        ]))
        try Self.check(body.int("ErrorCode"), .initProducerId, transactionalId.map { "of transactional id \($0)" } ?? "")
        return ProducerIdentity(producerId: body.int("ProducerId"), epoch: Int16(truncatingIfNeeded: body.int("ProducerEpoch")))
    }

    public func addPartitionsToTxn(
        transactionalId: String, producer: ProducerIdentity, topic: String, partitions: [Int]
    ) throws {
        let body = try send(.addPartitionsToTxn, version: Versions.addPartitionsToTxn, ProtocolStruct([
            "V3AndBelowTransactionalId": .string(transactionalId),
            "V3AndBelowProducerId": .int(producer.producerId),
            "V3AndBelowProducerEpoch": .int(Int64(producer.epoch)),
            "V3AndBelowTopics": .array([.structure(ProtocolStruct([
                "Name": .string(topic), "Partitions": .array(partitions.map { .int(Int64($0)) }),
            ]))]),
        ]))
        for topicAnswer in body.structs("ResultsByTopicV3AndBelow") {
            for answer in topicAnswer.structs("ResultsByPartition") {
                try Self.check(
                    answer.int("PartitionErrorCode"), .addPartitionsToTxn,
                    "of transaction \(transactionalId) for \(topic) partition \(answer.int("PartitionIndex"))")
            }
        }
    }

    public func endTxn(transactionalId: String, producer: ProducerIdentity, commit: Bool) throws {
        let body = try send(.endTxn, version: Versions.endTxn, ProtocolStruct([
            "TransactionalId": .string(transactionalId), "ProducerId": .int(producer.producerId),
            "ProducerEpoch": .int(Int64(producer.epoch)), "Committed": .bool(commit),
        ]))
        try Self.check(body.int("ErrorCode"), .endTxn, "(\(commit ? "commit" : "abort")) of transaction \(transactionalId)")
    }

    public struct TransactionDescription: Sendable, Equatable {
        public let transactionalId: String
        /// Kafka's state name: Ongoing, PrepareCommit, PrepareAbort,
        /// CompleteCommit, CompleteAbort, Empty.
        public let state: String
        public let producer: ProducerIdentity
        public let partitions: [String: [Int]]
    }

    /// The transaction state of `transactionalId`; nil when the server does
    /// not know the id.
    public func describeTransaction(transactionalId: String) throws -> TransactionDescription? {
        let body = try send(.describeTransactions, version: Versions.describeTransactions, ProtocolStruct([
            "TransactionalIds": .array([.string(transactionalId)]),
        ]))
        guard let answer = body.structs("TransactionStates").first else {
            throw KafkaClientError.malformed(
                address: address, api: .describeTransactions, reason: "no answer for transactional id \(transactionalId)")
        }
        if ErrorCode(rawValue: Int16(truncatingIfNeeded: answer.int("ErrorCode"))) == .transactionalIdNotFound { return nil }
        try Self.check(answer.int("ErrorCode"), .describeTransactions, "of transactional id \(transactionalId)")
        var partitions: [String: [Int]] = [:]
        for topic in answer.structs("Topics") {
            partitions[topic.string("Topic") ?? ""] = (topic["Partitions"]?.array ?? []).compactMap(\.int).map { Int($0) }
        }
        return TransactionDescription(
            transactionalId: transactionalId, state: answer.string("TransactionState") ?? "",
            producer: ProducerIdentity(
                producerId: answer.int("ProducerId"), epoch: Int16(truncatingIfNeeded: answer.int("ProducerEpoch"))),
            partitions: partitions)
    }

    /// The transactional ids the server knows in one of `states` (Kafka's
    /// state names; every state when empty), sorted.
    public func listTransactions(states: [String]) throws -> [String] {
        let body = try send(.listTransactions, version: Versions.listTransactions, ProtocolStruct([
            "StateFilters": .array(states.map { .string($0) }), "ProducerIdFilters": .array([]),
        ]))
        try Self.check(body.int("ErrorCode"), .listTransactions, "")
        return body.structs("TransactionStates").compactMap { $0.string("TransactionalId") }.sorted()
    }
}
