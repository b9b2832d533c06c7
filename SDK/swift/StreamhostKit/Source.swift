import StreamhostABI

/// A component that produces records: a file, a generator, a queue.
///
/// ```swift
/// final class Countdown: Source {
///     static let name = "counter"
///     static let description = "Emits 0, 1, 2, ... up to limit"
///     let limit: Int
///     var next = 0
///     init(context: Context, config: Config) throws { limit = try config.int("limit", default: 10) }
///     func poll(max: Int, context: Context) throws -> PollResult {
///         guard next < limit else { return .end }
///         try context.emit(timestamp: context.processingTime, value: String(next))
///         next += 1
///         return .emitted
///     }
/// }
/// ```
///
/// # Thread safety
/// `poll` is called by one host task thread at a time per instance (see
/// `Component`). A source that waits on its own threads returns `.idle` and
/// has them call `context.waker.wake()` when data arrives.
///
/// # Ownership
/// As for `Component`: the kit owns the instance between create and destroy.
public protocol Source: Component {
    /// Emits up to `max` records with `context.emit`, and says whether more
    /// may come: `.emitted` (possibly none), `.idle`, or `.end` (never
    /// called again).
    func poll(max: Int, context: Context) throws -> PollResult
}
