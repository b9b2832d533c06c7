import Observability
import Testing
import TestKit

/// Samples become counters, rates and times per second; a new attempt's
/// counts (from 0 again) keep the counters monotonic.
@Suite struct JobMetricsTests {
    static func task(_ recordsIn: Int, _ recordsOut: Int, busyMs: UInt64 = 0, backPressuredMs: UInt64 = 0)
        -> JobSample.Task
    {
        var task = JobSample.Task(step: "map", instance: 1)
        task.recordsIn = recordsIn
        task.recordsOut = recordsOut
        task.busyNanoseconds = busyMs * 1_000_000
        task.backPressuredNanoseconds = backPressuredMs * 1_000_000
        task.inputQueued = 3
        task.inputCapacity = 12
        task.outputWatermarkMs = 9_000
        task.counters = [(name: "dropped", value: 5)]
        return task
    }

    static func sample(attempt: Int, atSeconds seconds: UInt64, _ tasks: [JobSample.Task]) -> JobSample {
        var sample = JobSample(attempt: attempt, monotonicNanoseconds: seconds * 1_000_000_000, wallClockMs: 10_000)
        sample.tasks = tasks
        return sample
    }

    static func scrape(_ registry: MetricsRegistry) -> String { String(decoding: registry.exposition(), as: UTF8.self) }

    @Test func countsRatesAndTimes() {
        let registry = MetricsRegistry()
        let metrics = JobMetrics(job: "orders", registry: registry)
        metrics.publish(Self.sample(attempt: 1, atSeconds: 10, [Self.task(100, 90, busyMs: 50, backPressuredMs: 10)]))
        metrics.publish(Self.sample(attempt: 1, atSeconds: 12, [Self.task(700, 490, busyMs: 450, backPressuredMs: 1010)]))
        let text = Self.scrape(registry)
        let labels = ["job": "orders", "step": "map", "instance": "1"]
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_total", labels) == 700)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_out_total", labels) == 490)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_per_second", labels) == 300)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_out_per_second", labels) == 200)
        #expect(HTTPGet.sample(text, "streamhost_task_busy_time_ms_per_second", labels) == 200)
        #expect(HTTPGet.sample(text, "streamhost_task_back_pressured_time_ms_per_second", labels) == 500)
        #expect(HTTPGet.sample(text, "streamhost_task_idle_time_ms_per_second", labels) == 300)
        #expect(HTTPGet.sample(text, "streamhost_task_input_channel_fill_ratio", labels) == 0.25)
        #expect(HTTPGet.sample(text, "streamhost_task_current_output_watermark_ms", labels) == 9_000)
        #expect(HTTPGet.sample(text, "streamhost_task_watermark_lag_ms", labels) == 1_000)
        #expect(HTTPGet.sample(text, "streamhost_task_plugin_counter_total", ["counter": "dropped"]) == 5)
    }

    @Test func aNewAttemptAddsToTheCountersInsteadOfResettingThem() {
        let registry = MetricsRegistry()
        let metrics = JobMetrics(job: "orders", registry: registry)
        metrics.publish(Self.sample(attempt: 1, atSeconds: 1, [Self.task(500, 500)]))
        // The restarted attempt counts from 0 again.
        metrics.publish(Self.sample(attempt: 2, atSeconds: 2, [Self.task(30, 20)]))
        metrics.restarted()
        let text = Self.scrape(registry)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_total", ["step": "map"]) == 530)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_out_total", ["step": "map"]) == 520)
        #expect(HTTPGet.sample(text, "streamhost_task_plugin_counter_total", ["counter": "dropped"]) == 10)
        #expect(HTTPGet.sample(text, "streamhost_job_num_restarts_total", ["job": "orders"]) == 1)
    }

    /// Keyed state per instance, labelled with the job's backend; an
    /// instance without a store has no series.
    @Test func keyedStateEntriesAndBytesCarryTheBackend() {
        let registry = MetricsRegistry()
        let metrics = JobMetrics(job: "orders", registry: registry)
        var stateful = Self.task(10, 10)
        stateful.keyedStateEntries = 1_234
        stateful.keyedStateBytes = 56_789
        var stateless = JobSample.Task(step: "gen", instance: 0)
        stateless.recordsOut = 10
        var sample = Self.sample(attempt: 1, atSeconds: 1, [stateful, stateless])
        sample.stateBackend = "rocksdb"
        metrics.publish(sample)
        let text = Self.scrape(registry)
        let labels = ["job": "orders", "step": "map", "instance": "1", "backend": "rocksdb"]
        #expect(HTTPGet.sample(text, "streamhost_task_keyed_state_entries", labels) == 1_234)
        #expect(HTTPGet.sample(text, "streamhost_task_keyed_state_size_bytes", labels) == 56_789)
        #expect(HTTPGet.sample(text, "streamhost_task_keyed_state_entries", ["step": "gen"]) == nil)
    }

    @Test func deadLettersAndCheckpoints() {
        let registry = MetricsRegistry()
        let metrics = JobMetrics(job: "j", registry: registry)
        var sample = JobSample(attempt: 7, monotonicNanoseconds: 1, wallClockMs: 1)
        sample.deadLetters = [.init(step: "parse", reason: "plugin", count: 4), .init(step: "by", reason: "key", count: 1)]
        sample.checkpoints.completed = 3
        sample.checkpoints.failed = 1
        sample.checkpoints.lastDurationMs = 12.5
        sample.checkpoints.lastSizeBytes = 4096
        sample.checkpoints.lastAlignmentMs = 0.5
        metrics.publish(sample)
        sample.deadLetters[0].count = 6
        sample.checkpoints.completed = 4
        metrics.publish(sample)
        let text = Self.scrape(registry)
        #expect(HTTPGet.sample(text, "streamhost_task_dead_lettered_records_total", ["step": "parse", "reason": "plugin"]) == 6)
        #expect(HTTPGet.sample(text, "streamhost_task_dead_lettered_records_total", ["step": "by", "reason": "key"]) == 1)
        #expect(HTTPGet.sample(text, "streamhost_job_num_completed_checkpoints_total", ["job": "j"]) == 4)
        #expect(HTTPGet.sample(text, "streamhost_job_num_failed_checkpoints_total", ["job": "j"]) == 1)
        #expect(HTTPGet.sample(text, "streamhost_job_last_checkpoint_duration_ms", ["job": "j"]) == 12.5)
        #expect(HTTPGet.sample(text, "streamhost_job_last_checkpoint_size_bytes", ["job": "j"]) == 4096)
        #expect(HTTPGet.sample(text, "streamhost_job_last_checkpoint_alignment_time_ms", ["job": "j"]) == 0.5)
    }

    @Test func sinkLatencyIsAHistogramPerSinkStep() {
        let registry = MetricsRegistry()
        let metrics = JobMetrics(job: "j", registry: registry)
        let histogram = metrics.sinkLatency(step: "out")
        #expect(metrics.sinkLatency(step: "out") === histogram)
        histogram.record(milliseconds: 3)
        histogram.record(milliseconds: 700)
        let text = Self.scrape(registry)
        #expect(HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_count", ["step": "out"]) == 2)
        #expect(HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_bucket", ["step": "out", "le": "5.0"]) == 1)
    }
}
