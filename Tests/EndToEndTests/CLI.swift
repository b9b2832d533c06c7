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
