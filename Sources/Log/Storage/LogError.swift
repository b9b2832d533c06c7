import DurableFiles

/// Why an operation of the durable log (data directory, topic, partition,
/// segment) failed.
///
/// The one public error type of the log's storage layer. Every case carries
/// where the problem is (data directory, topic, partition, file, byte
/// position, offset) and `description` says what to do about it, so the
/// message can be shown to a user as is.
///
/// # Thread safety
/// A value type; `Sendable`.
public enum LogError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No topic has this name in the data directory.
    case unknownTopic(String)

    /// `createTopic` was asked for a name that already exists.
    case topicExists(String)

    /// A topic name Kafka would refuse: empty, longer than 249 characters,
    /// "." or "..", or holding a character outside `[A-Za-z0-9._-]`.
    case invalidTopicName(String, reason: String)

    /// A topic config value that is not allowed, or an unknown config key.
    /// `allowed` describes the accepted values.
    case invalidConfig(key: String, value: String, allowed: String)

    /// A partition number outside `0 ..< partitionCount`.
    case unknownPartition(topic: String, partition: Int, partitionCount: Int)

    /// `createTopic` was asked for fewer than 1 or more than
    /// `TopicLimits.partitionsMax` partitions.
    case invalidPartitionCount(topic: String, count: Int)

    /// `addPartitions` was asked for no more partitions than the topic has:
    /// partitions are only ever added (Kafka's rule), since removing one
    /// would delete its records.
    case partitionsNotAdded(topic: String, current: Int, requested: Int)

    /// The requested offset is not in the partition: below its start offset
    /// (deleted by retention) or past its end offset.
    case offsetOutOfRange(TopicPartition, requested: Int64, start: Int64, end: Int64)

    /// A batch handed to `append` was refused before anything was written:
    /// bad header or CRC, several batches in one buffer, too large, or
    /// offsets that do not fit a segment. Nothing was stored.
    case invalidBatch(TopicPartition, reason: String)

    /// A batch handed to `append` has a record that reads but breaks a rule
    /// of a batch to append (offset deltas not 0, 1, 2, … in order, a
    /// timestamp that overflows); `reason` names the record. Nothing was
    /// stored. Kafka answers INVALID_RECORD, where a record that cannot be
    /// read at all is `invalidBatch` (CORRUPT_MESSAGE).
    case invalidRecord(TopicPartition, reason: String)

    /// A stored batch failed its checks when read back (header, CRC, offsets
    /// out of order). `offset` is the first offset the batch should hold;
    /// `PartitionLog.repair` removes the damage and keeps every whole batch.
    case corruptBatch(TopicPartition, file: String, position: Int, offset: Int64, detail: String)

    /// Two segment files of a partition claim the same offsets: `file`
    /// starts at `baseOffset`, inside the segment before it, which ends at
    /// `previousEnd - 1`. The files do not belong together (copied in by
    /// hand); the partition does not open until one is moved away.
    case overlappingSegments(TopicPartition, file: String, baseOffset: Int64, previousEnd: Int64)

    /// A system call failed. `consequence` says what that means for the
    /// data, such as "the append was not stored".
    case io(path: String, operation: String, errno: Int32, consequence: String)

    /// Another process (or another `DataDirectory` in this one) holds the
    /// data directory's lock. `pid` is the holder's process id as written in
    /// the lock file, nil when the file holds none.
    case dataDirectoryLocked(path: String, pid: Int32?)

    /// A topic's metadata file is missing or unreadable, or the directory
    /// layout disagrees with it.
    case corruptMetadata(path: String, detail: String)

    /// A partition's record of a committed compaction (`compaction.swap`)
    /// is unreadable, so the swap it records cannot be completed. The
    /// partition is not opened, so that no mix of old and new segments is
    /// ever read.
    case corruptCompactionRecord(TopicPartition, path: String, detail: String)

    /// Compaction was asked of a topic whose `cleanup.policy` does not
    /// include compact.
    case notCompacted(topic: String, policy: String)

    /// A change refused because the data directory (or partition) was
    /// opened read-only, by a command that only reads; `operation` says what
    /// was refused and, where it applies, what to run instead.
    case readOnly(path: String, operation: String)

    /// A command that only reads was pointed at a path that holds no data
    /// directory; nothing was created there.
    case noDataDirectory(path: String, detail: String)

    /// The data directory was closed before this call.
    case dataDirectoryClosed(path: String)

    /// The partition was closed (the data directory closed, or the topic
    /// deleted) before this call.
    case partitionClosed(TopicPartition)

    /// A transactional batch of an older producer epoch than the partition
    /// has seen: a newer instance of its transactional id began a
    /// transaction (and aborted this one). Nothing was stored.
    case producerFenced(TopicPartition, detail: String)

    /// A transaction operation on a transaction that is no longer the open
    /// one of its transactional id: it was committed or aborted, or a newer
    /// `begin` fenced it. `detail` says which.
    case transactionNotOpen(transactionalId: String, detail: String)

    /// A transactional id that is empty or longer than
    /// `TransactionCoordinator.transactionalIdBytesMax`.
    case invalidTransactionalId(String, reason: String)

    /// A record of the transaction registry (`__transaction_state`) cannot
    /// be read back.
    case corruptTransactionRegistry(offset: Int64, detail: String)

    public var description: String {
        switch self {
        case let .unknownTopic(name):
            return "unknown topic '\(name)'; list the topics with `streamhost topics list` or create it with "
                + "`streamhost topics create \(name)`"
        case let .topicExists(name):
            return "topic '\(name)' already exists; delete it first or choose another name"
        case let .invalidTopicName(name, reason):
            return "invalid topic name '\(name)': \(reason); a topic name is 1 to 249 characters from "
                + "[A-Za-z0-9._-], and not '.' or '..'"
        case let .invalidConfig(key, value, allowed):
            return "invalid topic config \(key)=\(value): \(allowed)"
        case let .unknownPartition(topic, partition, count):
            return "topic '\(topic)' has no partition \(partition); its partitions are 0 to \(count - 1)"
        case let .invalidPartitionCount(topic, count):
            return "topic '\(topic)' cannot have \(count) partitions; use 1 to \(TopicLimits.partitionsMax)"
        case let .partitionsNotAdded(topic, current, requested):
            return "topic '\(topic)' has \(current) partitions, so it cannot have \(requested): partitions are only "
                + "ever added (removing one would delete its records); give a count above \(current)"
        case let .offsetOutOfRange(partition, requested, start, end):
            return "offset \(requested) is out of range for \(partition): it holds offsets \(start) "
                + "to \(end - 1) (next offset \(end)); read from an offset in that range"
        case let .invalidBatch(partition, reason), let .invalidRecord(partition, reason):
            return "\(partition): batch refused, nothing was stored: \(reason)"
        case let .corruptBatch(partition, file, position, offset, detail):
            return "\(partition): corrupt batch in \(file) at byte position \(position) (offset \(offset)): "
                + "\(detail). Stop the host and run `streamhost topics repair \(partition.topic) "
                + "--partition \(partition.partition) --dry-run` to see what a repair removes (the damaged bytes "
                + "only: whole batches before and after them stay, and offsets are never reused), then without "
                + "--dry-run to repair"
        case let .overlappingSegments(partition, file, baseOffset, previousEnd):
            return "\(partition): segment \(file) starts at offset \(baseOffset), inside the segment before it "
                + "(which ends at offset \(previousEnd - 1)); the files do not belong together: move \(file) and "
                + "its .index and .timeindex files out of the directory, then open the partition again"
        case let .io(path, operation, code, consequence):
            let suffix = consequence.isEmpty ? "" : "; \(consequence)"
            return "\(operation) \(path) failed: \(FileSystemError.text(code)) (errno \(code))\(suffix)"
        case let .dataDirectoryLocked(path, pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "data directory \(path) is in use by \(holder) (lock file \(path)/lock); stop that process "
                + "or use another data directory"
        case let .corruptMetadata(path, detail):
            return "topic metadata \(path) is unusable: \(detail); restore the file from a backup, or remove "
                + "the topic's directory to drop the topic"
        case let .corruptCompactionRecord(partition, path, detail):
            return "\(partition): the record of a committed compaction, \(path), is unusable: \(detail). The partition "
                + "was not opened, so that no mix of old and new segments is read; restore its directory from a backup"
        case let .notCompacted(topic, policy):
            return "topic '\(topic)' has cleanup.policy=\(policy); only topics with cleanup.policy=compact or "
                + "compact,delete are compacted (`streamhost topics alter \(topic) --config cleanup.policy=compact`)"
        case let .readOnly(path, operation):
            return "\(path): cannot \(operation): it was opened read-only, by a command that only reads (such "
                + "commands never change a data directory)"
        case let .noDataDirectory(path, detail):
            return "no data directory at \(path): \(detail); nothing was created. Check --data-dir (or "
                + "STREAMHOST_DATA_DIR); `streamhost topics create` makes a data directory"
        case let .dataDirectoryClosed(path):
            return "data directory \(path) is closed; open it again"
        case let .partitionClosed(partition):
            return "\(partition) is closed (its data directory was closed or the topic deleted); reopen the "
                + "data directory"
        case let .producerFenced(partition, detail):
            return "\(partition): transactional batch refused, nothing was stored: \(detail); the older instance "
                + "must stop writing"
        case let .transactionNotOpen(id, detail):
            return "transaction '\(id)' is not open: \(detail); begin a new transaction"
        case let .invalidTransactionalId(id, reason):
            return "invalid transactional id '\(id)': \(reason)"
        case let .corruptTransactionRegistry(offset, detail):
            return "the transaction registry (topic __transaction_state) has an unreadable record at offset "
                + "\(offset): \(detail); restore the data directory from a backup, or truncate the topic at that "
                + "offset with `streamhost topics repair __transaction_state --partition 0` (transactions recorded "
                + "from there on are then unknown and get aborted)"
        }
    }
}

extension LogError {
    /// Wraps a failed system call, adding what the failure means for the data.
    init(_ error: FileSystemError, _ consequence: String) {
        self = .io(path: error.path, operation: error.operation, errno: error.code, consequence: consequence)
    }
}
