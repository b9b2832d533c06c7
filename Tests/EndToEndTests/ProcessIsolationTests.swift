#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import TestKit

/// `isolation: process`: each attempt of the job runs in a worker process
/// supervised by `streamhost run`, so a plugin that crashes the process
/// (SIGSEGV) fails one attempt instead of the host; the restart strategy
/// applies and the next worker resumes from the latest checkpoint.
@Suite("Process isolation", .serialized)
struct ProcessIsolationTests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "isolation") }

    func cli(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], timeoutSeconds: 300)
    }

    /// The operator raises SIGSEGV on its 10,000th record the first time
    /// only (a marker file remembers); the job writes through the
    /// transactional `log` sink. The run completes, and a read-committed
    /// consumer sees every record exactly once.
    @Test func aWorkerKilledBySIGSEGVIsRestartedAndTheOutputIsExactlyOnce() throws {
        let count = 30000
        let crash = try CPluginBuilder.fixture("fail_midstream", into: directory)
        let marker = directory.file("crashed-once")
        let created = try cli(["topics", "create", "out", "--partitions", "1"])
        #expect(created.status == 0, "\(created.standardError)")
        let job = try directory.write("crash.yaml", """
            name: crash
            isolation: process
            checkpoints: {interval_ms: 100, restart: {strategy: fixed_delay, attempts: 2, delay_ms: 50}}
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), rate: 10000, seed: 5}}
              - {id: flaky, operator: fixture-fail, config: {fail_after: 9999, once_marker: "\(marker)", crash: true}}
              - {id: sink, sink: log, config: {topic: out}}
            """)
        let run = try cli(["run", job, "--plugin", crash, "--no-progress"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(FileManager.default.fileExists(atPath: marker), "the plugin never crashed")
        #expect(run.standardError.contains("attempt 1 failed: worker process"), "\(run.standardError)")
        #expect(run.standardError.contains("killed by signal 11 (SIGSEGV)"), "\(run.standardError)")
        // The summary counts the run's attempts, and says which it could not.
        let summary = run.standardError.split(separator: "\n").filter { $0.contains("attempt") || $0.contains("job 'crash'") }
            .joined(separator: "\n")
        #expect(run.standardError.contains("(over 2 attempts); not counted: attempt 1, whose worker died"), "\(summary)")
        #expect(run.standardError.contains("attempt 1: counts unknown (its worker died before reporting); failed: "
            + "worker process"), "\(summary)")
        #expect(run.standardError.contains("attempt 2 (restored from "), "\(summary)")

        let consumed = try cli(["consume", "out", "--from-beginning"])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        var seen = Set<Int>()
        var duplicates = 0
        for line in consumed.standardOutput.split(separator: "\n") {
            let id = Int(Reference.numberText("order_id", in: String(line))!)!
            if !seen.insert(id).inserted { duplicates += 1 }
        }
        #expect(duplicates == 0, "\(duplicates) records committed twice")
        #expect(seen == Set(0..<count), "\(count - seen.count) records lost")
    }

    /// Without a restart strategy the crash ends the run: exit 1 (not the
    /// host's own death by signal) with the attempt's cause.
    @Test func aCrashBeyondTheRestartStrategyFailsTheRunWithTheSignal() throws {
        let crash = try CPluginBuilder.fixture("fail_midstream", into: directory)
        let job = try directory.write("crash-once.yaml", """
            name: crash-once
            isolation: process
            checkpoints: {interval_ms: 100, restart: {strategy: none}}
            pipeline:
              - {id: gen, source: datagen, config: {count: 2000}}
              - {id: flaky, operator: fixture-fail, config: {fail_after: 100, crash: true}}
              - {id: sink, sink: blackhole}
            """)
        let run = try cli(["run", job, "--plugin", crash, "--no-progress"])
        #expect(run.status == 1, "\(run.standardError)")
        #expect(run.standardError.contains("killed by signal 11 (SIGSEGV)"), "\(run.standardError)")
    }

    /// The worker holds the admin socket: `streamhost savepoint --stop`
    /// reaches the running attempt and ends the supervised run (exit 0,
    /// no restart).
    @Test func aSavepointWithStopReachesTheWorkerAndEndsTheRun() throws {
        let job = try directory.write("endless.yaml", """
            name: endless
            isolation: process
            checkpoints: {interval_ms: 200}
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 2000}}
              - {id: sink, sink: blackhole}
            """)
        let savepoint = Mutex<ProcessOutcome?>(nil)
        let thread = Thread { [data] in
            // Until the worker's socket answers (it starts after the spawn).
            for _ in 0..<100 {
                let outcome = try? CLI.run(["savepoint", "--stop", "--data-dir", data])
                savepoint.withLock { $0 = outcome }
                if outcome?.status == 0 { return }
                usleep(100_000)
            }
        }
        thread.start()
        let run = try cli(["run", job, "--no-progress"])
        while !thread.isFinished { usleep(1000) }
        let outcome = try #require(savepoint.withLock { $0 })
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("stopped with savepoint"), "\(run.standardError)")
    }

    /// SIGINT to the supervisor drains the worker, as it drains a run
    /// without isolation: exit 0, "stopped", no restart.
    @Test func sigintToTheSupervisorDrainsTheWorker() throws {
        let job = try directory.write("drain.yaml", """
            name: drain
            isolation: process
            checkpoints: {interval_ms: 200}
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 2000}}
              - {id: sink, sink: blackhole}
            """)
        // SIGINT once the worker completed a checkpoint: the supervisor and
        // the worker both run by then.
        let run = try CLI.run(["run", job, "--no-progress", "--data-dir", data], timeoutSeconds: 120,
                              signalsWhen: ({ [data] in CLI.newestCheckpoint(data: data, job: "drain") >= 1 }, [SIGINT]))
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("job 'drain' stopped"), "\(run.standardError)")
        #expect(!run.standardError.contains("restarting"), "\(run.standardError)")
    }

    /// The end of the input in a worker ends with a final checkpoint too:
    /// the job run again resumes at the end and emits nothing.
    @Test func anIsolatedBoundedJobRunAgainAfterItsEndEmitsNothing() throws {
        let job = try directory.write("bounded.yaml", """
            name: bounded
            isolation: process
            checkpoints: {interval_ms: 100}
            pipeline:
              - {id: gen, source: datagen, config: {count: 2000, rate: 4000}}
              - {id: sink, sink: blackhole, config: {print: false}}
            """)
        let arguments = ["run", job, "--no-progress", "--data-dir", data]
        let first = try CLI.run(arguments, timeoutSeconds: 120)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("2000 records in, 2000 into sinks"), "\(first.standardError)")
        let second = try CLI.run(arguments, timeoutSeconds: 120)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("0 records in, 0 into sinks"), "\(second.standardError)")
    }

    /// Isolation is for the whole job; a step asking for it is told so.
    @Test func stepLevelIsolationIsRefusedWithTheRule() throws {
        let job = try directory.write("step.yaml", """
            name: step
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}, isolation: process}
              - {id: sink, sink: blackhole}
            """)
        let run = try CLI.run(["validate", job])
        #expect(run.status == 2)
        #expect(run.standardError.contains("isolation is set for the whole job, not per step"), "\(run.standardError)")
    }
}
