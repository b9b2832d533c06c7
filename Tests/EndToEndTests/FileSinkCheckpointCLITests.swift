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
