import StreamhostABI

/// Operator-level state, written at each checkpoint and read back before
/// `open` on a restored run (keyed state and timers need nothing here: the
/// host snapshots them). Sets the vtable's `snapshot` and `restore`.
///
/// # Thread safety
/// Called on the instance's task thread, like every instance callback (see
/// `Component`).
///
/// # Ownership
/// `restore`'s `data` is BORROWED for the call.
public protocol Snapshotting: Component {
    /// Returns the operator-level state for checkpoint `checkpointID`, or
    /// `nil` for none. The host may call `onCheckpoint` for the same
    /// checkpoint before it (see SDK/README.md, "Checkpoints").
    func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]?

    /// Reads back a blob written by `snapshot`, of `stateVersion` (the
    /// component's current one: `Migrating.migrate` has run when the
    /// versions differed). At a changed parallelism every instance gets
    /// every old instance's blob, one call each.
    func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws
}

/// Rewrites state written with another `stateVersion` into the current
/// layout. Without it the host refuses every version change (its message
/// says the component has no migrate callback). Sets the vtable's
/// `migrate`.
///
/// # Thread safety
/// Called without an instance, possibly on several threads at once (the
/// header does not serialize migrate).
public protocol Migrating: Component {
    /// Rewrites one piece of state written with an older (or newer)
    /// `stateVersion` into the current layout and returns it; throw to
    /// refuse (`PluginError.cannotMigrate` names the versions), which stops
    /// the restore before any record moves. `context` is valid for the call
    /// only; the host calls that are valid in it are listed in
    /// SDK/README.md ("migrate").
    static func migrate(_ migration: Migration, context: Context) throws -> [UInt8]
}

/// Told of every watermark of the instance (after its event-time timers up
/// to it fired); the host forwards the watermark after this returns, and
/// without it forwards all the same. Sets the vtable's `on_watermark`
/// (operators and sinks only: a source's watermarks come from the host's
/// strategy or `emitWatermark`).
///
/// # Thread safety
/// Called on the instance's task thread.
public protocol WatermarkHandling: Component {
    /// The instance's event time moved to `watermark`.
    func onWatermark(_ watermark: Int64, context: Context) throws
}

/// Required of a component that registers timers: without it the host
/// refuses `timer_register`. Sets the vtable's `on_timer` (operators and
/// sinks only).
///
/// # Thread safety
/// Called on the instance's task thread.
public protocol TimerHandling: Component {
    /// A timer the instance registered fired.
    func onTimer(_ timer: Timer, context: Context) throws
}

/// The checkpoint protocol, for sinks that commit (two-phase commit). Sets
/// the vtable's `on_checkpoint`, `on_checkpoint_complete` and
/// `on_checkpoint_abort`; each defaults to nothing.
///
/// # Thread safety
/// Called on the instance's task thread.
public protocol CheckpointHooks: Component {
    /// The checkpoint barrier `checkpointID` reached this instance: the
    /// pre-commit (flush, and set aside what the checkpoint covers).
    /// Called only when the job takes checkpoints
    /// (`TaskInfo.checkpointIntervalMs > 0`), before `snapshot` of the same
    /// checkpoint.
    func onCheckpoint(_ checkpointID: Int64, context: Context) throws

    /// Checkpoint `checkpointID` is complete everywhere: commit what was
    /// pre-committed for it (and for earlier ones still pending).
    func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws

    /// Checkpoint `checkpointID` failed. What was pre-committed for it is
    /// usually kept for the next checkpoint that completes.
    func onCheckpointAbort(_ checkpointID: Int64, context: Context) throws
}

extension CheckpointHooks {
    public func onCheckpoint(_ checkpointID: Int64, context: Context) throws {}
    public func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws {}
    public func onCheckpointAbort(_ checkpointID: Int64, context: Context) throws {}
}

/// The optional callbacks a component type implements: which protocols of
/// this file it conforms to, found when its registration is built.
public struct OptionalCallbacks: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `Snapshotting`: snapshot and restore.
    public static let snapshot = OptionalCallbacks(rawValue: 1 << 0)
    /// `Migrating`: migrate.
    public static let migrate = OptionalCallbacks(rawValue: 1 << 1)
    /// `WatermarkHandling`: on_watermark.
    public static let watermark = OptionalCallbacks(rawValue: 1 << 2)
    /// `TimerHandling`: on_timer.
    public static let timer = OptionalCallbacks(rawValue: 1 << 3)
    /// `CheckpointHooks`: on_checkpoint, on_checkpoint_complete and
    /// on_checkpoint_abort.
    public static let checkpointHooks = OptionalCallbacks(rawValue: 1 << 4)

    /// The protocols `type` conforms to (run-time conformance checks).
    public static func implemented(by type: any Component.Type) -> OptionalCallbacks {
        var callbacks: OptionalCallbacks = []
        if type is any Snapshotting.Type { callbacks.insert(.snapshot) }
        if type is any Migrating.Type { callbacks.insert(.migrate) }
        if type is any WatermarkHandling.Type { callbacks.insert(.watermark) }
        if type is any TimerHandling.Type { callbacks.insert(.timer) }
        if type is any CheckpointHooks.Type { callbacks.insert(.checkpointHooks) }
        return callbacks
    }
}
