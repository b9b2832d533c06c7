import Foundation
import PluginHost
import Runtime

/// Benchmark 7: filter + map written as expressions (the `expressions`
/// plugin) against the same logic hand-written in C, through whole jobs at
/// parallelism 1 and 2.
///
/// datagen orders (natural size, ~95 bytes, null keys) → filter
/// `amount > 100 and category != 'books'` → map `amount_eur = amount * 0.92`,
/// `category_upper = upper(category)` → blackhole. The C job runs
/// `bench_orders_filter_c` → `bench_orders_map_c` (see
/// `ExpressionsBenchmarkPluginSource`), which parse every record in one
/// pass and compute the same values. `expressions.baseline` (datagen →
/// blackhole) shows what the operators add. A run fails unless every
/// record went in, none was rejected, and both jobs let the same number
/// through. records/s counts source records.
struct ExpressionsBenchmark {
    let environment: BenchmarkEnvironment
    let records: Int
    let seed = 42

    static let condition = "amount > 100 and category != 'books'"

    private func jobText(parallelism: Int, variant: String) -> String {
        let operators: String
        switch variant {
        case "expressions":
            operators = """
                  - {id: keep, operator: filter, config: {where: "\(Self.condition)"}}
                  - {id: enrich, operator: map, config: {set: {amount_eur: "amount * 0.92", category_upper: "upper(category)"}}}

                """
        case "c":
            operators = """
                  - {id: keep, operator: bench_orders_filter_c}
                  - {id: enrich, operator: bench_orders_map_c}

                """
        default:
            operators = ""
        }
        return """
            name: bench-expressions-\(variant)-p\(parallelism)
            parallelism: \(parallelism)
            batch_size: 1024
            pipeline:
              - {id: orders, source: datagen, config: {count: \(records), seed: \(seed), schema: orders}}

            """ + operators + """
              - {id: out, sink: blackhole, config: {print: false}}
            """
    }

    /// The registry with the expressions plugin and the compiled C baseline.
    private func registry() throws -> PluginRegistry {
        var registry = environment.registry
        let plugin = "\(environment.buildDirectory)/libstreamhost-expressions.so"
        guard FileManager.default.fileExists(atPath: plugin) else {
            throw BenchmarkError(description: "\(plugin) is missing: build it with "
                + "`swift build -c release --product streamhost-expressions`")
        }
        let source = environment.scratchDirectory + "/" + ExpressionsBenchmarkPluginSource.fileName
        let library = environment.scratchDirectory + "/" + ExpressionsBenchmarkPluginSource.libraryName
        try ExpressionsBenchmarkPluginSource.text.write(toFile: source, atomically: true, encoding: .utf8)
        let arguments = BenchmarkEnvironment.compilerFlags + ["-I", environment.packageRoot + "/SDK/include", "-o", library, source]
        let build = try runProcess("cc", arguments)
        guard build.status == 0 else {
            throw BenchmarkError(description: "cc \(arguments.joined(separator: " ")) failed:\n\(build.output)")
        }
        do {
            try registry.load(path: plugin)
            try registry.load(path: library)
        } catch {
            throw BenchmarkError(description: "cannot load the expressions benchmark plugins: \(error)")
        }
        return registry
    }

    func cases() throws -> [BenchmarkCase] {
        let registry = try registry()
        var cases: [BenchmarkCase] = []
        let passed = Counter()
        for parallelism in [1, 2] {
            for variant in ["baseline", "expressions", "c"] {
                let name = "expressions.\(variant).p\(parallelism)"
                let plan = try JobValidator.plan(
                    try JobFileParser.parse(text: jobText(parallelism: parallelism, variant: variant), file: "<\(name)>"),
                    registry: registry)
                let expected = records
                let deadLetterPath = environment.deadLetterPath
                let what = switch variant {
                case "expressions": "filter `\(Self.condition)` -> map amount_eur = amount * 0.92, category_upper = upper(category) (expressions plugin)"
                case "c": "the same filter and map hand-written in C (bench_orders_filter_c -> bench_orders_map_c)"
                default: "no operator"
                }
                cases.append(BenchmarkCase(
                    name: name,
                    input: "datagen orders (natural size, null keys, seed \(seed)) -> \(what) -> blackhole; parallelism \(parallelism), batch_size 1024",
                    records: records, calls: nil
                ) {
                    let execution = try JobExecution(
                        plan: plan, options: RunOptions(workers: nil, deadLetterPath: deadLetterPath))
                    var result: JobResult?
                    let sample = Sample.measure { result = execution.run() }
                    guard let result, result.failure == nil, result.sourceRecords == expected, result.rejectedRecords == 0 else {
                        throw BenchmarkError(description: "\(name): the job failed or rejected records: "
                            + "\(result.map { "\($0.failure.map { "\($0)" } ?? "ok"), \($0.sourceRecords) in, \($0.sinkRecords) out, \($0.rejectedRecords) rejected" } ?? "no result")")
                    }
                    // Both implementations must keep the same records.
                    if variant != "baseline", let other = passed.check(parallelism: parallelism, count: result.sinkRecords) {
                        throw BenchmarkError(description: "\(name): \(result.sinkRecords) records passed, the other implementation let \(other) through")
                    }
                    return sample
                })
            }
        }
        return cases
    }

    /// The sink count of the first filtering job per parallelism, to check the other against.
    private final class Counter: @unchecked Sendable {
        private var counts: [Int: Int] = [:]
        private let lock = NSLock()

        /// nil when `count` agrees with what was seen before (or is the first).
        func check(parallelism: Int, count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            if let seen = counts[parallelism], seen != count { return seen }
            counts[parallelism] = count
            return nil
        }
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 7: expressions (filter + map) vs the same logic hand-written in C ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(try cases(), repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        for parallelism in [1, 2] {
            if let expressions = byName["expressions.expressions.p\(parallelism)"], let c = byName["expressions.c.p\(parallelism)"] {
                report.derived("p\(parallelism): C vs expressions",
                               "C is \(Format.fixed(c.recordsPerSecond / expressions.recordsPerSecond, 2))x the expressions' records/s (aim: at most 2x)")
            }
        }
        print("")
        report.table(measurements)
    }
}
