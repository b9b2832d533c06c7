import Synchronization

/// A clock of milliseconds that moves only when a test moves it: the
/// deterministic twin of `PartitionLog.wallClockMilliseconds` for code that
/// takes an injected `@Sendable () -> Int64`.
///
/// # Thread safety
/// Safe to use from any thread.
public final class ManualClock: Sendable {
    private let milliseconds: Mutex<Int64>

    public init(milliseconds: Int64 = 1_000_000) {
        self.milliseconds = Mutex(milliseconds)
    }

    /// The current time.
    public var now: Int64 { milliseconds.withLock { $0 } }

    /// The clock as the closure the log's types take.
    public var function: @Sendable () -> Int64 { { [self] in now } }

    /// Moves the clock forward by `delta` milliseconds.
    public func advance(by delta: Int64) {
        precondition(delta >= 0, "a clock does not go back")
        milliseconds.withLock { $0 += delta }
    }
}

/// Values a callback hands over (a completion, say), collected for a test
/// to look at.
///
/// # Thread safety
/// Safe to use from any thread.
public final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    public init() {}

    /// Appends a value: pass this as the callback.
    public var append: @Sendable (Value) -> Void { { [self] value in values.withLock { $0.append(value) } } }

    public var all: [Value] { values.withLock { $0 } }
    public var last: Value? { values.withLock { $0.last } }
    public var count: Int { values.withLock { $0.count } }
}
