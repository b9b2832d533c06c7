/// Barrier alignment for exactly-once checkpoints: once a barrier came in
/// on one input, that input is blocked (what follows the barrier belongs to
/// the next checkpoint) until every open input delivered it; then the task
/// snapshots. An input that closed counts as delivered. A newer barrier
/// than the one being aligned means the coordinator gave that one up: the
/// alignment starts over; an older one is ignored.
///
/// # Thread safety
/// A value type, owned by one task and touched only while it runs.
struct BarrierAligner {
    /// The barrier being aligned, if any.
    private(set) var aligning: CheckpointBarrier?
    private var blocked: [Bool]
    private var closed: [Bool]

    init(inputCount: Int) {
        blocked = Array(repeating: false, count: inputCount)
        closed = Array(repeating: false, count: inputCount)
    }

    /// Whether input `position` delivered the barrier being aligned and
    /// must not be read until the alignment completes.
    func isBlocked(_ position: Int) -> Bool { blocked[position] }

    /// Whether input `position`'s channel closed.
    func isClosed(_ position: Int) -> Bool { closed[position] }

    /// `barrier` came in on input `position`; returns the barrier to
    /// snapshot at when the alignment is complete.
    mutating func barrierArrived(_ barrier: CheckpointBarrier, at position: Int) -> CheckpointBarrier? {
        if let current = aligning {
            guard barrier.id >= current.id else { return nil }
            if barrier.id > current.id {
                for index in blocked.indices { blocked[index] = false }
            }
        }
        aligning = barrier
        blocked[position] = true
        return complete()
    }

    /// Input `position`'s channel closed; false when it had already.
    mutating func close(_ position: Int) -> Bool {
        guard !closed[position] else { return false }
        closed[position] = true
        return true
    }

    /// The barrier to snapshot at, when every open input has delivered it
    /// (and the alignment ends); nil otherwise.
    mutating func complete() -> CheckpointBarrier? {
        guard let barrier = aligning else { return nil }
        for position in blocked.indices where !blocked[position] && !closed[position] { return nil }
        aligning = nil
        for position in blocked.indices { blocked[position] = false }
        return barrier
    }
}
