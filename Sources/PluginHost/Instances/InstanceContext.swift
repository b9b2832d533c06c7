#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CHostThread
import Columns
import Core
import Logging
import StreamhostABI

/// A record a plugin sent to `host->reject`, with where it came from.
public struct RejectedRecord: Sendable {
    public let stepID: String
    public let instance: Int
    public let reason: String
    public let timestamp: Int64
    public let key: [UInt8]?
    public let value: [UInt8]?
    /// Who rejected it, for the dead-letter metric's `reason` label: a
    /// small fixed set, unlike the free-text `reason`.
    public let reasonClass: ReasonClass

    /// Where a rejection came from.
    public enum ReasonClass: String, Sendable, CaseIterable {
        /// The plugin called `host->reject`.
        case plugin
        /// The runtime: a timestamp that would corrupt the watermark.
        case timestamp
        /// key_by: the record has no usable key field.
        case key
        /// A format conversion between two steps (bytes and typed columns).
        case conversion
    }

    public init(stepID: String, instance: Int, reason: String, timestamp: Int64, key: [UInt8]?, value: [UInt8]?,
                reasonClass: ReasonClass = .plugin) {
        self.stepID = stepID
        self.instance = instance
        self.reason = reason
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.reasonClass = reasonClass
    }
}

/// A watermark a source emitted with `emit_watermark`, and where: after
/// `position` records of its main output (counted over the instance's
/// life, as `InstanceContext.emittedCount`).
public struct SourceWatermarkMark: Sendable, Equatable {
    public let position: Int
    public var watermark: Int64

    public init(position: Int, watermark: Int64) {
        self.position = position
        self.watermark = watermark
    }
}

/// The host side of one component instance: what `sh_ctx *` points to.
///
/// It collects what the instance emits into batches, keeps the message of a
/// failing callback, answers config look-ups, and reports rule breaks
/// (emitting from a sink, or after close) to the runtime.
///
/// # Thread safety
/// Used by the one thread that is running the instance's callback (ABI rule
/// 8), except `wakeup`, whose handler must itself be thread-safe, and
/// `log` and `processing_time`, which read only what is set before the
/// first callback. The host API checks the rule on every other call
/// (`isCurrent`): a call from outside the instance's callbacks touches
/// nothing but `onViolation`, which must therefore be thread-safe.
///
/// The fields on the emit path are `@exclusivity(unchecked)`: only that one
/// thread touches them, and the dynamic checks cost more than the append.
///
/// # Ownership
/// The runtime keeps the context alive until the instance's destroy has
/// returned; the `sh_ctx *` handed to the plugin is an unretained pointer to
/// it.
public final class InstanceContext: @unchecked Sendable {
    public enum Phase: Sendable { case created, open, closed, destroyed }

    public let jobName: String
    public let stepID: String
    public let instance: Int
    public let kind: ComponentKind
    public let componentName: String
    /// The validated config with the schema's defaults.
    public let config: JSONValue
    @exclusivity(unchecked) public internal(set) var phase: Phase = .created
    /// Set by the runtime around a callback in which emitting is refused
    /// (with checkpoints, `close` runs after the final checkpoint): why,
    /// and what to do instead. A refused emit fails the job.
    @exclusivity(unchecked) public var emitRefusal: String?
    /// Set by `Migrator` around a migrate call: migrate rewrites bytes and
    /// returns them, so the calls that produce output or touch state,
    /// timers or topics are refused (`refuseInMigrate`), whatever context
    /// the host passed (a scratch one, or during a keyed-state restore the
    /// instance's own, whose output and state must not change then).
    @exclusivity(unchecked) public internal(set) var isMigrating = false

    /// Output batches close at whichever limit comes first.
    public let batchRecordsMax: Int
    public let batchBytesMax: Int
    @exclusivity(unchecked) private var current: RecordBatch
    @exclusivity(unchecked) private var sealed: [RecordBatch] = []
    /// Records emitted so far.
    @exclusivity(unchecked) public private(set) var emittedCount = 0

    /// The batch the running process call received. A plugin emitting its
    /// columns back with `emit_batch` is given them shared; the columns it
    /// emits with `emit_columns` keep it alive until they are released, as
    /// they may point into it (a column passed on by reference; streamhost.h,
    /// `sh_batch`).
    @exclusivity(unchecked) var currentInput: RecordBatch?

    /// The message given to set_error during the current callback.
    @exclusivity(unchecked) var callbackError: String?
    private var lastHostError: UnsafeMutablePointer<CChar>?
    private var configStrings: [String: UnsafeMutablePointer<CChar>] = [:]
    let jobNameC: UnsafeMutablePointer<CChar>
    let stepIDC: UnsafeMutablePointer<CChar>

    public private(set) var counterNames: [String] = []
    public private(set) var counterValues: [Int64] = []

    public var logger: Logger
    /// The clock of processing time (ms since the Unix epoch): the wall
    /// clock in a job, a manual one in the plugin test harness. Read before
    /// each callback (state TTLs) and by `processing_time`, from any thread.
    public var clock: @Sendable () -> Int64 = { HostClock.nowMs() }
    /// Receives rejected records (the dead-letter destination).
    public var onReject: (RejectedRecord) -> Void = { _ in }
    /// Receives breaches of the ABI rules that must fail the job; called
    /// from the plugin's own threads too (a call that breaks rule 8), so it
    /// must be thread-safe.
    public var onViolation: (String) -> Void = { _ in }
    /// Asks the scheduler to run the instance again; any thread.
    public var onWakeup: @Sendable () -> Void = {}
    /// The durable log, when the job runs with a data directory.
    public var logServices: (any LogServices)?
    /// Readers the plugin opened and has not closed (released with the context).
    private var logReaders: [ObjectIdentifier: HostLogReader] = [:]
    /// Transactions the plugin began or resumed and has not ended.
    private var logTransactions: [ObjectIdentifier: HostLogTransaction] = [:]
    /// Receives host-side failures that must fail the job (a state backend
    /// past its memory bound, a storage error).
    public var onFatal: (String) -> Void = { _ in }

    // Event time.
    /// The instance's event-time watermark (`current_watermark`).
    @exclusivity(unchecked) public var currentWatermark: Int64 = .min
    /// Sources with `watermarks: {strategy: source}` take their watermarks
    /// from `emit_watermark`; other sources' calls are ignored.
    public var acceptsSourceWatermarks = false
    /// The highest watermark the source emitted so far.
    @exclusivity(unchecked) public internal(set) var sourceWatermark: Int64 = .min
    /// The watermarks that raised `sourceWatermark` since the runtime last
    /// took them, each with its place among the emitted records. At most
    /// one per record emitted plus one, as a mark at the same place
    /// replaces the one before.
    @exclusivity(unchecked) var sourceWatermarkMarks: [SourceWatermarkMark] = []
    var ignoredWatermarkLogged = false

    // Keyed state and timers.
    /// Where the instance's keyed state lives (the runtime wires in a
    /// State backend); nil: state calls answer SH_UNSUPPORTED.
    public var stateServices: (any KeyedStateServices)?
    /// Key groups of the job and the range this instance owns (set at open).
    @exclusivity(unchecked) var keyGroupLayout = KeyGroups(maxParallelism: 1)
    @exclusivity(unchecked) var ownedKeyGroups: ClosedRange<Int> = 0...0
    /// Created by the first state_register or timer_register.
    @exclusivity(unchecked) public internal(set) var keyedState: (any KeyedStateService)?
    /// Names of the states registered, by id (for messages).
    var stateNames: [sh_state_id: String] = [:]
    /// Side outputs some step reads; records for others go to `onReject`.
    public var readSideOutputs: Set<String> = []
    /// Records emitted to read side outputs since the last take, by name.
    var sideBatches: [String: RecordBatch] = [:]
    /// Whether the component has on_timer (timer_register needs it).
    public var handlesTimers = false
    /// Told the time of each processing-time timer registered, so the
    /// runtime can wake the task then.
    public var onProcessingTimer: (Int64) -> Void = { _ in }

    public init(
        jobName: String, stepID: String, instance: Int, kind: ComponentKind, componentName: String,
        config: JSONValue, batchRecordsMax: Int = 1024, batchBytesMax: Int = 1 << 20
    ) {
        self.jobName = jobName
        self.stepID = stepID
        self.instance = instance
        self.kind = kind
        self.componentName = componentName
        self.config = config
        self.batchRecordsMax = batchRecordsMax
        self.batchBytesMax = batchBytesMax
        self.current = RecordBatch(recordCapacity: batchRecordsMax, valueBytesCapacity: 64 * 1024)
        self.jobNameC = strdup(jobName)
        self.stepIDC = strdup(stepID)
        var logger = Logger(label: "streamhost.step")
        logger[metadataKey: "step"] = "\(stepID)[\(instance)]"
        self.logger = logger
    }

    deinit {
        free(lastHostError)
        for pointer in configStrings.values { free(pointer) }
        free(jobNameC)
        free(stepIDC)
    }

    /// "step 'id' instance N (component 'name')", for messages.
    public var label: String { "step '\(stepID)' instance \(instance) (\(kind) '\(componentName)')" }

    /// The `sh_ctx *` handed to the plugin.
    public var opaque: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// Calls `body` with the context behind `ctx`, without retaining it (the
    /// runtime keeps it alive for as long as the plugin may call).
    @inline(__always)
    static func borrowing<R>(_ ctx: OpaquePointer, _ body: (InstanceContext) -> R) -> R {
        Unmanaged<InstanceContext>.fromOpaque(UnsafeRawPointer(ctx))._withUnsafeGuaranteedRef(body)
    }

    static func from(_ ctx: OpaquePointer?) -> InstanceContext? {
        guard let ctx else { return nil }
        return Unmanaged<InstanceContext>.fromOpaque(UnsafeRawPointer(ctx)).takeUnretainedValue()
    }

    // MARK: Callbacks and the thread rule

    /// Runs `body` as a callback of this instance on the calling thread:
    /// host-API calls with this context are valid until it returns (ABI
    /// rule 8). Every call into the plugin with a ctx goes through here
    /// (`ComponentInstance`, `Migrator`, the test harness). Nests: a callback
    /// of another instance run inside it leaves this one current again when
    /// it returns.
    @inline(__always)
    public func runCallback<R>(_ body: () throws -> R) rethrows -> R {
        callbackError = nil
        let previous = sh_host_thread_enter(UnsafeRawPointer(opaque))
        defer { _ = sh_host_thread_enter(previous) }
        return try body()
    }

    /// Whether the calling thread is running a callback of the instance
    /// `ctx` names: one thread-local load and a compare, made by every
    /// host-API call that is valid only inside a callback.
    @inline(__always)
    static func isCurrent(_ ctx: OpaquePointer) -> Bool {
        sh_host_thread_current() == UnsafeRawPointer(ctx)
    }

    /// Refuses a host-API call made outside the callbacks of `ctx`'s
    /// instance (`isCurrent` was false): SH_WRONG_THREAD, and the job fails
    /// with a message naming the call. Runs on whatever thread made the
    /// call, so it writes nothing the instance's thread owns (not even
    /// last_error): it only reads the instance's names and phase (a call
    /// after close keeps its own status, SH_CLOSED for the emit family).
    @inline(never)
    static func refuse(_ ctx: OpaquePointer, _ function: StaticString, closedStatus: sh_status? = nil) -> sh_status {
        let context = borrowing(ctx) { $0 }
        let closed = context.phase == .closed || context.phase == .destroyed
        if closed, let closedStatus {
            context.onViolation("\(context.label) called \(function) after close; nothing may be emitted once close "
                + "has returned")
            return closedStatus
        }
        let when: String
        if let running = sh_host_thread_current() {
            let other = Unmanaged<InstanceContext>.fromOpaque(running).takeUnretainedValue()
            when = "inside a callback of \(other.label), with another instance's ctx"
        } else if closed {
            when = "after close (or in destroy), outside of any callback"
        } else {
            when = "outside of its callbacks (from a thread of its own, or after a callback returned)"
        }
        context.onViolation("\(context.label) called \(function) \(when): host calls with a ctx are valid only "
            + "inside a callback of its instance, on the thread that runs it (ABI rule 8; it returned "
            + "SH_WRONG_THREAD). Other threads may call only wakeup, log, processing_time, alloc and free: hand "
            + "records to the instance's thread and call host->wakeup")
        return Status.wrongThread
    }

    // MARK: Output

    /// Whether emitting is allowed now; reports the breach otherwise. The
    /// host API checked the thread rule before.
    func checkEmit(_ what: String) -> sh_status {
        if let refused = refuseInMigrate(what) { return refused }
        if kind == .sink {
            breach("\(label) called \(what), but sinks have no output")
            return Status.invalid
        }
        if let emitRefusal {
            breach("\(label) called \(what) \(emitRefusal)")
            return Status.invalid
        }
        switch phase {
        case .closed, .destroyed:
            breach("\(label) called \(what) after close; nothing may be emitted once close has returned")
            return Status.closed
        case .created, .open:
            return Status.ok
        }
    }

    /// SH_INVALID, with a breach that fails the job, for `function` called
    /// inside migrate; nil outside migrate. Valid in migrate: set_error,
    /// last_error, log, alloc, free, processing_time, current_watermark
    /// (INT64_MIN), the config getters (the step's config), counters and
    /// wakeup (SDK/README.md, "migrate").
    @inline(__always)
    func refuseInMigrate(_ function: String) -> sh_status? {
        guard isMigrating else { return nil }
        breach("\(label) called \(function) inside migrate, which may only rewrite the bytes it is given and "
            + "return them: no output, keyed state, timers or topics there")
        return Status.invalid
    }

    /// Reports a breach of the ABI rules: last_error, and the job fails.
    func breach(_ message: String) {
        setLastHostError(message)
        onViolation(message)
    }

    @inline(__always)
    func emit(_ record: UnsafePointer<sh_record>) -> sh_status {
        let status = checkEmit("emit")
        guard status == Status.ok else { return status }
        let r = record.pointee
        let key = r.key.map { UnsafeRawBufferPointer(start: $0, count: r.key_len) }
        let value = r.value.map { UnsafeRawBufferPointer(start: $0, count: r.value_len) }
        current.append(timestamp: r.timestamp, key: key, value: value)
        emittedCount += 1
        if current.count >= batchRecordsMax || current.byteCount >= batchBytesMax { sealCurrent() }
        return Status.ok
    }

    func emit(batch: UnsafePointer<sh_batch>) -> sh_status {
        let status = checkEmit("emit_batch")
        guard status == Status.ok else { return status }
        let b = batch.pointee
        if b.struct_size >= PluginABI.batchSize13,
           b.format == UInt32(SH_FORMAT_COLUMNS) || b.selection != nil || b.headers != nil {
            return emitWhole(b)
        }
        guard b.count == 0 || (b.timestamps != nil && b.value_offsets != nil) else {
            setLastHostError("emit_batch: timestamps and value_offsets must not be NULL")
            return Status.invalid
        }
        guard b.count > 0 else { return Status.ok }
        if current.count > 0 && current.count + Int(b.count) > batchRecordsMax { sealCurrent() }
        current.append(
            count: Int(b.count), timestamps: b.timestamps, keyOffsets: b.key_offsets, keys: b.keys,
            valueOffsets: b.value_offsets, values: b.values, flags: b.flags)
        emittedCount += Int(b.count)
        if current.count >= batchRecordsMax || current.byteCount >= batchBytesMax { sealCurrent() }
        return Status.ok
    }

    private func sealCurrent() {
        current.seal()
        sealed.append(current)
        current = RecordBatch(recordCapacity: batchRecordsMax, valueBytesCapacity: 64 * 1024)
    }

    /// Appends a batch made whole (typed columns, a selection, headers)
    /// after what was emitted before it, counting its records.
    func appendOutput(_ batch: RecordBatch) {
        if current.count > 0 { sealCurrent() }
        guard batch.recordCount > 0 else { return }
        batch.seal()
        sealed.append(batch)
        emittedCount += batch.recordCount
    }

    /// Whether a full batch is waiting: a source should stop polling.
    public var hasFullBatch: Bool { !sealed.isEmpty }

    /// Records in the batch being built.
    public var pendingRecordCount: Int { current.count }

    /// Takes every batch emitted so far, sealing the one being built.
    public func takeOutput() -> [RecordBatch] {
        if current.count > 0 { sealCurrent() }
        let out = sealed
        sealed.removeAll(keepingCapacity: true)
        return out
    }

    /// Takes only the full batches, leaving a partial one to grow.
    public func takeFullBatches() -> [RecordBatch] {
        let out = sealed
        sealed.removeAll(keepingCapacity: true)
        return out
    }

    // MARK: Errors, rejects, logs

    func setError(_ message: String) { callbackError = message }

    func setLastHostError(_ message: String) {
        free(lastHostError)
        lastHostError = strdup(message)
    }

    var lastErrorPointer: UnsafePointer<CChar> {
        if let lastHostError { return UnsafePointer(lastHostError) }
        setLastHostError("")
        return UnsafePointer(lastHostError!)
    }

    func unsupported(_ function: String, service: String) -> sh_status {
        setLastHostError("\(function) is not implemented by this host (streamhost \(HostAPI.hostVersion), "
            + "ABI \(PluginABI.versionString)): the \(service) service is not available yet; "
            + "`streamhost plugin inspect` lists the services this host implements")
        return Status.unsupported
    }

    func reject(_ record: UnsafePointer<sh_record>, reason: String) -> sh_status {
        if let refused = refuseInMigrate("reject") { return refused }
        let r = record.pointee
        let key = r.key.map { Array(UnsafeBufferPointer(start: $0, count: r.key_len)) }
        let value = r.value.map { Array(UnsafeBufferPointer(start: $0, count: r.value_len)) }
        onReject(RejectedRecord(
            stepID: stepID, instance: instance, reason: reason, timestamp: r.timestamp, key: key, value: value))
        return Status.ok
    }

    // MARK: Config

    func configValue(_ key: String) -> JSONValue? {
        config.value(atPath: key)
    }

    func configString(_ key: String) -> (sh_status, UnsafePointer<CChar>?) {
        if let cached = configStrings[key] { return (Status.ok, UnsafePointer(cached)) }
        guard let value = configValue(key) else {
            setLastHostError("config has no '\(key)'")
            return (Status.notFound, nil)
        }
        guard case .string(let string) = value else {
            setLastHostError("config '\(key)' is \(value.typeName), not a string")
            return (Status.wrongType, nil)
        }
        let pointer = strdup(string)!
        configStrings[key] = pointer
        return (Status.ok, UnsafePointer(pointer))
    }

    /// A typed config look-up for the `config_*` functions: SH_NOT_FOUND
    /// for an absent key, SH_WRONG_TYPE when `extract` finds another type.
    func configTyped<T>(
        _ key: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<T>?, expected: String,
        extract: (JSONValue) -> T?
    ) -> sh_status {
        guard let key, let out else { return Status.invalid }
        let name = String(cString: key)
        guard let value = configValue(name) else {
            setLastHostError("config has no '\(name)'")
            return Status.notFound
        }
        guard let typed = extract(value) else {
            setLastHostError("config '\(name)' is \(value.typeName), not \(expected)")
            return Status.wrongType
        }
        out.pointee = typed
        return Status.ok
    }

    /// Any config value as JSON text; nil or "" key: the whole config.
    func configJSON(_ key: String?) -> (sh_status, UnsafePointer<CChar>?, Int) {
        let cacheKey = "\u{0}json:" + (key ?? "")
        if let cached = configStrings[cacheKey] { return (Status.ok, UnsafePointer(cached), strlen(cached)) }
        let value: JSONValue
        if let key, !key.isEmpty {
            guard let found = configValue(key) else {
                setLastHostError("config has no '\(key)'")
                return (Status.notFound, nil, 0)
            }
            value = found
        } else {
            value = config
        }
        let pointer = strdup(value.serialized())!
        configStrings[cacheKey] = pointer
        return (Status.ok, UnsafePointer(pointer), strlen(pointer))
    }

    // MARK: Log services

    /// Runs a log service call: SH_UNSUPPORTED without a log, the error's
    /// status and message (for last_error) when it fails.
    func logCall(_ function: String, _ body: (any LogServices) throws(LogServiceError) -> Void) -> sh_status {
        if let refused = refuseInMigrate(function) { return refused }
        guard let logServices else {
            setLastHostError("\(function): this job runs without the durable log (no data directory was given to "
                + "the host)")
            return Status.unsupported
        }
        do {
            try body(logServices)
            return Status.ok
        } catch {
            setLastHostError("\(function): \(error.message)")
            return error.status
        }
    }

    func keep(_ reader: HostLogReader) { logReaders[ObjectIdentifier(reader)] = reader }
    func release(_ reader: HostLogReader) { logReaders[ObjectIdentifier(reader)] = nil }
    func keep(_ transaction: HostLogTransaction) { logTransactions[ObjectIdentifier(transaction)] = transaction }
    func release(_ transaction: HostLogTransaction) { logTransactions[ObjectIdentifier(transaction)] = nil }

    /// The log's id for a plugin's transactional id: scoped by job and step,
    /// so two jobs (or steps) using the same id never fence each other.
    func scopedTransactionalId(_ id: String) -> String { "\(jobName)/\(stepID)/\(id)" }

    // MARK: Counters

    func registerCounter(_ name: String) -> sh_counter_id {
        if let index = counterNames.firstIndex(of: name) { return sh_counter_id(index) }
        counterNames.append(name)
        counterValues.append(0)
        return sh_counter_id(counterNames.count - 1)
    }

    func addToCounter(_ id: sh_counter_id, _ delta: Int64) {
        guard Int(id) < counterValues.count else {
            setLastHostError("counter_add: unknown counter id \(id)")
            return
        }
        counterValues[Int(id)] &+= delta
    }
}
