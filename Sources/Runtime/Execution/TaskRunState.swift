/// Whether a task is idle, queued, running or finished: the machine that
/// makes wake-ups race-free. A `notify` that arrives while the task runs
/// marks it `runningNotified`, so that the run's end queues it again
/// instead of parking it and losing the wake-up; a task is in the run queue
/// at most once.
///
/// # Thread safety
/// A value type; `StepTask` keeps it under a mutex, so that `notify` may
/// come from any thread while a worker runs the task.
struct TaskRunState: Equatable {
    /// How one run of a task ended.
    enum Outcome {
        /// More work is ready: queue the task again, behind the others.
        case yield
        /// Nothing to do until something it waits for happens (data, channel
        /// space, a wake-up).
        case park
        /// The task is done and never runs again.
        case finished
    }

    enum Phase: Equatable { case idle, queued, running, runningNotified, finished }

    private(set) var phase = Phase.idle

    /// Something the task waits for happened; true when the caller must put
    /// the task in the run queue now (it was idle).
    mutating func notify() -> Bool {
        switch phase {
        case .idle:
            phase = .queued
            return true
        case .running:
            phase = .runningNotified
            return false
        case .queued, .runningNotified, .finished:
            return false
        }
    }

    /// A worker took the queued task from the run queue.
    mutating func start() {
        assert(phase == .queued, "a task ran that was not queued (\(phase))")
        phase = .running
    }

    /// The run ended with `outcome`; true when the caller must put the task
    /// in the run queue again (it yielded, or parked after a wake-up that
    /// came while it ran).
    mutating func end(_ outcome: Outcome) -> Bool {
        switch outcome {
        case .finished:
            phase = .finished
            return false
        case .yield:
            phase = .queued
            return true
        case .park:
            if phase == .runningNotified {
                phase = .queued
                return true
            }
            phase = .idle
            return false
        }
    }
}
