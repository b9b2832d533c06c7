import StreamhostABI

/// The host's services for one component instance: emit, reject, log,
/// counters, time.
///
/// A `Context` is two pointers, the instance's `sh_ctx` and the host-API
/// table; the kit makes one for every callback, which costs nothing.
///
/// # Thread safety
/// Use a context only inside the callback that received it, on that
/// callback's thread (rule 8 of the header). The one exception is
/// `waker`, whose `wake()` any thread may call at any time.
///
/// # Ownership
/// Everything passed to `emit` and `reject` is copied by the host before the
/// call returns: buffers may be reused or freed right after. The `sh_ctx`
/// stays valid until the instance is destroyed, so a `Counter` made from a
/// context may be kept in the instance.
public struct Context {
    /// The host's `sh_ctx` of the instance, for host-API calls the kit does
    /// not wrap (keyed state, timers, the log).
    public let rawContext: OpaquePointer

    /// The host-API table (static for the life of the process).
    public let host: UnsafePointer<sh_host_api>

    /// Wraps a context pointer; plugin code gets contexts from the kit.
    @inlinable
    public init(rawContext: OpaquePointer, host: UnsafePointer<sh_host_api>) {
        self.rawContext = rawContext
        self.host = host
    }

    // MARK: Emitting

    /// Appends one record to the instance's output; the host copies it.
    ///
    /// A `nil` key or value is the header's NULL (a null key, a tombstone);
    /// an empty non-nil buffer is an empty key or value.
    @inlinable
    public func emit(_ record: sh_record) throws {
        var record = record
        let status = host.pointee.emit!(rawContext, &record)
        if status != Status.ok { throw failure("emit", status) }
    }

    /// Appends one record to the instance's output; the host copies it.
    ///
    /// - Parameters:
    ///   - timestamp: event time, ms since the Unix epoch.
    ///   - key: the key bytes, or `nil` for a null key.
    ///   - value: the value bytes.
    @inlinable
    public func emit(timestamp: Int64, key: UnsafeRawBufferPointer? = nil, value: UnsafeRawBufferPointer) throws {
        try emit(Context.makeRecord(timestamp: timestamp, key: key, value: value))
    }

    /// Appends one record, key and value given as byte arrays (`nil` key:
    /// a null key).
    @inlinable
    public func emit(timestamp: Int64, key: [UInt8]? = nil, value: [UInt8]) throws {
        try value.withUnsafeBytes { valueBytes in
            if let key {
                try key.withUnsafeBytes { keyBytes in
                    try emit(timestamp: timestamp, key: keyBytes, value: valueBytes)
                }
            } else {
                try emit(timestamp: timestamp, key: nil, value: valueBytes)
            }
        }
    }

    /// Appends one record, key and value given as UTF-8 text (`nil` key: a
    /// null key).
    @inlinable
    public func emit(timestamp: Int64, key: String? = nil, value: String) throws {
        var value = value
        try value.withUTF8 { valueBytes in
            if var key {
                try key.withUTF8 { keyBytes in
                    try emit(timestamp: timestamp, key: UnsafeRawBufferPointer(keyBytes),
                             value: UnsafeRawBufferPointer(valueBytes))
                }
            } else {
                try emit(timestamp: timestamp, key: nil, value: UnsafeRawBufferPointer(valueBytes))
            }
        }
    }

    /// Forwards a record of an input batch unchanged.
    @inlinable
    public func emit(_ record: Record) throws {
        try emit(record.cRecord)
    }

    /// Appends every record of a batch to the output with one host call: a
    /// pass-through operator forwards its input this way.
    @inlinable
    public func emit(batch: Batch) throws {
        let status = host.pointee.emit_batch!(rawContext, batch.pointer)
        if status != Status.ok { throw failure("emit_batch", status) }
    }

    // MARK: Rejecting

    /// Sends a record the instance cannot process to the job's dead-letter
    /// destination with a reason; the job goes on. Both are copied.
    @inlinable
    public func reject(record: sh_record, reason: String) throws {
        var record = record
        let status = reason.withCString { host.pointee.reject!(rawContext, &record, $0) }
        if status != Status.ok { throw failure("reject", status) }
    }

    /// Rejects a record given by its parts (`nil` key: a null key; `nil`
    /// value: a null value); see `reject(record:reason:)`.
    @inlinable
    public func reject(
        timestamp: Int64, key: UnsafeRawBufferPointer? = nil, value: UnsafeRawBufferPointer?, reason: String
    ) throws {
        try reject(record: Context.makeRecord(timestamp: timestamp, key: key, value: value), reason: reason)
    }

    /// Rejects a record of an input batch (see `reject(record:reason:)`).
    @inlinable
    public func reject(_ record: Record, reason: String) throws {
        try reject(record: record.cRecord, reason: reason)
    }

    // MARK: Logging, metrics, time

    /// Writes a log line attributed to the step and instance.
    public func log(_ message: String, level: LogLevel = .info) {
        message.withCString { host.pointee.log!(rawContext, level.cValue, $0) }
    }

    /// Registers a counter reported with the job's metrics (and, summed
    /// over the step's instances, in `streamhost run`'s summary). Call it in
    /// `init(context:config:)` or `open(context:info:)` and keep the result.
    public func counter(named name: String) throws -> Counter {
        var id: sh_counter_id = 0
        let status = name.withCString { host.pointee.counter_register!(rawContext, $0, &id) }
        if status != Status.ok { throw failure("counter_register('\(name)')", status) }
        return Counter(id: id, context: self)
    }

    /// The host's processing time, ms since the Unix epoch.
    @inlinable
    public var processingTime: Int64 {
        host.pointee.processing_time!(rawContext)
    }

    /// The instance's event-time watermark; `Int64.min` before the first
    /// one, and always until the host implements `SH_SERVICE_TIMERS`.
    @inlinable
    public var watermark: Int64 {
        host.pointee.current_watermark!(rawContext)
    }

    /// The host services this host implements (`SH_SERVICE_*` bits).
    public var services: UInt64 {
        host.pointee.services
    }

    /// A handle that asks the host to poll the instance again soon; unlike
    /// the context, it may be kept and used from any thread.
    public var waker: Waker {
        Waker(context: self)
    }

    /// The message of the last host-API call on this context that did not
    /// return `SH_OK`, or "".
    public var lastError: String {
        guard let message = host.pointee.last_error!(rawContext) else { return "" }
        return String(cString: message)
    }

    // MARK: Internals

    /// Hands the description of an error to `set_error` and returns
    /// `SH_ERROR`, for the vtable thunks.
    @usableFromInline
    func fail(_ error: any Error) -> sh_status {
        String(describing: error).withCString { host.pointee.set_error!(rawContext, $0) }
        return Status.error
    }

    /// The error a failed host call throws, with the host's own message.
    @usableFromInline
    func failure(_ function: String, _ status: sh_status) -> PluginError {
        .host(function: function, status: status, message: lastError)
    }

    /// A non-NULL address for empty buffers: the header gives a NULL pointer
    /// the meaning "null key" or "null value", so an empty key must not be
    /// passed as NULL even when Swift's empty buffer has no base address.
    @usableFromInline
    nonisolated(unsafe) static let emptyBytes: UnsafePointer<UInt8> = {
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        bytes.initialize(to: 0)
        return UnsafePointer(bytes)
    }()

    @inlinable
    public static func makeRecord(timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) -> sh_record {
        var record = sh_record()
        record.timestamp = timestamp
        if let key {
            record.key = key.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? emptyBytes
            record.key_len = key.count
        }
        if let value {
            record.value = value.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? emptyBytes
            record.value_len = value.count
        }
        return record
    }
}
