#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Checkpoint
import Columns
import Core
import Dispatch
import Expressions
import Foundation
import Logging
import Observability
import PluginHost
import State
import Synchronization

/// Why a job failed.
public enum JobFailure: Error, CustomStringConvertible, Sendable {
    /// A plugin callback returned an error.
    case plugin(PluginCallError)
    /// A plugin broke an ABI rule (emit after close, emit from a sink...).
    case violation(String)
    /// Rejected records could not be written: stopping keeps them in the source.
    case deadLetter(String)
    /// The state backend failed or passed its memory bound.
    case state(String)
    /// The job was cancelled (a second SIGINT/SIGTERM).
    case cancelled(String)
    /// A checkpoint or savepoint could not be taken.
    case checkpoint(String)
    /// Restoring a checkpoint or savepoint failed before anything ran.
    case restore(String)
    /// The worker process that ran the attempt (`isolation: process`) died
    /// by a signal, exited without a report, or reported this failure.
    case worker(String)
    /// After the attempt failed, a task stayed inside a plugin callback
    /// longer than `cancellation_timeout_ms`: a callback cannot be
    /// interrupted, so this process can run no other attempt.
    case stuck(String)

    public var description: String {
        switch self {
        case .plugin(let error): return error.description
        case .violation(let message): return message
        case .deadLetter(let message): return message
        case .state(let message): return message
        case .cancelled(let message): return message
        case .checkpoint(let message): return message
        case .restore(let message): return message
        case .worker(let message): return message
        case .stuck(let message): return message
        }
    }
}

/// How a run ended, with its counts.
public struct JobResult: Sendable {
    public let failure: JobFailure?
    public let sourceRecords: Int
    public let sinkRecords: Int
    public let rejectedRecords: Int
    public let deadLetterPath: String
    public let seconds: Double
    /// The run stopped early on request (SIGINT/SIGTERM) and drained.
    public let stoppedOnRequest: Bool
    /// The run ended with a stop-with-savepoint: the savepoint's directory,
    /// and how long the savepoint took.
    public var savepointDirectory: String? = nil
    public var savepointDurationMs: Double = 0
    /// Checkpoints and savepoints completed during the run.
    public var checkpointsCompleted = 0
    /// The newest of them, 0 when none.
    public var lastCheckpointID: Int64 = 0
    /// Checkpoints and savepoints that failed or timed out (and were removed).
    public var checkpointsFailed = 0
    /// The run failed before anything ran (create or restore).
    public var startFailed = false
    /// What each step did, in the job file's order (key_by steps included).
    public var steps: [StepSummary] = []
    /// The step instance that raised `failure`, when one did.
    public var failurePlace: FailurePlace?
    /// A task was still inside a plugin callback when the attempt ended
    /// (`JobFailure.stuck`): its instances are not destroyed and the
    /// process cannot run another attempt.
    public var hasStuckTasks = false

    /// The steps that received records and rejected every one of them.
    public var stepsRejectingEverything: [StepSummary] { steps.filter(\.rejectedEverything) }
}

/// Options for running a job.
public struct RunOptions: Sendable {
    /// Worker threads; defaults to the number of cores.
    public var workers: Int
    /// The file rejected records go to when the job file does not name one
    /// and there is no log (or `deadLetterToFile` is set).
    public var deadLetterPath: String
    /// With the log available, rejects go to the topic `<job>.dlq` unless
    /// this is set (an explicit `--dead-letter` file).
    public var deadLetterToFile = false
    /// Told the records and rates once per `JobProgress.reportIntervalMs`
    /// while the job runs; nil: nothing is measured.
    public var progress: (any JobProgressObserver)?
    /// The durable log plugins reach through `log_*`; nil: those answer
    /// SH_UNSUPPORTED.
    public var logServices: (any LogServices)?
    /// Where keyed state and timers live; nil: state calls answer
    /// SH_UNSUPPORTED.
    public var stateBackend: (any StateBackend)?
    /// Checkpoints and savepoints; nil: the run takes none.
    public var checkpoints: CheckpointRunOptions?
    /// A checkpoint or savepoint to start from.
    public var restore: RestoreSource?
    /// Where the job's metrics go (docs/METRICS.md); nil: nothing is
    /// measured beyond the run's counts, and tasks take no clock readings.
    public var metrics: JobMetrics?
    /// With `metrics`: sinks sample (now − event time) into a histogram.
    public var latencyTracking = false
    /// Also told every metrics sample, with or without `metrics` (tasks
    /// measure when either is set): a served job's worker hands them to
    /// the server this way (docs/SERVER.md, "Live metrics").
    public var sampleObserver: (@Sendable (JobSample) -> Void)?

    public init(
        workers: Int? = nil, deadLetterPath: String, progress: (any JobProgressObserver)? = nil,
        logServices: (any LogServices)? = nil
    ) {
        self.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        self.deadLetterPath = deadLetterPath
        self.progress = progress
        self.logServices = logServices
    }
}

/// One run of a job: creates every instance, wires tasks and channels, runs
/// them on the scheduler until the pipeline drains, fails or is stopped,
/// then destroys every instance.
///
/// # Thread safety
/// `requestStop` and `cancel` may be called from any thread while `run`
/// runs on another.
public final class JobExecution: @unchecked Sendable {
    public let plan: JobPlan
    let scheduler: Scheduler
    let deadLetters: DeadLetterWriter
    /// The functions host-side expressions call (`watermarks.timestamp`):
    /// the built-ins and the job's native functions.
    let expressionLibrary: any ExpressionFunctionLibrary
    private let options: RunOptions
    private var tasks: [StepTask] = []
    private let logger = Logger(label: "streamhost.runtime")

    private let cancelled = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let remainingTasks = Atomic<Int>(0)
    private let sourceRecords = Atomic<Int>(0)
    private let sinkRecords = Atomic<Int>(0)
    private let failure = Mutex<(failure: JobFailure, place: FailurePlace?)?>(nil)
    /// When the attempt failed (monotonic ns; 0: it has not), for the
    /// watchdog in `run`.
    private let failedAtNs = Atomic<UInt64>(0)
    private let finished = DispatchSemaphore(value: 0)
    private(set) var coordinator: CheckpointCoordinator?
    private let finishing = Atomic<Bool>(false)
    private let finalComplete = Atomic<Bool>(false)
    /// Source tasks whose input ended (jobs with checkpoints).
    private let endedSources = Atomic<Int>(0)
    private let savepointPath = Mutex<(String, Double)?>(nil)

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }
    /// A stop-with-savepoint completed: every task finishes without closing.
    var isFinishingAfterSavepoint: Bool { finishing.load(ordering: .sequentiallyConsistent) }
    /// The final checkpoint completed: every task closes its chain and
    /// finishes (jobs with checkpoints).
    var isFinalCheckpointComplete: Bool { finalComplete.load(ordering: .sequentiallyConsistent) }
    /// The run takes checkpoints: end of input waits for a final one.
    var isCheckpointed: Bool { coordinator != nil }
    var taskCount: Int { tasks.count }
    /// What instances are told in open: 0 without checkpoints.
    var checkpointIntervalMs: Int64 { options.checkpoints?.spec.intervalMs ?? 0 }
    /// Records the sources emitted so far in this run (for progress).
    public var sourceRecordsSoFar: Int { sourceRecords.load(ordering: .relaxed) }
    var allTasksRunning: Bool { remainingTasks.load(ordering: .sequentiallyConsistent) == tasks.count }
    var stateBackendName: String { options.stateBackend?.name ?? "none" }
    var metrics: JobMetrics? { options.metrics }
    /// Tasks measure their times and publish their counts for samples.
    var measures: Bool { options.metrics != nil || options.sampleObserver != nil }
    var tracksLatency: Bool { options.latencyTracking }
    /// Tells this attempt's metric samples from the last one's.
    private let attemptSerial = JobExecution.attemptSerials.add(1, ordering: .relaxed).newValue
    private static let attemptSerials = Atomic<Int>(0)

    /// Creates every instance (each component's create runs here, so
    /// config mistakes a plugin finds surface before anything flows).
    public init(plan: JobPlan, options: RunOptions) throws(JobFailure) {
        self.plan = plan
        self.options = options
        self.scheduler = Scheduler(workerCount: options.workers)
        let destination: DeadLetterWriter.Destination
        if let path = plan.spec.deadLetterPath {
            destination = .file(path)
        } else if let services = options.logServices, !options.deadLetterToFile {
            destination = .topic("\(plan.spec.name).dlq", services)
        } else {
            destination = .file(options.deadLetterPath)
        }
        self.deadLetters = DeadLetterWriter(destination: destination, jobName: plan.spec.name)
        // The validator refused a job whose functions shadow built-ins,
        // the one reason this throws.
        expressionLibrary = (try? JobFunctions.expressionLibrary(plan.spec, functions: plan.functions)) ?? BuiltinFunctions()

        var instancesByStep: [[ComponentInstance]] = []
        do {
            for (stepIndex, step) in plan.steps.enumerated() {
                var instances: [ComponentInstance] = []
                for index in 0..<step.parallelism {
                    let context = InstanceContext(
                        jobName: plan.spec.name, stepID: step.id, instance: index, kind: step.component.kind,
                        componentName: step.component.name, config: step.config,
                        batchRecordsMax: plan.spec.batchRecordsMax)
                    let deadLetters = self.deadLetters
                    context.onReject = { deadLetters.write($0) }
                    let place = FailurePlace(stepID: step.id, instance: index)
                    context.onViolation = { [unowned self] message in self.fail(.violation(message), at: place) }
                    context.logServices = options.logServices
                    context.stateBackend = options.stateBackend
                    context.onFatal = { [unowned self] message in self.fail(.state(message), at: place) }
                    context.acceptsSourceWatermarks = step.watermarks.strategy == .source
                    context.readSideOutputs = Set(plan.consumers(of: stepIndex).compactMap(\.input.sideOutput))
                    let instance = try ComponentInstance(component: step.component, context: context)
                    EdgeConversion.configure(instance, formats: plan.formats.indices.contains(stepIndex)
                        ? plan.formats[stepIndex] : nil, deadLetters: deadLetters)
                    instances.append(instance)
                }
                instancesByStep.append(instances)
            }
        } catch {
            for instances in instancesByStep { for instance in instances { instance.destroy() } }
            throw .plugin(error)
        }
        if let restore = options.restore {
            do {
                try Self.restore(restore, plan: plan, instances: instancesByStep, backend: options.stateBackend)
            } catch {
                for instances in instancesByStep { for instance in instances { instance.destroy() } }
                throw error
            }
        }
        if options.checkpoints != nil, let services = options.logServices {
            // Transactions of an earlier run that no completed checkpoint
            // covers (the sinks' restore just committed those that one
            // did) are aborted, so they hold back no read-committed reader.
            do {
                let aborted = try services.abortOpenTransactions(prefix: "\(plan.spec.name)/")
                if !aborted.isEmpty {
                    logger.info("aborted \(aborted.count) open transactions of an earlier run: \(aborted.joined(separator: ", "))")
                }
            } catch {
                for instances in instancesByStep { for instance in instances { instance.destroy() } }
                throw .restore("cannot abort the open transactions of job '\(plan.spec.name)': \(error)")
            }
        }
        buildTasks(instancesByStep)
        if let checkpoints = options.checkpoints {
            coordinator = CheckpointCoordinator(
                options: checkpoints, execution: self, restoredID: options.restore?.manifest.checkpointID ?? 0)
        }
    }

    private func buildTasks(_ instancesByStep: [[ComponentInstance]]) {
        // Tasks, by chain and instance.
        var taskByStep: [Int: [StepTask]] = [:]
        for chain in plan.chains {
            let head = plan.steps[chain[0]]
            var chainTasks: [StepTask] = []
            for index in 0..<head.parallelism {
                let name = chain.map { plan.steps[$0].id }.joined(separator: "->")
                let task = StepTask(name: name, instance: index, instances: chain.map { instancesByStep[$0][index] },
                                    stepIndices: chain, execution: self)
                for instance in task.instances {
                    instance.context.onWakeup = { [unowned task] in task.notify() }
                    instance.context.onProcessingTimer = { [unowned task] time in task.processingTimerRegistered(at: time) }
                }
                chainTasks.append(task)
            }
            for step in chain { taskByStep[step] = chainTasks }
            tasks += chainTasks
        }

        // Channels for every edge between chains; edges inside a chain are
        // direct calls and get none.
        var edgesByProducer: [ObjectIdentifier: [OutputRouter.Edge]] = [:]
        let chainHeads = Set(plan.chains.map { $0[0] })
        for (consumerIndex, consumer) in plan.steps.enumerated() where chainHeads.contains(consumerIndex) {
            let consumerTasks = taskByStep[consumerIndex]!
            for input in consumer.inputs {
                let producerTasks = taskByStep[input.step]!
                func makeChannel(_ producer: StepTask, _ target: StepTask) -> Channel {
                    let channel = Channel(capacity: plan.spec.channelBatchesMax, inputIndex: input.inputIndex)
                    channel.producer = producer
                    channel.consumer = target
                    target.inputs.append(channel)
                    return channel
                }
                // The bytes of a source with a declared schema are read
                // into columns before a hash exchange, so that records are
                // keyed from the schema's values ("7" as 7, a decimal
                // rounded to its scale), as the consumer reads them.
                let declared: Schema? = {
                    guard case .hash = input.exchange, input.sideOutput == nil,
                          plan.steps[input.step].component.kind == .source else { return nil }
                    return plan.spec.steps.first { $0.id == plan.steps[input.step].id }?.schema
                }()
                for (i, producer) in producerTasks.enumerated() {
                    let channels: [Channel]
                    if case .forward = input.exchange {
                        channels = [makeChannel(producer, consumerTasks[i])]
                    } else {
                        channels = consumerTasks.map { makeChannel(producer, $0) }
                    }
                    edgesByProducer[ObjectIdentifier(producer), default: []].append(
                        OutputRouter.Edge(exchange: input.exchange, channels: channels,
                                          firstTarget: i % channels.count,
                                          sideOutput: input.sideOutput.map { (input.step, $0) },
                                          decode: declared.map { [deadLetters] in
                                              EdgeConversion(schema: $0, stepID: consumer.id, instance: i,
                                                             reject: { deadLetters.write($0) })
                                          }))
                }
            }
        }
        for task in tasks {
            if let edges = edgesByProducer[ObjectIdentifier(task)] {
                task.router = OutputRouter(edges: edges, instance: task.instance, keyGroups: plan.keyGroups,
                                           batchRecordsMax: plan.spec.batchRecordsMax, deadLetters: deadLetters)
            }
        }
    }

    // MARK: Running

    /// Runs the job to its end and returns how it ended.
    public func run() -> JobResult {
        let start = DispatchTime.now()
        remainingTasks.store(tasks.count, ordering: .sequentiallyConsistent)
        scheduler.start()
        coordinator?.start()
        let progress = options.progress.map { startProgress($0) }
        let metricsReporter = measures ? MetricsReporter { [unowned self] in
            let sample = metricsSample()
            options.metrics?.publish(sample)
            options.sampleObserver?(sample)
        } : nil
        for task in tasks { task.notify() }
        let stuck = waitForTasks()
        coordinator?.stop()
        scheduler.stop(waiting: stuck.isEmpty)
        progress?.stop()
        metricsReporter?.stop()
        // Every task has finished: its counts are final and this thread sees
        // them (the finish signal orders them before the wait). With stuck
        // tasks nothing orders them: the attempt's step counts stay unknown.
        let steps = stuck.isEmpty ? stepSummaries() : []
        if stuck.isEmpty {
            for task in tasks { task.destroyInstances() }
        } else {
            abandon(stuck)
        }
        deadLetters.close()
        if let problem = deadLetters.failure { fail(.deadLetter(problem)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let ending = failure.withLock { $0 }
        var result = JobResult(
            failure: ending?.failure, sourceRecords: sourceRecords.load(ordering: .relaxed),
            sinkRecords: sinkRecords.load(ordering: .relaxed), rejectedRecords: deadLetters.count,
            deadLetterPath: deadLetters.path, seconds: seconds,
            stoppedOnRequest: stopRequested.load(ordering: .relaxed))
        (result.savepointDirectory, result.savepointDurationMs) = savepointPath.withLock { ($0?.0, $0?.1 ?? 0) }
        result.checkpointsCompleted = coordinator?.completedCount.load(ordering: .relaxed) ?? 0
        result.lastCheckpointID = coordinator?.lastCompletedID.load(ordering: .relaxed) ?? 0
        result.checkpointsFailed = coordinator?.failedCount.load(ordering: .relaxed) ?? 0
        result.steps = steps
        result.failurePlace = ending?.place
        result.hasStuckTasks = !stuck.isEmpty
        return result
    }

    /// How often `run` looks whether a failed attempt's tasks are stuck.
    static let watchdogIntervalMs = 100

    /// Waits until every task finished. Once the attempt failed (a plugin
    /// error, too many failed checkpoints, a cancel), a task still running
    /// `cancellation_timeout_ms` later is stuck inside a plugin callback
    /// (Flink's `task.cancellation.timeout`): those are returned, and the
    /// wait ends without them.
    private func waitForTasks() -> [StepTask] {
        let timeoutNs = UInt64(plan.spec.cancellationTimeoutMs) * 1_000_000
        while finished.wait(timeout: .now() + .milliseconds(Self.watchdogIntervalMs)) == .timedOut {
            let failedAt = failedAtNs.load(ordering: .sequentiallyConsistent)
            guard failedAt != 0, DispatchTime.now().uptimeNanoseconds &- failedAt >= timeoutNs else { continue }
            let stuck = tasks.filter(\.isRunning)
            if !stuck.isEmpty { return stuck }
        }
        return []
    }

    /// Gives up on an attempt whose `stuck` tasks never return from a
    /// plugin callback: the instances of the tasks that finished are
    /// destroyed, the others are left as they are (destroying an instance
    /// while its callback runs would free what the plugin uses, and the
    /// workers are not waited for), and this execution is never freed,
    /// since a thread still runs inside it. The failure becomes `.stuck`,
    /// naming the step instance.
    private func abandon(_ stuck: [StepTask]) {
        for task in tasks where task.isFinished { task.destroyInstances() }
        _ = Unmanaged.passRetained(self)
        let place = stuck[0].callingPlace
        let names = stuck.map { "step '\($0.callingPlace.stepID)' instance \($0.instance)" }
        failure.withLock { current in
            let cause = current.map { "\($0.failure)" } ?? "the run was cancelled"
            current = (JobFailure.stuck(
                names.joined(separator: ", ") + " did not return from its plugin callback within "
                    + "\(plan.spec.cancellationTimeoutMs) ms (cancellation_timeout_ms) after the attempt failed ("
                    + cause + "). A plugin callback cannot be interrupted, so this process ends instead of "
                    + "running another attempt: under `serve` or with `isolation: process` the supervisor starts a "
                    + "new worker by itself; a `streamhost run` without isolation exits with status 1, and run "
                    + "again (by hand or by a service manager) it resumes from the latest checkpoint"), place)
        }
        logger.error("job '\(plan.spec.name)': \(names.joined(separator: ", ")) stuck in a plugin callback; the attempt is abandoned")
    }

    /// Per step of the job file: records in and out, dead letters and the
    /// plugin's counters, summed over its instances.
    private func stepSummaries() -> [StepSummary] {
        let rejected = deadLetters.countByStep
        var keyed: [String: Int] = [:]
        for task in tasks {
            for (stepID, count) in task.router?.keyedCounts ?? [:] { keyed[stepID, default: 0] += count }
        }
        var byStep: [String: StepSummary] = [:]
        for task in tasks {
            for (position, instance) in task.instances.enumerated() {
                let step = plan.steps[task.stepIndices[position]]
                var summary = byStep[step.id]
                    ?? StepSummary(stepID: step.id, kind: .component(step.component.kind, name: step.component.name))
                let context = instance.context
                if step.component.kind == .source {
                    summary.recordsIn += context.emittedCount
                } else {
                    summary.recordsIn += task.receivedCounts[position]
                }
                if step.component.kind != .sink { summary.recordsOut += context.emittedCount }
                for (name, value) in zip(context.counterNames, context.counterValues) {
                    if let index = summary.counters.firstIndex(where: { $0.name == name }) {
                        summary.counters[index].value &+= value
                    } else {
                        summary.counters.append(StepSummary.Counter(name: name, value: value))
                    }
                }
                byStep[step.id] = summary
            }
        }
        return plan.spec.steps.compactMap { spec -> StepSummary? in
            var summary: StepSummary
            switch spec.kind {
            case .keyBy(let field):
                summary = StepSummary(stepID: spec.id, kind: .keyBy(field: field))
                summary.recordsIn = keyed[spec.id] ?? 0
                summary.recordsOut = summary.recordsIn - (rejected[spec.id] ?? 0)
            case .component:
                guard let found = byStep[spec.id] else { return nil }
                summary = found
            }
            summary.rejected = rejected[spec.id] ?? 0
            return summary
        }
    }

    // MARK: Metrics

    /// What the attempt measured so far: each task's last published
    /// figures, the channels' fill, dead letters and checkpoints.
    public func metricsSample() -> JobSample {
        var sample = JobSample(attempt: attemptSerial, monotonicNanoseconds: DispatchTime.now().uptimeNanoseconds,
                               wallClockMs: HostClock.nowMs())
        sample.stateBackend = stateBackendName
        for task in tasks {
            guard let meter = task.meter else { continue }
            let queued = task.inputs.reduce(0) { $0 + $1.queuedCount }
            let capacity = task.inputs.reduce(0) { $0 + $1.capacity }
            for var step in meter.published.steps {
                step.inputQueued = queued
                step.inputCapacity = capacity
                sample.tasks.append(step)
            }
        }
        sample.deadLetters = deadLetters.countByStepAndReason
            .map { JobSample.DeadLetters(step: $0.key.step, reason: $0.key.reason.rawValue, count: $0.value) }
            .sorted { ($0.step, $0.reason) < ($1.step, $1.reason) }
        if let coordinator {
            sample.checkpoints.completed = coordinator.completedCount.load(ordering: .relaxed)
            sample.checkpoints.failed = coordinator.failedCount.load(ordering: .relaxed)
            sample.checkpoints.aborted = coordinator.abortedCount.load(ordering: .relaxed)
            if let last = coordinator.lastFigures.withLock({ $0 }) {
                sample.checkpoints.lastDurationMs = last.durationMs
                sample.checkpoints.lastSizeBytes = last.sizeBytes
                sample.checkpoints.lastAlignmentMs = last.alignmentMs
                sample.checkpoints.lastID = coordinator.lastCompletedID.load(ordering: .relaxed)
            }
        }
        return sample
    }

    // MARK: Checkpoints

    /// Takes a savepoint of the running job; with `stop`, the job ends
    /// once it is complete (sources stop at the barrier, nothing drains).
    /// `completion` runs once, on another thread.
    public func requestSavepoint(stop: Bool, completion: @escaping @Sendable (Result<SavepointResult, JobFailure>) -> Void) {
        guard let coordinator else {
            completion(.failure(.checkpoint("the job has no checkpoints: section, so it cannot take savepoints")))
            return
        }
        coordinator.requestSavepoint(stop: stop, completion: completion)
    }

    func injectBarrier(_ barrier: CheckpointBarrier) {
        for task in tasks where task.instances[0].component.kind == .source { task.requestBarrier(barrier) }
    }

    func notifyTasks(_ notice: CheckpointNotice) {
        for task in tasks { task.post(notice) }
    }

    func finishAfterSavepoint(_ directory: String, durationMs: Double) {
        savepointPath.withLock { $0 = (directory, durationMs) }
        finishing.store(true, ordering: .sequentiallyConsistent)
        for task in tasks { task.notify() }
    }

    /// A source task's input ended (`SH_END` or a stop request) on a job
    /// with checkpoints; once every source task's has, the final checkpoint
    /// is due.
    func sourceInputEnded() {
        let sourceTasks = tasks.filter { $0.instances[0].component.kind == .source }.count
        if endedSources.add(1, ordering: .sequentiallyConsistent).newValue == sourceTasks {
            coordinator?.requestFinalCheckpoint()
        }
    }

    /// The final checkpoint completed (its completion notices are posted):
    /// every task closes its chain and finishes.
    func finishAfterFinalCheckpoint() {
        finalComplete.store(true, ordering: .sequentiallyConsistent)
        for task in tasks { task.notify() }
    }

    func resumeSourcesAfterFailedStop() {
        for task in tasks where task.instances[0].component.kind == .source { task.resumeAfterFailedStop() }
    }

    /// Stops the sources; the pipeline drains as at end of input (the
    /// first SIGINT/SIGTERM): every event-time timer fires and every step
    /// closes. With checkpoints the sources keep their positions, and a
    /// final checkpoint after the drain commits everything before the steps
    /// close (`StepTask.finishInput`), so a later run resumes where this one
    /// stopped and repeats nothing.
    public func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        for task in tasks { task.notify() }
    }

    /// Abandons the run without closing steps (the second signal).
    public func cancel(reason: String) {
        fail(.cancelled(reason))
    }

    /// Records the first failure (and the step instance that raised it,
    /// when the caller knows one the failure does not carry) and cancels
    /// the run.
    func fail(_ error: JobFailure, at place: FailurePlace? = nil) {
        let first = failure.withLock { current -> Bool in
            guard current == nil else { return false }
            current = (error, place ?? error.place)
            return true
        }
        if first {
            logger.debug("job failing: \(error)")
            failedAtNs.store(DispatchTime.now().uptimeNanoseconds, ordering: .sequentiallyConsistent)
        }
        cancelled.store(true, ordering: .sequentiallyConsistent)
        for task in tasks { task.notify() }
    }

    func taskFinished(_ task: StepTask) {
        if remainingTasks.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 { finished.signal() }
    }

    func countSourceRecords(_ count: Int) { sourceRecords.add(count, ordering: .relaxed) }
    func countSinkRecords(_ count: Int) { sinkRecords.add(count, ordering: .relaxed) }

    func wakeLater(_ task: StepTask, afterMs delay: Int) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { task.notify() }
    }

    /// Reports progress to `observer` once per `JobProgress.reportIntervalMs`
    /// on a queue of its own, until the returned reporter is stopped.
    private func startProgress(_ observer: any JobProgressObserver) -> ProgressReporter {
        ProgressReporter(observer: observer, jobName: plan.spec.name) { [unowned self] in
            (sourceRecords.load(ordering: .relaxed), sinkRecords.load(ordering: .relaxed))
        }
    }
}
