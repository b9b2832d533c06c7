/// Event time over a task's input channels: per input the last watermark,
/// whether it is idle and whether its records ended. The task's watermark
/// is the minimum over the inputs that are neither idle nor ended; with
/// every open input idle, the task is idle, which goes downstream once
/// until data follows. (Flink's `StatusWatermarkValve`.)
///
/// A source task has no inputs; it uses the valve only for its own idleness
/// (`recordsEmitted`, `sourceIdle`).
///
/// # Thread safety
/// A value type, owned by one task and touched only while it runs.
struct WatermarkValve {
    /// What the task does after a change.
    enum Decision: Equatable {
        /// Move the chain to this watermark (if it is newer than the chain's).
        case advance(Int64)
        /// Send an idle mark downstream.
        case announceIdle
        /// Nothing.
        case none
    }

    private(set) var watermarks: [Int64]
    private(set) var idle: [Bool]
    private(set) var ended: [Bool]
    /// Whether an idle mark went downstream and no data followed it.
    private(set) var idleAnnounced = false

    init(inputCount: Int) {
        watermarks = Array(repeating: .min, count: inputCount)
        idle = Array(repeating: false, count: inputCount)
        ended = Array(repeating: false, count: inputCount)
    }

    /// Whether every input's records ended.
    var allEnded: Bool { !ended.contains(false) }

    /// A batch came in on input `position`: it is active again.
    mutating func batchArrived(at position: Int) {
        idle[position] = false
    }

    /// A watermark came in on input `position` (an older one than it had
    /// changes nothing but its idleness).
    mutating func watermarkArrived(_ mark: Int64, at position: Int) -> Decision {
        idle[position] = false
        if mark > watermarks[position] { watermarks[position] = mark }
        return recompute()
    }

    /// Input `position` went idle.
    mutating func idleArrived(at position: Int) -> Decision {
        idle[position] = true
        return recompute()
    }

    /// Input `position`'s records ended (its `endOfInput`, or the channel
    /// closed): it no longer holds the watermark back.
    mutating func inputEnded(at position: Int) -> Decision {
        ended[position] = true
        return recompute()
    }

    /// A source emitted records: a later idle spell is announced again.
    mutating func recordsEmitted() {
        idleAnnounced = false
    }

    /// A source passed its idle timeout; true when the idle mark must go
    /// downstream now (once per idle spell).
    mutating func sourceIdle() -> Bool {
        guard !idleAnnounced else { return false }
        idleAnnounced = true
        return true
    }

    /// The minimum over the active inputs, or idleness when every open one
    /// is idle. With every input ended there is nothing to do: closing the
    /// chain moves it to the end of time.
    private mutating func recompute() -> Decision {
        var minimum: Int64?
        var anyOpen = false
        for position in ended.indices where !ended[position] {
            anyOpen = true
            if !idle[position] { minimum = min(minimum ?? .max, watermarks[position]) }
        }
        if let minimum {
            idleAnnounced = false
            return .advance(minimum)
        }
        if anyOpen, !idleAnnounced {
            idleAnnounced = true
            return .announceIdle
        }
        return .none
    }
}
