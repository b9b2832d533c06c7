import Core

/// Which offset of a partition `LogClient.offsets` looks up (Kafka's
/// ListOffsets timestamps).
public enum LogOffsetQuery: Sendable, Equatable {
    /// The log start offset: the first record still stored.
    case earliest
    /// The end offset, or the last stable offset for read-committed readers.
    case latest
    /// The first record with a timestamp at or after this (ms since the
    /// epoch); nil when every record is older.
    case time(Int64)
}

/// The log as its readers and writers use it — offsets, reads, appends,
/// consumer-group commits and transactions — whether the data directory is
/// opened in this process (`DirectLogClient`) or held by a running
/// `streamhost serve` and reached over the Kafka protocol (the KafkaClient
/// module's `ServerLogClient`). The consumer logic (`TopicReader`), the
/// `consume` command and a job's log services are written once over it.
///
/// Errors are `LogError` where one fits (unknown topic, offset out of
/// range), else `LogClientError`.
///
/// # Thread safety
/// Every method may be called from any thread at once.
public protocol LogClient: AnyObject, Sendable {
    /// Whether `fetch` returns batches whose CRCs this process has already
    /// checked (the direct log checks every batch it reads); a reader checks
    /// the others while decoding.
    var fetchedBatchesAreVerified: Bool { get }
    /// How long a reader that never waits (a job's source, polled every
    /// millisecond when idle) leaves a partition alone after a fetch found
    /// nothing: 0 for the direct log, where a read is a lock and an index
    /// lookup; a few ms through a server, where it is a request.
    var emptyFetchPauseMs: Int { get }

    func partitionCount(topic: String) throws -> Int
    /// The offset `query` finds in each of `partitions`, in their order.
    func offsets(topic: String, partitions: [Int], query: LogOffsetQuery, isolation: IsolationLevel) throws -> [Int64?]
    /// Whole batches from each partition at its offset (the batch holding
    /// the offset first), about `bytesMax` per partition, in the order of
    /// `positions`. Waits up to `waitMs` for a first byte when every
    /// partition has nothing yet (a long poll; 0 answers at once).
    func fetch(
        topic: String, positions: [(partition: Int, offset: Int64)], isolation: IsolationLevel, bytesMax: Int,
        waitMs: Int
    ) throws -> [LogSlice]
    /// Appends the records as one batch, as durable as the topic's policy
    /// (the server: acks=all); returns the first record's offset.
    func append(topic: String, partition: Int, records: RecordBatch) throws -> Int64
    /// Creates the topic with `partitions` partitions unless it exists.
    func ensureTopic(_ topic: String, partitions: Int) throws

    /// The group's committed offsets of the topic's partitions that have
    /// one.
    func committedOffsets(group: String, topic: String, partitions: [Int]) throws -> [Int: Int64]
    /// Commits offsets for `group` outside any generation (a simple
    /// consumer's commit).
    func commit(group: String, topic: String, offsets: [(partition: Int, offset: Int64)]) throws

    /// Begins a transaction for `transactionalId`, aborting and fencing one
    /// of that id still open.
    func beginTransaction(transactionalId: String) throws -> any LogClientTransaction
    /// The still-open transaction of `transactionalId` (begun by this
    /// process or an earlier one); nil when none is open.
    func resumeTransaction(transactionalId: String) throws -> (any LogClientTransaction)?
    /// Aborts every open transaction whose id starts with `prefix`; returns
    /// their ids, sorted.
    func abortOpenTransactions(prefix: String) throws -> [String]

    /// Releases what the client holds (the directory, connections).
    func close()
}

/// An open transaction of a `LogClient`.
///
/// # Thread safety
/// Used by one thread at a time.
public protocol LogClientTransaction: AnyObject {
    var transactionalId: String { get }
    /// Appends the records as one transactional batch; returns the first
    /// record's offset.
    func append(topic: String, partition: Int, records: RecordBatch) throws -> Int64
    func commit() throws
    func abort() throws
}

/// A `LogClient` failure that no `LogError` case describes (a server's
/// answer, a refused operation): what kind it is, and the message.
public struct LogClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, invalid, failed }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
