#if canImport(Glibc)
import Glibc
#endif
import Checkpoint
import Core
import Dispatch
import Foundation
import Logging
import Synchronization

/// Where a run keeps its checkpoints and savepoints, and how often.
public struct CheckpointRunOptions: Sendable {
    public var spec: CheckpointSpec
    /// The job's checkpoint directory (`<data dir>/checkpoints/<job>`).
    public var checkpointDirectory: String
    /// The job's savepoint directory (`<data dir>/savepoints/<job>`).
    public var savepointDirectory: String
    /// The copies hot swaps made (`<data dir>/plugins/<job>`): manifests
    /// name the copy that wrote a step's state, and each retention pass
    /// removes the copies no one needs any more. nil: the job cannot swap.
    public var swapBuilds: SwapBuilds?

    public init(
        spec: CheckpointSpec, checkpointDirectory: String, savepointDirectory: String, swapBuilds: SwapBuilds? = nil
    ) {
        self.spec = spec
        self.checkpointDirectory = checkpointDirectory
        self.savepointDirectory = savepointDirectory
        self.swapBuilds = swapBuilds
    }
}

/// A savepoint that was written: where, and how long it took.
public struct SavepointResult: Sendable {
    public let id: Int64
    public let directory: String
    public let durationMs: Double
}

/// Triggers checkpoints, collects every task's part, writes them and the
/// manifest, and tells the tasks when a checkpoint completed or failed.
///
/// One checkpoint (or savepoint) is in flight at a time. A checkpoint runs
/// in three steps: the coordinator asks every source task for a barrier;
/// each task, when the barrier reaches it (aligned over its inputs),
/// pre-commits and snapshots its chained instances and acknowledges with
/// their parts; the parts are written on the coordinator's I/O thread while
/// the tasks go on, and once every task acknowledged and every write ended
/// the manifest is written atomically: the checkpoint is complete and the
/// tasks are notified (sinks commit).
///
/// End of input (every source ended, or stopped on request) brings the
/// final checkpoint (Flink's FLIP-147): no task finishes before it, since a
/// task whose input ended stays open and passes barriers on, so periodic
/// checkpoints go on while some sources still run. Its barrier comes after
/// every record the job emits; once it completes the tasks close and
/// finish. A final checkpoint that times out is taken again (its barrier
/// waited behind a backlog that the next one meets smaller; a job that
/// cannot work it off would not end without checkpoints either); one that
/// fails otherwise is taken again up to `finalAttemptsMax` times, then the
/// job fails (nothing after the last completed checkpoint is committed, and
/// the next run resumes from it).
///
/// # Thread safety
/// Thread-safe: tasks acknowledge from worker threads, requests come from
/// the admin socket's thread, the ticker runs on its own queue.
final class CheckpointCoordinator: @unchecked Sendable {
    private struct Pending {
        var barrier: CheckpointBarrier
        var directory: String
        var startedAt: DispatchTime
        var triggeredAtMs: Int64
        var acknowledged = 0
        var writesOutstanding = 0
        var instances: [Int: [InstanceSnapshot]] = [:]  // by step index
        var failure: String?
        /// Bytes of the files its parts wrote, and the longest barrier
        /// alignment of a task (for metrics).
        var sizeBytes = 0
        var alignmentNsMax: UInt64 = 0
        /// The final checkpoint (end of input): its completion ends the job.
        var isFinal = false
        var waiter: (@Sendable (Result<SavepointResult, JobFailure>) -> Void)?
    }

    private struct State {
        var nextID: Int64
        var pending: Pending?
        var lastTriggerAt: DispatchTime?
        var lastEndAt: DispatchTime?
        /// A savepoint asked for while a checkpoint was in flight.
        var queuedSavepoint: (stop: Bool, waiter: @Sendable (Result<SavepointResult, JobFailure>) -> Void)?
        /// Every source's input ended: the final checkpoint is due.
        var finalDue = false
        /// Final checkpoints that failed so far.
        var finalFailures = 0
        /// Checkpoints that failed since the last one completed (what
        /// `tolerable_failed_checkpoints` bounds).
        var failuresInARow = 0
        /// A checkpoint that ends the job (a stop-with-savepoint's, the
        /// final one) completed: nothing more may start while the tasks
        /// finish.
        var ending = false
        var stopped = false
    }

    let options: CheckpointRunOptions
    let checkpoints: CheckpointStore
    let savepoints: CheckpointStore
    private unowned(unsafe) let execution: JobExecution
    private let state: Mutex<State>
    private let io = DispatchQueue(label: "streamhost.checkpoint-io")
    private var ticker: (any DispatchSourceTimer)?
    private let logger = Logger(label: "streamhost.checkpoint")
    /// Completed checkpoints and savepoints of this run (for tests and the summary).
    let completedCount = Atomic<Int>(0)
    let lastCompletedID = Atomic<Int64>(0)
    /// Checkpoints and savepoints that failed or timed out in this run.
    let failedCount = Atomic<Int>(0)
    /// A checkpoint in flight when the run stopped (0 or 1 per run).
    let abortedCount = Atomic<Int>(0)
    /// The last completed checkpoint's figures, for metrics.
    let lastFigures = Mutex<(durationMs: Double, sizeBytes: Int, alignmentMs: Double)?>(nil)

    /// How often the ticker looks at the clock.
    static let tickMs = 20
    /// How many failures of the final checkpoint other than timeouts (a
    /// write error, say) the job takes before it fails.
    static let finalAttemptsMax = 10

    init(options: CheckpointRunOptions, execution: JobExecution, restoredID: Int64) {
        self.options = options
        self.execution = execution
        checkpoints = CheckpointStore(directory: options.checkpointDirectory, prefix: "chk")
        savepoints = CheckpointStore(directory: options.savepointDirectory, prefix: "sp")
        for name in checkpoints.removeIncomplete() { Logger(label: "streamhost.checkpoint").info("removed the unfinished checkpoint \(name)") }
        savepoints.removeIncomplete()
        // Ids grow across checkpoints, savepoints and the checkpoint this
        // run restored (which may come from another directory), so "newer"
        // is always "larger".
        let highest = max(checkpoints.highestID(), savepoints.highestID(), restoredID)
        state = Mutex(State(nextID: highest + 1))
    }

    // MARK: Ticking

    func start() {
        // The first checkpoint comes one interval after the start, not at
        // once (a restarted or swapped job would otherwise checkpoint all
        // its restored state again immediately).
        state.withLock { $0.lastTriggerAt = DispatchTime.now() }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "streamhost.checkpoint-ticker"))
        timer.schedule(deadline: .now() + .milliseconds(Self.tickMs), repeating: .milliseconds(Self.tickMs))
        timer.setEventHandler { [unowned self] in self.tick() }
        timer.resume()
        ticker = timer
    }

    /// Stops triggering; a checkpoint in flight is abandoned (its directory
    /// stays in progress and is removed on the next start).
    func stop() {
        ticker?.cancel()
        ticker = nil
        let waiter: (@Sendable (Result<SavepointResult, JobFailure>) -> Void)? = state.withLock { s in
            s.stopped = true
            let waiter = s.pending?.waiter ?? s.queuedSavepoint?.waiter
            if s.pending != nil { abortedCount.add(1, ordering: .relaxed) }
            s.pending?.waiter = nil
            s.queuedSavepoint = nil
            return waiter
        }
        waiter?(.failure(.checkpoint("the job ended before the savepoint completed")))
        io.sync {}
    }

    private func tick() {
        var timedOut: Pending?
        var finishedUnderIt: Pending?
        var trigger: (CheckpointBarrier, Pending)?
        state.withLock { s in
            guard !s.stopped, !s.ending else { return }
            // Read the clock under the lock: a stop request or a savepoint
            // may begin a checkpoint on another thread between a read
            // before the lock and this point, and its start would then lie
            // after `now` (an unsigned difference that traps).
            let now = DispatchTime.now()
            if let pending = s.pending {
                let ageMs = Self.milliseconds(from: pending.startedAt, to: now)
                if ageMs > Double(options.spec.timeoutMs) {
                    timedOut = pending
                    s.pending = nil
                    s.lastEndAt = now
                } else if !execution.allTasksRunning {
                    finishedUnderIt = pending
                    s.pending = nil
                    s.lastEndAt = now
                }
                return
            }
            // A task finished (a failure or a stop-with-savepoint under
            // way): no barrier can pass any more.
            guard execution.allTasksRunning else { return }
            if let queued = s.queuedSavepoint {
                s.queuedSavepoint = nil
                trigger = begin(&s, kind: .savepoint, stop: queued.stop, waiter: queued.waiter, now: now)
                return
            }
            if s.finalDue {
                trigger = begin(&s, kind: .checkpoint, stop: false, waiter: nil, now: now)
                if trigger != nil { s.pending?.isFinal = true }
                return
            }
            let sinceTrigger = s.lastTriggerAt.map { Self.milliseconds(from: $0, to: now) } ?? .infinity
            let sinceEnd = s.lastEndAt.map { Self.milliseconds(from: $0, to: now) } ?? .infinity
            guard sinceTrigger >= Double(options.spec.intervalMs), sinceEnd >= Double(options.spec.minPauseMs) else { return }
            trigger = begin(&s, kind: .checkpoint, stop: false, waiter: nil, now: now)
        }
        if let timedOut {
            fail(timedOut, reason: "timed out after \(options.spec.timeoutMs) ms (checkpoints.timeout_ms)", timedOut: true)
        }
        if let finishedUnderIt {
            fail(finishedUnderIt, reason: "a task finished (its input ended) before the barrier reached it", counts: false)
        }
        if let (barrier, _) = trigger { execution.injectBarrier(barrier) }
    }

    /// Milliseconds from `start` to `end`, 0 when `end` is not later (two
    /// readings of the clock on different threads need not be ordered).
    static func milliseconds(from start: DispatchTime, to end: DispatchTime) -> Double {
        end.uptimeNanoseconds > start.uptimeNanoseconds
            ? Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e6 : 0
    }

    // MARK: End of input

    /// Every source task's input ended (`SH_END`, or a stop request: the
    /// first SIGINT/SIGTERM) and its chain reached the end of event time:
    /// the final checkpoint starts at the next tick (after one in flight).
    /// Its barrier follows every record the job emits, so its completion
    /// commits all of it and a run resumed from it repeats nothing.
    func requestFinalCheckpoint() {
        state.withLock { $0.finalDue = true }
    }

    /// Starts checkpoint or savepoint `s.nextID` (under the lock).
    private func begin(
        _ s: inout State, kind: CheckpointBarrier.Kind, stop: Bool,
        waiter: (@Sendable (Result<SavepointResult, JobFailure>) -> Void)?, now: DispatchTime
    ) -> (CheckpointBarrier, Pending)? {
        let id = s.nextID
        s.nextID += 1
        s.lastTriggerAt = now
        let store = kind == .checkpoint ? checkpoints : savepoints
        let directory: String
        do {
            directory = try store.begin(id)
        } catch {
            logger.warning("checkpoint \(id) could not start: \(error)")
            waiter?(.failure(.checkpoint("savepoint \(id) could not start: \(error)")))
            s.lastEndAt = now
            return nil
        }
        let barrier = CheckpointBarrier(id: id, kind: kind, stopsJob: stop)
        let pending = Pending(barrier: barrier, directory: directory, startedAt: now,
                              triggeredAtMs: Int64(Date().timeIntervalSince1970 * 1000), waiter: waiter)
        s.pending = pending
        return (barrier, pending)
    }

    // MARK: Savepoints

    /// Takes a savepoint (and with `stop`, ends the job after it). Calls
    /// `completion` once, from another thread. A savepoint already in
    /// flight makes this one fail at once.
    func requestSavepoint(stop: Bool, completion: @escaping @Sendable (Result<SavepointResult, JobFailure>) -> Void) {
        let refusal: String? = state.withLock { s in
            if s.stopped || s.ending { return "the job is ending" }
            if let pending = s.pending, pending.barrier.kind == .savepoint {
                return "savepoint \(pending.barrier.id) is already being taken; wait for it to finish"
            }
            if s.queuedSavepoint != nil { return "a savepoint is already waiting to start; wait for it to finish" }
            s.queuedSavepoint = (stop, completion)
            return nil
        }
        if let refusal { completion(.failure(.checkpoint(refusal))) }
    }

    // MARK: Acknowledgements

    /// A task reached `barrier` and snapshotted its chain into `parts`.
    /// - Parameter alignmentNs: how long the task aligned its inputs' barriers.
    func acknowledge(_ barrier: CheckpointBarrier, parts: [InstanceSnapshotPart], alignmentNs: UInt64 = 0) {
        let accepted: String? = state.withLock { s in
            guard var pending = s.pending, pending.barrier.id == barrier.id else { return nil }
            pending.acknowledged += 1
            pending.alignmentNsMax = max(pending.alignmentNsMax, alignmentNs)
            pending.writesOutstanding += parts.count
            s.pending = pending
            return pending.directory
        }
        guard let directory = accepted else {
            for part in parts { part.keyedState?.discard() }
            return
        }
        io.async { [self] in
            for part in parts { write(part, of: barrier, into: directory) }
        }
    }

    /// Writes one instance's part (on the I/O queue) and completes the
    /// checkpoint when it was the last one outstanding.
    private func write(_ part: InstanceSnapshotPart, of barrier: CheckpointBarrier, into directory: String) {
        let step = execution.plan.steps[part.stepIndex]
        let prefix = "steps/\(Self.fileName(step.id))/\(part.instance)"
        var snapshot = InstanceSnapshot(instance: part.instance, keyGroups: part.keyGroups, blob: nil,
                                        keyedState: nil, keyedStateFiles: [])
        var failure: String?
        var bytes = 0
        do {
            if let blob = part.blob {
                let file = try CheckpointStore.writeFile(blob, named: prefix + ".blob", in: directory)
                snapshot.blob = file
                bytes += file.bytes
            }
            if let keyed = part.keyedState {
                let (handle, files) = try keyed.write(directory: directory, prefix: prefix + "-state")
                snapshot.keyedState = handle
                snapshot.keyedStateFiles = files
                bytes += files.reduce(0) { $0 + $1.bytes }
            }
        } catch {
            failure = "writing the state of step '\(step.id)' instance \(part.instance) failed: \(error)"
        }
        let finished: Pending? = state.withLock { s in
            guard var pending = s.pending, pending.barrier.id == barrier.id else { return nil }
            pending.writesOutstanding -= 1
            pending.sizeBytes += bytes
            pending.instances[part.stepIndex, default: []].append(snapshot)
            if let failure, pending.failure == nil { pending.failure = failure }
            s.pending = pending
            guard pending.acknowledged == execution.taskCount, pending.writesOutstanding == 0 else { return nil }
            s.pending = nil
            s.lastEndAt = DispatchTime.now()
            // Under the same lock as the end of the pending one, so that the
            // ticker starts nothing after a checkpoint that ends the job
            // (`fail` clears it again should the completion fail).
            if pending.barrier.stopsJob || pending.isFinal { s.ending = true }
            return pending
        }
        if let finished { complete(finished) }
    }

    private func complete(_ pending: Pending) {
        if let failure = pending.failure {
            fail(pending, reason: failure)
            return
        }
        let plan = execution.plan
        var steps: [StepSnapshot] = []
        for (index, step) in plan.steps.enumerated() {
            let instances = (pending.instances[index] ?? []).sorted { $0.instance < $1.instance }
            steps.append(StepSnapshot(
                stepID: step.id, componentName: step.component.name, pluginName: step.component.pluginName,
                pluginVersion: step.component.pluginVersion,
                pluginBuild: options.swapBuilds?.buildName(of: step.component), stateVersion: step.component.stateVersion,
                parallelism: step.parallelism, instances: instances))
        }
        let barrier = pending.barrier
        let manifest = CheckpointManifest(
            kind: barrier.kind == .checkpoint ? .checkpoint : .savepoint, jobName: plan.spec.name,
            checkpointID: barrier.id, triggeredAtMs: pending.triggeredAtMs,
            maxParallelism: plan.keyGroups.maxParallelism, stateBackend: execution.stateBackendName, steps: steps)
        let store = barrier.kind == .checkpoint ? checkpoints : savepoints
        let final: String
        do {
            final = try store.complete(barrier.id, manifest: manifest)
        } catch {
            fail(pending, reason: "writing its manifest failed: \(error)")
            return
        }
        if barrier.kind == .checkpoint {
            checkpoints.retain(options.spec.retained)
            // After retention, so that a copy named only by the checkpoints
            // it dropped goes; the manifest just written names the copies
            // this plan runs.
            let removed = options.swapBuilds?.removeUnneeded(running: plan) ?? []
            if !removed.isEmpty {
                let names = removed.joined(separator: ", ")
                logger.info("removed plugin builds no running step and no retained checkpoint or savepoint needs: \(names)")
            }
        }
        let durationMs = Self.milliseconds(from: pending.startedAt, to: DispatchTime.now())
        logger.debug("\(barrier.kind == .checkpoint ? "checkpoint" : "savepoint") \(barrier.id) complete in \(String(format: "%.1f", durationMs)) ms: \(final)")
        lastFigures.withLock {
            $0 = (durationMs, pending.sizeBytes, Double(pending.alignmentNsMax) / 1e6)
        }
        completedCount.add(1, ordering: .relaxed)
        lastCompletedID.store(barrier.id, ordering: .relaxed)
        if barrier.kind == .checkpoint { state.withLock { $0.failuresInARow = 0 } }
        execution.notifyTasks(.complete(barrier.id))
        pending.waiter?(.success(SavepointResult(id: barrier.id, directory: final, durationMs: durationMs)))
        if pending.isFinal {
            execution.finishAfterFinalCheckpoint()
        } else if barrier.stopsJob {
            execution.finishAfterSavepoint(final, durationMs: durationMs)
        }
    }

    /// Abandons a checkpoint: its files go, the tasks discard what they
    /// pre-committed for it, a waiting savepoint request gets the reason.
    /// A checkpoint (not a savepoint) that timed out or could not be
    /// written counts against `tolerable_failed_checkpoints`; one more than
    /// it tolerates fails the attempt (as Flink's CheckpointFailureManager
    /// does), which is how a task that hangs in a plugin callback, and so
    /// never passes a barrier on, ends its attempt.
    /// - Parameter counts: false for a checkpoint that could not go on for
    ///   another reason (a task finished under it), which Flink does not
    ///   count either.
    private func fail(_ pending: Pending, reason: String, timedOut: Bool = false, counts: Bool = true) {
        let what = pending.barrier.kind == .checkpoint ? "checkpoint" : "savepoint"
        logger.warning("\(what) \(pending.barrier.id) failed: \(reason)")
        failedCount.add(1, ordering: .relaxed)
        io.async { [self] in
            (pending.barrier.kind == .checkpoint ? checkpoints : savepoints).abort(pending.barrier.id)
        }
        execution.notifyTasks(.abort(pending.barrier.id))
        pending.waiter?(.failure(.checkpoint("\(what) \(pending.barrier.id) failed: \(reason)")))
        let (failures, inARow): (Int, Int) = state.withLock { s in
            if pending.barrier.stopsJob || pending.isFinal { s.ending = false }
            if counts, pending.barrier.kind == .checkpoint { s.failuresInARow += 1 }
            let inARow = s.failuresInARow
            // A final barrier that timed out waits behind records still in
            // the channels (a slow sink's backlog): the next attempt comes
            // later in the same queue, so only other failures count.
            guard pending.isFinal, !timedOut else { return (0, inARow) }
            s.finalFailures += 1
            return (s.finalFailures, inARow)
        }
        if pending.barrier.stopsJob { execution.resumeSourcesAfterFailedStop() }
        if let tolerable = options.spec.tolerableFailedCheckpoints, inARow > tolerable {
            let last = lastCompletedID.load(ordering: .relaxed)
            execution.fail(.checkpoint(
                "\(inARow) checkpoints in a row failed, more than the \(tolerable) that "
                    + "checkpoints.tolerable_failed_checkpoints tolerates (last: checkpoint \(pending.barrier.id) \(reason)); "
                    + "the attempt fails and resumes from "
                    + (last > 0 ? "checkpoint \(last)" : "the start of this run")
                    + (timedOut ? "; a timeout usually means a task is stuck (a plugin callback that does not "
                        + "return) or far behind" : "")))
            return
        }
        if failures >= Self.finalAttemptsMax {
            let last = lastCompletedID.load(ordering: .relaxed)
            execution.fail(.checkpoint(
                "the final checkpoint failed \(failures) times (last: \(reason)); nothing after "
                    + (last > 0 ? "checkpoint \(last)" : "the start of this run")
                    + " is committed, and the next run resumes from there"))
        }
    }

    /// A step id as a file-name component.
    static func fileName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
