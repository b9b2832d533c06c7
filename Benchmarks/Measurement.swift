#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One timed repetition: wall-clock and process CPU seconds.
struct Sample {
    let seconds: Double
    /// User + system time of the whole process over the repetition; above
    /// `seconds` when several threads ran at once.
    let cpuSeconds: Double

    /// Times `body` with the monotonic clock and getrusage.
    static func measure(_ body: () throws -> Void) rethrows -> Sample {
        let cpuStart = processCPUSeconds()
        let start = monotonicNanoseconds()
        try body()
        let end = monotonicNanoseconds()
        let cpuEnd = processCPUSeconds()
        return Sample(seconds: Double(end - start) / 1e9, cpuSeconds: cpuEnd - cpuStart)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Something to time: what it is, on which input, and one repetition.
struct BenchmarkCase {
    /// A stable name, e.g. `pipeline.p1.passthrough`.
    let name: String
    /// What one repetition does and on which input, in one line.
    let input: String
    /// Records one repetition handles.
    let records: Int
    /// Calls per repetition for per-call figures (batches), if meaningful.
    let calls: Int?
    /// Runs one repetition and returns its timing; throws when the run did
    /// not do what it should (wrong counts, a failed job).
    let run: () throws -> Sample
}

/// The repetitions of one case and their medians.
struct Measurement {
    let benchmark: BenchmarkCase
    let samples: [Sample]

    var medianSeconds: Double { Self.median(samples.map(\.seconds)) }
    var medianCPUSeconds: Double { Self.median(samples.map(\.cpuSeconds)) }
    var recordsPerSecond: Double { Double(benchmark.records) / medianSeconds }
    var nanosecondsPerRecord: Double { medianSeconds * 1e9 / Double(benchmark.records) }
    var nanosecondsPerCall: Double? { benchmark.calls.map { medianSeconds * 1e9 / Double($0) } }
    /// ns/record of each repetition, in run order.
    var nanosecondsPerRecordEach: [Double] { samples.map { $0.seconds * 1e9 / Double(benchmark.records) } }

    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Runs cases round-robin: warm-ups first, then repetition 1 of every case,
/// repetition 2 of every case, and so on. Interleaving spreads slow spells
/// of a shared machine over all cases instead of one, which keeps the
/// ratios between cases of one run meaningful.
func measureInterleaved(_ cases: [BenchmarkCase], repetitions: Int, warmups: Int) throws -> [Measurement] {
    for _ in 0..<warmups {
        for benchmark in cases {
            let sample = try benchmark.run()
            FileHandle.standardError.write("  [warm-up] \(benchmark.name): \(Format.fixed(sample.seconds, 4)) s\n".data(using: .utf8)!)
        }
    }
    var samples = [[Sample]](repeating: [], count: cases.count)
    for repetition in 1...repetitions {
        for (index, benchmark) in cases.enumerated() {
            let sample = try benchmark.run()
            samples[index].append(sample)
            let line = "  [\(repetition)/\(repetitions)] \(benchmark.name): "
                + "\(Format.fixed(sample.seconds, 4)) s, \(Format.fixed(sample.seconds * 1e9 / Double(benchmark.records), 2)) ns/record\n"
            FileHandle.standardError.write(line.data(using: .utf8)!)
        }
    }
    return zip(cases, samples).map { Measurement(benchmark: $0, samples: $1) }
}

/// Number formatting for the report.
enum Format {
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    /// 12345678 → "12,345,678".
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    static func rate(_ recordsPerSecond: Double) -> String {
        recordsPerSecond >= 1e6
            ? fixed(recordsPerSecond / 1e6, 2) + " M records/s"
            : fixed(recordsPerSecond / 1e3, 1) + " k records/s"
    }
}
