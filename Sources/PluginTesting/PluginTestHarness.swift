#if canImport(Glibc)
import Glibc
#endif
import Columns
import Core
import PluginHost
import Runtime
import State
import StreamhostABI
import Synchronization

/// One instance of a component, driven by a test without a job: the
/// deterministic twin of a job's task, as swift-nio's `EmbeddedEventLoop`
/// is of its event loops.
///
/// The instance gets the runtime's own host API (`HostAPI`, the same
/// `InstanceContext` and `ComponentInstance` a job uses, with the thread
/// rule checked), keyed state in the memory backend, and a manual clock:
/// processing time moves only when the test moves it, and event time only
/// with the watermarks the test feeds. Nothing runs in the background;
/// every call returns once the plugin's callbacks have returned, and what
/// they emitted, rejected and counted is then in `emitted`, `rejected` and
/// `counters`.
///
/// A call the plugin fails, or a rule the plugin breaks (a job would fail),
/// throws `PluginTestError`; the instance should then be dropped, as a job
/// would drop it.
///
/// # Thread safety
/// Not thread-safe: one test thread drives it (as one task thread drives an
/// instance in a job).
public final class PluginTestHarness {
    public let component: Component
    public let instance: ComponentInstance
    /// The config the instance got: the test's, with the schema's defaults.
    public let config: JSONValue
    public let maxParallelism: Int

    /// Every record the instance emitted on its main output, in order.
    public private(set) var emitted: [TestRecord] = []
    /// Watermarks a source emitted (`emit_watermark`), in order.
    public private(set) var emittedWatermarks: [Int64] = []
    private let events: Events
    private let backend: MemoryStateBackend
    private let manualClock: ManualProcessingClock
    private var closed = false

    /// The component named `name` in the plugin file at `path`, loaded with
    /// dlopen and checked as the host loads plugins.
    public static func component(_ name: String, plugin path: String) throws(PluginTestError) -> Component {
        let plugin: LoadedPlugin
        do {
            plugin = try PluginLoader.load(path: path)
        } catch {
            throw .load(error)
        }
        return try component(name, in: plugin)
    }

    /// The component named `name` of a plugin linked into the test (its
    /// entry function, called as the host calls a loaded plugin's).
    public static func component(_ name: String, entry: sh_plugin_entry_fn, reportedAs path: String)
        throws(PluginTestError) -> Component
    {
        let plugin: LoadedPlugin
        do {
            plugin = try PluginLoader.load(entry: entry, reportedAs: path)
        } catch {
            throw .load(error)
        }
        return try component(name, in: plugin)
    }

    private static func component(_ name: String, in plugin: LoadedPlugin) throws(PluginTestError) -> Component {
        guard let component = plugin.components.first(where: { $0.name == name }) else {
            throw .unknownComponent(name: name, path: plugin.path, available: plugin.components.map(\.name))
        }
        return component
    }

    /// Creates the instance with `config` (checked against the component's
    /// schema, its defaults filled in, as a job does), restores `snapshot`
    /// when given (migrating it when it has an older state version), and
    /// opens it as instance 0 of 1, owning every key group.
    /// - Parameters:
    ///   - processingTime: where the manual clock starts (ms).
    ///   - inputSchema: for components that take typed columns (ABI 1.3):
    ///     records fed are read into columns of this schema, as a job does
    ///     on a bytes → columns edge (a value that does not fit is rejected).
    ///   - stateMemoryBytesMax: the memory backend's bound, as `state.memory_max`.
    public init(
        component: Component, config: JSONValue = .object(JSONObject()), stepID: String = "test",
        processingTime: Int64 = 0, maxParallelism: Int = 128, inputSchema: Schema? = nil,
        stateMemoryBytesMax: Int? = nil, restoring snapshot: PluginSnapshot? = nil
    ) throws(PluginTestError) {
        precondition(maxParallelism >= 1, "maxParallelism must be at least 1")
        self.component = component
        self.maxParallelism = maxParallelism
        self.config = try Self.checkedConfig(config, for: component)
        events = Events()
        backend = MemoryStateBackend(memoryBytesMax: stateMemoryBytesMax)
        manualClock = ManualProcessingClock(processingTime)

        let context = InstanceContext(
            jobName: "plugin-test", stepID: stepID, instance: 0, kind: component.kind, componentName: component.name,
            config: self.config)
        let events = self.events
        let clock = manualClock
        context.clock = { clock.now }
        context.onReject = { events.reject($0) }
        context.onViolation = { events.violation($0) }
        context.onFatal = { events.fatal($0) }
        context.stateBackend = backend
        context.acceptsSourceWatermarks = true
        do {
            instance = try ComponentInstance(component: component, context: context)
        } catch {
            throw .callback(error)
        }
        if let inputSchema, component.kind != .source {
            guard component.inputFormats.contains(.columns) else {
                throw .misuse("component '\(component.name)' takes only bytes; give no input schema")
            }
            instance.inputFormat = .columns
            let conversion = EdgeConversion(schema: inputSchema, stepID: stepID, instance: 0, reject: { events.reject($0) })
            instance.decodeInput = { conversion.decode($0) }
        } else if component.kind != .source, !component.inputFormats.contains(.bytes) {
            throw .misuse("component '\(component.name)' takes only typed columns: give the harness an input schema")
        }
        if let snapshot { try restore(snapshot) }
        try run { () throws(PluginCallError) in
            try instance.open(instance: 0, parallelism: 1, maxParallelism: maxParallelism,
                              keyGroups: 0...(maxParallelism - 1), inputCount: component.inputCount)
        }
    }

    deinit { instance.destroy() }

    // MARK: Driving the instance

    /// The manual clock's time: processing time as the plugin sees it.
    public var processingTime: Int64 { manualClock.now }

    /// Feeds one batch to process (operators and sinks), on `input`.
    public func process(_ records: [TestRecord], input: Int = 0) throws(PluginTestError) {
        guard component.kind != .source else { throw .misuse("a source has no process callback; call poll") }
        guard input >= 0, input < max(component.inputCount, 1) else {
            throw .misuse("input \(input) is not one of the component's \(component.inputCount) inputs")
        }
        try checkOpen("process")
        let batch = TestRecord.batch(records)
        try run { () throws(PluginCallError) in try instance.process(batch, input: input) }
    }

    /// Polls a source for up to `max` records.
    public func poll(max: Int = 1024) throws(PluginTestError) -> PollOutcome {
        guard component.kind == .source else { throw .misuse("only sources are polled; call process") }
        try checkOpen("poll")
        var outcome = PollOutcome.idle
        try run { () throws(PluginCallError) in outcome = try instance.poll(max: max) }
        return outcome
    }

    /// Moves event time to `watermark`: fires the event-time timers due,
    /// then calls on_watermark (as a job does when a watermark arrives).
    public func advanceWatermark(to watermark: Int64) throws(PluginTestError) {
        try checkOpen("advanceWatermark")
        try run { () throws(PluginCallError) in try instance.advanceWatermark(to: watermark) }
    }

    /// Sets the manual clock to `time` and fires the processing-time timers
    /// due by then.
    public func advanceProcessingTime(to time: Int64) throws(PluginTestError) {
        guard time >= manualClock.now else {
            throw .misuse("processing time does not go back: it is \(manualClock.now), asked for \(time)")
        }
        try checkOpen("advanceProcessingTime")
        manualClock.now = time
        try run { () throws(PluginCallError) in _ = try instance.fireProcessingTimers(now: time) }
    }

    /// Calls close: the end of input; the component flushes.
    public func close() throws(PluginTestError) {
        try checkOpen("close")
        closed = true
        try run { () throws(PluginCallError) in try instance.close() }
    }

    // MARK: Checkpoints

    /// Takes a checkpoint as a job does (on_checkpoint, snapshot, then the
    /// keyed state and timers, then on_checkpoint_complete).
    public func snapshot(checkpointID: Int64 = 1) throws(PluginTestError) -> PluginSnapshot {
        try checkOpen("snapshot")
        var blob: [UInt8]?
        try run { () throws(PluginCallError) in
            try instance.onCheckpoint(checkpointID)
            blob = try instance.snapshot(checkpointID: checkpointID)
        }
        let entries = try keyedEntries()
        try run { () throws(PluginCallError) in try instance.onCheckpointComplete(checkpointID) }
        return PluginSnapshot(
            componentName: component.name, pluginVersion: component.pluginVersion, stateVersion: component.stateVersion,
            checkpointID: checkpointID, operatorBlob: blob, keyedState: entries, maxParallelism: maxParallelism)
    }

    /// Restores `snapshot` before open, migrating each value and the blob
    /// through the component's migrate when its state version is older.
    private func restore(_ snapshot: PluginSnapshot) throws(PluginTestError) {
        guard snapshot.componentName == component.name else {
            throw .misuse("the snapshot is of component '\(snapshot.componentName)', not '\(component.name)'")
        }
        guard snapshot.stateVersion <= component.stateVersion else {
            throw .misuse("the snapshot has state_version \(snapshot.stateVersion) (plugin \(snapshot.pluginVersion)), "
                + "newer than the component's \(component.stateVersion)")
        }
        guard snapshot.maxParallelism == maxParallelism else {
            throw .misuse("the snapshot was taken with maxParallelism \(snapshot.maxParallelism), not \(maxParallelism)")
        }
        let context = instance.context
        let migrating = snapshot.stateVersion < component.stateVersion
        let migrator = Migrator(component: component, fromVersion: snapshot.stateVersion,
                                toVersion: component.stateVersion, fromPluginVersion: snapshot.pluginVersion,
                                context: context)
        if !snapshot.keyedState.isEmpty {
            let store: any KeyedStateStore
            do {
                store = try backend.makeStore(stepID: context.stepID, instance: 0, keyGroups: 0...(maxParallelism - 1))
                for var entry in snapshot.keyedState {
                    if migrating, case .value(let state, let keyGroup, let key, let userKey, let value, let expiresAt) = entry {
                        do throws(PluginCallError) {
                            let migrated = try migrator.migrate(userKey == nil ? .keyedValue : .mapEntry,
                                                                stateName: state.name, key: key, data: value)
                            entry = .value(state: state, keyGroup: keyGroup, key: key, userKey: userKey, value: migrated,
                                           expiresAt: expiresAt)
                        } catch {
                            throw PluginTestError.callback(error)
                        }
                    }
                    try store.insert(entry)
                }
            } catch let error as PluginTestError {
                throw error
            } catch {
                throw .state("restoring the snapshot's keyed state failed: \(error)")
            }
            context.installRestoredStore(store)
        }
        if var blob = snapshot.operatorBlob {
            do {
                if migrating {
                    blob = try migrator.migrate(.operatorBlob, stateName: nil, key: nil, data: blob)
                }
                try instance.restore(stateVersion: component.stateVersion, blob: blob)
            } catch {
                throw .callback(error)
            }
        }
        try collect()
    }

    // MARK: What the instance did

    /// Records sent to `reject` (and to side outputs nothing reads), with
    /// their reasons, in order.
    public var rejected: [RejectedRecord] { events.rejected }

    /// Breaches of the ABI rules seen so far (each also thrown once).
    public var violations: [String] { events.violations }

    /// The instance's counters (`counter_register`/`counter_add`), by name.
    public var counters: [String: Int64] {
        Dictionary(zip(instance.context.counterNames, instance.context.counterValues), uniquingKeysWith: { $1 })
    }

    /// Takes the records emitted so far, leaving `emitted` empty.
    public func takeEmitted() -> [TestRecord] {
        defer { emitted.removeAll() }
        return emitted
    }

    /// Every live keyed-state entry (values and map entries), by state
    /// name, in key-group order.
    public func keyedState() throws(PluginTestError) -> [KeyedStateEntry] {
        try keyedEntries().compactMap { entry in
            guard case .value(let state, _, let key, let userKey, let value, _) = entry else { return nil }
            return KeyedStateEntry(state: state.name, key: key, userKey: userKey, value: value)
        }
    }

    /// The timers set and not yet fired, in key-group order.
    public func pendingTimers() throws(PluginTestError) -> [PendingTimer] {
        try keyedEntries().compactMap { entry in
            guard case .timer(let timer) = entry else { return nil }
            return PendingTimer(eventTime: timer.domain == .eventTime, time: timer.time, key: timer.key)
        }
    }

    private func keyedEntries() throws(PluginTestError) -> [StateEntry] {
        guard let store = instance.context.stateStore else { return [] }
        var entries: [StateEntry] = []
        do {
            try store.forEachEntry(in: 0...(maxParallelism - 1)) { entries.append($0) }
        } catch {
            throw .state("reading the keyed state failed: \(error)")
        }
        return entries
    }

    // MARK: Running callbacks

    private func checkOpen(_ call: String) throws(PluginTestError) {
        guard !closed else { throw .misuse("\(call): the instance was closed") }
    }

    /// Runs callbacks, then collects what they emitted and throws what a
    /// job would fail with.
    private func run(_ body: () throws(PluginCallError) -> Void) throws(PluginTestError) {
        do {
            try body()
        } catch {
            try? collect()
            throw .callback(error)
        }
        try collect()
    }

    private func collect() throws(PluginTestError) {
        let context = instance.context
        for batch in context.takeOutput() { emitted += TestRecord.records(of: batch) }
        for mark in context.takeSourceWatermarkMarks() { emittedWatermarks.append(mark.watermark) }
        if let failure = events.takeUnreported() { throw failure }
    }
}

/// A snapshot of one instance: what a checkpoint keeps of it.
public struct PluginSnapshot: Sendable {
    public var componentName: String
    public var pluginVersion: String
    public var stateVersion: UInt32
    public var checkpointID: Int64
    /// The operator blob (snapshot callback); nil when it wrote none.
    public var operatorBlob: [UInt8]?
    /// Keyed state and timers in the backend-independent form.
    public var keyedState: [StateEntry]
    public var maxParallelism: Int

    public init(componentName: String, pluginVersion: String, stateVersion: UInt32, checkpointID: Int64,
                operatorBlob: [UInt8]?, keyedState: [StateEntry], maxParallelism: Int) {
        self.componentName = componentName
        self.pluginVersion = pluginVersion
        self.stateVersion = stateVersion
        self.checkpointID = checkpointID
        self.operatorBlob = operatorBlob
        self.keyedState = keyedState
        self.maxParallelism = maxParallelism
    }
}

/// One keyed-state entry as a test inspects it.
public struct KeyedStateEntry: Sendable, Hashable {
    public var state: String
    public var key: [UInt8]
    /// The map key; nil for value state.
    public var userKey: [UInt8]?
    public var value: [UInt8]

    public var keyText: String { String(decoding: key, as: UTF8.self) }
    public var valueText: String { String(decoding: value, as: UTF8.self) }
}

/// A timer registered and not yet fired.
public struct PendingTimer: Sendable, Hashable {
    public var eventTime: Bool
    public var time: Int64
    public var key: [UInt8]
}

/// The manual clock of processing time.
final class ManualProcessingClock: Sendable {
    private let time: Mutex<Int64>
    init(_ start: Int64) { time = Mutex(start) }
    var now: Int64 {
        get { time.withLock { $0 } }
        set { time.withLock { $0 = newValue } }
    }
}

/// What the instance reported through its context's callbacks, from any
/// thread (a stray thread's host call reports a violation on that thread).
final class Events: Sendable {
    private struct State {
        var rejected: [RejectedRecord] = []
        var violations: [String] = []
        var unreported: PluginTestError?
    }
    private let state = Mutex(State())

    func reject(_ record: RejectedRecord) { state.withLock { $0.rejected.append(record) } }

    func violation(_ message: String) {
        state.withLock {
            $0.violations.append(message)
            if $0.unreported == nil { $0.unreported = .violation(message) }
        }
    }

    func fatal(_ message: String) {
        state.withLock { if $0.unreported == nil { $0.unreported = .state(message) } }
    }

    var rejected: [RejectedRecord] { state.withLock { $0.rejected } }
    var violations: [String] { state.withLock { $0.violations } }

    func takeUnreported() -> PluginTestError? {
        state.withLock { state in
            defer { state.unreported = nil }
            return state.unreported
        }
    }
}

extension PluginTestHarness {
    /// The config a job would give the instance: `config` with the
    /// schema's defaults, checked against it.
    static func checkedConfig(_ config: JSONValue, for component: Component) throws(PluginTestError) -> JSONValue {
        guard let schema = component.configSchema else {
            if let object = config.objectValue, !object.isEmpty {
                throw .config("component '\(component.name)' takes no config, got fields: "
                    + object.keys.joined(separator: ", "))
            }
            return config
        }
        let filled = schema.applyingDefaults(to: config)
        let violations = schema.validate(filled)
        guard violations.isEmpty else {
            throw .config(violations.map { "\($0.path.isEmpty ? "config" : "config.\($0.path)"): \($0.message)" }
                .joined(separator: "; "))
        }
        return filled
    }
}
