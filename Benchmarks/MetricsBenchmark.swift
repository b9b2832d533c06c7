import Foundation
import Log
import Observability
import Runtime
import Server
import State

/// The cost of metrics (issue 14's benchmarks; docs/METRICS.md):
///
/// - The p1 stateless pipeline (Benchmark 1's `p1.passthrough`: datagen →
///   C pass-through → blackhole, one chained task) and the p1 windowed
///   pipeline (Benchmark 5's job on the memory backend) with metrics off
///   (`RunOptions.metrics` nil) and on (a `JobMetrics` over a fresh
///   registry, published once a second, tasks measuring every run), the
///   four cases interleaved in one run.
/// - The time of one `/metrics` exposition (the handler's work, collectors
///   included; no socket) with 100 steps × 2 instances published and 1,000
///   partitions (10 topics × 100) in a real data directory, with a group
///   committed on every partition.
struct MetricsBenchmark {
    let environment: BenchmarkEnvironment
    let records: Int
    let windowRecords: Int
    let scrapes: Int

    private func plan(_ text: String, _ name: String) throws -> JobPlan {
        try JobValidator.plan(try JobFileParser.parse(text: text, file: "<\(name)>", overrides: []),
                              registry: environment.registry)
    }

    static func statelessJob(records: Int) -> String {
        """
        name: bench-metrics-stateless
        parallelism: 1
        batch_size: 1024
        pipeline:
          - id: orders
            source: datagen
            config: {count: \(records), seed: 42, schema: orders, value_size: 100}
          - {id: pass, operator: bench_passthrough}
          - {id: out, sink: blackhole, config: {print: false}}
        """
    }

    func cases() throws -> [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        let stateless = try plan(Self.statelessJob(records: records), "metrics.stateless")
        let windowed = try plan(
            WindowBenchmark.jobText(name: "bench-metrics-window", parallelism: 1, records: windowRecords, keys: 100_000),
            "metrics.window")
        for (shape, plan, count, input) in [
            ("p1.stateless", stateless, records, "datagen -> bench_passthrough -> blackhole, parallelism 1 (1 chained task)"),
            ("p1.window", windowed, windowRecords,
             "datagen (100k customers) -> key_by -> window tumbling 300 s -> blackhole, parallelism 1, memory state"),
        ] {
            for metricsOn in [false, true] {
                let name = "metrics.\(shape).\(metricsOn ? "on" : "off")"
                let environment = environment
                cases.append(BenchmarkCase(name: name, input: input + "; metrics \(metricsOn ? "on" : "off")",
                                           records: count, calls: nil) {
                    var options = RunOptions(workers: nil, deadLetterPath: environment.deadLetterPath)
                    if shape == "p1.window" { options.stateBackend = MemoryStateBackend() }
                    if metricsOn { options.metrics = JobMetrics(job: plan.spec.name, registry: MetricsRegistry()) }
                    let execution = try JobExecution(plan: plan, options: options)
                    var result: JobResult?
                    let sample = Sample.measure { result = execution.run() }
                    guard let result, result.failure == nil, result.sourceRecords == count, result.rejectedRecords == 0
                    else {
                        throw BenchmarkError(description: "\(name): the job failed or lost records")
                    }
                    return sample
                })
            }
        }
        return cases
    }

    /// A registry holding what a busy server shows: `steps` steps of two
    /// instances each (two plugin counters apiece) and `topics` × 100
    /// partitions with a group committed on each.
    func scrapeRegistry(steps: Int, topics: Int) throws -> (MetricsRegistry, DataDirectory) {
        let registry = MetricsRegistry()
        let job = JobMetrics(job: "bench", registry: registry)
        for round in 0..<2 {
            var sample = JobSample(attempt: 1, monotonicNanoseconds: UInt64(round + 1) * 1_000_000_000,
                                   wallClockMs: 1_000_000)
            for step in 0..<steps {
                for instance in 0..<2 {
                    var task = JobSample.Task(step: "step-\(step)", instance: instance)
                    task.recordsIn = 1000 * (round + 1)
                    task.recordsOut = 900 * (round + 1)
                    task.inputWatermarkMs = 999_000
                    task.outputWatermarkMs = 999_000
                    task.counters = [("seen", Int64(round + 1)), ("dropped", Int64(round))]
                    sample.tasks.append(task)
                }
            }
            job.publish(sample)
        }
        let directory = environment.scratchDirectory + "/metrics-scrape-\(UUID().uuidString)"
        let data = try DataDirectory.open(path: directory)
        let groups = try ConsumerGroups(directory: data)
        for topic in 0..<topics {
            _ = try data.createTopic(name: "topic-\(topic)", partitions: 100)
            try groups.commit((0..<100).map { (ConsumerGroups.Key(group: "readers", topic: "topic-\(topic)", partition: $0), 0) })
        }
        let collector = LogMetricsCollector(registry: registry, data: data, offsets: groups)
        _ = registry.addCollector { collector.collect() }
        return (registry, data)
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Metrics: the hot path with metrics on and off, and the scrape ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(try cases(), repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        for shape in ["p1.stateless", "p1.window"] {
            if let on = byName["metrics.\(shape).on"], let off = byName["metrics.\(shape).off"] {
                report.derived("\(shape): metrics on vs off",
                    "throughput ratio \(Format.fixed(on.recordsPerSecond / off.recordsPerSecond, 3)) (aim >= 0.98)")
            }
        }
        print("")
        report.table(measurements)

        let (registry, data) = try scrapeRegistry(steps: 100, topics: 10)
        defer { try? data.close() }
        _ = registry.exposition()
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<scrapes {
            var body: [UInt8] = []
            let sample = Sample.measure { body = registry.exposition() }
            bytes = body.count
            times.append(sample.seconds * 1000)
        }
        times.sort()
        let series = String(decoding: registry.exposition(), as: UTF8.self).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.count
        print("")
        print("metrics.scrape: 100 steps x 2 instances (2 plugin counters each), 1,000 partitions (10 topics x 100) "
            + "with one group committed on each; \(series) samples, \(bytes) bytes per exposition")
        print("metrics.scrape: \(scrapes) expositions, median \(Format.fixed(times[times.count / 2], 2)) ms, "
            + "min \(Format.fixed(times.first!, 2)) ms, max \(Format.fixed(times.last!, 2)) ms (aim < 50 ms)")
    }
}
