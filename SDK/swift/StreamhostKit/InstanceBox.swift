import StreamhostABI

/// The object behind the `void *self` the host passes to every callback:
/// the user's instance plus the host table, behind one class dispatch.
///
/// C function pointers cannot be generic, so the vtable thunks are written
/// once for all component types and reach the user's type through this
/// class's overridable methods; `ComponentBox` and its subclasses are the
/// generic implementations.
///
/// # Thread safety
/// Called by one host thread at a time, like the instance it holds.
///
/// # Ownership
/// Retained once by create (`Unmanaged.passRetained`) and released by
/// destroy; the thunks borrow it with `_withUnsafeGuaranteedRef`, so no
/// callback in between retains or releases anything.
class InstanceBox {
    /// The host table the instance was created with.
    final let host: UnsafePointer<sh_host_api>

    init(host: UnsafePointer<sh_host_api>) {
        self.host = host
    }

    func open(_ context: Context, _ info: TaskInfo) throws {
        preconditionFailure("InstanceBox is abstract")
    }

    func process(_ batch: Batch, _ context: Context) throws {
        preconditionFailure("process called on a component that is neither an operator nor a sink")
    }

    func poll(_ max: Int, _ context: Context) throws -> PollResult {
        preconditionFailure("poll called on a component that is not a source")
    }

    func close(_ context: Context) throws {
        preconditionFailure("InstanceBox is abstract")
    }

    func snapshot(_ checkpointID: Int64, _ context: Context) throws -> [UInt8]? {
        preconditionFailure("InstanceBox is abstract")
    }

    func restore(_ stateVersion: UInt32, _ data: UnsafeRawBufferPointer, _ context: Context) throws {
        preconditionFailure("InstanceBox is abstract")
    }

    func onWatermark(_ watermark: Int64, _ context: Context) throws {
        preconditionFailure("InstanceBox is abstract")
    }

    func onCheckpoint(_ event: CheckpointEvent, _ checkpointID: Int64, _ context: Context) throws {
        preconditionFailure("InstanceBox is abstract")
    }

    func onTimer(_ timer: Timer, _ context: Context) throws {
        preconditionFailure("InstanceBox is abstract")
    }
}

/// Which checkpoint callback the host made: on_checkpoint,
/// on_checkpoint_complete or on_checkpoint_abort.
enum CheckpointEvent {
    case barrier, complete, abort
}

/// The callbacks every kind shares, for one component type.
///
/// The optional callbacks reach the instance through its conformances,
/// cast once here: the vtable sets a member only when its registration
/// says the type conforms (`OptionalCallbacks`), so a missing conformance
/// is never called; should a host call one all the same, the error says so.
class ComponentBox<Instance: Component>: InstanceBox {
    final let instance: Instance
    private final let snapshotting: (any Snapshotting)?
    private final let watermarks: (any WatermarkHandling)?
    private final let timers: (any TimerHandling)?
    private final let checkpointHooks: (any CheckpointHooks)?

    init(instance: Instance, host: UnsafePointer<sh_host_api>) {
        self.instance = instance
        snapshotting = instance as? any Snapshotting
        watermarks = instance as? any WatermarkHandling
        timers = instance as? any TimerHandling
        checkpointHooks = instance as? any CheckpointHooks
        super.init(host: host)
    }

    final override func open(_ context: Context, _ info: TaskInfo) throws {
        try instance.open(context: context, info: info)
    }

    final override func close(_ context: Context) throws {
        try instance.close(context: context)
    }

    final override func snapshot(_ checkpointID: Int64, _ context: Context) throws -> [UInt8]? {
        try conformance(snapshotting, "Snapshotting", "snapshot").snapshot(checkpointID: checkpointID, context: context)
    }

    final override func restore(_ stateVersion: UInt32, _ data: UnsafeRawBufferPointer, _ context: Context) throws {
        try conformance(snapshotting, "Snapshotting", "restore").restore(
            stateVersion: stateVersion, data: data, context: context)
    }

    final override func onWatermark(_ watermark: Int64, _ context: Context) throws {
        try conformance(watermarks, "WatermarkHandling", "on_watermark").onWatermark(watermark, context: context)
    }

    final override func onCheckpoint(_ event: CheckpointEvent, _ checkpointID: Int64, _ context: Context) throws {
        let hooks = try conformance(checkpointHooks, "CheckpointHooks", "a checkpoint callback")
        switch event {
        case .barrier: try hooks.onCheckpoint(checkpointID, context: context)
        case .complete: try hooks.onCheckpointComplete(checkpointID, context: context)
        case .abort: try hooks.onCheckpointAbort(checkpointID, context: context)
        }
    }

    final override func onTimer(_ timer: Timer, _ context: Context) throws {
        try conformance(timers, "TimerHandling", "on_timer").onTimer(timer, context: context)
    }

    /// The instance as the protocol of an optional callback; an error when
    /// it does not conform (the kit left that vtable member NULL, so only a
    /// host that read a member of another component's vtable gets here).
    private func conformance<T>(_ value: T?, _ protocolName: String, _ callback: String) throws -> T {
        guard let value else {
            throw PluginError.failed(
                "\(Instance.name): \(callback) was called, but \(Instance.self) does not conform to \(protocolName)")
        }
        return value
    }
}

/// A source instance.
final class SourceBox<Instance: Source>: ComponentBox<Instance> {
    override func poll(_ max: Int, _ context: Context) throws -> PollResult {
        try instance.poll(max: max, context: context)
    }
}

/// An operator instance.
final class OperatorBox<Instance: Operator>: ComponentBox<Instance> {
    override func process(_ batch: Batch, _ context: Context) throws {
        try instance.process(batch, context: context)
    }
}

/// A sink instance.
final class SinkBox<Instance: Sink>: ComponentBox<Instance> {
    override func process(_ batch: Batch, _ context: Context) throws {
        try instance.process(batch, context: context)
    }
}
