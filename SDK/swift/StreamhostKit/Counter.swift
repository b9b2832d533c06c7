import StreamhostABI

/// A counter registered with `Context.counter(named:)`, reported with the
/// job's metrics.
///
/// # Thread safety
/// Call `add` only inside a callback of the instance that registered it, on
/// that callback's thread.
///
/// # Ownership
/// Holds the instance's `sh_ctx`, which stays valid until the instance is
/// destroyed; keep the counter in the instance, not beyond it.
public struct Counter {
    /// The host's id of the counter.
    public let id: sh_counter_id
    @usableFromInline let context: Context

    @usableFromInline
    init(id: sh_counter_id, context: Context) {
        self.id = id
        self.context = context
    }

    /// Adds `delta` to the counter. One host call: add a batch's total once
    /// rather than 1 per record.
    @inlinable
    public func add(_ delta: Int64 = 1) {
        context.host.pointee.counter_add!(context.rawContext, id, delta)
    }
}
