import Columns
import Core
import StreamhostABI

/// Where a log reader starts (`sh_log_start`).
public enum LogStart: Sendable, Equatable {
    case earliest, latest, offset(Int64), time(Int64)
}

/// What a log reader sees of transactions (`sh_log_isolation`).
public enum LogIsolation: Sendable, Equatable {
    /// Committed and non-transactional records, up to the last stable offset.
    case readCommitted
    /// Every data record, also of open and aborted transactions.
    case readUncommitted
}

/// A failed log service call: the status the plugin gets and the message
/// `last_error` returns.
public struct LogServiceError: Error, Sendable {
    public let status: sh_status
    public let message: String

    public init(status: sh_status, message: String) {
        self.status = status
        self.message = message
    }

    public static func notFound(_ message: String) -> LogServiceError { .init(status: Status.notFound, message: message) }
    public static func invalid(_ message: String) -> LogServiceError { .init(status: Status.invalid, message: message) }
    public static func failed(_ message: String) -> LogServiceError { .init(status: Status.error, message: message) }
}

/// The host's durable log as plugins see it through `sh_host_api.log_*`.
/// PluginHost declares it; the runtime implements it over the Log module.
///
/// # Thread safety
/// Called from any task thread at once.
public protocol LogServices: AnyObject, Sendable {
    func partitionCount(topic: String) throws(LogServiceError) -> Int
    func openReader(
        topic: String, partition: Int, start: LogStart, isolation: LogIsolation
    ) throws(LogServiceError) -> any LogServiceReader
    /// Appends the records as one batch; returns the first record's offset.
    func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64
    func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogServiceError)
    func committedOffset(group: String, topic: String, partition: Int) throws(LogServiceError) -> Int64?
    /// Creates the topic with `partitions` partitions unless it exists.
    func ensureTopic(_ topic: String, partitions: Int) throws(LogServiceError)

    /// Begins a transaction for `transactionalId` (already scoped by the
    /// caller: `<job>/<step>/<plugin's id>`), aborting and fencing one of
    /// that id still open.
    func beginTransaction(transactionalId: String) throws(LogServiceError) -> any LogServiceTransaction
    /// The still-open transaction of `transactionalId`, begun by this run
    /// or an earlier one; nil when none is open.
    func resumeTransaction(transactionalId: String) throws(LogServiceError) -> (any LogServiceTransaction)?
    /// Aborts every open transaction whose id starts with `prefix` and
    /// returns their ids. The runtime calls it with `<job name>/` after
    /// every restore and before data flows, so that transactions of a
    /// failed run that no checkpoint completed do not hold back
    /// read-committed readers.
    func abortOpenTransactions(prefix: String) throws(LogServiceError) -> [String]
}

extension LogServices {
    /// A read-committed reader (what `log_reader_open` opens).
    public func openReader(topic: String, partition: Int, start: LogStart) throws(LogServiceError)
        -> any LogServiceReader
    {
        try openReader(topic: topic, partition: partition, start: start, isolation: .readCommitted)
    }
}

/// An open transaction of the log (`sh_log_txn`).
///
/// # Thread safety
/// Used by one instance's thread at a time.
public protocol LogServiceTransaction: AnyObject {
    /// The scoped id.
    var transactionalId: String { get }
    /// Appends the records as one transactional batch; returns the first
    /// record's offset.
    func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64
    func commit() throws(LogServiceError)
    func abort() throws(LogServiceError)
}

/// A transaction handed to a plugin as `sh_log_txn *`; kept by its context
/// until log_txn_commit or log_txn_abort releases it.
final class HostLogTransaction {
    let transaction: any LogServiceTransaction
    unowned(unsafe) let context: InstanceContext

    init(transaction: any LogServiceTransaction, context: InstanceContext) {
        self.transaction = transaction
        self.context = context
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) -> HostLogTransaction? {
        pointer.map { Unmanaged<HostLogTransaction>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    /// Runs `body` with the transaction, setting last_error on failure.
    func call(_ function: String, _ body: (any LogServiceTransaction) throws(LogServiceError) -> Void) -> sh_status {
        do {
            try body(transaction)
            return Status.ok
        } catch {
            context.setLastHostError("\(function) '\(transaction.transactionalId)': \(error.message)")
            return error.status
        }
    }
}

/// A position in one partition that reads forward.
///
/// # Thread safety
/// Used by one instance's thread at a time.
public protocol LogServiceReader: AnyObject {
    /// Up to about `max` records from the current position and the offset
    /// after them; nil when no record is available now.
    func read(max: Int) throws(LogServiceError) -> (records: RecordBatch, nextOffset: Int64)?
}

/// A reader handed to a plugin as `sh_log_reader *`: owns the batch the
/// plugin borrows until its next read.
final class HostLogReader {
    let reader: any LogServiceReader
    unowned(unsafe) let context: InstanceContext
    private var current: RecordBatch?
    let view = UnsafeMutablePointer<sh_batch>.allocate(capacity: 1)

    init(reader: any LogServiceReader, context: InstanceContext) {
        self.reader = reader
        self.context = context
        view.initialize(to: sh_batch())
    }

    deinit { view.deallocate() }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) -> HostLogReader? {
        pointer.map { Unmanaged<HostLogReader>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    func read(max: Int, out: UnsafeMutablePointer<UnsafePointer<sh_batch>?>, next: UnsafeMutablePointer<Int64>?) -> sh_status {
        do {
            guard let (records, nextOffset) = try reader.read(max: max) else { return Status.idle }
            current = records
            view.pointee = sh_batch(records.unsafeColumns)
            // ABI 1.3: the records' headers, exported by the batch kept in
            // `current` (so valid until the next read).
            view.pointee.headers = records.columnar?.arrow.headers
            out.pointee = UnsafePointer(view)
            next?.pointee = nextOffset
            return Status.ok
        } catch {
            context.setLastHostError(error.message)
            return error.status
        }
    }
}
