#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestKit

/// A plugin that hangs: `fixture-fail` with `hang: true` never returns from
/// `process` once it has forwarded `fail_after` records (the first time
/// only: a marker file remembers). Its task passes no barrier on, so every
/// checkpoint times out; past `tolerable_failed_checkpoints` the attempt
/// fails, and after `cancellation_timeout_ms` the stuck callback ends its
/// process (docs/JOBS.md, "Checkpoints that fail, and tasks that hang").
/// The output goes through the transactional `log` sink and must hold
/// every record exactly once.
@Suite(.serialized) struct HungPluginTests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "hung") }

    static let count = 20000

    /// The job, hanging in step `flaky` after `hangAfter` records.
    static func job(_ name: String, marker: String, hangAfter: Int = 4999) -> String {
        """
        name: \(name)
        cancellation_timeout_ms: 500
        checkpoints: {interval_ms: 100, timeout_ms: 400, tolerable_failed_checkpoints: 1,
                      restart: {strategy: fixed_delay, attempts: 3, delay_ms: 50}}
        pipeline:
          - {id: gen, source: datagen, config: {count: \(count), rate: 10000, seed: 3}}
          - {id: flaky, operator: fixture-fail, config: {fail_after: \(hangAfter), once_marker: "\(marker)", hang: true}}
          - {id: sink, sink: log, config: {topic: out}}
        """
    }

    /// Every order id of topic `out` read committed, exactly once.
    static func expectExactlyOnce(_ consumed: ProcessOutcome) {
        #expect(consumed.status == 0, "\(consumed.standardError)")
        let (seen, duplicates) = Reference.orderIDs(in: consumed.standardOutput)
        #expect(duplicates == 0, "\(duplicates) records committed twice")
        #expect(seen == Set(0..<count), "\(count - seen.count) records lost")
    }

    /// Embedded (`streamhost run`, no isolation): the stuck callback cannot
    /// be interrupted in the process, so the run exits with status 1 and a
    /// message naming the step instance; run again (as a service manager
    /// would), it resumes from the latest checkpoint and finishes.
    @Test func aHungPluginEndsAnEmbeddedRunWhichResumesWhenRunAgain() throws {
        let plugin = try CPluginBuilder.fixture("fail_midstream", into: directory)
        let marker = directory.file("hung-once")
        let created = try CLI.run(["topics", "create", "out", "--partitions", "1", "--data-dir", data])
        #expect(created.status == 0, "\(created.standardError)")
        let job = try directory.write("hung.yaml", Self.job("hung", marker: marker))
        let first = try CLI.run(["run", job, "--plugin", plugin, "--no-progress", "--data-dir", data],
                                timeoutSeconds: 300)
        #expect(FileManager.default.fileExists(atPath: marker), "the plugin never hung")
        #expect(first.status == 1, "\(first.standardError)")
        #expect(first.standardError.contains("checkpoints in a row failed, more than the 1 that "
            + "checkpoints.tolerable_failed_checkpoints tolerates"), "\(first.standardError)")
        #expect(first.standardError.contains("error: step 'flaky' instance 0 did not return from its plugin callback "
            + "within 500 ms (cancellation_timeout_ms)"), "\(first.standardError)")
        let reached = CLI.newestCheckpoint(data: data, job: "hung")
        #expect(reached > 0, "no checkpoint before the hang")

        let second = try CLI.run(["run", job, "--plugin", plugin, "--no-progress", "--data-dir", data],
                                 timeoutSeconds: 300)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("restored from checkpoint \(reached)"), "\(second.standardError)")
        Self.expectExactlyOnce(try CLI.run(["consume", "out", "--from-beginning", "--data-dir", data]))
    }

    /// Served: the worker reports the stuck attempt and ends; its
    /// supervisor starts the next worker from the latest checkpoint, the
    /// job finishes, and its exceptions name the step and instance as
    /// fields.
    @Test func aHungPluginInAServedJobIsRestartedAndTheOutputIsExactlyOnce() throws {
        let fault = try JobServiceFaultTests()
        let base = fault.base
        let server = try base.startServer()
        let plugin = try CPluginBuilder.fixture("fail_midstream", into: base.scratch)
        let marker = base.scratch.file("hung-once")
        let created = try CLI.run(["topics", "create", "out", "--partitions", "1", "--data-dir", base.data])
        #expect(created.status == 0, "\(created.standardError)")
        let id = try fault.submit("hung", Self.job("hung", marker: marker), plugins: [plugin])
        let finished = try base.waitFor(300) { try base.state(id) == "finished" }
        #expect(finished, "\((try? base.describe(id)) ?? [:])")
        #expect(FileManager.default.fileExists(atPath: marker), "the plugin never hung")
        let described = try base.describe(id)
        #expect((described["overview"] as? [String: Any])?["restarts"] as? Int == 1, "\(described)")
        let exceptions = (described["exceptions"] as? [[String: Any]]) ?? []
        let stuck = exceptions.first { ($0["message"] as? String)?.contains("did not return from its plugin callback") == true }
        #expect(stuck?["step"] as? String == "flaky", "\(exceptions)")
        #expect(stuck?["instance"] as? Int == 0, "\(exceptions)")
        #expect(stuck?["attempt"] as? Int == 1, "\(exceptions)")
        #expect((stuck?["message"] as? String)?.contains("checkpoints in a row failed") == true, "\(exceptions)")
        Self.expectExactlyOnce(try CLI.run(["consume", "out", "--from-beginning", "--data-dir", base.data]))
        #expect(server.stop() == 0, "\(server.log)")
    }
}
