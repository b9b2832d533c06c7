import Columns
import StreamhostABI

/// What every component type (source, operator, sink) declares and does;
/// conform to `Source`, `Operator` or `Sink` rather than to this.
///
/// The static members become the C `sh_component` the host reads; the
/// instance members (and `migrate`) are called through the vtable the kit
/// builds. Only `name`, `description`, `init(context:config:)` and the
/// kind's data callback are required: the others have defaults that match
/// the header's defaults for a NULL callback.
///
/// # Thread safety
/// The host calls one instance from one thread at a time (never
/// concurrently), in this order: `init` → [`restore`] → `open` → data
/// callbacks, `snapshot` and the checkpoint callbacks → `close` → deinit. Different instances of the
/// same type run on different threads at once: instances must not share
/// mutable state without a lock. Host services (`Context`) are valid only
/// inside the callback that received them.
///
/// # Ownership
/// The kit retains the instance once when the host creates it and releases
/// it when the host destroys it: a final class's `deinit` runs at destroy,
/// also when `close` was skipped (failure or cancellation), and must call
/// nothing of the host. No callback in between retains or releases it.
public protocol Component: AnyObject {
    /// The component's name, unique per kind among all loaded plugins.
    static var name: String { get }

    /// One line saying what it does.
    static var description: String { get }

    /// The JSON Schema (an object schema) of its config, or `nil` for no
    /// config. Default: `nil`.
    static var configSchema: String? { get }

    /// The version of the operator state layout written by `snapshot`, from
    /// 1. Default: 1.
    static var stateVersion: UInt32 { get }

    /// The record formats `process` accepts (ABI 1.3): `.bytes`, or
    /// `.columns` too (then read `Batch.isColumnar` per batch). Default:
    /// `.bytes`.
    static var inputFormats: RecordFormats { get }

    /// The record formats the component emits (ABI 1.3). Default: `.bytes`.
    static var outputFormats: RecordFormats { get }

    /// The schema of what an instance configured with `configJSON` (the
    /// validated config, an object's text) emits when it reads records of
    /// `input` (nil: not known), answered at plan time so that `validate`
    /// shows it and the steps after it can be planned on columns (ABI 1.3
    /// `output_schema_of_input`). nil: no fixed schema. Called without an
    /// instance or context, possibly on several threads at once: no host
    /// services. Default: nil.
    static func outputSchema(configJSON: String, input: Schema?) -> Schema?

    /// Creates an instance from the validated config with defaults filled in.
    /// Throw to refuse: the message becomes the job's error.
    init(context: Context, config: Config) throws

    /// Called once before data flows. Default: nothing.
    func open(context: Context, info: TaskInfo) throws

    /// End of input: flush everything; emitting is still allowed. Not
    /// called on failure or cancellation. Default: nothing.
    func close(context: Context) throws

    /// Returns the operator-level state for checkpoint `checkpointID`, or
    /// `nil` for none. Default: `nil`.
    func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]?

    /// Reads back a blob written by `snapshot`, of `stateVersion` (the
    /// component's current one). `data` is BORROWED for the call. Default:
    /// the state is ignored.
    func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws

    /// The checkpoint barrier `checkpointID` reached this instance: the
    /// pre-commit of a two-phase commit (flush, and set aside what the
    /// checkpoint covers). Called only when the job takes checkpoints
    /// (`TaskInfo.checkpointIntervalMs > 0`); the host may call `snapshot`
    /// for the same checkpoint before or after it. Default: nothing.
    func onCheckpoint(_ checkpointID: Int64, context: Context) throws

    /// Checkpoint `checkpointID` is complete everywhere: commit what was
    /// pre-committed for it (and for earlier ones still pending). Default:
    /// nothing.
    func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws

    /// Checkpoint `checkpointID` failed. What was pre-committed for it is
    /// usually kept for the next checkpoint that completes. Default: nothing.
    func onCheckpointAbort(_ checkpointID: Int64, context: Context) throws

    /// The instance's event time moved to `watermark` (its event-time
    /// timers up to it have fired). The host forwards the watermark after
    /// this returns. Default: nothing.
    func onWatermark(_ watermark: Int64, context: Context) throws

    /// A timer the instance registered fired. Default: throws (a component
    /// that registers timers must handle them).
    func onTimer(_ timer: Timer, context: Context) throws

    /// Rewrites one piece of state written with an older (or newer)
    /// `stateVersion` into the current layout and returns it; throw to
    /// refuse, which stops the restore before any record moves. Called
    /// without an instance, possibly on several threads at once (the header
    /// does not serialize migrate), with a context valid for the call only.
    /// Default: refuses every version change with
    /// `PluginError.cannotMigrate`.
    static func migrate(_ migration: Migration, context: Context) throws -> [UInt8]
}

extension Component {
    public static var configSchema: String? { nil }
    public static var stateVersion: UInt32 { 1 }
    public static var inputFormats: RecordFormats { .bytes }
    public static var outputFormats: RecordFormats { .bytes }
    public static func outputSchema(configJSON: String, input: Schema?) -> Schema? { nil }
    public func open(context: Context, info: TaskInfo) throws {}
    public func close(context: Context) throws {}
    public func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]? { nil }
    public func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws {}
    public func onCheckpoint(_ checkpointID: Int64, context: Context) throws {}
    public func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws {}
    public func onCheckpointAbort(_ checkpointID: Int64, context: Context) throws {}
    public func onWatermark(_ watermark: Int64, context: Context) throws {}
    public func onTimer(_ timer: Timer, context: Context) throws {
        throw PluginError.failed("\(Self.name): a timer fired, but the component does not implement onTimer")
    }
    public static func migrate(_ migration: Migration, context: Context) throws -> [UInt8] {
        throw PluginError.cannotMigrate(
            component: name, fromVersion: migration.fromVersion, toVersion: migration.toVersion)
    }
}
