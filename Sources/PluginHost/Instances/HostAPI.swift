#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Columns
import Core
import Logging
import StreamhostABI
import StreamhostVersion

/// The `sh_host_api` table handed to every plugin.
///
/// It is built once and lives as long as the process (plugins may keep the
/// pointer). Each function turns its `sh_ctx *` back into the
/// `InstanceContext` the runtime created for the instance.
public enum HostAPI {
    /// streamhost's version (`STREAMHOST_VERSION`, defined once for the
    /// host and the first-party plugins).
    public static let hostVersion: String = STREAMHOST_VERSION

    /// The services this host implements (`SH_SERVICE_*` bits).
    public static let services: UInt64 = UInt64(SH_SERVICE_CORE) | UInt64(SH_SERVICE_LOG)
        | UInt64(SH_SERVICE_KEYED_STATE) | UInt64(SH_SERVICE_TIMERS) | UInt64(SH_SERVICE_SIDE_OUTPUTS)
        | UInt64(SH_SERVICE_CHECKPOINTS)

    /// Where an empty borrowed value points (never NULL for SH_OK).
    nonisolated(unsafe) static let emptyBytes = UnsafePointer<UInt8>(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))
    /// Where an empty selection points (a selection of no rows is not NULL).
    nonisolated(unsafe) static let emptyRows = UnsafePointer<UInt32>(UnsafeMutablePointer<UInt32>.allocate(capacity: 1))

    /// Names of every service and whether this host implements it.
    public static var serviceList: [(name: String, implemented: Bool, arrivesWith: String)] {
        [
            ("core (emit, reject, errors, log, alloc, wakeup, counters, config)",
             services & UInt64(SH_SERVICE_CORE) != 0, "ABI 1.0"),
            ("keyed state", services & UInt64(SH_SERVICE_KEYED_STATE) != 0, "the state backend"),
            ("timers and watermarks", services & UInt64(SH_SERVICE_TIMERS) != 0, "event time"),
            ("log", services & UInt64(SH_SERVICE_LOG) != 0, "the durable log"),
            ("checkpoints", services & UInt64(SH_SERVICE_CHECKPOINTS) != 0, "checkpointing"),
            ("side outputs", services & UInt64(SH_SERVICE_SIDE_OUTPUTS) != 0, "event time"),
        ]
    }

    nonisolated(unsafe) fileprivate static let hostVersionC = UnsafePointer(strdup(hostVersion)!)
    /// What last_error answers a call that broke rule 8 (the ctx's own
    /// message belongs to the thread running its callbacks), and a NULL ctx.
    nonisolated(unsafe) fileprivate static let wrongThreadMessageC = UnsafePointer(strdup(
        "last_error was called outside the callbacks of the ctx's instance (ABI rule 8; the job fails)")!)
    nonisolated(unsafe) fileprivate static let emptyMessageC = UnsafePointer(strdup("")!)

    nonisolated(unsafe) public static let table: UnsafePointer<sh_host_api> = {
        let table = UnsafeMutablePointer<sh_host_api>.allocate(capacity: 1)
        table.initialize(to: sh_host_api())
        fill(table)
        return UnsafePointer(table)
    }()

    private static func context(_ ctx: OpaquePointer?) -> InstanceContext? { InstanceContext.from(ctx) }

    /// The context of a call valid only inside its instance's callbacks
    /// (ABI rule 8): nil for a NULL ctx; `refused` holds SH_WRONG_THREAD
    /// (the job is failing) when the calling thread runs no callback of it.
    @inline(__always)
    private static func checked(_ ctx: OpaquePointer?, _ function: StaticString) -> (InstanceContext?, refused: sh_status?) {
        guard let ctx else { return (nil, nil) }
        guard InstanceContext.isCurrent(ctx) else { return (nil, InstanceContext.refuse(ctx, function)) }
        return (InstanceContext.from(ctx), nil)
    }

    // Every closure below is a C function pointer: none captures anything.
    private static func fill(_ t: UnsafeMutablePointer<sh_host_api>) {
        t.pointee.struct_size = UInt32(MemoryLayout<sh_host_api>.size)
        t.pointee.abi_major = PluginABI.major
        t.pointee.abi_minor = PluginABI.minor
        t.pointee.services = services
        t.pointee.host_version = hostVersionC

        // The two emit functions borrow the context without retaining it:
        // they run once per record or batch.
        // Each checks the thread rule first: one thread-local compare.
        t.pointee.emit = { ctx, record in
            guard let ctx, let record else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else {
                return InstanceContext.refuse(ctx, "emit", closedStatus: Status.closed)
            }
            return InstanceContext.borrowing(ctx) { $0.emit(record) }
        }
        t.pointee.emit_batch = { ctx, batch in
            guard let ctx, let batch else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else {
                return InstanceContext.refuse(ctx, "emit_batch", closedStatus: Status.closed)
            }
            return InstanceContext.borrowing(ctx) { $0.emit(batch: batch) }
        }
        t.pointee.emit_columns = { ctx, schema, columns, rows in
            guard let ctx else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else {
                return InstanceContext.refuse(ctx, "emit_columns", closedStatus: Status.closed)
            }
            return InstanceContext.borrowing(ctx) { $0.emitColumns(schema: schema, columns: columns, rows: rows) }
        }
        t.pointee.emit_side = { ctx, output, record in
            guard let ctx, let output, let record else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else {
                return InstanceContext.refuse(ctx, "emit_side", closedStatus: Status.closed)
            }
            return InstanceContext.borrowing(ctx) { $0.emitSide(String(cString: output), record) }
        }
        t.pointee.reject = { ctx, record, reason in
            let (context, refused) = HostAPI.checked(ctx, "reject")
            if let refused { return refused }
            guard let context, let record else { return Status.invalid }
            return context.reject(record, reason: reason.map { String(cString: $0) } ?? "rejected (no reason given)")
        }
        t.pointee.set_error = { ctx, message in
            HostAPI.checked(ctx, "set_error").0?.setError(message.map { String(cString: $0) } ?? "(no message)")
        }
        t.pointee.last_error = { ctx in
            let (context, refused) = HostAPI.checked(ctx, "last_error")
            if refused != nil { return HostAPI.wrongThreadMessageC }
            guard let context else { return HostAPI.emptyMessageC }
            return context.lastErrorPointer
        }
        t.pointee.log = { ctx, level, message in
            guard let context = InstanceContext.from(ctx) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let swiftLevel: Logger.Level
            switch level {
            case SH_LOG_TRACE: swiftLevel = .trace
            case SH_LOG_DEBUG: swiftLevel = .debug
            case SH_LOG_INFO: swiftLevel = .info
            case SH_LOG_WARN: swiftLevel = .warning
            default: swiftLevel = .error
            }
            context.logger.log(level: swiftLevel, "\(text)")
        }
        t.pointee.alloc = { size in malloc(size) }
        t.pointee.free = { pointer in Glibc.free(pointer) }
        t.pointee.wakeup = { ctx in
            InstanceContext.from(ctx)?.onWakeup()
        }
        t.pointee.counter_register = { ctx, name, out in
            let (context, refused) = HostAPI.checked(ctx, "counter_register")
            if let refused { return refused }
            guard let context, let name, let out else { return Status.invalid }
            out.pointee = context.registerCounter(String(cString: name))
            return Status.ok
        }
        t.pointee.counter_add = { ctx, id, delta in
            HostAPI.checked(ctx, "counter_add").0?.addToCounter(id, delta)
        }
        t.pointee.config_string = { ctx, key, out in
            let (context, refused) = HostAPI.checked(ctx, "config_string")
            if let refused { return refused }
            guard let context, let key, let out else { return Status.invalid }
            let (status, pointer) = context.configString(String(cString: key))
            if let pointer { out.pointee = pointer }
            return status
        }
        t.pointee.config_int64 = { ctx, key, out in
            let (context, refused) = HostAPI.checked(ctx, "config_int64")
            if let refused { return refused }
            return context?.configTyped(key, out, expected: "an integer") { $0.int64Value }
                ?? Status.invalid
        }
        t.pointee.config_double = { ctx, key, out in
            let (context, refused) = HostAPI.checked(ctx, "config_double")
            if let refused { return refused }
            return context?.configTyped(key, out, expected: "a number") { $0.doubleValue }
                ?? Status.invalid
        }
        t.pointee.config_bool = { ctx, key, out in
            let (context, refused) = HostAPI.checked(ctx, "config_bool")
            if let refused { return refused }
            return context?.configTyped(key, out, expected: "a boolean") { $0.boolValue.map { $0 ? 1 : 0 } }
                ?? Status.invalid
        }
        t.pointee.config_json = { ctx, key, out, length in
            let (context, refused) = HostAPI.checked(ctx, "config_json")
            if let refused { return refused }
            guard let context, let out else { return Status.invalid }
            let (status, pointer, count) = context.configJSON(key.map { String(cString: $0) })
            if let pointer {
                out.pointee = pointer
                length?.pointee = count
            }
            return status
        }
        t.pointee.current_watermark = { ctx in
            guard let ctx else { return Int64.min }
            // No status to return: a refused call answers the smallest time.
            guard InstanceContext.isCurrent(ctx) else {
                _ = InstanceContext.refuse(ctx, "current_watermark")
                return Int64.min
            }
            return InstanceContext.borrowing(ctx) { $0.currentWatermark }
        }
        // Any thread: the clock is set before the first callback.
        t.pointee.processing_time = { ctx in InstanceContext.from(ctx)?.clock() ?? HostClock.nowMs() }
        t.pointee.emit_watermark = { ctx, watermark in
            guard let ctx else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "emit_watermark") }
            return InstanceContext.borrowing(ctx) { $0.emitWatermark(watermark) }
        }

        // Keyed state: every call borrows the context (they run per record).
        t.pointee.state_register = { ctx, descriptor, out in
            guard let ctx, let descriptor, let out else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_register") }
            return InstanceContext.borrowing(ctx) { $0.stateRegister(descriptor, out) }
        }
        t.pointee.state_get = { ctx, state, key, keyLength, value, valueLength in
            guard let ctx, let value else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_get") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_get", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    HostAPI.lend(try store.get(state, keyGroup: group, key: key), value, valueLength)
                }
            }
        }
        t.pointee.state_put = { ctx, state, key, keyLength, value, valueLength in
            guard let ctx, value != nil || valueLength == 0 else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_put") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_put", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    try store.put(state, keyGroup: group, key: key,
                                  value: UnsafeRawBufferPointer(start: value, count: valueLength))
                    return Status.ok
                }
            }
        }
        t.pointee.state_delete = { ctx, state, key, keyLength in
            guard let ctx else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_delete") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_delete", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    try store.delete(state, keyGroup: group, key: key)
                    return Status.ok
                }
            }
        }
        t.pointee.state_map_get = { ctx, state, key, keyLength, userKey, userKeyLength, value, valueLength in
            guard let ctx, let value, userKey != nil || userKeyLength == 0 else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_map_get") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_map_get", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    HostAPI.lend(
                        try store.mapGet(state, keyGroup: group, key: key,
                                         userKey: UnsafeRawBufferPointer(start: userKey, count: userKeyLength)),
                        value, valueLength)
                }
            }
        }
        t.pointee.state_map_put = { ctx, state, key, keyLength, userKey, userKeyLength, value, valueLength in
            guard let ctx, userKey != nil || userKeyLength == 0, value != nil || valueLength == 0 else {
                return Status.invalid
            }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_map_put") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_map_put", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    try store.mapPut(state, keyGroup: group, key: key,
                                     userKey: UnsafeRawBufferPointer(start: userKey, count: userKeyLength),
                                     value: UnsafeRawBufferPointer(start: value, count: valueLength))
                    return Status.ok
                }
            }
        }
        t.pointee.state_map_delete = { ctx, state, key, keyLength, userKey, userKeyLength in
            guard let ctx, userKey != nil || userKeyLength == 0 else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_map_delete") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_map_delete", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    try store.mapDelete(state, keyGroup: group, key: key,
                                        userKey: UnsafeRawBufferPointer(start: userKey, count: userKeyLength))
                    return Status.ok
                }
            }
        }
        t.pointee.state_map_iterate = { ctx, state, key, keyLength, visitor, user in
            guard let ctx, let visitor else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "state_map_iterate") }
            return InstanceContext.borrowing(ctx) { context in
                context.stateCall("state_map_iterate", key: key, keyLength: keyLength) { (store, group, key) throws(KeyedStateServiceError) in
                    var result = Status.ok
                    try store.mapIterate(state, keyGroup: group, key: key) { userKey, value in
                        result = visitor(user, userKey.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? HostAPI.emptyBytes,
                                         userKey.count,
                                         value.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? HostAPI.emptyBytes,
                                         value.count)
                        return result == Status.ok
                    }
                    return result
                }
            }
        }
        t.pointee.timer_register = { ctx, domain, key, keyLength, time in
            guard let ctx else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "timer_register") }
            return InstanceContext.borrowing(ctx) {
                $0.timerCall("timer_register", domain: domain, key: key, keyLength: keyLength, time: time, register: true)
            }
        }
        t.pointee.timer_delete = { ctx, domain, key, keyLength, time in
            guard let ctx else { return Status.invalid }
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "timer_delete") }
            return InstanceContext.borrowing(ctx) {
                $0.timerCall("timer_delete", domain: domain, key: key, keyLength: keyLength, time: time, register: false)
            }
        }
        t.pointee.log_partitions = { ctx, topic, out in
            let (context, refused) = HostAPI.checked(ctx, "log_partitions")
            if let refused { return refused }
            guard let context, let topic, let out else { return Status.invalid }
            return context.logCall("log_partitions") { (services) throws(LogServiceError) in
                out.pointee = UInt32(try services.partitionCount(topic: String(cString: topic)))
            }
        }
        t.pointee.log_reader_open = { ctx, topic, partition, start, value, out in
            HostAPI.openReader(ctx, topic, partition, start, value, SH_LOG_READ_COMMITTED, out, "log_reader_open")
        }
        t.pointee.log_reader_open_isolated = { ctx, topic, partition, start, value, isolation, out in
            HostAPI.openReader(ctx, topic, partition, start, value, isolation, out, "log_reader_open_isolated")
        }
        t.pointee.log_reader_read = { reader, max, out, next in
            guard let reader = HostLogReader.from(reader), let out else { return Status.invalid }
            let ctx = reader.context.opaque
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "log_reader_read") }
            return reader.read(max: Int(max), out: out, next: next)
        }
        t.pointee.log_reader_close = { reader in
            guard let reader = HostLogReader.from(reader) else { return }
            let ctx = reader.context.opaque
            guard InstanceContext.isCurrent(ctx) else {
                _ = InstanceContext.refuse(ctx, "log_reader_close")
                return
            }
            reader.context.release(reader)
        }
        t.pointee.log_append = { ctx, topic, partition, batch, first in
            let (context, refused) = HostAPI.checked(ctx, "log_append")
            if let refused { return refused }
            guard let context, let topic, let batch else { return Status.invalid }
            guard let records = HostAPI.copy(batch, context, "log_append") else { return Status.invalid }
            return context.logCall("log_append") { (services) throws(LogServiceError) in
                let offset = try services.append(topic: String(cString: topic), partition: Int(partition), records: records)
                first?.pointee = offset
            }
        }
        t.pointee.log_commit = { ctx, group, topic, partition, offset in
            let (context, refused) = HostAPI.checked(ctx, "log_commit")
            if let refused { return refused }
            guard let context, let group, let topic else { return Status.invalid }
            return context.logCall("log_commit") { (services) throws(LogServiceError) in
                try services.commit(group: String(cString: group), topic: String(cString: topic),
                                    partition: Int(partition), offset: offset)
            }
        }
        t.pointee.log_committed = { ctx, group, topic, partition, out in
            let (context, refused) = HostAPI.checked(ctx, "log_committed")
            if let refused { return refused }
            guard let context, let group, let topic, let out else { return Status.invalid }
            return context.logCall("log_committed") { (services) throws(LogServiceError) in
                guard let offset = try services.committedOffset(
                    group: String(cString: group), topic: String(cString: topic), partition: Int(partition))
                else { throw .notFound("group '\(String(cString: group))' has no committed offset for this partition") }
                out.pointee = offset
            }
        }
        t.pointee.log_txn_begin = { ctx, id, out in
            let (context, refused) = HostAPI.checked(ctx, "log_txn_begin")
            if let refused { return refused }
            guard let context, let id, let out else { return Status.invalid }
            return context.logCall("log_txn_begin") { (services) throws(LogServiceError) in
                let transaction = HostLogTransaction(
                    transaction: try services.beginTransaction(
                        transactionalId: context.scopedTransactionalId(String(cString: id))),
                    context: context)
                context.keep(transaction)
                out.pointee = transaction.opaque
            }
        }
        t.pointee.log_txn_resume = { ctx, id, out in
            let (context, refused) = HostAPI.checked(ctx, "log_txn_resume")
            if let refused { return refused }
            guard let context, let id, let out else { return Status.invalid }
            return context.logCall("log_txn_resume") { (services) throws(LogServiceError) in
                let scoped = context.scopedTransactionalId(String(cString: id))
                guard let resumed = try services.resumeTransaction(transactionalId: scoped) else {
                    throw .notFound("transaction '\(scoped)' is not open: it was committed or aborted, or never begun")
                }
                let transaction = HostLogTransaction(transaction: resumed, context: context)
                context.keep(transaction)
                out.pointee = transaction.opaque
            }
        }
        t.pointee.log_txn_append = { txn, topic, partition, batch in
            guard let transaction = HostLogTransaction.from(txn), let topic, let batch else { return Status.invalid }
            let ctx = transaction.context.opaque
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "log_txn_append") }
            guard let records = HostAPI.copy(batch, transaction.context, "log_txn_append") else { return Status.invalid }
            return transaction.call("log_txn_append") { (transaction) throws(LogServiceError) in
                _ = try transaction.append(topic: String(cString: topic), partition: Int(partition), records: records)
            }
        }
        t.pointee.log_txn_commit = { txn in
            guard let transaction = HostLogTransaction.from(txn) else { return Status.invalid }
            let ctx = transaction.context.opaque
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "log_txn_commit") }
            defer { transaction.context.release(transaction) }
            return transaction.call("log_txn_commit") { (transaction) throws(LogServiceError) in try transaction.commit() }
        }
        t.pointee.log_txn_abort = { txn in
            guard let transaction = HostLogTransaction.from(txn) else { return Status.invalid }
            let ctx = transaction.context.opaque
            guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, "log_txn_abort") }
            defer { transaction.context.release(transaction) }
            return transaction.call("log_txn_abort") { (transaction) throws(LogServiceError) in try transaction.abort() }
        }
    }

    /// `emit` without the thread-rule check: what the table's `emit` does
    /// after the check. Never in the table; only the benchmark measuring
    /// the check's cost per emit calls it (`abi.host.emit.unchecked`).
    package static let emitWithoutThreadCheck: @convention(c) (OpaquePointer?, UnsafePointer<sh_record>?) -> sh_status = {
        ctx, record in
        guard let ctx, let record else { return Status.invalid }
        return InstanceContext.borrowing(ctx) { $0.emit(record) }
    }

    /// Opens a log reader for log_reader_open(_isolated).
    private static func openReader(
        _ ctx: OpaquePointer?, _ topic: UnsafePointer<CChar>?, _ partition: UInt32, _ start: sh_log_start,
        _ value: Int64, _ isolation: sh_log_isolation, _ out: UnsafeMutablePointer<OpaquePointer?>?,
        _ function: StaticString
    ) -> sh_status {
        guard let ctx else { return Status.invalid }
        guard InstanceContext.isCurrent(ctx) else { return InstanceContext.refuse(ctx, function) }
        let context = InstanceContext.borrowing(ctx) { $0 }
        guard let topic, let out else { return Status.invalid }
        let position: LogStart
        switch start {
        case SH_LOG_START_EARLIEST: position = .earliest
        case SH_LOG_START_LATEST: position = .latest
        case SH_LOG_START_OFFSET: position = .offset(value)
        case SH_LOG_START_TIME: position = .time(value)
        default:
            context.setLastHostError("\(function): unknown start \(start.rawValue)")
            return Status.invalid
        }
        let level: LogIsolation
        switch isolation {
        case SH_LOG_READ_COMMITTED: level = .readCommitted
        case SH_LOG_READ_UNCOMMITTED: level = .readUncommitted
        default:
            context.setLastHostError("\(function): unknown isolation \(isolation.rawValue); use SH_LOG_READ_COMMITTED "
                + "or SH_LOG_READ_UNCOMMITTED")
            return Status.invalid
        }
        return context.logCall("\(function)") { (services) throws(LogServiceError) in
            let reader = HostLogReader(
                reader: try services.openReader(
                    topic: String(cString: topic), partition: Int(partition), start: position, isolation: level),
                context: context)
            context.keep(reader)
            out.pointee = reader.opaque
        }
    }

    /// Copies a plugin's batch for the log, headers included; nil (with
    /// last_error set) when it is empty, lacks timestamps or value offsets,
    /// or has headers the host cannot read.
    private static func copy(
        _ batch: UnsafePointer<sh_batch>, _ context: InstanceContext, _ function: String
    ) -> RecordBatch? {
        let b = batch.pointee
        guard b.count > 0, b.timestamps != nil, b.value_offsets != nil else {
            context.setLastHostError("\(function): an empty batch, or one without timestamps or value offsets")
            return nil
        }
        let records = RecordBatch(recordCapacity: Int(b.count))
        records.append(
            count: Int(b.count), timestamps: b.timestamps, keyOffsets: b.key_offsets, keys: b.keys,
            valueOffsets: b.value_offsets, values: b.values, flags: b.flags)
        // ABI 1.3: the records' headers go to the log with them.
        if b.struct_size >= PluginABI.batchSize13, let headers = b.headers {
            do throws(ColumnsError) {
                records.columnar = ColumnarValues(
                    schema: Schema([]), values: nil, headers: try ColumnarValues.copyingHeaders(headers, rows: Int(b.count)))
            } catch {
                context.setLastHostError("\(function): the batch's headers cannot be read: \(error)")
                return nil
            }
        }
        return records
    }

    /// Hands a borrowed state value to the plugin: SH_OK with its address
    /// (never NULL) and length, or SH_NOT_FOUND with NULL and 0.
    @inline(__always)
    fileprivate static func lend(
        _ found: UnsafeRawBufferPointer?, _ value: UnsafeMutablePointer<UnsafePointer<UInt8>?>,
        _ length: UnsafeMutablePointer<Int>?
    ) -> sh_status {
        guard let found else {
            value.pointee = nil
            length?.pointee = 0
            return Status.notFound
        }
        value.pointee = found.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyBytes
        length?.pointee = found.count
        return Status.ok
    }

}
