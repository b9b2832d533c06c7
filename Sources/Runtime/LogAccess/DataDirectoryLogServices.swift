import Core
import Log
import Logging
import PluginHost
import Synchronization

/// The log services plugins reach through `sh_host_api.log_*`, over a data
/// directory that is opened (and locked) on the first call, so a job that
/// never touches the log never takes the lock.
///
/// While the directory is open, a background `LogCleaner` compacts its
/// compacted topics (`__consumer_offsets` among them) every
/// `cleanerIntervalMilliseconds`, as a Kafka broker's cleaner would.
///
/// # Thread safety
/// All methods may be called from any task thread.
public final class DataDirectoryLogServices: LogServices {
    public let path: String
    /// The pause between the background cleaner's rounds; nil: no cleaner.
    public let cleanerIntervalMilliseconds: Int64?
    private let state = Mutex<(directory: DataDirectory?, groups: ConsumerGroups?, cleaner: LogCleaner?)>((nil, nil, nil))

    public init(path: String, cleanerIntervalMilliseconds: Int64? = LogCleaner.intervalMillisecondsDefault) {
        self.path = path
        self.cleanerIntervalMilliseconds = cleanerIntervalMilliseconds
    }

    /// Runs `body` with the data directory, opening it on first use, and
    /// turns a `LogError` into the status and message plugins get.
    private func withDirectory<T>(_ body: (DataDirectory) throws(LogError) -> T) throws(LogServiceError) -> T {
        let opened: Result<DataDirectory, LogError> = state.withLock { state in
            if let directory = state.directory { return .success(directory) }
            return Result { () throws(LogError) in
                let logger = Logger(label: "streamhost.log")
                let directory = try DataDirectory.open(path: path, logger: logger)
                state.directory = directory
                if let interval = cleanerIntervalMilliseconds {
                    let cleaner = LogCleaner(directory: directory, intervalMilliseconds: interval, logger: logger)
                    cleaner.start()
                    state.cleaner = cleaner
                }
                return directory
            }
        }
        do throws(LogError) {
            return try body(try opened.get())
        } catch {
            throw Self.convert(error)
        }
    }

    /// The consumer-group offsets, loaded on first use.
    private func withGroups<T>(_ body: (ConsumerGroups) throws(LogError) -> T) throws(LogServiceError) -> T {
        try withDirectory { (directory) throws(LogError) in
            let loaded: Result<ConsumerGroups, LogError> = state.withLock { state in
                if let groups = state.groups { return .success(groups) }
                return Result { () throws(LogError) in
                    let groups = try ConsumerGroups(directory: directory)
                    state.groups = groups
                    return groups
                }
            }
            return try body(try loaded.get())
        }
    }

    private func partition(_ topic: String, _ number: Int) throws(LogServiceError) -> PartitionLog {
        try withDirectory { (directory) throws(LogError) in try directory.topic(named: topic).partition(number) }
    }

    static func convert(_ error: LogError) -> LogServiceError {
        switch error {
        case .unknownTopic, .unknownPartition: return .notFound(error.description)
        case .offsetOutOfRange, .invalidBatch, .invalidTopicName, .invalidConfig, .invalidTransactionalId:
            return .invalid(error.description)
        default: return .failed(error.description)
        }
    }

    public func partitionCount(topic: String) throws(LogServiceError) -> Int {
        try withDirectory { (directory) throws(LogError) in try directory.topic(named: topic).partitionCount }
    }

    public func openReader(
        topic: String, partition number: Int, start: LogStart, isolation: LogIsolation
    ) throws(LogServiceError) -> any LogServiceReader {
        let log = try partition(topic, number)
        let position: Int64
        switch start {
        case .earliest: position = log.startOffset
        case .latest: position = log.endOffset
        case .offset(let offset):
            guard offset >= log.startOffset && offset <= log.endOffset else {
                throw Self.convert(.offsetOutOfRange(log.partition, requested: offset, start: log.startOffset,
                                                     end: log.endOffset))
            }
            position = offset
        case .time(let time):
            do {
                position = try log.offset(forTimestamp: time) ?? log.endOffset
            } catch {
                throw Self.convert(error)
            }
        }
        return PartitionReader(
            log: log, position: position, isolation: isolation == .readCommitted ? .readCommitted : .readUncommitted)
    }

    public func append(topic: String, partition number: Int, records: RecordBatch) throws(LogServiceError) -> Int64 {
        let log = try partition(topic, number)
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode(records)
        } catch {
            throw .invalid("\(log.partition): the batch cannot be encoded: \(error)")
        }
        do {
            return try log.append(&bytes).first
        } catch {
            throw Self.convert(error)
        }
    }

    public func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogServiceError) {
        try withGroups { (groups) throws(LogError) in
            try groups.commit(group: group, topic: topic, partition: partition, offset: offset)
        }
    }

    public func committedOffset(group: String, topic: String, partition: Int) throws(LogServiceError) -> Int64? {
        try withGroups { groups in groups.committedOffset(group: group, topic: topic, partition: partition) }
    }

    public func ensureTopic(_ topic: String, partitions: Int) throws(LogServiceError) {
        try withDirectory { (directory) throws(LogError) in
            guard !directory.topics.contains(topic) else { return }
            do throws(LogError) {
                _ = try directory.createTopic(name: topic, partitions: partitions)
            } catch {
                // Created meanwhile by another instance: that is what was asked.
                guard case .topicExists = error else { throw error }
            }
        }
    }

    public func beginTransaction(transactionalId: String) throws(LogServiceError) -> any LogServiceTransaction {
        try withDirectory { (directory) throws(LogError) in
            let coordinator = directory.transactions
            return LogTransaction(coordinator: coordinator, handle: try coordinator.begin(transactionalId: transactionalId))
        }
    }

    public func resumeTransaction(transactionalId: String) throws(LogServiceError) -> (any LogServiceTransaction)? {
        try withDirectory { (directory) throws(LogError) -> (any LogServiceTransaction)? in
            let coordinator = directory.transactions
            return try coordinator.resume(transactionalId: transactionalId).map {
                LogTransaction(coordinator: coordinator, handle: $0)
            }
        }
    }

    public func abortOpenTransactions(prefix: String) throws(LogServiceError) -> [String] {
        try withDirectory { (directory) throws(LogError) in
            try directory.transactions.abortOpenTransactions(prefix: prefix)
        }
    }

    /// Stops the cleaner (waiting for a pass it is running), then flushes
    /// and closes the data directory, if it was opened.
    public func close() {
        let cleaner = state.withLock { state in state.cleaner }
        cleaner?.stop()
        state.withLock { state in
            try? state.directory?.close()
            state = (nil, nil, nil)
        }
    }
}

/// Reads one partition forward, a slice (about 1 MiB) at a time, skipping
/// markers and (read committed) aborted transactions' batches, never past
/// the last stable offset when reading committed.
final class PartitionReader: LogServiceReader {
    static let readBytesMax = 1 << 20
    let log: PartitionLog
    let isolation: IsolationLevel
    private(set) var position: Int64

    init(log: PartitionLog, position: Int64, isolation: IsolationLevel = .readCommitted) {
        self.log = log
        self.position = position
        self.isolation = isolation
    }

    /// The most slices one `read` goes through when their batches hold no
    /// record to return at or after the position (compaction can leave such
    /// batches: it keeps a batch's offset range while removing its later
    /// records; markers and aborted batches are skipped too).
    static let emptySlicesMax = 64

    func read(max: Int) throws(LogServiceError) -> (records: RecordBatch, nextOffset: Int64)? {
        let decoded = RecordBatch(recordCapacity: Swift.max(1, Swift.min(max, 4096)))
        var slicesRead = 0
        while decoded.count == 0 && slicesRead < Self.emptySlicesMax && position < log.endOffset {
            let slice: LogSlice
            do {
                slice = try log.read(from: position, maxBytes: Self.readBytesMax, isolation: isolation)
            } catch {
                throw DataDirectoryLogServices.convert(error)
            }
            slicesRead += 1
            if slice.isEmpty {
                // At the last stable offset, or compaction removed every
                // offset from here to the end.
                position = Swift.max(position, slice.nextOffset)
                break
            }
            let visible = slice.visibleBatches
            var visibleIndex = 0
            var offset = 0
            var next = position
            // Never more than asked for: a batch that overshoots is cut, and
            // the next read starts right after the last record returned (its
            // offset + 1: offsets may have gaps, so never position + count).
            let failure: LogFormatError? = slice.bytes.withUnsafeBytes { raw in
                while offset < raw.count && decoded.count < max {
                    let batch = UnsafeRawBufferPointer(rebasing: raw[offset...])
                    do throws(LogFormatError) {
                        let header = try RecordBatchHeader.parse(batch)
                        let isVisible = visibleIndex < visible.count && visible[visibleIndex].lowerBound == offset
                        if isVisible {
                            visibleIndex += 1
                            // PartitionLog.read has just checked every batch's CRC.
                            let result = try RecordBatchV2.decode(
                                batch, into: decoded, fromOffset: next, crcVerified: true,
                                recordsMax: max - decoded.count)
                            next = result.nextOffset
                        } else {
                            next = Swift.max(next, header.nextOffset)
                        }
                        offset += header.totalSize
                    } catch {
                        return error
                    }
                }
                return nil
            }
            if let failure {
                throw .failed("\(log.partition): the batch at offset \(next) cannot be decoded: \(failure)")
            }
            position = Swift.max(position, next)
        }
        return decoded.count > 0 ? (decoded, position) : nil
    }
}
