import Dispatch
import Foundation
import PluginHost
import Runtime
import State
import Synchronization

/// Benchmark 10: the pause of a hot swap with a given number of keys.
///
/// datagen orders, keyed by order_id (so keys = records) -> running-total
/// (examples/hot-swap, build 1: text state) -> blackhole, on each state
/// backend. Once at least `keys` records went through, the job is swapped to
/// build 2: stop with a savepoint (canonical format, every key), plan with
/// the new build, restore with its migrate hook called for every key, run
/// on. The pause runs from the swap request until the new build's tasks
/// start; it is what `streamhost swap` prints. Also reported: the keys in
/// the savepoint and its size.
struct SwapBenchmark {
    let environment: BenchmarkEnvironment
    let keys: Int

    private func build(_ version: Int) throws -> String {
        let library = environment.scratchDirectory + "/librunning-total-v\(version).so"
        if FileManager.default.fileExists(atPath: library) { return library }
        let arguments = BenchmarkEnvironment.compilerFlags + [
            "-I", environment.packageRoot + "/SDK/include", "-DRUNNING_TOTAL_VERSION=\(version)", "-o", library,
            environment.packageRoot + "/examples/hot-swap/running_total.c",
        ]
        let result = try runProcess("cc", arguments)
        guard result.status == 0 else { throw BenchmarkError(description: "cc failed:\n\(result.output)") }
        return library
    }

    private func plan(_ registry: PluginRegistry, parallelism: Int) throws -> JobPlan {
        let text = """
            name: bench-swap
            parallelism: \(parallelism)
            checkpoints: {interval_ms: 3600000}
            pipeline:
              - {id: orders, source: datagen, parallelism: 1, config: {count: 0, seed: 5}}
              - {id: by-order, key_by: order_id}
              - {id: totals, operator: running-total}
              - {id: out, sink: blackhole, config: {print: false}}
            """
        return try JobValidator.plan(try JobFileParser.parse(text: text, file: "<bench-swap>", overrides: []), registry: registry)
    }

    /// One swap; returns its report, the keys in the savepoint and its bytes.
    private func swapOnce(backend: String, parallelism: Int) throws -> (SwapReport, Int, Int) {
        var base = PluginRegistry()
        for plugin in environment.registry.plugins where plugin.name != "running-total" { try base.add(plugin) }
        let v1 = try base.replacing(with: try PluginLoader.load(path: try build(1)))
        let v2Path = try build(2)
        let v2Plugin = try PluginLoader.loadCopy(
            path: v2Path, as: environment.scratchDirectory + "/swap-copies/" + PluginLoader.copyName(for: v2Path))
        let v2 = try v1.replacing(with: v2Plugin)
        let directory = environment.scratchDirectory + "/swap-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan1 = try plan(v1, parallelism: parallelism)
        var options = RunOptions(workers: nil, deadLetterPath: environment.deadLetterPath)
        options.checkpoints = CheckpointRunOptions(
            spec: plan1.spec.checkpoints!, checkpointDirectory: directory + "/chk", savepointDirectory: directory + "/sp")
        let runner = JobRunner(plan: plan1, options: options) { _ throws(JobFailure) in
            backend == "memory"
                ? JobStateBackend(memory: MemoryStateBackend())
                : try JobStateBackend.make(StateSpec(backend: .rocksdb), jobName: "bench-swap", dataDirectory: directory)
        }
        let outcome = Mutex<Result<SwapReport, JobFailure>?>(nil)
        let wanted = keys
        let plan2 = try plan(v2, parallelism: parallelism)
        let thread = Thread {
            // Wait for the keys, swap, let the new build run a moment, stop.
            while runner.sourceRecordsSoFar < wanted { usleep(20_000) }
            let done = DispatchSemaphore(value: 0)
            runner.swap(to: plan2) { result in
                outcome.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            usleep(200_000)
            runner.cancel(reason: "benchmark done")
        }
        thread.start()
        _ = runner.run()
        while !thread.isFinished { usleep(1000) }
        guard let result = outcome.withLock({ $0 }) else { throw BenchmarkError(description: "the swap never answered") }
        let report: SwapReport
        switch result {
        case .success(let value): report = value
        case .failure(let failure): throw BenchmarkError(description: "the swap failed: \(failure)")
        }
        let manifest = try RestoreSource.load(directory: report.savepoint.directory).manifest
        let files = manifest.files
        let savedKeys = manifest.step(id: "totals")?.instances.compactMap { instance -> Int? in
            guard let text = instance.keyedState, let handle = try? StateSnapshotHandle(jsonText: text)
            else { return nil }
            return handle.entryCount
        }.reduce(0, +) ?? 0
        return (report, savedKeys, files.reduce(0) { $0 + $1.bytes })
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 10: hot-swap pause with \(keys) keys ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        for backend in ["memory", "rocksdb"] {
            for parallelism in [1, 2] {
                var pauses: [Double] = []
                var parts: [(Double, Double, Double)] = []
                var keyCounts: [Int] = []
                var bytes: [Int] = []
                for _ in 0..<options.repetitions {
                    let (swap, keys, size) = try swapOnce(backend: backend, parallelism: parallelism)
                    pauses.append(swap.pauseMs)
                    parts.append((swap.savepoint.durationMs, swap.stopMs, swap.restoreMs))
                    keyCounts.append(keys)
                    bytes.append(size)
                }
                let median = Measurement.median(pauses)
                let middle = parts.sorted { $0.0 + $0.1 + $0.2 < $1.0 + $1.1 + $1.2 }[parts.count / 2]
                report.derived("swap.\(backend).p\(parallelism)",
                               "pause median \(Format.fixed(median, 1)) ms (all: \(pauses.map { Format.fixed($0, 0) }.joined(separator: ", "))), "
                               + "keys in savepoint \(keyCounts.sorted()[keyCounts.count / 2]), "
                               + "savepoint \(Format.fixed(Double(bytes.sorted()[bytes.count / 2]) / 1e6, 1)) MB; aim < 1000 ms; "
                               + "middle run: savepoint \(Format.fixed(middle.0, 0)) ms, stopped after \(Format.fixed(middle.1, 0)) ms, "
                               + "new run created and restored in \(Format.fixed(middle.2, 0)) ms")
            }
        }
        print("load average  \(Machine.loadAverage()) (at end)")
    }
}
