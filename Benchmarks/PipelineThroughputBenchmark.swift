import Core
import Foundation
import PluginHost
import Runtime

/// Benchmark 1: records per second through whole jobs run by the runtime.
///
/// Every job reads `datagen` orders (JSON values padded to 100 bytes, null
/// keys) and ends in `blackhole`; the cases differ in what lies between,
/// so that each operator case has a baseline in the same run:
///
/// - `p1.direct`: datagen → blackhole, parallelism 1 (one chained task).
/// - `p1.passthrough`: datagen → bench_passthrough → blackhole, parallelism
///   1: the three steps chain into one task; the difference to `p1.direct`
///   is the operator's cost (one process call and one emit_batch copy per
///   batch).
/// - `p1.keyby.passthrough`: datagen → key_by customer_id →
///   bench_passthrough → blackhole, parallelism 1: two tasks joined by a
///   hash exchange (one channel).
/// - `p2.keyby.direct` and `p2.keyby.passthrough`: the same with and
///   without the operator at parallelism 2: two source tasks each hashing
///   into two channels, two consumer tasks.
///
/// A repetition times `JobExecution.run()` (the workers start, the job
/// drains, instances are destroyed); creating the instances is not timed.
/// The run fails unless every record reached the sink and none was
/// rejected.
struct PipelineThroughputBenchmark {
    let environment: BenchmarkEnvironment
    let records: Int
    let valueSize = 100
    let seed = 42

    private struct Shape {
        let name: String
        let parallelism: Int
        let keyBy: Bool
        let passthrough: Bool
    }

    private let shapes = [
        Shape(name: "pipeline.p1.direct", parallelism: 1, keyBy: false, passthrough: false),
        Shape(name: "pipeline.p1.passthrough", parallelism: 1, keyBy: false, passthrough: true),
        Shape(name: "pipeline.p1.keyby.passthrough", parallelism: 1, keyBy: true, passthrough: true),
        Shape(name: "pipeline.p2.keyby.direct", parallelism: 2, keyBy: true, passthrough: false),
        Shape(name: "pipeline.p2.keyby.passthrough", parallelism: 2, keyBy: true, passthrough: true),
    ]

    /// The job file of a shape.
    private func jobText(_ shape: Shape) -> String {
        var text = """
            name: bench-\(shape.name.replacingOccurrences(of: ".", with: "-"))
            parallelism: \(shape.parallelism)
            batch_size: 1024
            pipeline:
              - id: orders
                source: datagen
                config:
                  count: \(records)
                  seed: \(seed)
                  schema: orders
                  value_size: \(valueSize)

            """
        if shape.keyBy {
            text += """
                  - id: by_customer
                    key_by: customer_id

                """
        }
        if shape.passthrough {
            text += """
                  - id: pass
                    operator: bench_passthrough

                """
        }
        text += """
              - id: out
                sink: blackhole
                config:
                  print: false

            """
        return text
    }

    private func describe(_ shape: Shape, plan: JobPlan, valueSizes: ValueSizes) -> String {
        var steps = ["datagen"]
        if shape.keyBy { steps.append("key_by customer_id") }
        if shape.passthrough { steps.append("bench_passthrough (C, one emit_batch per batch)") }
        steps.append("blackhole")
        let tasks = plan.chains.reduce(0) { $0 + plan.steps[$1[0]].parallelism }
        return steps.joined(separator: " -> ")
            + "; parallelism \(shape.parallelism), \(tasks) task\(tasks == 1 ? "" : "s"), batch_size 1024; "
            + "orders schema, value_size \(valueSize) (\(valueSizes)), null keys, seed \(seed)"
    }

    func cases() throws -> [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        var valueSizes: ValueSizes?
        for shape in shapes {
            let plan = try JobValidator.plan(
                try JobFileParser.parse(text: jobText(shape), file: "<\(shape.name)>", overrides: []),
                registry: environment.registry)
            if valueSizes == nil { valueSizes = try ValueSizes.ofSource(plan.steps[0]) }
            let expected = records
            let deadLetterPath = environment.deadLetterPath
            cases.append(BenchmarkCase(
                name: shape.name, input: describe(shape, plan: plan, valueSizes: valueSizes!),
                records: records, calls: nil
            ) {
                let execution = try JobExecution(
                    plan: plan, options: RunOptions(workers: nil, deadLetterPath: deadLetterPath))
                var result: JobResult?
                let sample = Sample.measure { result = execution.run() }
                guard let result, result.failure == nil, result.sourceRecords == expected,
                      result.sinkRecords == expected, result.rejectedRecords == 0 else {
                    throw BenchmarkError(description: "\(shape.name): the job did not move every record: "
                        + (result.map(Self.summary) ?? "no result") + "; expected \(expected) in and out")
                }
                return sample
            })
        }
        return cases
    }

    private static func summary(_ result: JobResult) -> String {
        let failure = result.failure.map { "failure: \($0)" } ?? "no failure"
        return "\(failure), \(result.sourceRecords) in, \(result.sinkRecords) out, \(result.rejectedRecords) rejected"
    }

    /// Runs the cases and prints them with the operator's cost and the
    /// scaling from one to two instances.
    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 1: pipeline throughput ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(try cases(), repetitions: options.repetitions,
                                                  warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        func compare(_ operatorCase: String, _ baseline: String, adding what: String = "operator") {
            guard let withOperator = byName[operatorCase], let without = byName[baseline] else { return }
            let added = withOperator.nanosecondsPerRecord - without.nanosecondsPerRecord
            report.derived("\(operatorCase) vs \(baseline)",
                "throughput ratio \(Format.fixed(withOperator.recordsPerSecond / without.recordsPerSecond, 3)), "
                + "\(what) adds \(Format.fixed(added, 2)) ns/record (wall clock)")
        }
        compare("pipeline.p1.passthrough", "pipeline.p1.direct")
        compare("pipeline.p2.keyby.passthrough", "pipeline.p2.keyby.direct")
        compare("pipeline.p1.keyby.passthrough", "pipeline.p1.passthrough", adding: "the hash exchange")
        if let one = byName["pipeline.p1.keyby.passthrough"], let two = byName["pipeline.p2.keyby.passthrough"] {
            report.derived("p2 vs p1 (key_by + passthrough)",
                "speed-up \(Format.fixed(two.recordsPerSecond / one.recordsPerSecond, 3)) on "
                + "\(report.machine.activeProcessorCount) cores")
        }
        print("")
        report.table(measurements)
    }
}

/// The sizes of the values a source step produces: measured by running the
/// step's component once, untimed, with the step's validated config.
struct ValueSizes: CustomStringConvertible {
    let records: Int
    let bytes: Int
    let smallest: Int
    let largest: Int

    var description: String {
        "values \(smallest)..\(largest) bytes, mean \(Format.fixed(Double(bytes) / Double(max(records, 1)), 2))"
    }

    static func ofSource(_ step: PlannedStep) throws -> ValueSizes {
        let context = InstanceContext(
            jobName: "bench-sizes", stepID: step.id, instance: 0, kind: step.component.kind,
            componentName: step.component.name, config: step.config, batchRecordsMax: 1024, batchBytesMax: 1 << 20)
        let instance = try ComponentInstance(component: step.component, context: context)
        defer { instance.destroy() }
        try instance.open(instance: 0, parallelism: 1, maxParallelism: 128, keyGroups: 0...127, inputCount: 0)
        var records = 0
        var bytes = 0
        var smallest = Int.max
        var largest = 0
        var ended = false
        while !ended {
            ended = try instance.poll(max: 1024) == .end
            for batch in context.takeOutput() {
                batch.withColumns { columns in
                    for index in 0..<columns.count {
                        let length = Int(columns.valueOffsets[index + 1] - columns.valueOffsets[index])
                        smallest = min(smallest, length)
                        largest = max(largest, length)
                        bytes += length
                    }
                    records += columns.count
                }
            }
        }
        try instance.close()
        return ValueSizes(records: records, bytes: bytes, smallest: records == 0 ? 0 : smallest, largest: largest)
    }
}
