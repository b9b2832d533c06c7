import Foundation
import PluginHost
import Runtime
import State

/// Benchmark 5: a tumbling count and sum over 100k keys, through whole jobs,
/// on each state backend at parallelism 1 and 2.
///
/// datagen orders (customer_id drawn from 100,000 customers, one record per
/// ms of event time, ascending watermarks) → key_by customer_id → window
/// (tumbling 5 minutes: count, sum(amount)) → blackhole. Every record goes
/// through one map-state get and put in the window (plus a timer register
/// for the first record of a key's window), and every window's result is
/// emitted when the watermark passes its end. The run fails unless every
/// record went in and none was rejected; records/s counts source records.
struct WindowBenchmark {
    let environment: BenchmarkEnvironment
    let records: Int
    let keys = 100_000

    /// The job; `extra` adds top-level fields (Benchmark 9 adds checkpoints).
    static func jobText(name: String, parallelism: Int, records: Int, keys: Int, extra: String = "") -> String {
        """
        name: \(name)
        parallelism: \(parallelism)
        \(extra)
        pipeline:
          - id: orders
            source: datagen
            config: {count: \(records), seed: 42, customers: \(keys), time_step_ms: 1}
            watermarks: {strategy: ascending}
          - {id: by_customer, key_by: customer_id}
          - id: revenue
            operator: window
            config:
              kind: tumbling
              size_ms: 300000
              aggregates: [{fn: count, name: orders}, {fn: sum, field: amount, name: revenue}]
          - {id: out, sink: blackhole, config: {print: false}}
        """
    }

    func cases() throws -> [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        for backend in ["memory", "rocksdb"] {
            for parallelism in [1, 2] {
                let name = "window.\(backend).p\(parallelism)"
                let plan = try JobValidator.plan(
                    try JobFileParser.parse(
                        text: Self.jobText(name: "bench-window-p\(parallelism)", parallelism: parallelism, records: records,
                                           keys: keys),
                        file: "<\(name)>", overrides: []),
                    registry: environment.registry)
                let expected = records
                let environment = environment
                let windows = (records + 299_999) / 300_000
                cases.append(BenchmarkCase(
                    name: name,
                    input: "datagen orders (\(keys) customers, 1 ms apart, ascending watermarks) -> key_by customer_id "
                        + "-> window tumbling 300 s count+sum(amount) -> blackhole; parallelism \(parallelism), "
                        + "\(backend) state, ~\(windows) windows per key range",
                    records: records, calls: nil
                ) {
                    let directory = environment.scratchDirectory + "/rocksdb-\(UUID().uuidString)"
                    defer { try? FileManager.default.removeItem(atPath: directory) }
                    var options = RunOptions(workers: nil, deadLetterPath: environment.deadLetterPath)
                    options.stateBackend = backend == "memory"
                        ? MemoryStateBackend() : RocksDBStateBackend(directory: directory)
                    let execution = try JobExecution(plan: plan, options: options)
                    var result: JobResult?
                    let sample = Sample.measure { result = execution.run() }
                    guard let result, result.failure == nil, result.sourceRecords == expected,
                          result.rejectedRecords == 0, result.sinkRecords > 0 else {
                        throw BenchmarkError(description: "\(name): the job failed or lost records: "
                            + "\(result.map { "\($0.failure.map { "\($0)" } ?? "ok"), \($0.sourceRecords) in, \($0.sinkRecords) results, \($0.rejectedRecords) rejected" } ?? "no result")")
                    }
                    return sample
                })
            }
        }
        return cases
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 5: tumbling window over 100k keys ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(try cases(), repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        for backend in ["memory", "rocksdb"] {
            if let one = byName["window.\(backend).p1"], let two = byName["window.\(backend).p2"] {
                report.derived("\(backend): p2 vs p1", "speed-up \(Format.fixed(two.recordsPerSecond / one.recordsPerSecond, 3)) on "
                    + "\(report.machine.activeProcessorCount) cores")
            }
        }
        if let memory = byName["window.memory.p1"], let rocks = byName["window.rocksdb.p1"] {
            report.derived("rocksdb vs memory (p1)", "throughput ratio \(Format.fixed(rocks.recordsPerSecond / memory.recordsPerSecond, 3))")
        }
        print("")
        report.table(measurements)
    }
}
