import Core
import Log
import Logging
import PluginHost
import Synchronization

/// The log services plugins reach through `sh_host_api.log_*`, over a
/// `LogClient`: the data directory opened in this process, or the
/// `streamhost serve` that holds it (the KafkaClient module's
/// `ServerLogClient`). Reads go through `TopicReader`, the one consumer of
/// the log.
///
/// A data directory is opened (and locked) on the first call, so a job
/// that never touches the log never takes the lock; while it is open, a
/// background `LogCleaner` compacts its compacted topics
/// (`__consumer_offsets` among them) every `cleanerIntervalMilliseconds`,
/// as a Kafka broker's cleaner would. Through a server, the server does
/// that.
///
/// # Thread safety
/// All methods may be called from any task thread.
public final class LogClientServices: LogServices {
    /// What the services work on.
    public enum Backing: Sendable {
        /// The data directory at `path`, opened here on first use; the
        /// cleaner pauses `cleanerIntervalMilliseconds` between rounds (nil:
        /// no cleaner).
        case dataDirectory(path: String, cleanerIntervalMilliseconds: Int64?)
        /// A client that is ready (a server's).
        case client(any LogClient)
    }

    public let backing: Backing
    private let state = Mutex<(client: (any LogClient)?, cleaner: LogCleaner?)>((nil, nil))

    public init(_ backing: Backing) {
        self.backing = backing
        if case .client(let client) = backing { state.withLock { $0.client = client } }
    }

    /// The services over the data directory at `path`, opened on first use.
    public static func dataDirectory(
        path: String, cleanerIntervalMilliseconds: Int64? = LogCleaner.intervalMillisecondsDefault
    ) -> LogClientServices {
        LogClientServices(.dataDirectory(path: path, cleanerIntervalMilliseconds: cleanerIntervalMilliseconds))
    }

    /// The client, opening the data directory on first use.
    func client() throws(LogServiceError) -> any LogClient {
        let opened: Result<any LogClient, LogError> = state.withLock { state in
            if let client = state.client { return .success(client) }
            guard case let .dataDirectory(path, interval) = backing else {
                preconditionFailure("a client backing sets the client in init")
            }
            return Result { () throws(LogError) -> any LogClient in
                let logger = Logger(label: "streamhost.log")
                let directory = try DataDirectory.open(path: path, logger: logger)
                let client = DirectLogClient(directory: directory)
                state.client = client
                if let interval {
                    let cleaner = LogCleaner(directory: directory, intervalMilliseconds: interval, logger: logger)
                    cleaner.start()
                    state.cleaner = cleaner
                }
                return client
            }
        }
        do {
            return try opened.get()
        } catch {
            throw Self.convert(error)
        }
    }

    /// Runs `body` with the client, turning its errors into the status and
    /// message plugins get.
    private func withClient<T>(_ body: (any LogClient) throws -> T) throws(LogServiceError) -> T {
        let client = try client()
        do {
            return try body(client)
        } catch {
            throw Self.convert(error)
        }
    }

    static func convert(_ error: any Error) -> LogServiceError {
        switch error {
        case let error as LogError:
            switch error {
            case .unknownTopic, .unknownPartition: return .notFound(error.description)
            case .offsetOutOfRange, .invalidBatch, .invalidRecord, .invalidTopicName, .invalidConfig,
                 .invalidTransactionalId:
                return .invalid(error.description)
            default: return .failed(error.description)
            }
        case let error as TopicReader.StartOutOfRange:
            return convert(error.refused)
        case let error as LogClientError:
            switch error.kind {
            case .notFound: return .notFound(error.message)
            case .invalid: return .invalid(error.message)
            case .failed: return .failed(error.message)
            }
        default:
            return .failed("\(error)")
        }
    }

    public func partitionCount(topic: String) throws(LogServiceError) -> Int {
        try withClient { try $0.partitionCount(topic: topic) }
    }

    public func openReader(
        topic: String, partition: Int, start: LogStart, isolation: LogIsolation
    ) throws(LogServiceError) -> any LogServiceReader {
        let readerStart: TopicReader.Start
        switch start {
        case .earliest: readerStart = .earliest
        case .latest: readerStart = .latest
        case .offset(let offset): readerStart = .offset(offset)
        case .time(let time): readerStart = .time(time)
        }
        return try withClient { client in
            ClientLogReader(reader: try TopicReader(
                client: client, topic: topic, partitions: [partition], start: readerStart,
                isolation: isolation == .readCommitted ? .readCommitted : .readUncommitted, bounded: false))
        }
    }

    public func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64 {
        try withClient { try $0.append(topic: topic, partition: partition, records: records) }
    }

    public func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogServiceError) {
        try withClient { try $0.commit(group: group, topic: topic, offsets: [(partition, offset)]) }
    }

    public func committedOffset(group: String, topic: String, partition: Int) throws(LogServiceError) -> Int64? {
        try withClient { try $0.committedOffsets(group: group, topic: topic, partitions: [partition])[partition] }
    }

    public func ensureTopic(_ topic: String, partitions: Int) throws(LogServiceError) {
        try withClient { try $0.ensureTopic(topic, partitions: partitions) }
    }

    public func beginTransaction(transactionalId: String) throws(LogServiceError) -> any LogServiceTransaction {
        try withClient { ClientLogTransaction(try $0.beginTransaction(transactionalId: transactionalId)) }
    }

    public func resumeTransaction(transactionalId: String) throws(LogServiceError) -> (any LogServiceTransaction)? {
        try withClient { try $0.resumeTransaction(transactionalId: transactionalId).map(ClientLogTransaction.init) }
    }

    public func abortOpenTransactions(prefix: String) throws(LogServiceError) -> [String] {
        try withClient { try $0.abortOpenTransactions(prefix: prefix) }
    }

    /// Stops the cleaner (waiting for a pass it is running), then closes
    /// the client (a data directory is flushed and closed), if one was
    /// opened.
    public func close() {
        let cleaner = state.withLock { state in state.cleaner }
        cleaner?.stop()
        let client = state.withLock { state -> (any LogClient)? in
            defer { state = (nil, nil) }
            return state.client
        }
        client?.close()
    }
}

/// A plugin's `sh_log_reader`: one partition read forward by a
/// `TopicReader` (never waiting: a source polls again). After a read that
/// found nothing it answers "nothing now" without asking the client again
/// for the client's `emptyFetchPauseMs`.
final class ClientLogReader: LogServiceReader {
    let reader: TopicReader
    private var quietUntil: ContinuousClock.Instant?

    init(reader: TopicReader) { self.reader = reader }

    func read(max: Int) throws(LogServiceError) -> (records: RecordBatch, nextOffset: Int64)? {
        if let quietUntil, ContinuousClock.now < quietUntil { return nil }
        quietUntil = nil
        do {
            guard let chunk = try reader.read(recordsMax: max).first else {
                let pauseMs = reader.client.emptyFetchPauseMs
                if pauseMs > 0 { quietUntil = ContinuousClock.now.advanced(by: .milliseconds(pauseMs)) }
                return nil
            }
            return (chunk.records, chunk.nextOffset)
        } catch {
            throw LogClientServices.convert(error)
        }
    }
}

/// A plugin's `sh_log_txn`: one transaction of the client.
///
/// # Thread safety
/// Used by one instance's thread at a time.
final class ClientLogTransaction: LogServiceTransaction {
    let transaction: any LogClientTransaction

    init(_ transaction: any LogClientTransaction) { self.transaction = transaction }

    var transactionalId: String { transaction.transactionalId }

    func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64 {
        do {
            return try transaction.append(topic: topic, partition: partition, records: records)
        } catch {
            throw LogClientServices.convert(error)
        }
    }

    func commit() throws(LogServiceError) {
        do { try transaction.commit() } catch { throw LogClientServices.convert(error) }
    }

    func abort() throws(LogServiceError) {
        do { try transaction.abort() } catch { throw LogClientServices.convert(error) }
    }
}
