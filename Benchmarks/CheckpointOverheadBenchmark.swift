import Foundation
import PluginHost
import Runtime
import State

/// Benchmark 9: what checkpoints every second cost a stateful job.
///
/// The window job of Benchmark 5 (datagen orders over 100k customers ->
/// key_by -> tumbling count+sum -> blackhole) on the memory backend, run
/// with `checkpoints: {interval_ms: 1000}` and without, interleaved. Each
/// checkpoint snapshots datagen's position and the window's keyed state
/// (about 100k keys) and writes them under the scratch directory. The
/// overhead is 1 - (records/s with) / (records/s without), from medians.
struct CheckpointOverheadBenchmark {
    let environment: BenchmarkEnvironment
    let records: Int
    let keys = 100_000
    let intervalMs = 1000

    func cases(parallelism: Int) throws -> [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        for checkpoints in [false, true] {
            let name = "checkpoints.\(checkpoints ? "1s" : "off").p\(parallelism)"
            let plan = try JobValidator.plan(
                try JobFileParser.parse(
                    text: WindowBenchmark.jobText(
                        name: "bench-checkpoints-p\(parallelism)-\(checkpoints ? "on" : "off")", parallelism: parallelism,
                        records: records, keys: keys, extra: checkpoints ? "checkpoints: {interval_ms: \(intervalMs)}" : ""),
                    file: "<\(name)>", overrides: []),
                registry: environment.registry)
            let expected = records
            let environment = environment
            let intervalMs = intervalMs
            cases.append(BenchmarkCase(
                name: name,
                input: "window job of Benchmark 5 (\(keys) keys, memory state), parallelism \(parallelism), "
                    + (checkpoints ? "checkpoints every \(intervalMs) ms" : "no checkpoints"),
                records: records, calls: nil
            ) {
                let directory = environment.scratchDirectory + "/checkpoints-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: directory) }
                var options = RunOptions(workers: nil, deadLetterPath: environment.deadLetterPath)
                options.stateBackend = MemoryStateBackend()
                if let spec = plan.spec.checkpoints {
                    options.checkpoints = CheckpointRunOptions(
                        spec: spec, checkpointDirectory: directory + "/chk", savepointDirectory: directory + "/sp")
                }
                let execution = try JobExecution(plan: plan, options: options)
                var result: JobResult?
                let sample = Sample.measure { result = execution.run() }
                guard let result, result.failure == nil, result.sourceRecords == expected, result.rejectedRecords == 0 else {
                    throw BenchmarkError(description: "\(name): the job failed or lost records: "
                        + "\(result.map { "\($0.failure.map { "\($0)" } ?? "ok"), \($0.sourceRecords) in" } ?? "no result")")
                }
                if options.checkpoints != nil, result.seconds > Double(intervalMs) / 1000 * 2, result.checkpointsCompleted == 0 {
                    throw BenchmarkError(description: "\(name): ran \(result.seconds) s without completing a checkpoint")
                }
                return sample
            })
        }
        return cases
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 9: checkpoint overhead (every \(intervalMs) ms vs none) ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let all = try cases(parallelism: 1) + cases(parallelism: 2)
        let measurements = try measureInterleaved(all, repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        for parallelism in [1, 2] {
            if let off = byName["checkpoints.off.p\(parallelism)"], let on = byName["checkpoints.1s.p\(parallelism)"] {
                let overhead = (1 - on.recordsPerSecond / off.recordsPerSecond) * 100
                report.derived("p\(parallelism): overhead", "\(Format.fixed(overhead, 2)) % of throughput (aim: <= 5 %)")
            }
        }
        print("")
        report.table(measurements)
    }
}
