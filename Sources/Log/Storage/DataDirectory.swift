import Foundation
import Logging
import Synchronization
import DurableFiles

/// The log's data directory: every topic and partition of one host, held
/// by one process at a time.
///
/// Layout:
///
///     <data>/lock                              flock'ed; holds the owner's pid
///     <data>/topics/<name>/config.json         partition count + TopicConfig
///     <data>/topics/<name>/<partition>/        segments (see PartitionLog)
///     <data>/staging/                          topics being created
///     <data>/trash/                            topics being deleted
///
/// Metadata changes are atomic: a topic is assembled under `staging/` and
/// renamed into `topics/`; a deleted topic is renamed into `trash/` before
/// its files are removed; `config.json` is replaced by write-temp, fsync,
/// rename, fsync-directory. Whatever `staging/` and `trash/` hold at open
/// is an operation a crash cut short, and is removed.
///
/// # Read-only access
/// Commands that only read (`consume`, `topics list`/`describe`, `groups`)
/// open with `Access.readOnly`: nothing is created, removed,
/// cut or rewritten (see `PartitionLog.open`'s `readOnly`), the lock is
/// taken shared, and a path that holds no data directory is an error
/// (`noDataDirectory`). `readOnlyExcept` lets named topics be written
/// (`consume --group` commits to `__consumer_offsets`); it takes the lock
/// exclusively.
///
/// # Thread safety
/// Safe to use from any thread: one lock serialises topic creation,
/// deletion and config changes. Partitions have their own locks, so
/// appends and reads do not take this one.
///
/// # Ownership
/// Holds the directory's lock from `open` until `close()`.
public final class DataDirectory: Sendable {
    /// How a data directory is opened.
    public enum Access: Sendable, Equatable {
        /// Reads and writes; opening creates the directory when missing and
        /// recovers it (cuts torn tails, rebuilds indexes, completes
        /// compactions and transactions cut short).
        case readWrite
        /// Changes nothing on disk.
        case readOnly
        /// Changes nothing but the topics named (which may be created).
        case readOnlyExcept(Set<String>)
    }

    static let topicsName = "topics"
    static let stagingName = "staging"
    static let trashName = "trash"

    public let path: String
    public let access: Access
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let state: Mutex<State>
    /// Made right after the topics open (it recovers transactions then).
    private let coordinator = Mutex<TransactionCoordinator?>(nil)

    private struct State {
        var topics: [String: Topic]
        var lock: DataDirectoryLock?
    }

    private var topicsPath: String { path + "/" + Self.topicsName }
    private var stagingPath: String { path + "/" + Self.stagingName }
    private var trashPath: String { path + "/" + Self.trashName }

    private init(
        path: String, access: Access, logger: Logger, clock: @escaping @Sendable () -> Int64,
        state: consuming sending State
    ) {
        self.path = path
        self.access = access
        self.logger = logger
        self.clock = clock
        self.state = Mutex(state)
    }

    /// Opens the data directory at `path` (creating it, unless `access` is
    /// read-only), takes its lock and opens (recovering, unless read-only)
    /// every topic's partitions.
    ///
    /// Throws `dataDirectoryLocked` naming the holder's pid when another
    /// process, or another open `DataDirectory` in this one, holds it; with
    /// a read-only `access`, `noDataDirectory` when `path` holds none.
    public static func open(
        path: String, access: Access = .readWrite, logger: Logger = Logger(label: "streamhost.log"),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.wallClockMilliseconds
    ) throws(LogError) -> DataDirectory {
        let topicsPath = path + "/" + topicsName
        if access == .readWrite {
            do {
                try ActiveFileSystem.current.makeDirectories(path)
            } catch {
                throw LogError(error, "the data directory was not opened")
            }
        } else if !ActiveFileSystem.current.isDirectory(path) {
            throw .noDataDirectory(path: path, detail: "the directory does not exist")
        } else if !ActiveFileSystem.current.isDirectory(topicsPath) || !ActiveFileSystem.current.exists(path + "/" + DataDirectoryLock.fileName) {
            throw .noDataDirectory(
                path: path, detail: "it has no \(topicsName)/ directory and \(DataDirectoryLock.fileName) file, so no "
                    + "streamhost command has written there")
        }
        let lock = try DataDirectoryLock.acquire(directory: path, shared: access == .readOnly)
        var topics: [String: Topic] = [:]
        do throws(LogError) {
            if access == .readWrite {
                do {
                    try ActiveFileSystem.current.makeDirectories(topicsPath)
                    try ActiveFileSystem.current.removeTree(path + "/" + stagingName)
                    try ActiveFileSystem.current.removeTree(path + "/" + trashName)
                } catch {
                    throw LogError(error, "the data directory was not opened")
                }
            }
            let names: [String]
            do {
                names = try ActiveFileSystem.current.sortedNames(in: topicsPath)
            } catch {
                throw LogError(error, "the data directory was not opened")
            }
            for name in names {
                guard (try? TopicName.validate(name)) != nil, ActiveFileSystem.current.isDirectory(topicsPath + "/" + name) else {
                    logger.warning("data directory \(path): ignoring \(topicsPath)/\(name), which is not a topic")
                    continue
                }
                topics[name] = try openTopic(
                    name, in: topicsPath, readOnly: !access.allowsWrites(to: name), logger: logger, clock: clock)
            }
        } catch {
            for topic in topics.values { try? topic.close() }
            lock.release()
            throw error
        }
        logger.info("opened data directory \(path): \(topics.count) topics")
        let directory = DataDirectory(
            path: path, access: access, logger: logger, clock: clock, state: State(topics: topics, lock: lock))
        do throws(LogError) {
            // Finishing transactions cut short writes markers into data
            // topics: only a writing open does it.
            let coordinator = try TransactionCoordinator(
                directory: directory, logger: logger, clock: clock, recovers: access == .readWrite)
            directory.coordinator.withLock { $0 = coordinator }
        } catch {
            try? directory.close()
            throw error
        }
        return directory
    }

    /// The transaction coordinator of the directory (see
    /// `TransactionCoordinator`): opening the directory has recovered it.
    public var transactions: TransactionCoordinator {
        coordinator.withLock { coordinator in
            guard let coordinator else { preconditionFailure("DataDirectory.open makes the coordinator before returning") }
            return coordinator
        }
    }

    private static func openTopic(
        _ name: String, in topicsPath: String, readOnly: Bool, logger: Logger, clock: @escaping @Sendable () -> Int64
    ) throws(LogError) -> Topic {
        let directory = topicsPath + "/" + name
        let metadata = try readMetadata(directory + "/" + TopicMetadata.fileName)
        var partitions: [PartitionLog] = []
        do throws(LogError) {
            for number in 0 ..< metadata.partitions {
                let partitionPath = directory + "/\(number)"
                guard ActiveFileSystem.current.isDirectory(partitionPath) else {
                    throw .corruptMetadata(
                        path: directory + "/" + TopicMetadata.fileName,
                        detail: "it lists \(metadata.partitions) partitions but \(partitionPath) is missing")
                }
                partitions.append(try PartitionLog.open(
                    directory: partitionPath, config: metadata.config,
                    partition: TopicPartition(topic: name, partition: number), logger: logger, clock: clock,
                    readOnly: readOnly))
            }
        } catch {
            for partition in partitions { try? partition.close() }
            throw error
        }
        return Topic(name: name, partitions: partitions, config: metadata.config)
    }

    private static func readMetadata(_ file: String) throws(LogError) -> TopicMetadata {
        let bytes: [UInt8]
        do {
            bytes = try ActiveFileSystem.current.readAll(file)
        } catch {
            throw .corruptMetadata(path: file, detail: "\(error.operation) failed: \(FileSystemError.text(error.code))")
        }
        let metadata = try TopicMetadata(fileBytes: bytes, path: file)
        guard metadata.version <= TopicMetadata.currentVersion else {
            throw .corruptMetadata(
                path: file,
                detail: "format version \(metadata.version) is newer than this build's \(TopicMetadata.currentVersion); "
                    + "use a newer streamhost")
        }
        guard (1 ... TopicLimits.partitionsMax).contains(metadata.partitions) else {
            throw .corruptMetadata(path: file, detail: "partitions is \(metadata.partitions)")
        }
        return metadata
    }

    // MARK: Topics

    /// The topics' names, sorted.
    public var topics: [String] {
        state.withLock { $0.topics.keys.sorted() }
    }

    /// The topic called `name`, or `unknownTopic`.
    public func topic(named name: String) throws(LogError) -> Topic {
        try state.withLock { (state) throws(LogError) -> Topic in
            try checkOpen(state)
            guard let topic = state.topics[name] else { throw .unknownTopic(name) }
            return topic
        }
    }

    private func checkOpen(_ state: borrowing State) throws(LogError) {
        if state.lock == nil { throw .dataDirectoryClosed(path: path) }
    }

    /// Whether this open may change topic `name` (see `Access`).
    public func allowsWrites(to name: String) -> Bool { access.allowsWrites(to: name) }

    private func checkWritable(_ name: String, _ operation: String) throws(LogError) {
        if !access.allowsWrites(to: name) { throw .readOnly(path: path, operation: operation) }
    }

    /// Creates a topic with `partitions` empty partitions.
    ///
    /// The topic appears whole or not at all: it is assembled under
    /// `staging/`, fsynced, and renamed into `topics/`.
    @discardableResult
    public func createTopic(name: String, partitions: Int, config: TopicConfig = TopicConfig()) throws(LogError) -> Topic {
        try TopicName.validate(name)
        guard (1 ... TopicLimits.partitionsMax).contains(partitions) else {
            throw .invalidPartitionCount(topic: name, count: partitions)
        }
        try checkWritable(name, "create topic '\(name)'")
        return try state.withLock { (state) throws(LogError) -> Topic in
            try checkOpen(state)
            guard state.topics[name] == nil else { throw .topicExists(name) }
            let staged = stagingPath + "/" + name
            let final = topicsPath + "/" + name
            do throws(FileSystemError) {
                try ActiveFileSystem.current.removeTree(staged)
                try ActiveFileSystem.current.makeDirectories(staged)
                for number in 0 ..< partitions {
                    try ActiveFileSystem.current.makeDirectories(staged + "/\(number)")
                }
                try ActiveFileSystem.current.writeAtomically(
                    TopicMetadata(partitions: partitions, config: config).fileBytes,
                    to: staged + "/" + TopicMetadata.fileName)
                try ActiveFileSystem.current.syncDirectory(stagingPath)
                try ActiveFileSystem.current.rename(staged, to: final)
                try ActiveFileSystem.current.syncDirectory(topicsPath)
            } catch {
                try? ActiveFileSystem.current.removeTree(staged)
                throw LogError(error, "topic '\(name)' was not created")
            }
            let topic = try Self.openTopic(name, in: topicsPath, readOnly: false, logger: logger, clock: clock)
            state.topics[name] = topic
            logger.info("created topic \(name) with \(partitions) partitions")
            return topic
        }
    }

    /// Deletes a topic and all its data. Its `Topic` and partitions are
    /// closed first; the directory is renamed into `trash/` (so the topic is
    /// gone at once, even if a crash follows) and then removed.
    public func deleteTopic(named name: String) throws(LogError) {
        try checkWritable(name, "delete topic '\(name)'")
        try state.withLock { (state) throws(LogError) in
            try checkOpen(state)
            guard let topic = state.topics[name] else { throw .unknownTopic(name) }
            for partition in topic.partitions { try? partition.close() }
            let trashed = trashPath + "/" + name + ".\(UInt64.random(in: 0 ... UInt64.max))"
            do throws(FileSystemError) {
                try ActiveFileSystem.current.makeDirectories(trashPath)
                try ActiveFileSystem.current.rename(topicsPath + "/" + name, to: trashed)
                try ActiveFileSystem.current.syncDirectory(topicsPath)
            } catch {
                // The partitions are closed; reopening restores the topic.
                state.topics[name] = nil
                throw LogError(error, "topic '\(name)' may not be deleted; open the data directory again to see")
            }
            state.topics[name] = nil
            do throws(FileSystemError) {
                try ActiveFileSystem.current.removeTree(trashed)
            } catch {
                logger.warning("topic \(name) is deleted but \(trashed) could not be removed: \(LogError(error, "")); it is removed at the next open")
            }
            logger.info("deleted topic \(name)")
        }
    }

    /// Changes a topic's config: each key in `changes` is set (validated by
    /// `TopicConfig.parse`), each key in `resetting` goes back to its
    /// default. All or nothing: a bad value changes nothing. Returns the
    /// new config, which is stored atomically and applied to the partitions.
    @discardableResult
    public func alterConfig(
        topic name: String, changes: [String: String], resetting: [String] = []
    ) throws(LogError) -> TopicConfig {
        try checkWritable(name, "change the config of topic '\(name)'")
        return try state.withLock { (state) throws(LogError) -> TopicConfig in
            try checkOpen(state)
            guard let topic = state.topics[name] else { throw .unknownTopic(name) }
            var config = topic.config
            for key in resetting { try config.reset(key: key) }
            for key in changes.keys.sorted() { try config.parse(key: key, value: changes[key]!) }
            do throws(FileSystemError) {
                try ActiveFileSystem.current.writeAtomically(
                    TopicMetadata(partitions: topic.partitionCount, config: config).fileBytes,
                    to: topicsPath + "/" + name + "/" + TopicMetadata.fileName)
            } catch {
                throw LogError(error, "the config of topic '\(name)' was not changed")
            }
            topic.update(config: config)
            logger.info("topic \(name): config changed: \(changes.keys.sorted().map { "\($0)=\(changes[$0]!)" }.joined(separator: ", "))")
            return config
        }
    }

    /// Raises topic `name`'s partition count to `count` (Kafka's
    /// CreatePartitions: partitions are only ever added, since removing one
    /// would drop its records). Returns the topic with its new partitions;
    /// `Topic` values obtained before keep the partitions they had.
    ///
    /// The new partitions' directories are made and fsynced first; the
    /// rewrite of `config.json` is the commit point, so a crash leaves the
    /// old count (and empty directories the next call reuses) or the new one.
    @discardableResult
    public func addPartitions(topic name: String, count: Int) throws(LogError) -> Topic {
        try checkWritable(name, "add partitions to topic '\(name)'")
        guard (1 ... TopicLimits.partitionsMax).contains(count) else {
            throw .invalidPartitionCount(topic: name, count: count)
        }
        return try state.withLock { (state) throws(LogError) -> Topic in
            try checkOpen(state)
            guard let topic = state.topics[name] else { throw .unknownTopic(name) }
            guard count > topic.partitionCount else {
                throw .partitionsNotAdded(topic: name, current: topic.partitionCount, requested: count)
            }
            let directory = topicsPath + "/" + name
            var added: [PartitionLog] = []
            do throws(LogError) {
                for number in topic.partitionCount ..< count {
                    added.append(try PartitionLog.open(
                        directory: directory + "/\(number)", config: topic.config,
                        partition: TopicPartition(topic: name, partition: number), logger: logger, clock: clock))
                }
                do throws(FileSystemError) {
                    try ActiveFileSystem.current.syncDirectory(directory)
                    try ActiveFileSystem.current.writeAtomically(
                        TopicMetadata(partitions: count, config: topic.config).fileBytes,
                        to: directory + "/" + TopicMetadata.fileName)
                } catch {
                    throw LogError(error, "topic '\(name)' still has \(topic.partitionCount) partitions")
                }
            } catch {
                for partition in added { try? partition.close() }
                throw error
            }
            let grown = Topic(name: name, partitions: topic.partitions + added, config: topic.config)
            state.topics[name] = grown
            logger.info("topic \(name): partitions \(topic.partitionCount) to \(count - 1) added")
            return grown
        }
    }

    /// Applies retention to every partition of every topic (see
    /// `PartitionLog.applyRetention`); returns how many segments were
    /// deleted. A partition that fails does not stop the others; the first
    /// failure is thrown at the end.
    @discardableResult
    public func applyRetention(now: Int64) throws(LogError) -> Int {
        let topics = try state.withLock { (state) throws(LogError) -> [Topic] in
            try checkOpen(state)
            return Array(state.topics.values)
        }
        var deleted = 0
        var failure: LogError?
        for topic in topics {
            for partition in topic.partitions {
                do {
                    deleted += try partition.applyRetention(now: now)
                } catch .partitionClosed {
                    // Its topic was deleted meanwhile: nothing left to retain.
                } catch {
                    logger.error("\(error)")
                    failure = failure ?? error
                }
            }
        }
        if let failure { throw failure }
        return deleted
    }

    // MARK: Compaction

    /// Compacts every partition of topic `name` (see `PartitionLog.compact`);
    /// `force` runs the passes whether or not they are due by
    /// `min.cleanable.dirty.ratio`. Throws `notCompacted` when the topic's
    /// cleanup.policy does not compact. A partition that fails does not stop
    /// the others; the first failure is thrown at the end.
    @discardableResult
    public func compact(
        topic name: String, force: Bool = true,
        offsetMapBytesMax: Int = PartitionLog.offsetMapBytesMaxDefault
    ) throws(LogError) -> [CompactionResult] {
        let topic = try topic(named: name)
        guard topic.config.cleanupPolicy.compacts else {
            throw .notCompacted(topic: name, policy: topic.config.cleanupPolicy.rawValue)
        }
        return try compact([topic], force: force, offsetMapBytesMax: offsetMapBytesMax)
    }

    /// One compaction pass over every partition of every compacted topic,
    /// where it is due (or everywhere with `force`): what the background
    /// `LogCleaner` runs. Failures are logged; the first is thrown at the end.
    @discardableResult
    public func compactAll(
        force: Bool = false, offsetMapBytesMax: Int = PartitionLog.offsetMapBytesMaxDefault
    ) throws(LogError) -> [CompactionResult] {
        let topics = try state.withLock { (state) throws(LogError) -> [Topic] in
            try checkOpen(state)
            return state.topics.keys.sorted().map { state.topics[$0]! }
        }
        return try compact(
            topics.filter { $0.config.cleanupPolicy.compacts }, force: force, offsetMapBytesMax: offsetMapBytesMax)
    }

    private func compact(_ topics: [Topic], force: Bool, offsetMapBytesMax: Int) throws(LogError) -> [CompactionResult] {
        var results: [CompactionResult] = []
        var failure: LogError?
        for topic in topics {
            for partition in topic.partitions {
                do {
                    results.append(try partition.compact(force: force, offsetMapBytesMax: offsetMapBytesMax))
                } catch .partitionClosed {
                    // Its topic was deleted meanwhile: nothing left to compact.
                } catch {
                    logger.error("\(error)")
                    failure = failure ?? error
                }
            }
        }
        if let failure { throw failure }
        return results
    }

    /// Closes every partition (flushing as their flush.mode says) and
    /// releases the directory's lock. Harmless twice.
    public func close() throws(LogError) {
        try state.withLock { (state) throws(LogError) in
            guard let lock = state.lock else { return }
            var failure: LogError?
            for topic in state.topics.values {
                do throws(LogError) { try topic.close() } catch { failure = failure ?? error }
            }
            state.topics = [:]
            lock.release()
            state.lock = nil
            if let failure { throw failure }
        }
    }
}

extension DataDirectory.Access {
    /// Whether topic `name` may be changed (created, appended to, altered).
    public func allowsWrites(to name: String) -> Bool {
        switch self {
        case .readWrite: true
        case .readOnly: false
        case let .readOnlyExcept(topics): topics.contains(name)
        }
    }
}
