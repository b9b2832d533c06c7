import Core
import Foundation
import KafkaProtocol
import Log

/// A `LogClient` over a running `streamhost serve`, in the Kafka protocol:
/// Metadata and ListOffsets for offsets, Fetch (a long poll) for reads,
/// Produce with acks=all from an idempotent producer for appends,
/// OffsetFetch/OffsetCommit for group offsets, and Kafka's transactions
/// (InitProducerId per transactional id, AddPartitionsToTxn,
/// transactional Produce, EndTxn; DescribeTransactions and
/// ListTransactions to find them again after a restart).
///
/// What does not map: a transaction found again by `resumeTransaction`
/// can be committed or aborted but not appended to (the sequence numbers
/// its partitions expect are the old producer's); such an append is
/// refused with a message. The log sink only commits what it resumes.
///
/// # Thread safety
/// Every method may be called from any thread at once: each call takes a
/// connection of its own from a small pool (`KafkaClient` is one caller at
/// a time).
public final class ServerLogClient: LogClient, @unchecked Sendable {
    public let host: String
    public let port: Int
    /// `transaction.timeout.ms` of the transactions begun here. A job keeps
    /// a transaction open from its first record until the checkpoint after
    /// it completes, so this is long: Kafka's default
    /// `transaction.max.timeout.ms`, which the server's default allows.
    public let transactionTimeoutMs: Int32
    public static let transactionTimeoutMsDefault: Int32 = 900_000
    /// The most idle connections kept for later calls; more are closed.
    public static let idleConnectionsMax = 8
    /// How many times an append is sent when the connection fails under
    /// it (the same batch and sequence: the server keeps one copy).
    public static let appendAttemptsMax = 3

    private let lock = NSLock()
    private var idle: [KafkaClient] = []
    private var producer: KafkaClient.ProducerIdentity?
    private var sequences: [TopicPartition: PartitionSequence] = [:]

    public init(host: String, port: Int, transactionTimeoutMs: Int32 = ServerLogClient.transactionTimeoutMsDefault) {
        self.host = host
        self.port = port
        self.transactionTimeoutMs = transactionTimeoutMs
    }

    /// A client whose first connection is `connection` (already open).
    public convenience init(connection: KafkaClient) {
        let address = connection.address
        let separator = address.lastIndex(of: ":")!
        var host = String(address[..<separator])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host, port: Int(address[address.index(after: separator)...])!)
        idle.append(connection)
    }

    /// A client of the server holding `dataDirectory`, nil when none does;
    /// throws `.noPlaintextListener` when that server has no PLAINTEXT
    /// listener (this client does not do TLS or SASL).
    public convenience init?(dataDirectory: String) throws {
        guard let server = ServerDiscovery.read(dataDirectory: dataDirectory) else { return nil }
        guard server.hasPlaintextListener else {
            throw KafkaClientError.noPlaintextListener(pid: server.pid, listeners: server.listeners ?? [])
        }
        self.init(host: server.connectHost, port: server.port)
    }

    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var fetchedBatchesAreVerified: Bool { false }
    /// An idle job source sends at most 100 Fetch requests a second per
    /// partition, at the cost of up to 10 ms before it sees a new record.
    public var emptyFetchPauseMs: Int { 10 }

    // MARK: Connections

    /// Runs `body` with a connection of the pool; a connection that failed
    /// under it is closed, not kept. Kafka's errors become
    /// `LogClientError`s carrying their message.
    func withConnection<T>(_ body: (KafkaClient) throws -> T) throws -> T {
        do {
            return try withPooledConnection(body)
        } catch let error as KafkaClientError {
            throw Self.convert(error)
        }
    }

    /// `withConnection`, leaving the `KafkaClientError`s as they are.
    func withPooledConnection<T>(_ body: (KafkaClient) throws -> T) throws -> T {
        let connection: KafkaClient
        if let pooled = lock.withLock({ idle.popLast() }) {
            connection = pooled
        } else {
            connection = try KafkaClient(host: host, port: port, clientId: "streamhost-job")
        }
        do {
            let result = try body(connection)
            giveBack(connection)
            return result
        } catch let error as KafkaClientError {
            if case .kafka = error { giveBack(connection) } else { connection.close() }
            throw error
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private func giveBack(_ connection: KafkaClient) {
        let kept = lock.withLock { () -> Bool in
            guard idle.count < Self.idleConnectionsMax else { return false }
            idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    static func convert(_ error: KafkaClientError) -> LogClientError {
        switch error.code {
        case .unknownTopicOrPartition?, .transactionalIdNotFound?: LogClientError(.notFound, error.description)
        case .offsetOutOfRange?, .invalidRequest?, .corruptMessage?, .invalidTopicException?, .invalidConfig?,
             .invalidPartitions?, .invalidRecord?:
            LogClientError(.invalid, error.description)
        default: LogClientError(.failed, error.description)
        }
    }

    public func close() {
        let connections = lock.withLock { () -> [KafkaClient] in
            defer { idle = [] }
            return idle
        }
        for connection in connections { connection.close() }
    }

    // MARK: Reading

    public func partitionCount(topic: String) throws -> Int {
        do {
            return try withConnection { try $0.metadata(topics: [topic]) }.first?.partitionCount ?? 0
        } catch let error as LogClientError where error.kind == .notFound {
            throw LogError.unknownTopic(topic)
        }
    }

    public func offsets(topic: String, partitions: [Int], query: LogOffsetQuery, isolation: IsolationLevel) throws -> [Int64?] {
        let timestamp: Int64
        switch query {
        case .earliest: timestamp = KafkaClient.earliest
        case .latest: timestamp = KafkaClient.latest
        case .time(let time): timestamp = time
        }
        let found = try withConnection {
            try $0.listOffsets(topic: topic, partitions: partitions, timestamp: timestamp, readCommitted: isolation == .readCommitted)
        }
        return partitions.map { found[$0].flatMap { $0 >= 0 ? $0 : nil } }
    }

    public func fetch(
        topic: String, positions: [(partition: Int, offset: Int64)], isolation: IsolationLevel, bytesMax: Int,
        waitMs: Int
    ) throws -> [LogSlice] {
        let answers = try withConnection {
            try $0.fetch(
                topic: topic, offsets: positions, maxWaitMs: Int32(clamping: waitMs),
                readCommitted: isolation == .readCommitted)
        }
        let byPartition = Dictionary(answers.map { ($0.partition, $0) }, uniquingKeysWith: { first, _ in first })
        return positions.map { position in
            byPartition[position.partition].map { Self.slice($0, from: position.offset) }
                ?? LogSlice(bytes: [], firstOffset: position.offset, nextOffset: position.offset, batchCount: 0)
        }
    }

    /// A Fetch answer as a `LogSlice`: its whole batches (a batch the size
    /// bound cut is read again by the next fetch), and its aborted
    /// transactions each closed at its producer's next marker in the
    /// answer, as Kafka's consumer reads them (open-ended when the marker
    /// is beyond it).
    static func slice(_ answer: KafkaClient.FetchedPartition, from offset: Int64) -> LogSlice {
        var headers: [RecordBatchHeader] = []
        var end = 0
        answer.records.withUnsafeBytes { raw in
            while end < raw.count {
                guard let header = try? RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: raw[end...])),
                      end + header.totalSize <= raw.count
                else { break }
                headers.append(header)
                end += header.totalSize
            }
        }
        let aborted = answer.abortedTransactions.map { transaction in
            let marker = headers.first {
                $0.isControl && $0.producerId == transaction.producerId && $0.baseOffset >= transaction.firstOffset
            }
            return AbortedTransaction(
                producerId: transaction.producerId, firstOffset: transaction.firstOffset,
                lastOffset: marker?.baseOffset ?? .max)
        }
        return LogSlice(
            bytes: end == answer.records.count ? answer.records : Array(answer.records[..<end]),
            firstOffset: headers.first?.baseOffset ?? offset, nextOffset: headers.last?.nextOffset ?? offset,
            batchCount: headers.count, lastStableOffset: answer.lastStableOffset >= 0 ? answer.lastStableOffset : nil,
            abortedTransactions: aborted)
    }

    // MARK: Appending

    /// The next sequence number of one partition for this client's
    /// idempotent producer; its lock is held from numbering a batch until
    /// the server has it, so batches reach the partition in sequence order.
    final class PartitionSequence {
        let lock = NSLock()
        var next: Int32 = 0
    }

    /// Kafka's sequence numbers wrap to 0 after Int32.max.
    static func advance(_ sequence: Int32, by count: Int) -> Int32 {
        Int32(truncatingIfNeeded: (Int64(sequence) + Int64(count)) % (Int64(Int32.max) + 1))
    }

    private func idempotentProducer() throws -> KafkaClient.ProducerIdentity {
        if let producer = lock.withLock({ producer }) { return producer }
        let fresh = try withConnection { try $0.initProducerId(transactionalId: nil, transactionTimeoutMs: transactionTimeoutMs) }
        return lock.withLock {
            if producer == nil { producer = fresh }
            return producer!
        }
    }

    public func append(topic: String, partition: Int, records: RecordBatch) throws -> Int64 {
        let producer = try idempotentProducer()
        let key = TopicPartition(topic: topic, partition: partition)
        let sequence = lock.withLock {
            if let found = sequences[key] { return found }
            let made = PartitionSequence()
            sequences[key] = made
            return made
        }
        sequence.lock.lock()
        defer { sequence.lock.unlock() }
        let batch = try Self.encode(
            records, key, producer: producer, sequence: sequence.next, transactional: false)
        let offset = try sendAppend(batch, key, transactionalId: nil)
        sequence.next = Self.advance(sequence.next, by: records.count)
        return offset
    }

    static func encode(
        _ records: RecordBatch, _ partition: TopicPartition, producer: KafkaClient.ProducerIdentity, sequence: Int32,
        transactional: Bool
    ) throws -> [UInt8] {
        do {
            return try RecordBatchV2.encode(
                records, producerID: producer.producerId, producerEpoch: producer.epoch, baseSequence: sequence,
                isTransactional: transactional)
        } catch {
            throw LogClientError(.invalid, "\(partition): the batch cannot be encoded: \(error)")
        }
    }

    /// Produces one batch, sending it again on a new connection when the
    /// connection fails (the server answers a repeat with the first
    /// offset).
    func sendAppend(_ batch: [UInt8], _ partition: TopicPartition, transactionalId: String?) throws -> Int64 {
        var attempt = 1
        while true {
            do {
                return try withPooledConnection {
                    try $0.produce(
                        topic: partition.topic, partition: partition.partition, batches: batch,
                        transactionalId: transactionalId)
                }
            } catch let error as KafkaClientError {
                guard case .transport = error, attempt < Self.appendAttemptsMax else { throw Self.convert(error) }
                attempt += 1
            }
        }
    }

    public func ensureTopic(_ topic: String, partitions: Int) throws {
        do {
            try withPooledConnection { try $0.createTopic(name: topic, partitions: partitions, configs: [:]) }
        } catch let error as KafkaClientError {
            // Created meanwhile: that is what was asked.
            guard error.code == .topicAlreadyExists else { throw Self.convert(error) }
        }
    }

    // MARK: Groups

    public func committedOffsets(group: String, topic: String, partitions: [Int]) throws -> [Int: Int64] {
        let committed = try withConnection { try $0.committedOffsets(group: group, topic: topic, partitions: partitions) }
        return Dictionary(committed.map { ($0.partition, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    public func commit(group: String, topic: String, offsets: [(partition: Int, offset: Int64)]) throws {
        try withConnection { try $0.commitOffsets(group: group, topic: topic, offsets: offsets) }
    }

    // MARK: Transactions

    public func beginTransaction(transactionalId: String) throws -> any LogClientTransaction {
        let producer = try withConnection {
            try $0.initProducerId(transactionalId: transactionalId, transactionTimeoutMs: transactionTimeoutMs)
        }
        return ServerLogTransaction(client: self, transactionalId: transactionalId, producer: producer, resumed: false)
    }

    public func resumeTransaction(transactionalId: String) throws -> (any LogClientTransaction)? {
        guard let found = try withConnection({ try $0.describeTransaction(transactionalId: transactionalId) }),
              found.state == "Ongoing"
        else { return nil }
        let transaction = ServerLogTransaction(
            client: self, transactionalId: transactionalId, producer: found.producer, resumed: true)
        for (topic, partitions) in found.partitions {
            for partition in partitions { transaction.added.insert(TopicPartition(topic: topic, partition: partition)) }
        }
        return transaction
    }

    public func abortOpenTransactions(prefix: String) throws -> [String] {
        let open = try withConnection { try $0.listTransactions(states: ["Ongoing"]) }.filter { $0.hasPrefix(prefix) }
        var aborted: [String] = []
        for id in open {
            // Ended meanwhile (by its own holder): nothing to abort.
            guard let transaction = try resumeTransaction(transactionalId: id) else { continue }
            try transaction.abort()
            aborted.append(id)
        }
        return aborted
    }
}

/// One Kafka transaction through the server: AddPartitionsToTxn before
/// the first batch to each partition, transactional Produce with its own
/// sequence numbers, EndTxn.
///
/// # Thread safety
/// Used by one thread at a time.
final class ServerLogTransaction: LogClientTransaction {
    let client: ServerLogClient
    let transactionalId: String
    let producer: KafkaClient.ProducerIdentity
    /// Found again by `resumeTransaction`: commit and abort only.
    let resumed: Bool
    var added: Set<TopicPartition> = []
    var sequences: [TopicPartition: Int32] = [:]

    init(client: ServerLogClient, transactionalId: String, producer: KafkaClient.ProducerIdentity, resumed: Bool) {
        self.client = client
        self.transactionalId = transactionalId
        self.producer = producer
        self.resumed = resumed
    }

    func append(topic: String, partition: Int, records: RecordBatch) throws -> Int64 {
        let key = TopicPartition(topic: topic, partition: partition)
        guard !resumed else {
            throw LogClientError(
                .invalid,
                "transaction '\(transactionalId)' was resumed through the server at \(client.address), which can commit "
                    + "or abort it but not append to it (its partitions expect the sequence numbers of the producer "
                    + "that began it); begin a new transaction for more records")
        }
        if !added.contains(key) {
            try client.withConnection {
                try $0.addPartitionsToTxn(transactionalId: transactionalId, producer: producer, topic: topic, partitions: [partition])
            }
            added.insert(key)
        }
        let sequence = sequences[key] ?? 0
        let batch = try ServerLogClient.encode(records, key, producer: producer, sequence: sequence, transactional: true)
        let offset = try client.sendAppend(batch, key, transactionalId: transactionalId)
        sequences[key] = ServerLogClient.advance(sequence, by: records.count)
        return offset
    }

    func commit() throws {
        try client.withConnection { try $0.endTxn(transactionalId: transactionalId, producer: producer, commit: true) }
    }

    func abort() throws {
        try client.withConnection { try $0.endTxn(transactionalId: transactionalId, producer: producer, commit: false) }
    }
}
