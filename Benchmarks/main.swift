// streamhost-bench: measures the host and prints what it measured, on which
// input and on how many cores. It never judges a timing; docs/BENCHMARKS.md
// records figures together with the command that produced them.
//
//   swift build -c release --product streamhost-bench
//   swift build -c release --product streamhost-datagen
//   swift build -c release --product streamhost-blackhole
//   swift build -c release --product streamhost-window
//   .build/release/streamhost-bench [--quick] [--repetitions N] [--only GROUP]   (--help lists the groups)
#if canImport(Glibc)
import Glibc
#endif
import Foundation

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(text.data(using: .utf8)!)
}

func runBenchmarks() -> Int32 {
    let options: BenchmarkOptions
    do {
        options = try BenchmarkOptions.parse(Array(CommandLine.arguments.dropFirst()))
    } catch {
        writeStandardError("error: \(error)\n" + BenchmarkOptions.usage + "\n")
        return 2
    }
    if options.showHelp {
        print(BenchmarkOptions.usage)
        return 0
    }
    #if DEBUG
    writeStandardError("warning: this is a debug build; its figures are not worth quoting "
        + "(build with -c release)\n")
    #endif

    let environment: BenchmarkEnvironment
    do {
        environment = try BenchmarkEnvironment.prepare()
    } catch {
        writeStandardError("error: \(error)\n")
        return 1
    }
    defer { environment.removeScratch() }

    let report = Report(machine: Machine.current())
    report.header(command: CommandLine.arguments.joined(separator: " "), environment: environment, options: options)
    do {
        for group in options.groups {
            switch group {
            case .pipeline:
                try PipelineThroughputBenchmark(
                    environment: environment, records: options.quick ? 500_000 : 5_000_000
                ).run(options: options, report: report)
            case .abi:
                try ABICrossingBenchmark(
                    environment: environment,
                    readCalls: options.quick ? 100_000 : 1_000_000,
                    emitCalls: options.quick ? 1_000 : 10_000
                ).run(options: options, report: report)
            case .log:
                try LogBenchmark(
                    environment: environment,
                    appendBytes: options.quick ? 64 << 20 : 1 << 30,
                    catchUpBytes: options.quick ? 128 << 20 : 1 << 30
                ).run(options: options, report: report)
            case .compaction:
                try LogBenchmark(
                    environment: environment, appendBytes: 0, catchUpBytes: 0,
                    compactionBytes: options.quick ? 64 << 20 : 256 << 20
                ).runCompaction(options: options, report: report)
            case .state:
                try StateBenchmark(
                    environment: environment,
                    keyCounts: [10_000, 100_000, 1_000_000],
                    memoryOperations: options.quick ? 200_000 : 2_000_000,
                    rocksDBOperations: options.quick ? 20_000 : 200_000
                ).run(options: options, report: report)
            case .stateRSS:
                try StateRSSBenchmark(environment: environment, keys: options.quick ? 1_000_000 : 10_000_000)
                    .run(report: report)
            case .checkpoint:
                try CheckpointBenchmark(
                    environment: environment, keyCounts: options.quick ? [100_000] : [1_000_000, 10_000_000]
                ).run(report: report)
            case .window:
                try WindowBenchmark(environment: environment, records: options.quick ? 500_000 : 5_000_000)
                    .run(options: options, report: report)
            case .expressions:
                try ExpressionsBenchmark(environment: environment, records: options.quick ? 500_000 : 5_000_000)
                    .run(options: options, report: report)
            case .swap:
                try SwapBenchmark(environment: environment, keys: options.quick ? 100_000 : 1_000_000)
                    .run(options: options, report: report)
            case .checkpointOverhead:
                try CheckpointOverheadBenchmark(environment: environment, records: options.quick ? 1_000_000 : 10_000_000)
                    .run(options: options, report: report)
            case .server:
                try ServerBenchmark(
                    environment: environment, appendBytes: options.quick ? 32 << 20 : 128 << 20,
                    fsyncAppendBytes: options.quick ? 2 << 20 : 8 << 20, readBytes: options.quick ? 64 << 20 : 256 << 20
                ).run(options: options, report: report)
            case .metrics:
                try MetricsBenchmark(
                    environment: environment, records: options.quick ? 500_000 : 5_000_000,
                    windowRecords: options.quick ? 500_000 : 5_000_000, scrapes: options.quick ? 5 : 50
                ).run(options: options, report: report)
            case .json:
                try JSONFieldLookupBenchmark(rounds: options.quick ? 200 : 2_000).run(options: options, report: report)
            case .ffi:
                try NativeFunctionBenchmark(
                    environment: environment, scalarCalls: options.quick ? 1_000_000 : 10_000_000,
                    batches: options.quick ? 2_000 : 20_000
                ).run(options: options, report: report)
            }
        }
    } catch {
        writeStandardError("error: \(error)\n")
        return 1
    }
    print("load average  \(Machine.loadAverage()) (at end)")
    return 0
}

exit(runBenchmarks())
