#if canImport(Glibc)
import Glibc
#endif
import Core
import StreamhostABI

/// A plugin callback that failed: which one, on which instance, and why.
public struct PluginCallError: Error, CustomStringConvertible, Sendable {
    public let stepID: String
    public let instance: Int
    public let component: String
    public let pluginPath: String
    public let callback: String
    public let message: String

    public var description: String {
        "step '\(stepID)' instance \(instance) failed in \(callback) (component '\(component)' from \(pluginPath)): \(message)"
    }
}

/// What a source's poll reported.
public enum PollOutcome: Sendable { case emitted, idle, end }

/// One live instance of a component: calls the plugin's vtable with the
/// instance's context and turns statuses into Swift errors.
///
/// # Thread safety
/// Not thread-safe: the runtime calls an instance from one thread at a
/// time (ABI rule 8).
public final class ComponentInstance: @unchecked Sendable {
    public let component: Component
    public let context: InstanceContext
    private(set) var instancePointer: UnsafeMutableRawPointer?
    private var destroyed = false
    private var taskInfo = sh_task_info()
    /// ABI 1.3: the format process receives (the runtime sets it before
    /// open, from the plan), and the one the steps after this one take.
    public var inputFormat = DataFormats.bytes
    public var outputFormat = DataFormats.bytes
    /// Reads a byte batch into the columns of the input's schema, sending
    /// rows that do not fit to the dead letters: set by the runtime for an
    /// instance whose input format is columns.
    public var decodeInput: ((RecordBatch) -> RecordBatch)?
    /// Reads the byte batch of input `input` against the declared schema of
    /// the source it comes from, sending rows that do not fit to the dead
    /// letters (the batch comes back as columns, written as JSON for
    /// process): set by the runtime for a bytes-only step, per input.
    public var checkInput: ((RecordBatch, Int) -> RecordBatch)?

    /// Calls the component's create with the context's config.
    public init(component: Component, context: InstanceContext) throws(PluginCallError) {
        self.component = component
        self.context = context
        context.handlesTimers = component.vtable.pointee.on_timer != nil
        let configText = context.config.serialized()
        var out: UnsafeMutableRawPointer?
        let status = call("create") {
            configText.withCString { text in
                component.vtable.pointee.create(context.opaque, component.raw, text, strlen(text), &out)
            }
        }
        try check(status, "create")
        instancePointer = out
    }

    deinit { destroy() }

    @inline(__always)
    func call(_ name: StaticString, _ body: () -> sh_status) -> sh_status {
        context.runCallback {
            if let store = context.keyedState { store.processingTime = context.clock() }
            return body()
        }
    }

    func check(_ status: sh_status, _ callback: String) throws(PluginCallError) {
        guard status != Status.ok else { return }
        let message = context.callbackError
            ?? "returned \(Status.name(status)) without calling set_error"
        throw PluginCallError(
            stepID: context.stepID, instance: context.instance, component: component.name,
            pluginPath: component.pluginPath, callback: callback, message: message)
    }

    /// Calls open (if the component has it) with the task's placement.
    public func open(
        instance: Int, parallelism: Int, maxParallelism: Int, keyGroups: ClosedRange<Int>, inputCount: Int,
        checkpointIntervalMs: Int64 = 0
    ) throws(PluginCallError) {
        taskInfo.struct_size = UInt32(MemoryLayout<sh_task_info>.size)
        taskInfo.instance = UInt32(instance)
        taskInfo.parallelism = UInt32(parallelism)
        taskInfo.max_parallelism = UInt32(maxParallelism)
        taskInfo.key_group_first = UInt32(keyGroups.lowerBound)
        taskInfo.key_group_last = UInt32(keyGroups.upperBound)
        taskInfo.input_count = UInt32(inputCount)
        taskInfo.job_name = UnsafePointer(context.jobNameC)
        taskInfo.step_id = UnsafePointer(context.stepIDC)
        taskInfo.checkpoint_interval_ms = checkpointIntervalMs
        taskInfo.input_format = component.kind == .source ? 0 : inputFormat.rawValue
        taskInfo.output_format = component.kind == .sink ? 0 : outputFormat.rawValue
        context.phase = .open
        context.place(maxParallelism: maxParallelism, keyGroups: keyGroups)
        guard let open = component.vtable.pointee.open else { return }
        let status = call("open") { withUnsafePointer(to: &taskInfo) { open(instancePointer, context.opaque, $0) } }
        try check(status, "open")
    }

    /// Hands one batch to process (operators and sinks) in a format the
    /// component takes: typed columns are written as JSON for a bytes-only
    /// component, byte values read into columns for one planned to read
    /// columns (`decodeInput`); byte batches never reach process with a
    /// selection.
    public func process(_ batch: RecordBatch, input: Int) throws(PluginCallError) {
        let takes = component.inputFormats
        let delivered: RecordBatch
        if batch.hasColumnValues, takes.contains(.columns) {
            delivered = batch
        } else if inputFormat == .columns, let decodeInput {
            // Bytes of a known schema for a step planned to read columns
            // (it may take bytes too): converted at this edge.
            delivered = decodeInput(batch)
        } else if takes.contains(.bytes) {
            // Also applies a byte batch's selection: byte readers get
            // their records compacted.
            let checked = batch.hasColumnValues ? batch : checkInput?(batch, input) ?? batch
            delivered = checked.convertedToBytes()
        } else {
            guard let decodeInput else {
                preconditionFailure("\(context.label) takes only columns but the plan gave it no schema to read bytes with")
            }
            delivered = decodeInput(batch)
        }
        guard delivered.recordCount > 0 || batch.recordCount == 0 else { return }
        let process = component.vtable.pointee.process!
        context.currentInput = delivered
        defer { context.currentInput = nil }
        let status = call("process") {
            delivered.withABIBatch(input: input) { raw in process(instancePointer, context.opaque, raw) }
        }
        try check(status, "process")
    }

    /// Asks a source for up to `max` records.
    public func poll(max: Int) throws(PluginCallError) -> PollOutcome {
        let poll = component.vtable.pointee.poll!
        let status = call("poll") { poll(instancePointer, context.opaque, UInt32(clamping: max)) }
        switch status {
        case Status.ok: return .emitted
        case Status.idle: return .idle
        case Status.end: return .end
        default:
            try check(status, "poll")
            return .emitted
        }
    }

    /// Moves the instance's event time to `watermark`: fires its event-time
    /// timers up to it in time order, then calls on_watermark. The caller
    /// forwards the watermark downstream afterwards.
    public func advanceWatermark(to watermark: Int64) throws(PluginCallError) {
        context.currentWatermark = watermark
        if let store = context.keyedState { try fireTimers(store, .eventTime, notAfter: watermark) }
        guard let onWatermark = component.vtable.pointee.on_watermark else { return }
        let status = call("on_watermark") { onWatermark(instancePointer, context.opaque, watermark) }
        try check(status, "on_watermark")
    }

    /// Fires the processing-time timers due at `now`; returns the time of
    /// the next one, if any.
    public func fireProcessingTimers(now: Int64) throws(PluginCallError) -> Int64? {
        guard let store = context.keyedState else { return nil }
        try fireTimers(store, .processingTime, notAfter: now)
        return earliestProcessingTimer()
    }

    /// The time of the instance's earliest processing-time timer, if any:
    /// after a restore, the timers the checkpoint kept.
    public func earliestProcessingTimer() -> Int64? {
        guard let store = context.keyedState else { return nil }
        do {
            return try store.earliestTimer(.processingTime)
        } catch {
            context.fatal("\(context.label): reading its timers failed: \(error)")
            return nil
        }
    }

    private func fireTimers(_ store: any KeyedStateService, _ domain: TimerDomain, notAfter limit: Int64)
        throws(PluginCallError)
    {
        guard let onTimer = component.vtable.pointee.on_timer else { return }
        while true {
            let fired: DueTimer?
            do {
                fired = try store.popTimer(domain, notAfter: limit)
            } catch {
                context.fatal("\(context.label): reading its timers failed: \(error)")
                return
            }
            guard let fired else { return }
            let status = call("on_timer") {
                fired.key.withUnsafeBufferPointer { key in
                    var timer = sh_timer(
                        struct_size: UInt32(MemoryLayout<sh_timer>.size),
                        domain: domain == .eventTime ? SH_TIME_EVENT : SH_TIME_PROCESSING,
                        time: fired.time, key: key.baseAddress ?? HostAPI.emptyBytes, key_len: key.count)
                    return onTimer(instancePointer, context.opaque, &timer)
                }
            }
            try check(status, "on_timer")
        }
    }

    /// Calls close: end of input; the component flushes. Emitting is
    /// allowed during close and refused afterwards.
    public func close() throws(PluginCallError) {
        defer { context.phase = .closed }
        guard let close = component.vtable.pointee.close else { return }
        let status = call("close") { close(instancePointer, context.opaque) }
        try check(status, "close")
    }

    /// Calls destroy once; later calls do nothing.
    public func destroy() {
        guard !destroyed else { return }
        destroyed = true
        if context.phase != .closed { context.phase = .closed }
        component.vtable.pointee.destroy(instancePointer)
        context.phase = .destroyed
        instancePointer = nil
        context.keyedState?.close()
    }
}
