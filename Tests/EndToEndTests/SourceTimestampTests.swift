import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit

/// `watermarks.timestamp` (docs/JOBS.md "Event time and state"): a source
/// step's records stamped with an expression over their values where the
/// host takes them, before the watermark and everything downstream, on
/// typed columns and on bytes alike; records it cannot stamp go to the
/// dead letters with the reason; a mistake in the expression is refused
/// at its line; checkpoints and savepoints do not see it.
@Suite("Source timestamps from an expression", .serialized)
struct SourceTimestampTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "source-timestamp") }

    /// datagen's records: typed columns, or bytes (then it declares no
    /// schema and the row evaluator stamps the JSON).
    typealias Format = ColumnarWindowTests.Format

    static let startTime: Int64 = 1_767_225_600_000
    static let hourMs: Int64 = 3_600_000

    /// Tumbling 1 s counts per customer over datagen's orders (disorder
    /// beyond the watermark's bound: some records are late).
    func windowJob(_ name: String, _ format: Format, start: Int64, timestamp: String?, output: String,
                   checkpoints: String = "", rate: String = "", disorderMs: Int = 300) throws -> String {
        try directory.write("\(name).yaml", """
            name: \(name)
            \(checkpoints)
            pipeline:
              - id: gen
                source: datagen
                config: {count: 6000, seed: 3, customers: 7, time_step_ms: 10, disorder_ms: \(disorderMs), start_time: \(start)\(rate)\(format.datagenExtra)}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 100\(timestamp.map { ", timestamp: \"\($0)\"" } ?? "")}
              - {id: by-customer, key_by: customer_id}
              - id: win
                operator: window
                config: {kind: tumbling, size_ms: 1000, aggregates: [{fn: count, name: cnt}, {fn: sum, field: amount, name: total}]}
              - {id: out, sink: file, config: {path: "\(output)"\(checkpoints.isEmpty ? "" : ", rolling_interval_ms: 200")}}
            """)
    }

    /// The dead letters' `step: reason` lines.
    static func reasons(_ path: String) throws -> [String] {
        try CLI.lines(path).map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["step"]!): \(object["reason"]!)"
        }
    }

    /// Stamped an hour after the source's own times, the windows (and the
    /// late records) are those of the same records made an hour later:
    /// the stamp, not the source's time, is what the watermark and the
    /// windows see, on either format.
    @Test(arguments: Format.allCases)
    func theExpressionIsTheRecordsTime(_ format: Format) throws {
        let stamped = directory.file("stamped-\(format).jsonl")
        let stampedDead = directory.file("stamped-dead-\(format).jsonl")
        let run = try CLI.run(["run", try windowJob("stamped-\(format)", format, start: Self.startTime,
                                                    timestamp: "event_time + \(Self.hourMs)", output: stamped),
                               "--no-progress", "--dead-letter", stampedDead])
        #expect(run.status == 0, "\(run.standardError)")
        let later = directory.file("later-\(format).jsonl")
        let laterDead = directory.file("later-dead-\(format).jsonl")
        let reference = try CLI.run(["run", try windowJob("later-\(format)", format, start: Self.startTime + Self.hourMs,
                                                          timestamp: nil, output: later),
                                     "--no-progress", "--dead-letter", laterDead])
        #expect(reference.status == 0, "\(reference.standardError)")
        let windows = CLI.lines(stamped)
        #expect(windows.count > 100)
        #expect(windows.sorted() == CLI.lines(later).sorted())
        #expect(windows.contains { $0.contains(#""window_start":\#(Self.startTime + Self.hourMs),"#) })
        #expect(!windows.contains { $0.contains(#""window_start":\#(Self.startTime),"#) })
        // The same records are late against the stamped times.
        let late = CLI.lines(stampedDead)
        #expect(!late.isEmpty && late.count == CLI.lines(laterDead).count)
    }

    /// Records whose stamp fails, is null, is not an integer or is
    /// negative go to the dead letters with the reason, read against the
    /// step's schema (columns) or as JSON text (bytes); the rest are
    /// windowed by their stamps, and a late one is late against them.
    @Test(arguments: [true, false])
    func recordsThatCannotBeStampedGoToTheDeadLetters(_ withSchema: Bool) throws {
        let suffix = withSchema ? "columns" : "bytes"
        let input = try directory.write("events-\(suffix).jsonl", """
            {"id":1,"k":"a","ts":"2026-01-01 00:00:01"}
            {"id":2,"k":"a","ts":"2026-01-01 00:00:02.5"}
            {"id":3,"k":"a","ts":null}
            {"id":4,"k":"a","ts":"yesterday"}
            {"id":5,"k":"a","ts":"1969-12-31 23:59:59"}
            {"id":6,"k":"a","ts":"2026-01-01 00:00:12"}
            {"id":7,"k":"a","ts":"2026-01-01 00:00:03"}
            {"id":8,"k":"a","ts":"2026-01-01 00:00:14"}

            """)
        let output = directory.file("out-\(suffix).jsonl")
        let dead = directory.file("dead-\(suffix).jsonl")
        let schema = withSchema ? "\n    schema: {id: int64, k: utf8, ts: utf8}" : ""
        let job = try directory.write("events-\(suffix).yaml", """
            name: events-\(suffix)
            pipeline:
              - id: events
                source: file
                config: {path: "\(input)", format: jsonl}\(schema)
                watermarks: {strategy: ascending, timestamp: "timestamp_ms(ts)"}
              - {id: by-k, key_by: k}
              - id: win
                operator: window
                config: {kind: tumbling, size_ms: 10000, aggregates: [{fn: count, name: cnt}, {fn: max, field: id, name: last}]}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let run = try CLI.run(["run", job, "--no-progress", "--dead-letter", dead])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(CLI.lines(output).sorted() == [
            #"{"key":"a","window_start":1767225600000,"window_end":1767225610000,"cnt":2,"last":2}"#,
            #"{"key":"a","window_start":1767225610000,"window_end":1767225620000,"cnt":2,"last":8}"#,
        ].sorted())
        let reasons = try Self.reasons(dead)
        #expect(reasons.count == 4, "\(reasons)")
        #expect(reasons.first { $0.contains("is null for this record") }
            == "events: watermarks.timestamp `timestamp_ms(ts)` is null for this record: event time needs a timestamp")
        #expect(reasons.contains { $0.hasPrefix("events: watermarks.timestamp `timestamp_ms(ts)`: ") && $0.contains("yesterday") },
                "\(reasons)")
        #expect(reasons.contains("events: watermarks.timestamp `timestamp_ms(ts)` is -1000, a negative timestamp: "
            + "event time needs one >= 0 (ms since 1970)"), "\(reasons)")
        // id 7 (00:00:03) comes after 00:00:12 made the watermark pass its window.
        #expect(reasons.contains { $0.hasPrefix("win: ") }, "\(reasons)")
        let values = CLI.lines(dead).joined(separator: "\n")
        for id in 3...5 { #expect(values.contains(#"\"id\":\#(id)"#) || values.contains(#""id":\#(id)"#), "\(values)") }
    }

    /// A stamp that cannot be a timestamp, an empty one, and one beside
    /// strategy source are refused when the job is planned, at their place.
    @Test func mistakesAreRefusedAtTheirLine() throws {
        let cases: [(String, String)] = [
            (#"{strategy: ascending, timestamp: "upper(category)"}"#,
             "pipeline[0].watermarks.timestamp: in the expression `upper(category)`: "),
            (#"{strategy: ascending, timestamp: "1.5 * event_time()"}"#, "pipeline[0].watermarks.timestamp: in the expression"),
            (#"{strategy: ascending, timestamp: "  "}"#, "pipeline[0].watermarks.timestamp: must be an expression"),
            (#"{strategy: source, timestamp: "event_time"}"#, "pipeline[0].watermarks.timestamp: does not go with strategy source"),
        ]
        for (index, (watermarks, expected)) in cases.enumerated() {
            let job = try directory.write("bad-\(index).yaml", """
                name: bad
                pipeline:
                  - id: gen
                    source: datagen
                    config: {count: 10}
                    watermarks: \(watermarks)
                  - {id: out, sink: stdout}
                """)
            let outcome = try CLI.run(["run", job, "--no-progress"])
            #expect(outcome.status != 0)
            #expect(outcome.standardError.contains(expected), "\(watermarks): \(outcome.standardError)")
            #expect(outcome.standardError.contains("bad-\(index).yaml:6:"), "\(watermarks): \(outcome.standardError)")
        }
    }

    /// Stamping keeps no state: a stamped job stopped with a savepoint
    /// while its windows are open and started from it writes, over the
    /// two runs, every window of one uninterrupted run once. (No record is
    /// late here: the watermark is not in a savepoint, in Flink neither,
    /// so one that would be late may be windowed after a restore.)
    @Test(arguments: Format.allCases)
    func aSavepointRestoresAStampedJob(_ format: Format) throws {
        let data = directory.file("data-savepoint-\(format)")
        let folder = directory.file("out-savepoint-\(format)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = folder + "/windows.jsonl"
        let job = try windowJob("savepointed-\(format)", format, start: Self.startTime, timestamp: "event_time + \(Self.hourMs)",
                                output: output, checkpoints: "checkpoints: {interval_ms: 200}", rate: ", rate: 3000",
                                disorderMs: 90)
        let stop = Mutex<ProcessOutcome?>(nil)
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            guard CLI.waitForCheckpoints(2, data: data, job: "savepointed-\(format)") else { stopped.signal(); return }
            let outcome = try? CLI.run(["savepoint", "--stop", "--data-dir", data])
            stop.withLock { $0 = outcome }
            stopped.signal()
        }
        let firstRun = try CLI.run(["run", job, "--data-dir", data, "--no-progress", "--dead-letter", directory.file("sp-dead-1")],
                                   timeoutSeconds: 120)
        stopped.wait()
        #expect(firstRun.status == 0, "\(firstRun.standardError)")
        let marker = "stopped with savepoint "
        let line = try #require(firstRun.standardError.split(separator: "\n").first { $0.contains(marker) }, "\(firstRun.standardError)")
        let savepoint = String(line[line.range(of: marker)!.upperBound...].prefix { $0 != " " && $0 != "," })
        let secondRun = try CLI.run(["run", job, "--data-dir", data, "--from-savepoint", savepoint, "--no-progress",
                                     "--dead-letter", directory.file("sp-dead-2")], timeoutSeconds: 120)
        #expect(secondRun.status == 0, "\(secondRun.standardError)")
        #expect(secondRun.standardError.contains("restored from savepoint"), "\(secondRun.standardError)")

        let reference = directory.file("sp-reference-\(format).jsonl")
        let uninterrupted = try CLI.run(["run", try windowJob("sp-reference-\(format)", format, start: Self.startTime,
                                                              timestamp: "event_time + \(Self.hourMs)", output: reference,
                                                              disorderMs: 90),
                                         "--no-progress", "--dead-letter", directory.file("sp-dead-ref")])
        #expect(uninterrupted.status == 0, "\(uninterrupted.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("windows.jsonl.part-") }
        let written = names.flatMap { CLI.lines(folder + "/" + $0) }
        #expect(written.count > 0)
        #expect(written.sorted() == CLI.lines(reference).sorted())
    }
}
