import StreamhostABI

/// What every component type (source, operator, sink) declares and does;
/// conform to `Source`, `Operator` or `Sink` rather than to this.
///
/// The static members become the C `sh_component` the host reads; the
/// instance members are called through the vtable the kit builds. Only
/// `name`, `description`, `init(context:config:)` and the kind's data
/// callback are required; `open` and `close` default to nothing.
///
/// The optional callbacks are protocols of their own (`Snapshotting`,
/// `Migrating`, `WatermarkHandling`, `TimerHandling`, `CheckpointHooks`),
/// as the Rust SDK's optional traits: the kit sets a vtable member only
/// when the type conforms to its protocol (a run-time check when the
/// definition is built) and leaves the others NULL, so the host applies
/// the header's default and `streamhost plugin inspect` lists the
/// callbacks the component really has. A method of the same name without
/// the conformance is never called: declare the conformance
/// (`extension MySink: Snapshotting {}` is enough when the methods exist)
/// and check with `plugin inspect`.
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

    /// Creates an instance from the validated config with defaults filled in.
    /// Throw to refuse: the message becomes the job's error.
    init(context: Context, config: Config) throws

    /// Called once before data flows. Default: nothing.
    func open(context: Context, info: TaskInfo) throws

    /// End of input: flush everything; emitting is still allowed. Not
    /// called on failure or cancellation. Default: nothing.
    func close(context: Context) throws
}

extension Component {
    public static var configSchema: String? { nil }
    public static var stateVersion: UInt32 { 1 }
    public static var inputFormats: RecordFormats { .bytes }
    public static var outputFormats: RecordFormats { .bytes }
    public func open(context: Context, info: TaskInfo) throws {}
    public func close(context: Context) throws {}
}
