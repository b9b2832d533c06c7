#if canImport(Glibc)
import Glibc
#endif
import Checkpoint
import Core
import Dispatch
import Foundation
import Logging
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

    private var plan: JobPlan
    private let options: RunOptions
    private let makeState: StateFactory
    private let initialRestore: RestoreSource?
    private let logger = Logger(label: "streamhost.runner")

    private struct Control {
        var current: JobExecution?
        var stopRequested = false
        var cancelReason: String?
        var swap: (replan: @Sendable () throws -> JobPlan, startedAt: DispatchTime,
                   completion: @Sendable (Result<SwapReport, JobFailure>) -> Void)?
    }

    private let control = Mutex(Control())
    /// Restarts after failures so far (for tests and the summary).
    public let restarts = Atomic<Int>(0)
    /// What each attempt started from, and the unusable checkpoints
    /// skipped on the way (with the reasons), for tests and the summary.
    private let history = Mutex<(restoredFrom: [Int64?], skipped: [String])>(([], []))
    public var restoredFrom: [Int64?] { history.withLock { $0.restoredFrom } }
    public var skippedCheckpoints: [String] { history.withLock { $0.skipped } }

    public init(plan: JobPlan, options: RunOptions, restoreFrom: RestoreSource? = nil, makeState: @escaping StateFactory) {
        self.plan = plan
        self.options = options
        self.initialRestore = restoreFrom
        self.makeState = makeState
    }

    /// Records the current attempt's sources emitted so far (0 between attempts).
    public var sourceRecordsSoFar: Int { control.withLock { $0.current?.sourceRecordsSoFar ?? 0 } }

    /// The plan of the attempt running now (a swap replaces it).
    public var currentPlan: JobPlan { control.withLock { _ in plan } }

    // MARK: Running

    /// Runs until the job ends, fails beyond its restart strategy, is
    /// stopped or is cancelled; returns the last attempt's result.
    public func run() -> JobResult {
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

            // A completed stop-with-savepoint that belongs to a swap: load
            // the new build and go on from the savepoint.
            if let savepoint = result.savepointDirectory, let swap = control.withLock({ c in
                defer { c.swap = nil }
                return c.swap
            }) {
                let stoppedAt = DispatchTime.now()
                do {
                    let newPlan = try swap.replan()
                    control.withLock { _ in plan = newPlan }
                    restore = try RestoreSource.load(directory: savepoint, verifyFiles: false)
                    var report = SwapReport(
                        savepoint: SavepointResult(id: restore!.manifest.checkpointID, directory: savepoint,
                                                   durationMs: result.savepointDurationMs),
                        pauseMs: 0)
                    report.stopMs = Double(stoppedAt.uptimeNanoseconds - swap.startedAt.uptimeNanoseconds) / 1e6
                    pendingSwapReport = (report, swap.startedAt, swap.completion)
                    continue
                } catch {
                    let failure = (error as? JobFailure) ?? .restore("the new build could not be loaded: \(error)")
                    swap.completion(.failure(failure))
                    logger.error("hot swap failed: \(failure); the job stopped at savepoint \(savepoint)")
                    return result
                }
            }
            guard let failure = result.failure, !result.startFailed else { return result }
            if case .cancelled = failure { return result }
            if case .restore = failure { return result }
            if control.withLock({ $0.stopRequested || $0.cancelReason != nil }) { return result }
            guard let checkpoints = options.checkpoints else { return result }

            // Restart strategy.
            let ranMs = Int64((DispatchTime.now().uptimeNanoseconds - startedAt.uptimeNanoseconds) / 1_000_000)
            switch checkpoints.spec.restart {
            case .none:
                return result
            case .fixedDelay(let attempts, let delay):
                attempt += 1
                guard attempt <= attempts else {
                    logger.error("giving up after \(attempts) restarts (checkpoints.restart.attempts)")
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
                    logger.error("giving up after \(attempts) restarts (checkpoints.restart.attempts)")
                    return result
                }
                delayMs = delayMs == 0 ? initial : min(maximum, Int64(Double(delayMs) * multiplier))
            }
            restarts.add(1, ordering: .relaxed)
            logger.warning("job '\(plan.spec.name)' failed: \(failure); restarting in \(delayMs) ms (attempt \(attempt))")
            if delayMs > 0 { usleep(UInt32(min(delayMs, 3_600_000)) * 1000) }
            restore = nil
        }
    }

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

    private func runAttempt(restore: RestoreSource?) -> JobResult {
        var attemptOptions = options
        attemptOptions.restore = restore
        let state: JobStateBackend?
        do {
            state = try makeState(plan)
        } catch {
            return startFailed(error, restore: restore)
        }
        defer { state?.close() }
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
        let proceed: Bool = control.withLock { c in
            guard !c.stopRequested, c.cancelReason == nil else { return false }
            c.current = execution
            return true
        }
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
        control.withLock { $0.current = nil }
        return result
    }

    /// An attempt that could not start; a swap waiting for it hears why
    /// and where the job stopped.
    private func startFailed(_ failure: JobFailure, restore: RestoreSource?) -> JobResult {
        if let (_, _, completion) = pendingSwapReport {
            pendingSwapReport = nil
            let directory = restore?.directory ?? "(unknown)"
            completion(.failure(.restore("\(failure); the job stopped at savepoint \(directory): restart it from there "
                + "with a build that can read it (`streamhost run JOB --from-savepoint \(directory)`)")))
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

    /// Hot swap: stop with a savepoint, plan the job again with
    /// `replan` (which loads the new build), restore from the savepoint
    /// (migrating state) and run on. `completion` gets the pause.
    public func swap(replan: @escaping @Sendable () throws -> JobPlan,
                     completion: @escaping @Sendable (Result<SwapReport, JobFailure>) -> Void) {
        let refusal: String? = control.withLock { c in
            if c.swap != nil { return "a swap is already in progress" }
            if c.current == nil { return "the job is not running (it is starting, restarting or ending)" }
            c.swap = (replan, DispatchTime.now(), completion)
            return nil
        }
        if let refusal {
            completion(.failure(.checkpoint(refusal)))
            return
        }
        savepoint(stop: true) { [self] result in
            if case .failure(let failure) = result {
                let swap = control.withLock { c in
                    defer { c.swap = nil }
                    return c.swap
                }
                swap?.completion(.failure(failure))
            }
        }
    }
}

extension JobResult {
    /// A run that never started (its instances could not be created, or
    /// its checkpoint could not be restored).
    static func startFailure(_ failure: JobFailure) -> JobResult {
        var result = JobResult(failure: failure, sourceRecords: 0, sinkRecords: 0, rejectedRecords: 0,
                               deadLetterPath: "", seconds: 0, stoppedOnRequest: false)
        result.startFailed = true
        return result
    }
}
