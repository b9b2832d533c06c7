#if canImport(Glibc)
import Glibc
#endif
import Checkpoint
import Core
import Dispatch
import Foundation
import Logging
import PluginHost
import Synchronization

/// What a hot swap did: the savepoint it went through and how long the job
/// was stopped.
public struct SwapReport: Sendable {
    public let savepoint: SavepointResult
    /// From the savepoint request to the new build running, in ms.
    public let pauseMs: Double
    /// Parts of the pause: until the old run had stopped (the savepoint
    /// included), and creating and restoring the new one.
    public var stopMs: Double = 0
    public var restoreMs: Double = 0
}

/// Runs a job across its failures and restores: resumes from the latest
/// complete checkpoint (or a given savepoint), restarts after a task
/// failure according to the job's restart strategy, and performs
/// stop-with-savepoint and hot swaps against the running job.
///
/// # Thread safety
/// `run` blocks its caller; every other method may be called from any
/// thread while it runs.
public final class JobRunner: @unchecked Sendable {
    /// Makes the state backend of one attempt (a RocksDB backend works in
    /// a fresh directory per attempt); closed after the attempt.
    public typealias StateFactory = @Sendable (JobPlan) throws(JobFailure) -> JobStateBackend
    /// Starts one attempt in a worker process (`isolation: process`) that
    /// starts from `restore` (nil: from the start); the runner waits for
    /// it, and treats its death as a failed attempt.
    public typealias WorkerLauncher = @Sendable (_ restore: RestoreSource?) throws(JobFailure) -> WorkerProcess

    private var plan: JobPlan
    private let options: RunOptions
    private let makeState: StateFactory
    private let launchWorker: WorkerLauncher?
    private let initialRestore: RestoreSource?
    private let logger = Logger(label: "streamhost.runner")

    private struct Control {
        var current: (any RunningAttempt)?
        var stopRequested = false
        var cancelReason: String?
        var swap: PendingSwap?
    }

    private let control = Mutex(Control())
    /// Restarts after failures so far (for tests and the summary).
    public let restarts = Atomic<Int>(0)
    /// What each attempt started from, and the unusable checkpoints
    /// skipped on the way (with the reasons), for tests and the summary.
    private let history = Mutex<(restoredFrom: [Int64?], skipped: [String], attempts: [AttemptRecord])>(([], [], []))
    public var restoredFrom: [Int64?] { history.withLock { $0.restoredFrom } }
    public var skippedCheckpoints: [String] { history.withLock { $0.skipped } }
    /// Every attempt so far (failed, restarted, swapped, and the last), in
    /// order; `run` sums them into its result.
    public var attempts: [AttemptRecord] { history.withLock { $0.attempts } }

    /// - Parameter launchWorker: runs each attempt in a worker process
    ///   instead of this one (`isolation: process`); `makeState` is then
    ///   the worker's business and is not called.
    public init(plan: JobPlan, options: RunOptions, restoreFrom: RestoreSource? = nil,
                launchWorker: WorkerLauncher? = nil, makeState: @escaping StateFactory) {
        self.plan = plan
        self.options = options
        self.initialRestore = restoreFrom
        self.launchWorker = launchWorker
        self.makeState = makeState
    }

    /// Records the current attempt's sources emitted so far (0 between attempts).
    public var sourceRecordsSoFar: Int { control.withLock { $0.current?.sourceRecordsSoFar ?? 0 } }

    /// The plan of the attempt running now (a swap replaces it).
    public var currentPlan: JobPlan { control.withLock { _ in plan } }

    // MARK: Running

    /// Runs until the job ends, fails beyond its restart strategy, is
    /// stopped or is cancelled. The result is the whole run's: the records
    /// and checkpoints of every attempt summed (`attempts` has each one),
    /// and the ending, failure and savepoint of the last.
    public func run() -> JobResult {
        let startedAt = DispatchTime.now()
        let last = runAttempts()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - startedAt.uptimeNanoseconds) / 1e9
        return JobResult.total(of: attempts.map(\.result), last: last, seconds: seconds)
    }

    private func runAttempts() -> JobResult {
        var restore = initialRestore
        // What the last attempt started from: after a failure the job goes
        // back to the newer of it and the latest checkpoint, never to an
        // older checkpoint of an earlier run (ids grow across checkpoints
        // and savepoints alike).
        var lastRestore: RestoreSource?
        var attempt = 0
        var delayMs: Int64 = 0
        while true {
            if restore == nil {
                let latest = latestCheckpoint()
                if let latest, latest.manifest.checkpointID > (lastRestore?.manifest.checkpointID ?? 0) {
                    restore = latest
                } else {
                    restore = lastRestore
                }
            }
            lastRestore = restore
            let startedAt = DispatchTime.now()
            let result = runAttempt(restore: restore)

            // The new build of a swap could not be created or restored from
            // the savepoint (it refused the state after all): the job goes on
            // with the old build, which is still loaded, from the same
            // savepoint; the swap has been told.
            if result.startFailed, let fallback = swapFallback {
                swapFallback = nil
                control.withLock { _ in plan = fallback.plan }
                let message = "hot swap refused after the stop: \(result.failure.map { "\($0)" } ?? "unknown"); "
                    + "job '\(fallback.plan.spec.name)' runs on with the old build from savepoint "
                    + "\(fallback.restore.directory)"
                logger.error("\(message)")
                restore = fallback.restore
                continue
            }
            swapFallback = nil

            // A completed stop-with-savepoint that belongs to a swap: go on
            // from the savepoint with the new build.
            if let savepoint = result.savepointDirectory, let swap = control.withLock({ c in
                defer { c.swap = nil }
                return c.swap
            }) {
                // Another stop-with-savepoint (`savepoint --stop`) ended the
                // job while the swap's checks ran: the job stays stopped.
                guard swap.stopping else {
                    swap.completion(.failure(.checkpoint("the job stopped with savepoint \(savepoint) before the "
                        + "swap's checks ended; the swap did not happen")))
                    return result
                }
                let stoppedAt = DispatchTime.now()
                do {
                    let oldPlan = control.withLock { _ in plan }
                    let savepointRestore = try RestoreSource.load(directory: savepoint, verifyFiles: false)
                    control.withLock { _ in plan = swap.plan }
                    restore = savepointRestore
                    var report = SwapReport(
                        savepoint: SavepointResult(id: savepointRestore.manifest.checkpointID, directory: savepoint,
                                                   durationMs: result.savepointDurationMs),
                        pauseMs: 0)
                    report.stopMs = Double(stoppedAt.uptimeNanoseconds - swap.startedAt.uptimeNanoseconds) / 1e6
                    pendingSwapReport = (report, swap.startedAt, swap.completion)
                    swapFallback = (oldPlan, savepointRestore)
                    continue
                } catch {
                    swap.completion(.failure(error))
                    logger.error("hot swap failed: \(error); the job stopped at savepoint \(savepoint)")
                    return result
                }
            }
            guard let failure = result.failure, !result.startFailed else { return result }
            if case .cancelled = failure { return result }
            // A task is stuck in a plugin callback in this process: no
            // attempt can run beside it (its supervisor, if any, restarts
            // the process instead).
            if result.hasStuckTasks { return result }
            if case .restore = failure { return result }
            if control.withLock({ $0.stopRequested || $0.cancelReason != nil }) { return result }
            guard let checkpoints = options.checkpoints else { return result }

            // Restart strategy.
            let ranMs = Int64((DispatchTime.now().uptimeNanoseconds - startedAt.uptimeNanoseconds) / 1_000_000)
            let number = history.withLock { $0.attempts.count }
            switch checkpoints.spec.restart {
            case .none:
                return result
            case .fixedDelay(let attempts, let delay):
                attempt += 1
                guard attempt <= attempts else {
                    giveUp(number: number, failure: failure, restarts: attempts)
                    return result
                }
                delayMs = delay
            case .exponentialBackoff(let attempts, let initial, let maximum, let multiplier, let resetAfter):
                if ranMs >= resetAfter {
                    attempt = 0
                    delayMs = 0
                }
                attempt += 1
                guard attempt <= attempts else {
                    giveUp(number: number, failure: failure, restarts: attempts)
                    return result
                }
                delayMs = delayMs == 0 ? initial : min(maximum, Int64(Double(delayMs) * multiplier))
            }
            restarts.add(1, ordering: .relaxed)
            options.metrics?.restarted()
            let message = "job '\(plan.spec.name)' attempt \(number) failed: \(failure); restarting in \(delayMs) ms "
                + "(restart \(attempt))"
            logger.warning("\(message)")
            if delayMs > 0 { usleep(UInt32(min(delayMs, 3_600_000)) * 1000) }
            restore = nil
        }
    }

    private func giveUp(number: Int, failure: JobFailure, restarts: Int) {
        let message = "job '\(plan.spec.name)' attempt \(number) failed: \(failure); giving up after \(restarts) "
            + "restarts (checkpoints.restart.attempts)"
        logger.error("\(message)")
    }

    /// While the first attempt on a swap's new build starts: the old plan
    /// and the savepoint to go back to if the new build refuses the state.
    private var swapFallback: (plan: JobPlan, restore: RestoreSource)?
    private var pendingSwapReport: (SwapReport, DispatchTime, @Sendable (Result<SwapReport, JobFailure>) -> Void)?

    /// The newest complete checkpoint of the job, if checkpoints are on;
    /// each damaged one skipped is logged with the reason.
    private func latestCheckpoint() -> RestoreSource? {
        guard let checkpoints = options.checkpoints else { return nil }
        let store = CheckpointStore(directory: checkpoints.checkpointDirectory, prefix: "chk")
        let entry = store.latestValid { id, error in
            let message = "checkpoint \(id) of job '\(plan.spec.name)' is unusable and is skipped: \(error)"
            logger.warning("\(message)")
            history.withLock { $0.skipped.append(message) }
        }
        guard let entry else { return nil }
        return RestoreSource(directory: entry.directory, manifest: entry.manifest)
    }

    /// Runs one attempt and records it in `attempts`.
    private func runAttempt(restore: RestoreSource?) -> JobResult {
        let (result, countsKnown) = launchWorker == nil
            ? (runInProcess(restore: restore), true) : runInWorker(restore: restore)
        history.withLock { history in
            history.attempts.append(AttemptRecord(number: history.attempts.count + 1,
                                                  restoredFrom: restore?.manifest.checkpointID, result: result,
                                                  countsKnown: countsKnown))
        }
        return result
    }

    private func runInProcess(restore: RestoreSource?) -> JobResult {
        var attemptOptions = options
        attemptOptions.restore = restore
        let state: JobStateBackend?
        do {
            state = try makeState(plan)
        } catch {
            return startFailed(error, restore: restore)
        }
        // A stuck task's instance may still hold its store: the backend
        // of such an attempt stays open (the process ends next).
        var closesState = true
        defer { if closesState { state?.close() } }
        attemptOptions.stateBackend = state?.backend
        let execution: JobExecution
        let creating = DispatchTime.now()
        do {
            execution = try JobExecution(plan: plan, options: attemptOptions)
        } catch {
            return startFailed(error, restore: restore)
        }
        let createdMs = Double(DispatchTime.now().uptimeNanoseconds - creating.uptimeNanoseconds) / 1e6
        history.withLock { $0.restoredFrom.append(restore?.manifest.checkpointID) }
        if let restore {
            logger.info("job '\(plan.spec.name)' restored from \(restore.manifest.kind.rawValue) \(restore.manifest.checkpointID) (\(restore.directory))")
        }
        let proceed = begin(execution)
        // The new build of a swap has restored: no going back from here.
        swapFallback = nil
        if let (report, startedAt, completion) = pendingSwapReport {
            pendingSwapReport = nil
            let pause = Double(DispatchTime.now().uptimeNanoseconds - startedAt.uptimeNanoseconds) / 1e6
            var final = SwapReport(savepoint: report.savepoint, pauseMs: pause)
            final.stopMs = report.stopMs
            final.restoreMs = createdMs
            completion(.success(final))
        }
        guard proceed else { return JobResult.startFailure(.cancelled("stopped before the run started")) }
        let result = execution.run()
        closesState = !result.hasStuckTasks
        control.withLock { $0.current = nil }
        return result
    }

    /// One attempt in a worker process: it restores, runs and reports; a
    /// worker that dies is a failed attempt (the restart strategy applies).
    /// Swaps happen inside the worker, which owns the admin socket.
    private func runInWorker(restore: RestoreSource?) -> (result: JobResult, countsKnown: Bool) {
        guard let launchWorker else { preconditionFailure("runInWorker without a worker launcher") }
        let worker: WorkerProcess
        do {
            worker = try launchWorker(restore)
        } catch {
            return (JobResult.startFailure(error), true)
        }
        history.withLock { $0.restoredFrom.append(restore?.manifest.checkpointID) }
        let from = restore.map { " from \($0.manifest.kind.rawValue) \($0.manifest.checkpointID) (\($0.directory))" } ?? ""
        logger.info("job '\(plan.spec.name)' attempt runs in worker process \(worker.pid)\(from)")
        // A stop or cancel that came before the worker was registered is
        // passed on at once.
        if !begin(worker) {
            let cancelled = control.withLock { $0.cancelReason != nil }
            worker.requestStop()
            if cancelled { worker.cancel(reason: "cancelled before the worker started") }
        }
        let (result, reported) = worker.wait()
        control.withLock { $0.current = nil }
        return (result, reported)
    }

    /// Makes `attempt` the current one unless a stop or cancel came first.
    private func begin(_ attempt: any RunningAttempt) -> Bool {
        control.withLock { c in
            guard !c.stopRequested, c.cancelReason == nil else { return false }
            c.current = attempt
            return true
        }
    }

    /// An attempt that could not start; a swap waiting for it hears why
    /// (the run goes back to the old build, see `swapFallback`).
    private func startFailed(_ failure: JobFailure, restore: RestoreSource?) -> JobResult {
        if let (_, _, completion) = pendingSwapReport {
            pendingSwapReport = nil
            let directory = restore?.directory ?? "(unknown)"
            completion(.failure(.restore("\(failure); the job runs on with the old build from savepoint \(directory)")))
        }
        return JobResult.startFailure(failure)
    }

    // MARK: Requests

    /// The first SIGINT/SIGTERM: stop the sources and drain; no restart.
    public func requestStop() {
        let current = control.withLock { c in
            c.stopRequested = true
            return c.current
        }
        current?.requestStop()
    }

    /// The second signal: abandon the run; no restart.
    public func cancel(reason: String) {
        let current = control.withLock { c in
            c.cancelReason = reason
            return c.current
        }
        current?.cancel(reason: reason)
    }

    /// Takes a savepoint of the running attempt (and with `stop`, ends the job).
    public func savepoint(stop: Bool, completion: @escaping @Sendable (Result<SavepointResult, JobFailure>) -> Void) {
        guard let current = control.withLock({ $0.current }) else {
            completion(.failure(.checkpoint("the job is not running (it is starting, restarting or ending)")))
            return
        }
        current.requestSavepoint(stop: stop, completion: completion)
    }

    /// Hot swap to `newPlan` (the same job planned with the new build):
    /// checks before the job stops that the new build accepts the running
    /// state, then stops with a savepoint, restores the new build from it
    /// (migrating state) and runs on. `completion` gets the pause, or the
    /// refusal; a refused swap leaves the job running on the old build.
    ///
    /// The checks: each step's component keeps its name, and its
    /// state_version is not older than the running one's. When a version is
    /// newer, a savepoint is taken without stopping and the new build's
    /// migrations run on a copy of its state (`JobExecution.checkRestore`);
    /// a refusal there ends the swap before the stop. Should the new build
    /// still refuse after the stop (state written since that savepoint),
    /// the old build restarts from the stop's savepoint.
    public func swap(to newPlan: JobPlan, completion: @escaping @Sendable (Result<SwapReport, JobFailure>) -> Void) {
        let pending = PendingSwap(id: swapsStarted.add(1, ordering: .relaxed).newValue, plan: newPlan,
                                  startedAt: DispatchTime.now(), completion: completion)
        let refusal: String? = control.withLock { c in
            if c.swap != nil { return "a swap is already in progress" }
            if c.current == nil { return "the job is not running (it is starting, restarting or ending)" }
            c.swap = pending
            return nil
        }
        if let refusal {
            completion(.failure(.checkpoint(refusal)))
            return
        }
        let running = currentPlan
        if let refusal = Self.versionRefusal(running: running, new: newPlan) {
            abandonSwap(pending.id, .restore(refusal + "; the job runs on with the old build"))
            return
        }
        let migrating = newPlan.steps.contains { step in
            guard let old = running.steps.first(where: { $0.id == step.id }) else { return false }
            if case .needsMigrate = StateVersionChange(old: old.component.stateVersion, new: step.component.stateVersion) {
                return true
            }
            return false
        }
        guard migrating else {
            stopForSwap(pending.id)
            return
        }
        savepoint(stop: false) { [self] result in
            // Off the coordinator's thread: the check reads and migrates
            // the whole savepoint, and the stop that follows asks the
            // coordinator again.
            DispatchQueue.global().async { [self] in
                switch result {
                case .failure(let failure):
                    abandonSwap(pending.id, .checkpoint("the swap did not start: the savepoint to check the new build against "
                        + "failed: \(failure)"))
                case .success(let savepoint):
                    do throws(JobFailure) {
                        let source = try RestoreSource.load(directory: savepoint.directory, verifyFiles: false)
                        try JobExecution.checkRestore(source, plan: newPlan)
                    } catch {
                        abandonSwap(pending.id, .restore("the new build refuses the running state (checked against savepoint "
                            + "\(savepoint.directory), taken without stopping): \(error); the job runs on with the "
                            + "old build"))
                        return
                    }
                    stopForSwap(pending.id)
                }
            }
        }
    }

    /// A swap waiting for its stop-with-savepoint.
    struct PendingSwap {
        let id: Int
        let plan: JobPlan
        /// When the stop began (the checks before it do not pause the job).
        var startedAt: DispatchTime
        let completion: @Sendable (Result<SwapReport, JobFailure>) -> Void
        /// Its checks passed and its stop-with-savepoint was asked for.
        var stopping = false
    }

    /// Numbers swaps, so that a late step of one never acts on another.
    private let swapsStarted = Atomic<Int>(0)

    /// Why `new` cannot take over `running`'s state, checked without
    /// reading any state: a step whose component changed name, or whose
    /// state_version went back.
    static func versionRefusal(running: JobPlan, new: JobPlan) -> String? {
        for step in new.steps {
            guard let old = running.steps.first(where: { $0.id == step.id }) else { continue }
            let (was, now) = (old.component, step.component)
            if was.name != now.name {
                return "step '\(step.id)' runs component '\(was.name)' and the new build makes it '\(now.name)' "
                    + "(\(now.pluginPath)); its state cannot move to another component"
            }
            if case .olderThanState = StateVersionChange(old: was.stateVersion, new: now.stateVersion) {
                return "step '\(step.id)': the new build \(now.pluginPath) (plugin \(now.pluginName) \(now.pluginVersion)) "
                    + "has state_version \(now.stateVersion), older than the \(was.stateVersion) of the running "
                    + "\(was.pluginName) \(was.pluginVersion); a build restores state of its own version or older"
            }
        }
        return nil
    }

    /// Ends swap `id` before the stop: the job runs on untouched.
    private func abandonSwap(_ id: Int, _ failure: JobFailure) {
        let swap = control.withLock { c -> PendingSwap? in
            guard let swap = c.swap, swap.id == id else { return nil }
            c.swap = nil
            return swap
        }
        swap?.completion(.failure(failure))
    }

    /// Stops the job with a savepoint for swap `id` (unless the job ended
    /// meanwhile, which settled the swap); `runAttempts` then starts the
    /// new build from it.
    private func stopForSwap(_ id: Int) {
        let current = control.withLock { c -> Bool in
            guard c.swap?.id == id else { return false }
            c.swap?.startedAt = DispatchTime.now()
            c.swap?.stopping = true
            return true
        }
        guard current else { return }
        savepoint(stop: true) { [self] result in
            if case .failure(let failure) = result { abandonSwap(id, failure) }
        }
    }
}

extension JobResult {
    /// The result of a whole run: the records, rejects and checkpoints of
    /// every attempt summed, with the ending of the last attempt.
    static func total(of attempts: [JobResult], last: JobResult, seconds: Double) -> JobResult {
        guard attempts.count > 1 else { return last }
        var total = JobResult(
            failure: last.failure, sourceRecords: attempts.reduce(0) { $0 + $1.sourceRecords },
            sinkRecords: attempts.reduce(0) { $0 + $1.sinkRecords },
            rejectedRecords: attempts.reduce(0) { $0 + $1.rejectedRecords },
            deadLetterPath: attempts.last { !$0.deadLetterPath.isEmpty }?.deadLetterPath ?? last.deadLetterPath,
            seconds: seconds, stoppedOnRequest: last.stoppedOnRequest)
        total.savepointDirectory = last.savepointDirectory
        total.savepointDurationMs = last.savepointDurationMs
        total.checkpointsCompleted = attempts.reduce(0) { $0 + $1.checkpointsCompleted }
        total.lastCheckpointID = attempts.map(\.lastCheckpointID).max() ?? 0
        total.checkpointsFailed = attempts.reduce(0) { $0 + $1.checkpointsFailed }
        total.startFailed = last.startFailed
        total.failurePlace = last.failurePlace
        total.hasStuckTasks = last.hasStuckTasks
        total.steps = StepSummary.total(of: attempts.map(\.steps))
        return total
    }

    /// A run that never started (its instances could not be created, or
    /// its checkpoint could not be restored).
    static func startFailure(_ failure: JobFailure) -> JobResult {
        var result = JobResult(failure: failure, sourceRecords: 0, sinkRecords: 0, rejectedRecords: 0,
                               deadLetterPath: "", seconds: 0, stoppedOnRequest: false)
        result.startFailed = true
        return result
    }
}
