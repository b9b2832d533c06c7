import Core
import StreamhostABI

/// Where a log reader starts (`sh_log_start`).
public enum LogStart: Sendable, Equatable {
    case earliest, latest, offset(Int64), time(Int64)
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
    func openReader(topic: String, partition: Int, start: LogStart) throws(LogServiceError) -> any LogServiceReader
    /// Appends the records as one batch; returns the first record's offset.
    func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64
    func commit(group: String, topic: String, partition: Int, offset: Int64) throws(LogServiceError)
    func committedOffset(group: String, topic: String, partition: Int) throws(LogServiceError) -> Int64?
    /// Creates the topic with `partitions` partitions unless it exists.
    func ensureTopic(_ topic: String, partitions: Int) throws(LogServiceError)
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
            out.pointee = UnsafePointer(view)
            next?.pointee = nextOffset
            return Status.ok
        } catch {
            context.setLastHostError(error.message)
            return error.status
        }
    }
}
