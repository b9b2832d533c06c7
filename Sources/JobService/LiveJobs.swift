import Core
import Foundation
import Observability

/// The server's side of its jobs' live metrics: once a second `JobManager`
/// hands it the running jobs; it reads each worker's latest sample
/// (`LiveSampleFile`), publishes it into the server's `/metrics` (a
/// `JobMetrics` per job: the same series, names and labels as `run
/// --metrics-listen`), keeps the rates for `GET /v1/jobs/ID`, and keeps a
/// bounded history for the dashboard: per step throughput, watermark lag
/// and busy / back-pressured time, and the checkpoints seen complete or
/// fail.
///
/// # Thread safety
/// Every method may be called from any thread; they serialize on one lock.
/// File reads happen outside it.
final class LiveJobs: @unchecked Sendable {
    /// A sample older than this is not live (its worker ended or hangs).
    static let staleAfterMs: Int64 = 5_000
    /// Samples kept per job: 10 minutes at the workers' 1 s interval.
    static let historyCapacity = 600
    /// Series kept per job (5 per step).
    static let seriesMax = 1_000
    /// Checkpoint outcomes kept per job.
    static let checkpointEventsMax = 200

    /// A job as `JobManager` sees it at a sampling.
    struct Target {
        var id: String
        var name: String
        var directory: String
        var restarts: Int
    }

    /// One step's plotted figure.
    struct SeriesKey: Hashable, Sendable {
        var step: String
        var figure: Figure
    }

    enum Figure: String, CaseIterable, Sendable {
        case recordsInPerSecond, recordsOutPerSecond, watermarkLagMs, busyMsPerSecond, backPressuredMsPerSecond
    }

    /// A checkpoint's outcome, as the samples told it.
    struct CheckpointEvent: Sendable {
        var atMs: Int64
        /// completed, failed or aborted.
        var outcome: String
        /// How many since the sample before (samples are 1 s apart).
        var count: Int
        var id: Int64?
        var durationMs: Double?
        var sizeBytes: Int?
        var alignmentMs: Double?
    }

    private final class Job {
        let metrics: JobMetrics?
        var latest: JobSample?
        /// Rates between the attempt's sample before `latest` and it, by
        /// step and instance.
        var rates: [String: TaskRates] = [:]
        var restartsSeen = 0
        var history = SampleHistory<SeriesKey>(capacity: LiveJobs.historyCapacity, seriesMax: LiveJobs.seriesMax)
        var checkpoints = SampleRing<CheckpointEvent>(capacity: LiveJobs.checkpointEventsMax)

        init(metrics: JobMetrics?) { self.metrics = metrics }
    }

    private let registry: MetricsRegistry?
    private let lock = NSLock()
    private var jobs: [String: Job] = [:]

    init(registry: MetricsRegistry?) {
        self.registry = registry
    }

    static func key(_ step: String, _ instance: Int) -> String { step + "\u{0}" + String(instance) }

    /// Reads the targets' samples and takes in those that are new.
    func collect(_ targets: [Target], nowMs: Int64) {
        for target in targets {
            guard let sample = LiveSampleFile.read(jobDirectory: target.directory),
                  nowMs - sample.wallClockMs <= Self.staleAfterMs
            else { continue }
            take(sample, of: target)
        }
    }

    private func take(_ sample: JobSample, of target: Target) {
        lock.lock()
        defer { lock.unlock() }
        let job = jobs[target.id] ?? Job(metrics: registry.map { JobMetrics(job: target.name, registry: $0) })
        jobs[target.id] = job
        if target.restarts < job.restartsSeen { job.restartsSeen = target.restarts }
        while job.restartsSeen < target.restarts {
            job.metrics?.restarted()
            job.restartsSeen += 1
        }
        let previous = job.latest
        guard previous?.attempt != sample.attempt || previous?.monotonicNanoseconds != sample.monotonicNanoseconds else {
            return
        }
        job.latest = sample
        job.metrics?.publish(sample)
        let sameAttempt = previous?.attempt == sample.attempt
        var before: [String: TaskReading] = [:]
        if sameAttempt, let previous {
            for task in previous.tasks {
                before[Self.key(task.step, task.instance)] = TaskReading(task, at: previous.monotonicNanoseconds)
            }
        }
        job.rates = [:]
        var values: [SeriesKey: Double] = [:]
        var perStep: [String: (inRate: Double, outRate: Double, busy: Double, backPressured: Double)] = [:]
        for task in sample.tasks {
            let key = Self.key(task.step, task.instance)
            let reading = TaskReading(task, at: sample.monotonicNanoseconds)
            if let start = before[key], let rates = TaskRates(from: start, to: reading) {
                job.rates[key] = rates
                var step = perStep[task.step] ?? (inRate: 0, outRate: 0, busy: 0, backPressured: 0)
                step.inRate += rates.recordsInPerSecond
                step.outRate += rates.recordsOutPerSecond
                if rates.busyMsPerSecond + rates.backPressuredMsPerSecond >= step.busy + step.backPressured {
                    step.busy = rates.busyMsPerSecond
                    step.backPressured = rates.backPressuredMsPerSecond
                }
                perStep[task.step] = step
            }
            if let lag = TaskRates.watermarkLagMs(outputWatermarkMs: task.outputWatermarkMs, wallClockMs: sample.wallClockMs) {
                let key = SeriesKey(step: task.step, figure: .watermarkLagMs)
                values[key] = max(values[key] ?? lag, lag)
            }
        }
        for (step, figures) in perStep {
            values[SeriesKey(step: step, figure: .recordsInPerSecond)] = figures.inRate
            values[SeriesKey(step: step, figure: .recordsOutPerSecond)] = figures.outRate
            values[SeriesKey(step: step, figure: .busyMsPerSecond)] = figures.busy
            values[SeriesKey(step: step, figure: .backPressuredMsPerSecond)] = figures.backPressured
        }
        job.history.append(timeMs: sample.wallClockMs, values: values)

        let was = sameAttempt ? previous?.checkpoints ?? JobSample.Checkpoints() : JobSample.Checkpoints()
        let now = sample.checkpoints
        func event(_ outcome: String, _ count: Int, figures: Bool) {
            guard count > 0 else { return }
            job.checkpoints.append(CheckpointEvent(
                atMs: sample.wallClockMs, outcome: outcome, count: count, id: figures ? now.lastID : nil,
                durationMs: figures ? now.lastDurationMs : nil, sizeBytes: figures ? now.lastSizeBytes : nil,
                alignmentMs: figures ? now.lastAlignmentMs : nil))
        }
        event("completed", now.completed - was.completed, figures: true)
        event("failed", now.failed - was.failed, figures: false)
        event("aborted", now.aborted - was.aborted, figures: false)
    }

    // MARK: Views

    /// The step's live figures; nil when the job has no recent sample with it.
    func stepLive(id: String, step: String, nowMs: Int64) -> StepLive? {
        lock.lock()
        defer { lock.unlock() }
        guard let job = jobs[id], let sample = job.latest, nowMs - sample.wallClockMs <= Self.staleAfterMs else { return nil }
        let instances = sample.tasks.filter { $0.step == step }.map { task in
            InstanceLive(
                instance: task.instance, recordsIn: task.recordsIn, recordsOut: task.recordsOut,
                rates: job.rates[Self.key(task.step, task.instance)], inputWatermarkMs: task.inputWatermarkMs,
                outputWatermarkMs: task.outputWatermarkMs,
                watermarkLagMs: TaskRates.watermarkLagMs(outputWatermarkMs: task.outputWatermarkMs, wallClockMs: sample.wallClockMs),
                inputChannelFill: task.inputCapacity > 0 ? Double(task.inputQueued) / Double(task.inputCapacity) : 0)
        }
        guard !instances.isEmpty else { return nil }
        return StepLive(sampledAtMs: sample.wallClockMs, instances: instances.sorted { $0.instance < $1.instance })
    }

    /// The running attempt's checkpoint figures; nil without a recent sample.
    func checkpointsLive(id: String, nowMs: Int64) -> CheckpointsLive? {
        lock.lock()
        defer { lock.unlock() }
        guard let sample = jobs[id]?.latest, nowMs - sample.wallClockMs <= Self.staleAfterMs else { return nil }
        let figures = sample.checkpoints
        return CheckpointsLive(
            sampledAtMs: sample.wallClockMs, completed: figures.completed, failed: figures.failed, aborted: figures.aborted,
            lastID: figures.lastID, lastDurationMs: figures.lastDurationMs, lastSizeBytes: figures.lastSizeBytes,
            lastAlignmentMs: figures.lastAlignmentMs)
    }

    /// The job's history over the latest `samples` samples, as the
    /// dashboard reads it (`GET /v1/dashboard/jobs/ID`):
    /// `{"times": [...], "steps": [{"id", "recordsInPerSecond": [...], ...}],
    /// "checkpoints": [...]}`; values missing at an instant are null. The
    /// checkpoint outcomes are all those kept (`checkpointEventsMax`).
    func history(id: String, samples: Int, steps order: [String]) -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        guard let job = jobs[id] else {
            return .object(JSONObject([("times", .array([])), ("steps", .array([])), ("checkpoints", .array([]))]))
        }
        let times = job.history.times(last: samples)
        let known = Set(job.history.keys.map(\.step))
        let steps = order.filter(known.contains).map { step -> JSONValue in
            var object = JSONObject()
            object["id"] = .string(step)
            for figure in Figure.allCases {
                let values = job.history.values(SeriesKey(step: step, figure: figure), last: samples)
                    ?? Array(repeating: nil, count: times.count)
                object[figure.rawValue] = .array(values.map { $0.map(JSONValue.double) ?? .null })
            }
            return .object(object)
        }
        let checkpoints = job.checkpoints.elements.map { event -> JSONValue in
            var object = JSONObject()
            object["atMs"] = .int(event.atMs)
            object["outcome"] = .string(event.outcome)
            object["count"] = .int(Int64(event.count))
            object["id"] = event.id.map(JSONValue.int) ?? .null
            object["durationMs"] = event.durationMs.map(JSONValue.double) ?? .null
            object["sizeBytes"] = event.sizeBytes.map { .int(Int64($0)) } ?? .null
            object["alignmentMs"] = event.alignmentMs.map(JSONValue.double) ?? .null
            return .object(object)
        }
        return .object(JSONObject([
            ("times", .array(times.map(JSONValue.int))), ("steps", .array(steps)), ("checkpoints", .array(checkpoints)),
        ]))
    }
}
