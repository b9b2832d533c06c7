import Foundation
import Testing
import TestKit

/// Issue 11 item 4 through the CLI: the file sink with checkpoints, stopped
/// by a signal or killed, then resumed. A reader sees only final part
/// files; none is rewritten, and together they hold every generated record
/// exactly once.
@Suite("File sink with checkpoints through the CLI")
struct FileSinkCheckpointCLITests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }
    var output: String { directory.file("out/orders.jsonl") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "file-sink-cli")
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
    }

    func job() throws -> String {
        try directory.write("orders.yaml", """
            name: orders
            checkpoints: {interval_ms: 100}
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 4000, seed: 9}}
              - {id: out, sink: file, config: {path: "\(output)", rolling_interval_ms: 200}}
            """)
    }

    /// The final part files and their contents.
    func finals() -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.file("out"))) ?? []
        var result: [String: String] = [:]
        for name in names where name.hasPrefix("orders.jsonl.part-") {
            result[name] = try? String(contentsOfFile: directory.file("out/\(name)"), encoding: .utf8)
        }
        return result
    }

    /// Runs the job until `ready`, then sends `signals`.
    func run(until ready: @escaping () -> Bool, signals: [Int32]) throws -> ProcessOutcome {
        try CLI.run(["run", try job(), "--data-dir", data, "--no-progress"], timeoutSeconds: 120,
                    signalsWhen: (ready, signals))
    }

    /// Every final file's order ids: 0..<n once each.
    func expectExactlyOnce(_ files: [String: String]) {
        let ids = files.values.flatMap { $0.split(separator: "\n") }.map { Int(Reference.numberText("order_id", in: String($0))!)! }
        #expect(!ids.isEmpty)
        #expect(ids.count == Set(ids).count, "\(ids.count - Set(ids).count) records written twice")
        let missing = Set(0 ... (ids.max() ?? 0)).subtracting(ids).count
        #expect(missing == 0, "\(missing) records missing below the highest id \(ids.max() ?? -1)")
    }

    @Test func aDrainedStopThenARestartRewritesNothingAndRepeatsNothing() throws {
        let first = try run(until: { finals().count >= 2 }, signals: [SIGINT])
        #expect(first.status == 0, "\(first.standardError)")
        let afterFirst = finals()
        expectExactlyOnce(afterFirst)

        let second = try run(until: { finals().count >= afterFirst.count + 2 }, signals: [SIGINT])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("restored from checkpoint") || second.standardError.contains("resum"),
                "\(second.standardError)")
        let afterSecond = finals()
        for (name, text) in afterFirst { #expect(afterSecond[name] == text, "final file \(name) was rewritten") }
        expectExactlyOnce(afterSecond)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: directory.file("out")).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "\(hidden)")
    }

    /// A windowed job whose windows are still open when it is stopped:
    /// the stop fires them (end of event time) before the final
    /// checkpoint, so that checkpoint holds no window any more and the
    /// re-run, resuming from it and running to the end of the same input,
    /// fires no window twice. Each 10 ms window holds one order (one per
    /// 10 ms of event time), so a drained stop splits none of them, and
    /// the union of both runs' output is one window per order.
    @Test func aStoppedWindowedJobRerunToItsEndEmitsEveryWindowOnce() throws {
        let count = 12000
        let job = try directory.write("windows.yaml", """
            name: windows
            checkpoints: {interval_ms: 100}
            pipeline:
              - id: gen
                source: datagen
                config: {count: \(count), rate: 4000, seed: 9, time_step_ms: 10, customers: 20}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500}
              - {id: by-customer, key_by: customer_id}
              - id: win
                operator: window
                config: {kind: tumbling, size_ms: 10, aggregates: [{fn: count}, {fn: min, field: order_id}]}
              - {id: out, sink: file, config: {path: "\(output)", rolling_interval_ms: 200}}
            """)
        let arguments = ["run", job, "--data-dir", data, "--no-progress"]
        let stopped = try CLI.run(arguments, timeoutSeconds: 120, signalsWhen: ({ finals().count >= 2 }, [SIGINT]))
        #expect(stopped.status == 0, "\(stopped.standardError)")
        let rerun = try CLI.run(arguments, timeoutSeconds: 120)
        #expect(rerun.status == 0, "\(rerun.standardError)")
        let lines = finals().values.flatMap { $0.split(separator: "\n") }
        let orders = lines.map { Int(Reference.numberText("min_order_id", in: String($0))!)! }
        #expect(lines.allSatisfy { Reference.numberText("count", in: String($0)) == "1" })
        #expect(orders.count == Set(orders).count, "\(orders.count - Set(orders).count) windows emitted twice")
        #expect(Set(orders) == Set(0 ..< count), "\(Set(0 ..< count).subtracting(orders).count) windows missing")
    }

    /// A bounded job with checkpoints ends with a final checkpoint after
    /// its last record: run again, it resumes at the end, emits nothing
    /// and commits no new file.
    @Test func aBoundedJobRunAgainAfterItsEndEmitsNothing() throws {
        let job = try directory.write("bounded.yaml", """
            name: bounded
            checkpoints: {interval_ms: 100}
            pipeline:
              - {id: gen, source: datagen, config: {count: 3000, rate: 3000, seed: 9}}
              - {id: out, sink: file, config: {path: "\(output)", rolling_interval_ms: 200}}
            """)
        let arguments = ["run", job, "--data-dir", data, "--no-progress"]
        let first = try CLI.run(arguments, timeoutSeconds: 120)
        #expect(first.status == 0, "\(first.standardError)")
        let afterFirst = finals()
        expectExactlyOnce(afterFirst)
        #expect(afterFirst.values.map { $0.split(separator: "\n").count }.reduce(0, +) == 3000)

        let second = try CLI.run(arguments, timeoutSeconds: 120)
        #expect(second.status == 0, "\(second.standardError)")
        let afterSecond = finals()
        #expect(afterSecond.keys.sorted() == afterFirst.keys.sorted(),
                "the second run committed \(Set(afterSecond.keys).subtracting(afterFirst.keys).sorted())")
        for (name, text) in afterFirst { #expect(afterSecond[name] == text, "final file \(name) was rewritten") }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: directory.file("out")).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "\(hidden)")
    }

    @Test func aKillMidRunThenARestartLeavesCommittedOutputExactlyOnce() throws {
        let killed = try run(until: { finals().count >= 2 }, signals: [SIGKILL])
        #expect(killed.status == 128 + SIGKILL)
        let afterKill = finals()
        expectExactlyOnce(afterKill)

        let resumed = try run(until: { finals().count >= afterKill.count + 2 }, signals: [SIGINT])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let afterResume = finals()
        for (name, text) in afterKill { #expect(afterResume[name] == text, "final file \(name) was rewritten") }
        expectExactlyOnce(afterResume)
    }
}
