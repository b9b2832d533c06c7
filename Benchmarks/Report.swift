import Foundation

/// Prints measurements: one block per case, and a Markdown table per
/// benchmark for docs/BENCHMARKS.md.
struct Report {
    let machine: Machine

    func header(command: String, environment: BenchmarkEnvironment, options: BenchmarkOptions) {
        print("streamhost-bench")
        print("command       \(command)")
        print("date          \(machine.date)")
        print("source        \(environment.sourceRevision)")
        print("cpu           \(machine.cpuModel)")
        print("cores         nproc \(machine.nproc), ProcessInfo.activeProcessorCount \(machine.activeProcessorCount)")
        print("kernel        \(machine.kernel)")
        print("plugins       \(environment.buildDirectory)/libstreamhost-{datagen,blackhole}.so")
        print("bench libs    \(environment.pluginBuildCommand)  [\(environment.compilerVersion)]")
        print("repetitions   \(options.repetitions) measured, \(options.warmups) warm-up, cases interleaved; "
            + "medians quoted")
        print("")
    }

    func block(_ measurement: Measurement) {
        let benchmark = measurement.benchmark
        print("benchmark   \(benchmark.name)")
        print("input       \(benchmark.input)")
        var records = "\(Format.grouped(benchmark.records)) per repetition"
        if let calls = benchmark.calls { records += " (\(Format.grouped(calls)) process calls)" }
        print("records     \(records)")
        print("cores       \(machine.activeProcessorCount) (nproc \(machine.nproc))")
        var median = "\(Format.fixed(measurement.medianSeconds, 4)) s, \(Format.rate(measurement.recordsPerSecond)), "
            + "\(Format.fixed(measurement.nanosecondsPerRecord, 3)) ns/record"
        if let perCall = measurement.nanosecondsPerCall { median += ", \(Format.fixed(perCall, 1)) ns/call" }
        median += "; CPU \(Format.fixed(measurement.medianCPUSeconds, 3)) s "
            + "(\(Format.fixed(measurement.medianCPUSeconds / measurement.medianSeconds, 2)) cores busy)"
        print("median      \(median)")
        print("repetitions " + measurement.samples.map { Format.fixed($0.seconds, 4) }.joined(separator: " ")
            + " s = " + measurement.nanosecondsPerRecordEach.map { Format.fixed($0, 3) }.joined(separator: " ")
            + " ns/record")
        print("")
    }

    /// A Markdown table of the cases of one benchmark.
    func table(_ measurements: [Measurement]) {
        print("| case | records/rep | median s | records/s | ns/record | ns/call | CPU cores | repetitions (ns/record) |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for m in measurements {
            let perCall = m.nanosecondsPerCall.map { Format.fixed($0, 1) } ?? "–"
            print("| \(m.benchmark.name) | \(Format.grouped(m.benchmark.records)) | \(Format.fixed(m.medianSeconds, 4)) "
                + "| \(Format.rate(m.recordsPerSecond).replacingOccurrences(of: " records/s", with: "")) "
                + "| \(Format.fixed(m.nanosecondsPerRecord, 3)) | \(perCall) "
                + "| \(Format.fixed(m.medianCPUSeconds / m.medianSeconds, 2)) "
                + "| " + m.nanosecondsPerRecordEach.map { Format.fixed($0, 3) }.joined(separator: ", ") + " |")
        }
        print("")
    }

    /// One derived figure: a ratio or a difference of medians, explained.
    func derived(_ label: String, _ value: String) {
        print("derived     \(label): \(value)")
    }
}
