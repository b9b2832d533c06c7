import Dispatch
import Observability
import Synchronization

/// What a task measures for metrics (`RunOptions.metrics`): kept in plain
/// fields by the task's own runs, and copied under a lock at most once per
/// `publishIntervalNs` (and when the task finishes), so the reporter reads
/// a recent copy without touching the task's fields and no record pays for
/// a lock or an atomic.
///
/// Times: a run is busy time; the time from a run that parked with output
/// the channels refused (`OutputRouter.hasPending`) to the next run is
/// back-pressured time; the rest of the wall clock is idle.
///
/// # Thread safety
/// `started`, `ended` and `publish` only from the task's runs (one at a
/// time); `published` from any thread.
final class TaskMeter: @unchecked Sendable {
    /// How stale the published copy may get while the task runs.
    static let publishIntervalNs: UInt64 = 100_000_000

    /// The copy the reporter reads: one entry per chained step.
    struct Reading: Sendable {
        var steps: [JobSample.Task]
    }

    private let shared: Mutex<Reading>
    private var busyNs: UInt64 = 0
    private var backPressuredNs: UInt64 = 0
    private var runStartedAt: UInt64 = 0
    private var parkedAt: UInt64 = 0
    private var parkedBackPressured = false
    private var lastPublishAt: UInt64 = 0

    init(steps: [String], instance: Int) {
        shared = Mutex(Reading(steps: steps.map { JobSample.Task(step: $0, instance: instance) }))
    }

    /// A run starts: the wait since the last park counts as back-pressured
    /// when that park left output in the router.
    func started() {
        let now = DispatchTime.now().uptimeNanoseconds
        if parkedBackPressured, now > parkedAt { backPressuredNs += now - parkedAt }
        parkedBackPressured = false
        runStartedAt = now
    }

    /// A run ended; true when a copy is due (`publish`).
    func ended(parkedBackPressured: Bool, finished: Bool) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        busyNs += now &- runStartedAt
        parkedAt = now
        self.parkedBackPressured = parkedBackPressured
        guard finished || now &- lastPublishAt >= Self.publishIntervalNs else { return false }
        lastPublishAt = now
        return true
    }

    /// Copies the task's figures for the reporter; `fill` sets the counts
    /// of each chained step.
    func publish(_ fill: (inout [JobSample.Task]) -> Void) {
        shared.withLock { reading in
            fill(&reading.steps)
            for index in reading.steps.indices {
                reading.steps[index].busyNanoseconds = busyNs
                reading.steps[index].backPressuredNanoseconds = backPressuredNs
            }
        }
    }

    /// The last copy.
    var published: Reading { shared.withLock { $0 } }
}
