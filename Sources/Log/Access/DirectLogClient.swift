#if canImport(Glibc)
import Glibc
#endif
import Core
import Synchronization

/// A `LogClient` over a data directory opened in this process: reads and
/// appends go to its `PartitionLog`s, commits to its `ConsumerGroups`
/// (loaded on first use), transactions to its `TransactionCoordinator`.
///
/// # Thread safety
/// Every method may be called from any thread at once.
public final class DirectLogClient: LogClient {
    public let directory: DataDirectory
    private let groups = Mutex<ConsumerGroups?>(nil)

    /// How often a waiting `fetch` looks at the partitions again (the direct
    /// log has no append notification to wait on).
    public static let fetchPollIntervalMs = 50

    public init(directory: DataDirectory) {
        self.directory = directory
    }

    public var fetchedBatchesAreVerified: Bool { true }
    public var emptyFetchPauseMs: Int { 0 }

    public func partition(_ topic: String, _ number: Int) throws(LogError) -> PartitionLog {
        try directory.topic(named: topic).partition(number)
    }

    public func partitionCount(topic: String) throws -> Int {
        try directory.topic(named: topic).partitionCount
    }

    public func offsets(topic: String, partitions: [Int], query: LogOffsetQuery, isolation: IsolationLevel) throws -> [Int64?] {
        try partitions.map { number throws -> Int64? in
            let log = try partition(topic, number)
            switch query {
            case .earliest: return log.startOffset
            case .latest: return isolation == .readCommitted ? log.lastStableOffset : log.endOffset
            case .time(let time): return try log.offset(forTimestamp: time)
            }
        }
    }

    public func fetch(
        topic: String, positions: [(partition: Int, offset: Int64)], isolation: IsolationLevel, bytesMax: Int,
        waitMs: Int
    ) throws -> [LogSlice] {
        let logs = try positions.map { try partition(topic, $0.partition) }
        var waitedMs = 0
        while true {
            let slices = try zip(logs, positions).map { log, position throws in
                try log.read(from: position.offset, maxBytes: bytesMax, isolation: isolation)
            }
            if waitedMs >= waitMs || slices.contains(where: { !$0.isEmpty }) { return slices }
            let pauseMs = min(Self.fetchPollIntervalMs, waitMs - waitedMs)
            usleep(useconds_t(pauseMs * 1000))
            waitedMs += pauseMs
        }
    }

    public func append(topic: String, partition number: Int, records: RecordBatch) throws -> Int64 {
        let log = try partition(topic, number)
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode(records)
        } catch {
            throw LogClientError(.invalid, "\(log.partition): the batch cannot be encoded: \(error)")
        }
        return try log.append(&bytes).first
    }

    public func ensureTopic(_ topic: String, partitions: Int) throws {
        guard !directory.topics.contains(topic) else { return }
        do throws(LogError) {
            _ = try directory.createTopic(name: topic, partitions: partitions)
        } catch {
            // Created meanwhile by another instance: that is what was asked.
            guard case .topicExists = error else { throw error }
        }
    }

    /// The consumer-group offsets, loaded on first use.
    public func consumerGroups() throws(LogError) -> ConsumerGroups {
        let loaded: Result<ConsumerGroups, LogError> = groups.withLock { groups in
            if let groups { return .success(groups) }
            return Result { () throws(LogError) in
                let loaded = try ConsumerGroups(directory: directory)
                groups = loaded
                return loaded
            }
        }
        return try loaded.get()
    }

    public func committedOffsets(group: String, topic: String, partitions: [Int]) throws -> [Int: Int64] {
        let groups = try consumerGroups()
        var found: [Int: Int64] = [:]
        for number in partitions {
            found[number] = groups.committedOffset(group: group, topic: topic, partition: number)
        }
        return found
    }

    public func commit(group: String, topic: String, offsets: [(partition: Int, offset: Int64)]) throws {
        try consumerGroups().commit(offsets.map { (ConsumerGroups.Key(group: group, topic: topic, partition: $0.partition), $0.offset) })
    }

    public func beginTransaction(transactionalId: String) throws -> any LogClientTransaction {
        let coordinator = directory.transactions
        return DirectLogTransaction(coordinator: coordinator, handle: try coordinator.begin(transactionalId: transactionalId))
    }

    public func resumeTransaction(transactionalId: String) throws -> (any LogClientTransaction)? {
        let coordinator = directory.transactions
        return try coordinator.resume(transactionalId: transactionalId).map {
            DirectLogTransaction(coordinator: coordinator, handle: $0)
        }
    }

    public func abortOpenTransactions(prefix: String) throws -> [String] {
        try directory.transactions.abortOpenTransactions(prefix: prefix)
    }

    /// Flushes and closes the data directory.
    public func close() {
        try? directory.close()
    }
}

/// One transaction of the directory's coordinator.
///
/// # Thread safety
/// Used by one thread at a time; the coordinator it calls is thread-safe.
final class DirectLogTransaction: LogClientTransaction {
    let coordinator: TransactionCoordinator
    let handle: TransactionHandle

    init(coordinator: TransactionCoordinator, handle: TransactionHandle) {
        self.coordinator = coordinator
        self.handle = handle
    }

    var transactionalId: String { handle.transactionalId }

    func append(topic: String, partition: Int, records: RecordBatch) throws -> Int64 {
        try coordinator.append(handle, topic: topic, partition: partition, records: records)
    }

    func commit() throws { try coordinator.commit(handle) }

    func abort() throws { try coordinator.abort(handle) }
}
