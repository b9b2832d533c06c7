import Foundation
import Testing
import TestKit

/// `streamhost run --progress`: the runtime reports counts as values and the
/// CLI draws them as one status line on standard error, rewritten in place.
@Suite("Progress line")
struct ProgressLineTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "progress-line") }

    @Test func runWithProgressDrawsOneStatusLineRewrittenInPlace() throws {
        // 400 records at 200/s: at least two seconds, so the first line
        // (after one) is drawn while the job runs.
        let job = try directory.write("measured.yaml", """
            name: measured
            pipeline:
              - {id: gen, source: datagen, config: {count: 400, rate: 200}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job, "--progress", "--data-dir", directory.file("data")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let error = outcome.standardError
        #expect(error.contains("\rmeasured: in "), "\(error)")
        #expect(error.contains("/s, total in "), "\(error)")
        // Each line clears what a longer earlier one left.
        #expect(error.contains("\u{1b}[K"), "\(error)")

        let quiet = try CLI.run(["run", job, "--no-progress", "--data-dir", directory.file("data")])
        #expect(quiet.status == 0, "\(quiet.standardError)")
        #expect(!quiet.standardError.contains("\u{1b}[K") && !quiet.standardError.contains("\r"))
    }
}
