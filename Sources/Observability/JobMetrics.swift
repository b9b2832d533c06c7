import Prometheus
import Synchronization

/// The metrics of one job in a `MetricsRegistry`: turns the runtime's
/// samples into Prometheus series labelled with the job, step and instance.
///
/// The runtime keeps its counts in plain per-task fields and publishes a
/// `JobSample` once per interval; only here do they meet the registry's
/// locks, so the cost per record is nil and the cost per interval is one
/// update per series.
///
/// # Thread safety
/// `publish` and the others may be called from any thread; they serialize
/// on one lock.
public final class JobMetrics: Sendable {
    public let job: String
    public let registry: MetricsRegistry

    private struct TaskSeries {
        let recordsIn, recordsOut: Prometheus.Counter
        let inPerSecond, outPerSecond: Prometheus.Gauge
        let inputWatermark, outputWatermark, watermarkLag: Prometheus.Gauge
        let busy, idle, backPressured, channelFill: Prometheus.Gauge
    }

    private struct Baseline {
        var reading: TaskReading
        var counters: [String: Int64] = [:]

        init(atNanoseconds: UInt64) {
            reading = TaskReading(recordsIn: 0, recordsOut: 0, busyNanoseconds: 0, backPressuredNanoseconds: 0,
                                  atNanoseconds: atNanoseconds)
        }
    }

    private struct State {
        var attempt: Int?
        var tasks: [String: TaskSeries] = [:]
        var baselines: [String: Baseline] = [:]
        var deadLetterBaselines: [String: Int] = [:]
        var checkpointBaseline = JobSample.Checkpoints()
        var latency: [String: SinkLatency] = [:]
    }

    private let state = Mutex(State())
    private let completed, failed, aborted, restartCount: Prometheus.Counter
    private let lastDuration, lastSize, lastAlignment: Prometheus.Gauge

    public init(job: String, registry: MetricsRegistry) {
        self.job = job
        self.registry = registry
        completed = registry.counter(StreamhostMetrics.checkpointsCompleted, [job])
        failed = registry.counter(StreamhostMetrics.checkpointsFailed, [job])
        aborted = registry.counter(StreamhostMetrics.checkpointsAborted, [job])
        restartCount = registry.counter(StreamhostMetrics.restarts, [job])
        lastDuration = registry.gauge(StreamhostMetrics.lastCheckpointDuration, [job])
        lastSize = registry.gauge(StreamhostMetrics.lastCheckpointSize, [job])
        lastAlignment = registry.gauge(StreamhostMetrics.lastCheckpointAlignment, [job])
    }

    /// The job restarted after a failed attempt.
    public func restarted() { restartCount.increment() }

    /// The event-time latency histogram of sink step `step` (latency
    /// tracking on); every instance of the step records into the same one.
    public func sinkLatency(step: String) -> SinkLatency {
        state.withLock { s in
            if let existing = s.latency[step] { return existing }
            let latency = SinkLatency(registry.histogram(
                StreamhostMetrics.sinkEventTimeLatency, [job, step], buckets: StreamhostMetrics.latencyBucketsMs))
            s.latency[step] = latency
            return latency
        }
    }

    /// Brings every series up to `sample`.
    public func publish(_ sample: JobSample) {
        state.withLock { s in
            if s.attempt != sample.attempt {
                // A new attempt counts from 0: its totals add to the
                // counters from a zero baseline; rates start over.
                s.attempt = sample.attempt
                s.baselines = [:]
                s.deadLetterBaselines = [:]
                s.checkpointBaseline = JobSample.Checkpoints()
            }
            for task in sample.tasks { publish(task, of: sample, in: &s) }
            for entry in sample.deadLetters {
                let key = entry.step + "\u{0}" + entry.reason
                let before = s.deadLetterBaselines[key] ?? 0
                if entry.count > before {
                    registry.counter(StreamhostMetrics.deadLettered, [job, entry.step, entry.reason])
                        .increment(by: Int64(entry.count - before))
                    s.deadLetterBaselines[key] = entry.count
                }
            }
            let checkpoints = sample.checkpoints
            func add(_ counter: Prometheus.Counter, _ now: Int, _ before: Int) {
                if now > before { counter.increment(by: Int64(now - before)) }
            }
            add(completed, checkpoints.completed, s.checkpointBaseline.completed)
            add(failed, checkpoints.failed, s.checkpointBaseline.failed)
            add(aborted, checkpoints.aborted, s.checkpointBaseline.aborted)
            s.checkpointBaseline = checkpoints
            if let value = checkpoints.lastDurationMs { lastDuration.set(value) }
            if let value = checkpoints.lastSizeBytes { lastSize.set(Double(value)) }
            if let value = checkpoints.lastAlignmentMs { lastAlignment.set(value) }
        }
    }

    private func publish(_ task: JobSample.Task, of sample: JobSample, in s: inout State) {
        let key = task.step + "\u{0}" + String(task.instance)
        if task.instance == 0 && s.tasks[key] == nil {
            for reason in StreamhostMetrics.deadLetterReasons {
                _ = registry.counter(StreamhostMetrics.deadLettered, [job, task.step, reason])
            }
        }
        let series = s.tasks[key] ?? makeSeries(task)
        s.tasks[key] = series
        var baseline = s.baselines[key] ?? Baseline(atNanoseconds: sample.monotonicNanoseconds)
        let reading = TaskReading(task, at: sample.monotonicNanoseconds)
        if task.recordsIn > baseline.reading.recordsIn {
            series.recordsIn.increment(by: Int64(task.recordsIn - baseline.reading.recordsIn))
        }
        if task.recordsOut > baseline.reading.recordsOut {
            series.recordsOut.increment(by: Int64(task.recordsOut - baseline.reading.recordsOut))
        }
        if let rates = TaskRates(from: baseline.reading, to: reading) {
            series.inPerSecond.set(rates.recordsInPerSecond)
            series.outPerSecond.set(rates.recordsOutPerSecond)
            series.busy.set(rates.busyMsPerSecond)
            series.backPressured.set(rates.backPressuredMsPerSecond)
            series.idle.set(rates.idleMsPerSecond)
        }
        if let mark = task.inputWatermarkMs { series.inputWatermark.set(Double(mark)) }
        if let mark = task.outputWatermarkMs { series.outputWatermark.set(Double(mark)) }
        if let lag = TaskRates.watermarkLagMs(outputWatermarkMs: task.outputWatermarkMs, wallClockMs: sample.wallClockMs) {
            series.watermarkLag.set(lag)
        }
        series.channelFill.set(task.inputCapacity > 0 ? Double(task.inputQueued) / Double(task.inputCapacity) : 0)
        if let entries = task.keyedStateEntries, let bytes = task.keyedStateBytes {
            let labels = [job, task.step, String(task.instance), sample.stateBackend]
            registry.gauge(StreamhostMetrics.keyedStateEntries, labels).set(Double(entries))
            registry.gauge(StreamhostMetrics.keyedStateSize, labels).set(Double(bytes))
        }
        for counter in task.counters {
            let before = baseline.counters[counter.name] ?? 0
            if counter.value > before {
                registry.counter(StreamhostMetrics.pluginCounter, [job, task.step, String(task.instance), counter.name])
                    .increment(by: counter.value - before)
            }
            baseline.counters[counter.name] = counter.value
        }
        baseline.reading = reading
        s.baselines[key] = baseline
    }

    private func makeSeries(_ task: JobSample.Task) -> TaskSeries {
        let labels = [job, task.step, String(task.instance)]
        return TaskSeries(
            recordsIn: registry.counter(StreamhostMetrics.recordsIn, labels),
            recordsOut: registry.counter(StreamhostMetrics.recordsOut, labels),
            inPerSecond: registry.gauge(StreamhostMetrics.recordsInPerSecond, labels),
            outPerSecond: registry.gauge(StreamhostMetrics.recordsOutPerSecond, labels),
            inputWatermark: registry.gauge(StreamhostMetrics.inputWatermark, labels),
            outputWatermark: registry.gauge(StreamhostMetrics.outputWatermark, labels),
            watermarkLag: registry.gauge(StreamhostMetrics.watermarkLag, labels),
            busy: registry.gauge(StreamhostMetrics.busyTime, labels),
            idle: registry.gauge(StreamhostMetrics.idleTime, labels),
            backPressured: registry.gauge(StreamhostMetrics.backPressuredTime, labels),
            channelFill: registry.gauge(StreamhostMetrics.inputChannelFill, labels))
    }
}

/// One sink step's latency histogram (`streamhost_sink_event_time_latency_ms`).
///
/// # Thread safety
/// `record` from any thread; the histogram locks per observation, which is
/// why the runtime samples a bounded number of records per batch.
public final class SinkLatency: Sendable {
    private let histogram: ValueHistogram

    init(_ histogram: ValueHistogram) {
        self.histogram = histogram
    }

    /// One record's (processing time − event time), in ms.
    public func record(milliseconds: Double) { histogram.record(milliseconds) }
}
