import Foundation
import TestKit

/// Runs the built streamhost binary.
enum CLI {
    static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        input: String? = nil, timeoutSeconds: Double = 300, signalAfter: (Int32, Double)? = nil,
        signalsWhen: (ready: () -> Bool, signals: [Int32])? = nil
    ) throws -> ProcessOutcome {
        var env = environment
        // Keep tests independent of a developer's own settings.
        env["STREAMHOST_PLUGIN_PATH"] = env["STREAMHOST_PLUGIN_PATH"] ?? ""
        env["STREAMHOST_LOG_LEVEL"] = env["STREAMHOST_LOG_LEVEL"] ?? "info"
        return try ProcessRunner.run(
            BuildProducts.streamhost, arguments, environment: env, currentDirectory: directory, input: input,
            timeoutSeconds: timeoutSeconds, signalAfter: signalAfter, signalsWhen: signalsWhen)
    }

    /// The id of `job`'s newest complete checkpoint in the data directory
    /// (0 before the first): `<data>/checkpoints/<job>/chk-<id>`, renamed
    /// from `.inprogress` once its manifest is durable (CheckpointStore).
    /// Tests act on a running job by this progress rather than by the clock.
    static func newestCheckpoint(data: String, job: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data + "/checkpoints/" + job)) ?? []
        return names.compactMap { $0.hasPrefix("chk-") ? Int($0.dropFirst(4)) : nil }.max() ?? 0
    }

    /// Waits until `job` has completed `count` checkpoints (see
    /// `newestCheckpoint`); false if that has not happened within
    /// `boundSeconds`, a bound against hanging rather than a measure.
    static func waitForCheckpoints(_ count: Int, data: String, job: String, boundSeconds: Double = 120) -> Bool {
        ProgressWait.until(boundSeconds: boundSeconds, pollMilliseconds: 10) {
            newestCheckpoint(data: data, job: job) >= count
        }
    }

    /// Lines written so far to the temporary file of the file sink writing
    /// `path` (`.<name>.inprogress-<pid>` beside it; 0 while there is none):
    /// the sink renames it onto `path` only at close.
    static func inProgressLines(of path: String) -> Int {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let stem = "." + url.lastPathComponent + ".inprogress-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(stem) }.reduce(0) { count, name in
            let data = FileManager.default.contents(atPath: folder + "/" + name) ?? Data()
            return count + data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
    }

    /// Lines of a text file (empty when it does not exist).
    static func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// The datagen records a job would see, produced by a run of datagen into
/// a file: the reference that operator outputs are checked against.
enum Reference {
    static func orders(count: Int, seed: Int, extra: String = "", in directory: TemporaryDirectory) throws -> [String] {
        let output = directory.file("reference-\(count)-\(seed)-\(abs(extra.hashValue)).jsonl")
        if FileManager.default.fileExists(atPath: output) { return CLI.lines(output) }
        let job = try directory.write("reference.yaml", """
            name: reference
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), seed: \(seed)\(extra.isEmpty ? "" : ", " + extra)}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let outcome = try CLI.run(["run", job])
        precondition(outcome.status == 0, "reference run failed: \(outcome.standardError)")
        return CLI.lines(output)
    }

    /// The `order_id`s of the orders records among `lines` (one JSON
    /// object per line, as `consume` prints them), and how many came again:
    /// what an exactly-once check compares with `0..<count`.
    static func orderIDs(in lines: String) -> (ids: Set<Int>, duplicates: Int) {
        var seen = Set<Int>()
        var duplicates = 0
        for line in lines.split(separator: "\n") {
            guard let id = numberText("order_id", in: String(line)).flatMap({ Int($0) }) else { continue }
            if !seen.insert(id).inserted { duplicates += 1 }
        }
        return (seen, duplicates)
    }

    /// The raw text of a numeric field of an orders record (`"amount":12.5`).
    static func numberText(_ field: String, in line: String) -> String? {
        guard let range = line.range(of: "\"\(field)\":") else { return nil }
        let text = line[range.upperBound...].prefix { $0 == "-" || $0 == "." || $0.isNumber }
        return text.isEmpty ? nil : String(text)
    }

    /// The string value of a field (`"category":"books"`).
    static func stringField(_ field: String, in line: String) -> String? {
        guard let range = line.range(of: "\"\(field)\":\"") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The `amount` of an orders record, parsed independently of the host.
    static func amount(_ line: String) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return (object["amount"] as? NSNumber)?.doubleValue
    }
}
