import Core
import Foundation
import Logging
import Synchronization

/// Transactions over the partitions of one data directory, in Kafka's
/// model: a transactional id has a producer id and an epoch; its batches
/// are transactional (attributes bit 4) and carry both; commit and abort
/// write a control batch (a marker) to every partition the transaction
/// touched.
///
/// # The registry
/// The internal topic `__transaction_state` (one partition,
/// `cleanup.policy=compact`) holds one record per change of a
/// transactional id's entry (`TransactionStatus`): key the id, value its
/// producer id, epoch, state and partitions. The latest record per id
/// wins, which is what compaction keeps. The topic is made by the first
/// transaction that appends; a directory without transactions has none.
/// Its `flush.mode` is `never`: the coordinator fsyncs it itself, exactly
/// where the order below needs it.
///
/// # Order of writes, and what a crash leaves
/// - `begin`: nothing written (the entry is in memory) unless it aborts an
///   open transaction first.
/// - `append` to a partition new to the transaction: registry record with
///   the partition added (fsynced), then the batch. So the registry always
///   names every partition that may hold the transaction's batches.
/// - `commit`: fsync the transaction's partitions (its batches are durable
///   before the decision is), registry record `committing` (fsynced: the
///   commit point), COMMIT markers (durable per the topic's `flush.mode`),
///   registry record `committed` (not fsynced). `abort` is the same with
///   `aborting`, ABORT markers and `aborted`, without the first fsync.
/// So a commit costs three fsyncs (registry when the first partition is
/// added, data, decision) plus what the topic's policy adds for the marker.
/// When the coordinator opens (with its data directory) it finishes every
/// `committing` or `aborting` entry, then looks at every partition's open
/// transactions: one whose entry is `ongoing` at the same epoch stays open
/// (resumable); one whose entry says committed or aborted gets the missing
/// marker (a topic with `flush.mode=never` can lose it); any other (an id
/// the registry does not know, an older epoch) is aborted. So after a
/// crash at any point a transaction is committed, aborted or still open
/// and resumable, never visible in part.
///
/// # Fencing
/// `begin` on an id whose transaction is still open aborts it with the
/// epoch bumped (markers of the new epoch): a partition then refuses
/// batches of the older epoch, so an older instance still writing is
/// fenced off (Kafka's initTransactions). Epochs wrap to a new producer id
/// at `Int16.max`.
///
/// Transactional batches carry base sequence -1 (no idempotent-producer
/// sequence checks: appends here are not retried over a network).
///
/// # Thread safety
/// Safe to use from any thread. One lock serialises the registry and the
/// marker writes; data appends take only their partition's lock.
public final class TransactionCoordinator: Sendable {
    /// The registry topic's name.
    public static let topicName = "__transaction_state"
    /// The longest transactional id accepted, in UTF-8 bytes.
    public static let transactionalIdBytesMax = 1024
    /// The registry topic's segment size (Kafka's
    /// `transaction.state.log.segment.bytes`).
    public static let segmentBytes = 100 << 20

    private unowned let directory: DataDirectory
    let logger: Logger
    let clock: @Sendable () -> Int64
    let state: Mutex<State>
    /// Called after each marker is appended, with it and its partition
    /// (consumer-group offsets committed in transactions apply on it).
    let markerObservers = Mutex<[@Sendable (ControlRecord, TopicPartition) -> Void]>([])
    /// Transactions begun with a timeout (`TransactionCoordinator+Timeouts.swift`).
    let timeouts = Mutex<[String: TransactionTimeout]>([:])
    /// Producer ids for transactional ids and for idempotent producers
    /// (`allocateProducerId`): one allocator, so no id serves two.
    public let producerIds: ProducerIdAllocator

    struct State {
        var registry: PartitionLog?
        var entries: [String: TransactionStatus] = [:]
        var nextProducerId: Int64 = 0
    }

    /// Opens the registry of `directory` (if it has one) and recovers: see
    /// the type's documentation. `DataDirectory.open` makes the one
    /// coordinator of a directory; use `DataDirectory.transactions`.
    /// `recovers` false (a read-only open) leaves transactions cut short
    /// as they are: still open, so read-committed readers stop before them.
    init(
        directory: DataDirectory, logger: Logger, clock: @escaping @Sendable () -> Int64, recovers: Bool = true
    ) throws(LogError) {
        self.directory = directory
        self.logger = logger
        self.clock = clock
        var initial = State()
        if directory.topics.contains(Self.topicName) {
            let log = try Self.openRegistry(directory)
            initial.registry = log
            try Self.load(log, into: &initial)
        }
        producerIds = try ProducerIdAllocator(directory: directory.path)
        producerIds.raiseFloor(initial.nextProducerId)
        state = Mutex(initial)
        if recovers { recover() }
        restoreTimeouts()
    }

    // MARK: Public operations

    /// Begins a transaction for `transactionalId`. A transaction of that id
    /// still open is aborted first (or, if it was committing, its commit is
    /// finished) and the epoch goes up, fencing its older holder.
    /// - Parameter recordsEpoch: write the new producer id and epoch to the
    ///   registry (fsynced) before returning, as Kafka's InitProducerId
    ///   does, so the fencing survives a crash: otherwise, after a restart
    ///   the registry would hold the older epoch, and an older instance
    ///   could go on while the newer one was refused. The runtime passes
    ///   false: its begins are followed by appends that write the entry.
    public func begin(transactionalId id: String, recordsEpoch: Bool = false) throws(LogError) -> TransactionHandle {
        try Self.validate(id)
        return try state.withLock { (state) throws(LogError) -> TransactionHandle in
            var entry: TransactionStatus
            if var existing = state.entries[id] {
                switch existing.state {
                case .ongoing:
                    // One bump: the abort markers carry the new epoch, which
                    // fences the old holder, and the new transaction uses it.
                    existing = try bumpEpoch(existing, &state)
                    existing.state = .aborting
                    try complete(existing, &state)
                    logger.info("transaction '\(id)': the open transaction was aborted by a new begin (epoch \(existing.producerEpoch))")
                    entry = state.entries[id]!
                case .committing, .aborting:
                    try complete(existing, &state)
                    entry = try bumpEpoch(state.entries[id]!, &state)
                case .committed, .aborted:
                    entry = try bumpEpoch(existing, &state)
                }
            } else {
                entry = TransactionStatus(
                    transactionalId: id, producerId: try producerIds.allocate(), producerEpoch: 0, state: .ongoing,
                    partitions: [], updatedMilliseconds: clock())
            }
            entry.state = .ongoing
            entry.partitions = []
            entry.timeoutMs = nil
            entry.startedMilliseconds = nil
            // Unless `recordsEpoch`, kept in memory until the first append
            // registers a partition: a transaction without batches needs no
            // record, and after a restart the next begin bumps the epoch
            // from the one stored.
            entry.updatedMilliseconds = clock()
            if recordsEpoch {
                // An ongoing entry without partitions: after a restart it
                // is an open, empty transaction of this epoch.
                try write(entry, &state)
            }
            state.entries[id] = entry
            state.nextProducerId = max(state.nextProducerId, entry.producerId + 1)
            return TransactionHandle(
                transactionalId: id, producerId: entry.producerId, producerEpoch: entry.producerEpoch)
        }
    }

    /// The open transaction of `transactionalId`, begun by this process or
    /// an earlier one; nil when it has none open (it was committed or
    /// aborted, or never begun), so "resume, then commit" is safe to repeat.
    public func resume(transactionalId id: String) throws(LogError) -> TransactionHandle? {
        try Self.validate(id)
        return try state.withLock { (state) throws(LogError) -> TransactionHandle? in
            guard let entry = state.entries[id] else { return nil }
            switch entry.state {
            case .ongoing:
                return TransactionHandle(
                    transactionalId: id, producerId: entry.producerId, producerEpoch: entry.producerEpoch)
            case .committing, .aborting:
                try complete(entry, &state)
                return nil
            case .committed, .aborted:
                return nil
            }
        }
    }

    /// Appends `batch` (one RecordBatch v2, transactional, with the
    /// handle's producer id and epoch) to a partition as part of the
    /// transaction; returns its offsets. Throws `transactionNotOpen` when
    /// the handle is not its id's open transaction, `producerFenced` when a
    /// newer epoch wrote to the partition meanwhile.
    @discardableResult
    public func append(
        _ handle: TransactionHandle, topic: String, partition number: Int, batch: inout [UInt8]
    ) throws(LogError) -> (first: Int64, last: Int64) {
        try register(handle, topic: topic, partition: number, batch: batch).appendTransactional(&batch)
    }

    /// Checks that `batch` belongs to the handle's open transaction and
    /// adds its partition to the transaction's entry (fsynced) when new;
    /// returns the partition to append it to.
    func register(
        _ handle: TransactionHandle, topic: String, partition number: Int, batch: [UInt8]
    ) throws(LogError) -> PartitionLog {
        let log = try directory.topic(named: topic).partition(number)
        let header: RecordBatchHeader
        do {
            header = try batch.withBytes { (buffer) throws(LogFormatError) in try RecordBatchHeader.parse(buffer) }
        } catch {
            throw .invalidBatch(log.partition, reason: error.message)
        }
        guard header.isTransactional, !header.isControl, header.producerId == handle.producerId,
              header.producerEpoch == handle.producerEpoch
        else {
            throw .invalidBatch(
                log.partition,
                reason: "a batch of transaction '\(handle.transactionalId)' must be transactional, not a control "
                    + "batch, with producer id \(handle.producerId) and epoch \(handle.producerEpoch); it has "
                    + "attributes \(header.attributes), producer id \(header.producerId), epoch \(header.producerEpoch)")
        }
        try state.withLock { (state) throws(LogError) in
            var entry = try openEntry(handle, state)
            if !entry.partitions.contains(log.partition) {
                entry.partitions.append(log.partition)
                entry.partitions.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
                try write(entry, &state)
            }
        }
        return log
    }

    /// Encodes `records` as one transactional batch of the handle and
    /// appends it (see `append(_:topic:partition:batch:)`); returns the
    /// first offset.
    @discardableResult
    public func append(
        _ handle: TransactionHandle, topic: String, partition: Int, records: RecordBatch
    ) throws(LogError) -> Int64 {
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode(
                records, producerID: handle.producerId, producerEpoch: handle.producerEpoch, isTransactional: true)
        } catch {
            throw .invalidBatch(TopicPartition(topic: topic, partition: partition), reason: error.message)
        }
        return try append(handle, topic: topic, partition: partition, batch: &bytes).first
    }

    /// `append` for `LogRecord`s.
    @discardableResult
    public func append(
        _ handle: TransactionHandle, topic: String, partition: Int, records: [LogRecord]
    ) throws(LogError) -> Int64 {
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode(
                records, producerID: handle.producerId, producerEpoch: handle.producerEpoch, isTransactional: true)
        } catch {
            throw .invalidBatch(TopicPartition(topic: topic, partition: partition), reason: error.message)
        }
        return try append(handle, topic: topic, partition: partition, batch: &bytes).first
    }

    /// Commits: when this returns, read-committed readers see the
    /// transaction's batches and the commit survives a crash. Repeating a
    /// commit whose markers failed to write finishes it; repeating one that
    /// succeeded does nothing.
    public func commit(_ handle: TransactionHandle) throws(LogError) {
        try end(handle, as: .committing)
    }

    /// Aborts: read-committed readers never see the transaction's batches.
    public func abort(_ handle: TransactionHandle) throws(LogError) {
        try end(handle, as: .aborting)
    }

    /// Aborts every open transaction whose id starts with `prefix` (bumping
    /// its epoch, so an older holder is fenced); returns their ids, sorted.
    /// The runtime calls it with `<job name>/` after a restore.
    public func abortOpenTransactions(prefix: String) throws(LogError) -> [String] {
        try state.withLock { (state) throws(LogError) -> [String] in
            let ids = state.entries.values.filter { $0.state == .ongoing && $0.transactionalId.hasPrefix(prefix) }
                .map(\.transactionalId).sorted()
            for id in ids {
                var entry = try bumpEpoch(state.entries[id]!, &state)
                entry.state = .aborting
                try complete(entry, &state)
            }
            return ids
        }
    }

    /// The registry's entry of `transactionalId`.
    public func status(transactionalId id: String) -> TransactionStatus? {
        state.withLock { $0.entries[id] }
    }

    /// Every entry of the registry, sorted by transactional id.
    public var statuses: [TransactionStatus] {
        state.withLock { $0.entries.values.sorted { $0.transactionalId < $1.transactionalId } }
    }

    // MARK: Steps

    private static func validate(_ id: String) throws(LogError) {
        guard !id.isEmpty else { throw .invalidTransactionalId(id, reason: "it is empty") }
        guard id.utf8.count <= transactionalIdBytesMax else {
            throw .invalidTransactionalId(
                String(id.prefix(64)) + "…",
                reason: "it is \(id.utf8.count) bytes, more than \(transactionalIdBytesMax) (transactionalIdBytesMax)")
        }
    }

    /// The entry `handle` may append to, commit or abort.
    private func openEntry(_ handle: TransactionHandle, _ state: borrowing State) throws(LogError) -> TransactionStatus {
        guard let entry = state.entries[handle.transactionalId] else {
            throw .transactionNotOpen(transactionalId: handle.transactionalId, detail: "it was never begun")
        }
        guard entry.producerId == handle.producerId, entry.producerEpoch == handle.producerEpoch else {
            throw .transactionNotOpen(
                transactionalId: handle.transactionalId,
                detail: "a newer begin took over (producer id \(entry.producerId) epoch \(entry.producerEpoch); this "
                    + "handle has producer id \(handle.producerId) epoch \(handle.producerEpoch)), and this "
                    + "transaction was aborted")
        }
        guard entry.state == .ongoing else {
            throw .transactionNotOpen(transactionalId: handle.transactionalId, detail: "it is \(entry.state.rawValue)")
        }
        return entry
    }

    private func end(_ handle: TransactionHandle, as decision: TransactionState) throws(LogError) {
        try state.withLock { (state) throws(LogError) in
            if let entry = state.entries[handle.transactionalId], entry.producerId == handle.producerId,
               entry.producerEpoch == handle.producerEpoch {
                let done: TransactionState = decision == .committing ? .committed : .aborted
                if entry.state == decision {
                    // A retry after markers failed to write.
                    try complete(entry, &state)
                    return
                }
                // Repeated (two instances restoring the same pending
                // transaction each commit it): already done.
                if entry.state == done { return }
            }
            var entry = try openEntry(handle, state)
            if decision == .committing {
                // The batches are durable before the decision is: a commit
                // finished after a crash must find all of them.
                for partition in entry.partitions {
                    guard let log = partitionLog(partition) else { continue }
                    if log.config.flushMode != .never && log.flushedOffset < log.endOffset { try log.flush() }
                }
            }
            entry.state = decision
            try complete(entry, &state)
        }
    }

    /// Bumps the epoch (a new producer id when it would overflow); not
    /// written yet.
    func bumpEpoch(_ entry: TransactionStatus, _ state: inout State) throws(LogError) -> TransactionStatus {
        var entry = entry
        if entry.producerEpoch == Int16.max - 1 {
            entry.producerId = try producerIds.allocate()
            entry.producerEpoch = 0
        } else {
            entry.producerEpoch += 1
        }
        return entry
    }

    /// Writes `entry` (in state committing or aborting) to the registry,
    /// the markers to its partitions, then the final state.
    func complete(_ entry: TransactionStatus, _ state: inout State) throws(LogError) {
        precondition(entry.state.isCompleting, "complete() takes a committing or aborting entry")
        if state.entries[entry.transactionalId] != entry { try write(entry, &state) }
        let kind: ControlRecord.Kind = entry.state == .committing ? .commit : .abort
        try writeMarkers(kind, producerId: entry.producerId, epoch: entry.producerEpoch, to: entry.partitions)
        var done = entry
        done.state = kind == .commit ? .committed : .aborted
        // Not fsynced: lost in a crash, the registry says committing or
        // aborting again and opening writes the markers again (a second
        // marker closes nothing and is harmless).
        try write(done, &state, sync: false)
    }

    private func writeMarkers(
        _ kind: ControlRecord.Kind, producerId: Int64, epoch: Int16, to partitions: [TopicPartition]
    ) throws(LogError) {
        let marker = ControlRecord(kind: kind, producerId: producerId, producerEpoch: epoch)
        for partition in partitions {
            guard let log = partitionLog(partition) else {
                logger.warning("transactions: \(partition) is gone (topic deleted); no \(kind) marker written there")
                continue
            }
            var bytes = marker.encode(timestamp: clock())
            // Durable as the topic's flush.mode makes it: the decision is
            // already fsynced in the registry, and opening the data
            // directory writes a marker that a crash lost.
            try log.appendTransactional(&bytes)
            for observer in markerObservers.withLock({ $0 }) { observer(marker, partition) }
        }
    }

    private func partitionLog(_ partition: TopicPartition) -> PartitionLog? {
        try? directory.topic(named: partition.topic).partition(partition.partition)
    }

    /// Appends `entry` to the registry (creating the topic on first use),
    /// fsynced before it returns when `sync` (the registry's topic itself
    /// never fsyncs: see the type's documentation for which records must be
    /// durable when).
    private func write(_ entry: TransactionStatus, _ state: inout State, sync: Bool = true) throws(LogError) {
        var entry = entry
        entry.updatedMilliseconds = clock()
        let registry: PartitionLog
        if let existing = state.registry {
            registry = existing
        } else {
            registry = try Self.openRegistry(directory)
            state.registry = registry
        }
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode([LogRecord(
                timestamp: entry.updatedMilliseconds, key: Array(entry.transactionalId.utf8),
                value: entry.encodeValue(), headers: [])])
        } catch {
            throw .invalidBatch(registry.partition, reason: "transaction registry: \(error.message)")
        }
        try registry.append(&bytes)
        if sync && registry.flushedOffset < registry.endOffset { try registry.flush() }
        state.entries[entry.transactionalId] = entry
        state.nextProducerId = max(state.nextProducerId, entry.producerId + 1)
    }

    // MARK: Opening and recovery

    private static func openRegistry(_ directory: DataDirectory) throws(LogError) -> PartitionLog {
        if directory.topics.contains(topicName) {
            let topic = try directory.topic(named: topicName)
            var changes: [String: String] = [:]
            if !topic.config.cleanupPolicy.compacts { changes["cleanup.policy"] = "compact" }
            if topic.config.flushMode != .never { changes["flush.mode"] = "never" }
            if !changes.isEmpty && directory.allowsWrites(to: topicName) {
                try directory.alterConfig(topic: topicName, changes: changes)
            }
            return try directory.topic(named: topicName).partition(0)
        }
        let config = try TopicConfig([
            "cleanup.policy": "compact", "retention.ms": "-1", "flush.mode": "never",
            "segment.bytes": String(segmentBytes),
        ])
        return try directory.createTopic(name: topicName, partitions: 1, config: config).partition(0)
    }

    private static func load(_ log: PartitionLog, into state: inout State) throws(LogError) {
        var offset = log.startOffset
        while offset < log.endOffset {
            let slice = try log.read(from: offset, maxBytes: 1 << 20)
            if slice.isEmpty { break }
            let records: [DecodedRecord]
            do {
                records = try slice.bytes.withUnsafeBytes { (raw) throws(RecordBatchV2.BatchesError) in
                    try RecordBatchV2.decode(batchesIn: raw)
                }
            } catch {
                throw .corruptTransactionRegistry(offset: offset, detail: "\(error)")
            }
            for record in records {
                guard let key = record.key, let value = record.value else { continue }
                switch TransactionStatus.decode(key: key, value: value) {
                case let .success(entry):
                    state.entries[entry.transactionalId] = entry
                    state.nextProducerId = max(state.nextProducerId, entry.producerId + 1)
                case let .failure(.corruptTransactionRegistry(_, detail)):
                    throw .corruptTransactionRegistry(offset: record.offset, detail: detail)
                case let .failure(error):
                    throw error
                }
            }
            offset = slice.nextOffset
        }
    }

    /// Finishes decided transactions and settles every open transaction
    /// the registry does not account for (see the type's documentation).
    /// A write that fails here is logged and left for the next open (or the
    /// next `begin`, `resume` or `commit` of the id): the data directory
    /// still opens, and the transaction stays invisible to read-committed
    /// readers until then, never half-visible.
    private func recover() {
        state.withLock { state in
            for entry in state.entries.values where entry.state.isCompleting {
                logger.info("transactions: finishing the \(entry.state == .committing ? "commit" : "abort") of '\(entry.transactionalId)' cut short")
                do {
                    try complete(entry, &state)
                } catch {
                    logger.error("transactions: '\(entry.transactionalId)' is still \(entry.state.rawValue): \(error)")
                }
            }
            var byProducer: [Int64: TransactionStatus] = [:]
            for entry in state.entries.values { byProducer[entry.producerId] = entry }
            for name in directory.topics where name != Self.topicName {
                guard let topic = try? directory.topic(named: name) else { continue }
                for log in topic.partitions {
                    for open in log.openTransactions {
                        let entry = byProducer[open.producerId]
                        let kind: ControlRecord.Kind
                        if let entry, entry.producerEpoch == open.producerEpoch {
                            switch entry.state {
                            case .ongoing where entry.partitions.contains(log.partition): continue
                            case .committed, .committing: kind = .commit
                            default: kind = .abort
                            }
                        } else {
                            kind = .abort
                        }
                        let owner = entry.map { "'\($0.transactionalId)'" } ?? "unknown to the registry"
                        logger.warning(.init(stringLiteral:
                            "transactions: \(log.partition): writing the missing \(kind == .commit ? "commit" : "abort") "
                                + "marker of producer id \(open.producerId) epoch \(open.producerEpoch) (\(owner)), "
                                + "open from offset \(open.firstOffset)"))
                        let epoch = max(open.producerEpoch, entry?.producerEpoch ?? open.producerEpoch)
                        do {
                            try writeMarkers(kind, producerId: open.producerId, epoch: epoch, to: [log.partition])
                        } catch {
                            logger.error("transactions: \(log.partition): the marker was not written: \(error)")
                        }
                    }
                }
            }
        }
    }
}
