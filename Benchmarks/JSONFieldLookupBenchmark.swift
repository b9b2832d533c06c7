import Core
import StreamhostKit

/// Benchmark 10: finding one field in a ~100-byte JSON record, the hot path
/// under `key_by`, the window's field extraction and plugins' lookups.
///
/// 1024 distinct datagen-like orders (`{"order_id":N,"customer_id":C,
/// "category":"X","amount":A,"event_time":T}`, 96 to 106 bytes; a second set
/// with the customer as a nested object first, `{"customer":{"id":C,...},...}`)
/// are built before timing; one repetition looks up one field in each of them
/// `rounds` times over. Every case checks after its run that each lookup found
/// what it should (the sums of the found ranges' lengths), so a broken scanner
/// cannot report a fast time.
///
/// - `json.host.first`: `JSONScanner.find("order_id")`, the first member.
/// - `json.host.nested`: `find("customer.id")` in the nested set.
/// - `json.host.last`: `find("event_time")`, the last member.
/// - `json.host.missing`: `find("absent")`: every member stepped over.
/// - `json.kit.member.last`: the plugin kit's `JSONView(parsing:)` (validates
///   the whole record) and `member("event_time")`.
struct JSONFieldLookupBenchmark {
    let rounds: Int

    static let recordCount = 1024

    /// The records, end to end in one buffer, and where each starts.
    final class Records {
        let bytes: [UInt8]
        let starts: [Int]

        init(nested: Bool) {
            var random = SplitMix(seed: 42)
            let categories = ["books", "garden", "electronics", "toys", "grocery", "sports"]
            var bytes: [UInt8] = []
            var starts: [Int] = []
            for index in 0..<JSONFieldLookupBenchmark.recordCount {
                let customer = 1 + random.next() % 100_000
                let category = categories[Int(random.next() % UInt64(categories.count))]
                let cents = random.next() % 100_000
                let amount = "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
                let time = 1_700_000_000_000 + UInt64(index) * 17
                let text = nested
                    ? "{\"customer\":{\"id\":\(customer),\"tier\":\"gold\"},\"order_id\":\(index),"
                        + "\"category\":\"\(category)\",\"amount\":\(amount),\"event_time\":\(time)}"
                    : "{\"order_id\":\(1_000_000 + index),\"customer_id\":\(customer),\"category\":\"\(category)\","
                        + "\"amount\":\(amount),\"event_time\":\(time)}"
                starts.append(bytes.count)
                bytes += Array(text.utf8)
            }
            starts.append(bytes.count)
            self.bytes = bytes
            self.starts = starts
        }

        var meanBytes: Double { Double(bytes.count) / Double(starts.count - 1) }

        /// Calls `body` with each record.
        @inline(__always)
        func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
            bytes.withUnsafeBytes { all in
                for index in 0..<(starts.count - 1) {
                    body(UnsafeRawBufferPointer(rebasing: all[starts[index]..<starts[index + 1]]))
                }
            }
        }
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 10: JSON field lookup ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let flat = Records(nested: false)
        let nested = Records(nested: true)
        let lookups = rounds * Self.recordCount
        func input(_ records: Records, _ what: String) -> String {
            "\(what) in \(Self.recordCount) orders of \(Format.fixed(records.meanBytes, 1)) bytes on average, "
                + "\(Format.grouped(rounds)) rounds"
        }
        func hostCase(_ name: String, _ path: String, _ records: Records, expectFound: Bool) throws -> BenchmarkCase {
            let fieldPath = try JSONFieldPath(path)
            return BenchmarkCase(
                name: name, input: input(records, "JSONScanner.find(\"\(path)\")"), records: lookups, calls: nil
            ) {
                var found = 0
                var missing = 0
                let sample = Sample.measure {
                    for _ in 0..<rounds {
                        records.forEach { record in
                            switch JSONScanner.find(fieldPath, in: record) {
                            case .found(_, let range): found &+= range.count
                            case .missing: missing += 1
                            default: break
                            }
                        }
                    }
                }
                guard expectFound ? found > 0 && missing == 0 : missing == lookups else {
                    throw BenchmarkError(description: "\(name): found \(found) bytes, \(missing) missing of \(lookups)")
                }
                return sample
            }
        }
        let kitCase = BenchmarkCase(
            name: "json.kit.member.last",
            input: input(flat, "JSONView(parsing:).member(\"event_time\")"), records: lookups, calls: nil
        ) {
            var found = 0
            let sample = Sample.measure {
                for _ in 0..<rounds {
                    flat.forEach { record in
                        if let view = try? JSONView(parsing: record), let member = view.member("event_time") {
                            found &+= member.bytes.count
                        }
                    }
                }
            }
            guard found == lookups * 13 else {
                throw BenchmarkError(description: "json.kit.member.last: \(found) bytes found, expected \(lookups * 13)")
            }
            return sample
        }
        let cases = [
            try hostCase("json.host.first", "order_id", flat, expectFound: true),
            try hostCase("json.host.nested", "customer.id", nested, expectFound: true),
            try hostCase("json.host.last", "event_time", flat, expectFound: true),
            try hostCase("json.host.missing", "absent", flat, expectFound: false),
            kitCase,
        ]
        let measurements = try measureInterleaved(cases, repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        print("")
        report.table(measurements)
    }
}
