import Foundation
import Testing
import TestKit

/// Issue 11 item 3: a stop signal delivered twice at once (as `timeout -s
/// INT` does, to the process and then its group) drains, it does not
/// abandon the run and lose the file sink's output.
@Suite("Stop signals")
struct SignalTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "signals") }

    /// "job 'x' stopped after 1.00 s: 10 records in, 10 into sinks, ..." -> 10.
    func intoSinks(_ standardError: String) -> Int? {
        guard let range = standardError.range(of: " into sinks") else { return nil }
        let before = standardError[..<range.lowerBound]
        return Int(before.split(separator: " ").last ?? "")
    }

    @Test func signalsBackToBackDrainAndTheFileHoldsWhatTheSummarySays() throws {
        let output = directory.file("out.jsonl")
        let job = try directory.write("forever.yaml", """
            name: forever
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 5000}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        // Ready once the sink has opened its temporary file: the run (and
        // its signal handlers) is under way.
        let ready = { (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .contains { $0.hasPrefix(".out.jsonl.inprogress") } ?? false }
        let outcome = try CLI.run(
            ["run", job, "--data-dir", directory.file("data")], timeoutSeconds: 120,
            signalsWhen: (ready, [SIGINT, SIGTERM, SIGINT]))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("job 'forever' stopped"), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("ignored, still draining"), "\(outcome.standardError)")
        #expect(FileManager.default.fileExists(atPath: output))
        let summary = try #require(intoSinks(outcome.standardError), "\(outcome.standardError)")
        #expect(CLI.lines(output).count == summary)
    }
}
