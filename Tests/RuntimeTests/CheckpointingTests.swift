@testable import Checkpoint
import Core
import Dispatch
import Foundation
import PluginHost
@testable import Runtime
import State
import Synchronization
import Testing
import TestKit

/// Checkpoints, savepoints, restores and restarts of real jobs: datagen
/// (which keeps its position in checkpoints) into fixture-append (which
/// writes each record at once, so the file shows every delivery).
@Suite("Checkpoints and savepoints")
struct CheckpointingTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "checkpointing") }

    func plan(_ yaml: String, fixtures: [String] = ["append_sink"], plugins: [String] = []) throws -> JobPlan {
        let (spec, registry) = try specAndRegistry(yaml, fixtures: fixtures, plugins: plugins)
        return try JobValidator.plan(spec, registry: registry)
    }

    /// The job file's spec and the plugins `plan` plans it with.
    func specAndRegistry(_ yaml: String, fixtures: [String] = ["append_sink"], plugins: [String] = []) throws
        -> (JobSpec, PluginRegistry)
    {
        let spec = try JobFileParser.parse(text: yaml, file: "test.yaml")
        var registry = PluginRegistry()
        for fixture in fixtures { try registry.load(path: try CPluginBuilder.fixture(fixture, into: directory)) }
        for plugin in plugins { try registry.load(path: plugin) }
        try registry.loadBuiltins(providing: JobValidator.neededComponents(spec), directories: [BuildProducts.directory])
        return (spec, registry)
    }

    /// A runner of `plan` whose attempts keep their state in memory.
    func runner(_ plan: JobPlan, swapBuilds: SwapBuilds? = nil) -> JobRunner {
        JobRunner(plan: plan, options: options(plan, swapBuilds: swapBuilds)) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
    }

    /// The swap copies of job `job` in this test's directory, as
    /// `streamhost run` makes them (`plugins/<job>` beside `checkpoints/`
    /// and `savepoints/`).
    func swapBuilds(_ job: String) -> SwapBuilds {
        SwapBuilds(directory: directory.file("plugins/\(job)"), checkpointDirectory: directory.file("checkpoints/\(job)"),
                   savepointDirectory: directory.file("savepoints/\(job)"))
    }

    func options(
        _ plan: JobPlan, restore: RestoreSource? = nil, backend: String = "memory", swapBuilds: SwapBuilds? = nil
    ) -> RunOptions {
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        if let spec = plan.spec.checkpoints {
            options.checkpoints = CheckpointRunOptions(
                spec: spec, checkpointDirectory: directory.file("checkpoints/\(plan.spec.name)"),
                savepointDirectory: directory.file("savepoints/\(plan.spec.name)"), swapBuilds: swapBuilds)
        }
        options.stateBackend = backend == "memory"
            ? MemoryStateBackend() : RocksDBStateBackend(directory: directory.file("rocksdb-\(UUID().uuidString)"))
        options.restore = restore
        return options
    }

    /// What a test waits for before it acts on a running job: progress, not
    /// time, so that a slow machine does not act too early.
    enum Progress: Sendable {
        /// The sources emitted at least this many records in this run.
        case sourceRecords(Int)
        /// At least this many checkpoints completed in this run.
        case checkpoints(Int)

        func reached(by execution: JobExecution) -> Bool {
            switch self {
            case .sourceRecords(let count): execution.sourceRecordsSoFar >= count
            case .checkpoints(let count): (execution.coordinator?.completedCount.load(ordering: .relaxed) ?? 0) >= count
            }
        }
    }

    /// Runs `execution`, calling `action` on another thread once `progress`
    /// is reached (not at all when the run ends first).
    func run(_ execution: JobExecution, once progress: Progress, _ action: @escaping @Sendable () -> Void) -> JobResult {
        let ended = Mutex(false)
        let waiter = Thread {
            if ProgressWait.until(abandon: { ended.withLock { $0 } }, { progress.reached(by: execution) }) { action() }
        }
        waiter.start()
        let result = execution.run()
        ended.withLock { $0 = true }
        while !waiter.isFinished { usleep(1000) }
        return result
    }

    /// Runs `execution`, asking for a stop-with-savepoint once `progress`
    /// is reached.
    func runAndStop(_ execution: JobExecution, once progress: Progress)
        -> (JobResult, Result<SavepointResult, JobFailure>?)
    {
        let savepoint = Mutex<Result<SavepointResult, JobFailure>?>(nil)
        let result = run(execution, once: progress) {
            execution.requestSavepoint(stop: true) { result in savepoint.withLock { $0 = result } }
        }
        return (result, savepoint.withLock { $0 })
    }

    /// The order ids in the output file, in file order.
    func orderIDs(_ path: String) -> [Int] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            let start = line.range(of: "\"order_id\":")!.upperBound
            return Int(line[start...].prefix { $0.isNumber })!
        }
    }

    func job(_ name: String, parallelism: Int, count: Int, rate: Int, output: String, extra: String = "",
             checkpoints: String = "{interval_ms: 50}") -> String {
        """
        name: \(name)
        parallelism: \(parallelism)
        checkpoints: \(checkpoints)
        pipeline:
          - id: gen
            source: datagen
            config: {count: \(count), rate: \(rate), schema: orders}
        \(extra)
          - id: out
            sink: fixture-append
            parallelism: 1
            config: {path: "\(output)"}
        """
    }

    @Test func periodicCheckpointsWriteManifestsAndKeepTheNewest() throws {
        let output = directory.file("out.jsonl")
        let plan = try plan(job("periodic", parallelism: 2, count: 0, rate: 4000, output: output,
                                checkpoints: "{interval_ms: 40, retained: 2}"))
        let execution = try JobExecution(plan: plan, options: options(plan))
        let (result, savepoint) = runAndStop(execution, once: .checkpoints(4))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.checkpointsCompleted >= 4)
        let store = CheckpointStore(directory: directory.file("checkpoints/periodic"), prefix: "chk")
        #expect(store.completeIDs().count == 2)
        let latest = try #require(store.latestValid { _, error in Issue.record("skipped: \(error)") })
        #expect(latest.manifest.kind == .checkpoint && latest.manifest.jobName == "periodic")
        #expect(latest.manifest.steps.map(\.stepID) == ["gen", "out"])
        let gen = try #require(latest.manifest.step(id: "gen"))
        #expect(gen.parallelism == 2 && gen.instances.count == 2 && gen.instances.allSatisfy { $0.blob != nil })
        #expect(gen.pluginName == "datagen" && gen.stateVersion == 1)
        let saved = try #require(try savepoint?.get())
        #expect(saved.directory == result.savepointDirectory)
        #expect(try CheckpointStore.load(directory: saved.directory, verifyFiles: true).kind == .savepoint)
        #expect(saved.id > latest.id)
        // Every record emitted before the savepoint's barrier was delivered once.
        let ids = orderIDs(output)
        #expect(Set(ids).count == ids.count)
    }

    /// Two sources that end at different times: the one that ends first
    /// waits, open, for the final checkpoint, so checkpoints go on through
    /// it and the final one follows every record of both. A second run
    /// resumes from it and emits nothing.
    @Test func sourcesEndingAtDifferentTimesEndWithAFinalCheckpointThatASecondRunResumesAtItsEnd() throws {
        let early = directory.file("early.jsonl")
        let late = directory.file("late.jsonl")
        let yaml = """
            name: two-ends
            checkpoints: {interval_ms: 50}
            pipeline:
              - {id: a, source: datagen, config: {count: 200, schema: orders}}
              - {id: a-out, sink: fixture-append, config: {path: "\(early)"}}
              - {id: b, source: datagen, config: {count: 3000, rate: 6000, schema: orders}}
              - {id: b-out, sink: fixture-append, inputs: [b], config: {path: "\(late)"}}
            """
        let plan = try plan(yaml)
        let first = try JobExecution(plan: plan, options: options(plan)).run()
        #expect(first.failure == nil, "\(String(describing: first.failure))")
        #expect(first.sinkRecords == 3200)
        let store = CheckpointStore(directory: directory.file("checkpoints/two-ends"), prefix: "chk")
        let latest = try #require(store.latestValid { _, error in Issue.record("skipped: \(error)") })
        #expect(latest.id == first.lastCheckpointID, "the run's last checkpoint is not the newest on disk")

        let restore = try RestoreSource.load(directory: latest.directory)
        let second = try JobExecution(plan: plan, options: options(plan, restore: restore)).run()
        #expect(second.failure == nil, "\(String(describing: second.failure))")
        #expect(second.sourceRecords == 0 && second.sinkRecords == 0,
                "the second run emitted \(second.sourceRecords) records again")
        #expect(Set(orderIDs(early)) == Set(0 ..< 200) && orderIDs(early).count == 200)
        #expect(Set(orderIDs(late)) == Set(0 ..< 3000) && orderIDs(late).count == 3000)
    }

    /// close runs after the final checkpoint, so with checkpoints an emit
    /// from close would deliver a record no checkpoint covers: it fails the
    /// job, naming the step. Without checkpoints it is delivered as before.
    @Test func anEmitFromCloseFailsAJobWithCheckpointsOnly() throws {
        func closeEmitJob(_ name: String, checkpoints: String, output: String) -> String {
            """
            name: \(name)
            \(checkpoints)
            pipeline:
              - {id: gen, source: datagen, config: {count: 100, schema: orders}}
              - {id: flush, operator: fixture-close-emit}
              - {id: out, sink: fixture-append, config: {path: "\(output)"}}
            """
        }
        let plain = directory.file("plain.jsonl")
        let withoutCheckpoints = try plan(closeEmitJob("plain", checkpoints: "", output: plain),
                                          fixtures: ["append_sink", "close_emit"])
        let delivered = try JobExecution(plan: withoutCheckpoints, options: options(withoutCheckpoints)).run()
        #expect(delivered.failure == nil, "\(String(describing: delivered.failure))")
        #expect(CLI.lines(plain).count == 101, "the record emitted in close is missing")

        let checked = directory.file("checked.jsonl")
        let withCheckpoints = try plan(closeEmitJob("checked", checkpoints: "checkpoints: {interval_ms: 50}", output: checked),
                                       fixtures: ["append_sink", "close_emit"])
        let refused = try JobExecution(plan: withCheckpoints, options: options(withCheckpoints)).run()
        guard case .violation(let message) = refused.failure else {
            Issue.record("expected a violation, got \(String(describing: refused.failure))")
            return
        }
        #expect(message.contains("'flush'") && message.contains("in close") && message.contains("final checkpoint"), "\(message)")
        #expect(CLI.lines(checked).count == 100, "the record emitted in close was delivered")
    }

    @Test func stopWithSavepointAndRestoreAcrossParallelismsIsExactlyOnce() throws {
        let output = directory.file("out.jsonl")
        let count = 9000
        // 2 instances, then 1, then 3 to the end; each run stops with a savepoint.
        var restore: RestoreSource?
        // Each stop comes after a sixth of the input, so before the end.
        for (parallelism, stops) in [(2, true), (1, true), (3, false)] {
            let plan = try plan(job("rescale", parallelism: parallelism, count: count, rate: 6000, output: output))
            let execution = try JobExecution(plan: plan, options: options(plan, restore: restore))
            if stops {
                let (result, savepoint) = runAndStop(execution, once: .sourceRecords(count / 6))
                #expect(result.failure == nil, "\(String(describing: result.failure))")
                let saved = try #require(try savepoint?.get())
                restore = try RestoreSource.load(directory: saved.directory)
                #expect(restore?.manifest.step(id: "gen")?.parallelism == parallelism)
            } else {
                let result = execution.run()
                #expect(result.failure == nil, "\(String(describing: result.failure))")
            }
        }
        let ids = orderIDs(output)
        #expect(ids.count == count, "delivered \(ids.count) of \(count)")
        #expect(Set(ids) == Set(0..<count))
    }

    /// Keyed state moves with its key groups: running totals per customer
    /// through savepoints at parallelism 2 (memory), 1 (RocksDB) and 2
    /// (memory) equal those of one unscaled run, line for line.
    @Test func rescalingKeyedState2To1To2AcrossBackendsGivesTheUnscaledResults() throws {
        let builds = try HotSwapBuilds(into: directory)
        let count = 12000
        func totalsJob(parallelism: Int, output: String, rate: Int) -> String {
            """
            name: totals
            parallelism: \(parallelism)
            checkpoints: {interval_ms: 50}
            pipeline:
              - {id: gen, source: datagen, parallelism: 1, config: {count: \(count), rate: \(rate), customers: 40, schema: orders}}
              - {id: by-customer, key_by: customer_id}
              - {id: totals, operator: running-total}
              - {id: out, sink: fixture-append, parallelism: 1, config: {path: "\(output)"}}
            """
        }
        let unscaled = directory.file("unscaled.jsonl")
        let reference = try plan(totalsJob(parallelism: 2, output: unscaled, rate: 0), plugins: [builds.v1])
        #expect(try JobExecution(plan: reference, options: options(reference)).run().failure == nil)

        let rescaled = directory.file("rescaled.jsonl")
        var restore: RestoreSource?
        var keyedInstances: [Int] = []
        // Each stop comes after a sixth of the input, so before the end.
        for (parallelism, backend, stops) in [(2, "memory", true), (1, "rocksdb", true), (2, "memory", false)] {
            let plan = try plan(totalsJob(parallelism: parallelism, output: rescaled, rate: 8000), plugins: [builds.v1])
            let execution = try JobExecution(plan: plan, options: options(plan, restore: restore, backend: backend))
            guard stops else {
                #expect(execution.run().failure == nil)
                break
            }
            let (result, savepoint) = runAndStop(execution, once: .sourceRecords(count / 6))
            #expect(result.failure == nil, "\(String(describing: result.failure))")
            restore = try RestoreSource.load(directory: try #require(try savepoint?.get()).directory)
            keyedInstances.append(restore?.manifest.step(id: "totals")?.instances.filter { $0.keyedState != nil }.count ?? 0)
        }
        #expect(keyedInstances == [2, 1], "instances with keyed state in the two savepoints: \(keyedInstances)")
        let expected = CLI.lines(unscaled).sorted()
        let got = CLI.lines(rescaled).sorted()
        #expect(expected.count == count)
        #expect(got == expected)
    }

    /// A barrier stuck behind a slow sink (queued behind a full channel of
    /// batches that take 50 ms each): the checkpoint times out, its files
    /// go, and the job goes on.
    @Test func aCheckpointThatTimesOutIsRemovedAndTheJobGoesOn() throws {
        let plan = try plan("""
            name: slow
            batch_size: 50
            checkpoints: {interval_ms: 50, timeout_ms: 150}
            pipeline:
              - {id: gen, source: datagen, parallelism: 2, config: {count: 2000, schema: orders}}
              - {id: out, sink: fixture-slow, parallelism: 1, config: {ns_per_record: 1000000}}
            """, fixtures: ["slow_sink"])
        let result = try JobExecution(plan: plan, options: options(plan)).run()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.sinkRecords == 2000)
        #expect(result.checkpointsFailed >= 1, "no checkpoint timed out: \(result.checkpointsFailed) failed, \(result.checkpointsCompleted) completed")
        let store = CheckpointStore(directory: directory.file("checkpoints/slow"), prefix: "chk")
        // Failed ones are removed (the I/O queue did it before the run ended);
        // at most the one in flight at the end is left in progress.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.directory)) ?? []
        #expect(names.filter { $0.hasSuffix(".inprogress") }.count <= 1, "\(names)")
        #expect(store.completeIDs().count == result.checkpointsCompleted || store.completeIDs().count == CheckpointSpec.retainedDefault)
    }

    /// The same stuck barrier with `tolerable_failed_checkpoints: 1`: the
    /// second timeout in a row fails the attempt (Flink's
    /// CheckpointFailureManager), with a message that says so; without a
    /// restart strategy the run ends with it.
    @Test func checkpointsFailingPastTheToleranceFailTheAttempt() throws {
        let plan = try plan("""
            name: intolerant
            batch_size: 50
            checkpoints: {interval_ms: 50, timeout_ms: 100, tolerable_failed_checkpoints: 1, restart: {strategy: none}}
            pipeline:
              - {id: gen, source: datagen, parallelism: 2, config: {count: 20000, schema: orders}}
              - {id: out, sink: fixture-slow, parallelism: 1, config: {ns_per_record: 1000000}}
            """, fixtures: ["slow_sink"])
        #expect(plan.spec.checkpoints?.tolerableFailedCheckpoints == 1)
        let result = try JobExecution(plan: plan, options: options(plan)).run()
        let message = result.failure.map { "\($0)" } ?? ""
        #expect(message.contains("2 checkpoints in a row failed, more than the 1 that "
            + "checkpoints.tolerable_failed_checkpoints tolerates"), "\(message)")
        #expect(message.contains("timed out after 100 ms"), "\(message)")
        #expect(result.checkpointsFailed >= 2)
        #expect(result.sinkRecords < 20000, "the run was not cut short: \(result.sinkRecords) records")
        #expect(!result.hasStuckTasks)
    }

    @Test func aSecondSavepointWhileOneIsUnderWayIsRefused() throws {
        let plan = try plan(job("twice", parallelism: 1, count: 0, rate: 2000, output: directory.file("out.jsonl")))
        let execution = try JobExecution(plan: plan, options: options(plan))
        let answers = Mutex<[Result<SavepointResult, JobFailure>]>([])
        let result = run(execution, once: .sourceRecords(1)) {
            execution.requestSavepoint(stop: true) { result in answers.withLock { $0.append(result) } }
            execution.requestSavepoint(stop: false) { result in answers.withLock { $0.append(result) } }
        }
        #expect(result.failure == nil && result.savepointDirectory != nil)
        let all = answers.withLock { $0 }
        #expect(all.count == 2)
        let refusals = all.compactMap { answer -> String? in
            if case .failure(let failure) = answer { return failure.description }
            return nil
        }
        #expect(refusals.count == 1)
        #expect(refusals.first?.contains("already") == true, "\(refusals)")
    }

    @Test func aSavepointThatDoesNotMatchTheJobIsRefusedUnlessAllowed() throws {
        let output = directory.file("out.jsonl")
        let first = try plan(job("mismatch", parallelism: 1, count: 0, rate: 2000, output: output))
        let (_, savepoint) = runAndStop(try JobExecution(plan: first, options: options(first)), once: .sourceRecords(1))
        let saved = try #require(try savepoint?.get())
        // The new job renames the source and adds an operator.
        let second = try plan("""
            name: mismatch
            checkpoints: {interval_ms: 50}
            pipeline:
              - {id: orders, source: datagen, config: {count: 100, schema: orders}}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: fixture-append, config: {path: "\(output)"}}
            """, fixtures: ["append_sink", "pass"])
        #expect {
            _ = try JobExecution(plan: second, options: options(second, restore: try RestoreSource.load(directory: saved.directory)))
        } throws: { error in
            let text = "\(error)"
            return text.contains("it has state for steps the job does not have: gen")
                && text.contains("it has no state for the job's steps orders, pass")
                && text.contains("--allow-non-restored-state")
        }
        let allowed = try RestoreSource.load(directory: saved.directory, allowNonRestoredState: true)
        let result = try JobExecution(plan: second, options: options(second, restore: allowed)).run()
        #expect(result.failure == nil && result.sinkRecords == 100)
    }

    @Test func aRefusedMigrationStopsTheRestoreNamingTheStepAndBothVersions() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let totals = """
              - {id: by-customer, key_by: customer_id}
              - {id: totals, operator: running-total}
            """
        let v1 = try plan(job("refuse", parallelism: 1, count: 0, rate: 2000, output: output, extra: totals),
                          plugins: [builds.v1])
        // Records before the savepoint's barrier give 'totals' keyed state to migrate.
        let (_, savepoint) = runAndStop(try JobExecution(plan: v1, options: options(v1)), once: .sourceRecords(200))
        let saved = try #require(try savepoint?.get())
        let v3 = try plan(job("refuse", parallelism: 1, count: 0, rate: 2000, output: output, extra: totals),
                          plugins: [builds.v3])
        #expect {
            _ = try JobExecution(plan: v3, options: options(v3, restore: try RestoreSource.load(directory: saved.directory)))
        } throws: { error in
            let text = "\(error)"
            return text.contains("restore stopped before any record moved") && text.contains("step 'totals'")
                && text.contains("from state_version 1 (plugin 1.0.0) to state_version 3 (plugin 3.0.0)")
                && text.contains("restore this state with build 2.0.0 first")
        }
        // A newer state than the build knows is refused as well.
        let v2 = try plan(job("refuse", parallelism: 1, count: 0, rate: 2000, output: output, extra: totals),
                          plugins: [builds.v2])
        let (_, second) = runAndStop(
            try JobExecution(plan: v2, options: options(v2, restore: try RestoreSource.load(directory: saved.directory))),
            once: .sourceRecords(200))
        let newer = try #require(try second?.get())
        #expect {
            _ = try JobExecution(plan: v1, options: options(v1, restore: try RestoreSource.load(directory: newer.directory)))
        } throws: { error in
            "\(error)".contains("its state has state_version 2 (plugin running-total 2.0.0), newer than the 1 of plugin running-total 1.0.0")
        }
    }

    /// Found by reading what the manifest fuzzer cannot reach (the keyed
    /// state's handle is opaque text to the manifest): a handle whose key
    /// groups are not a range trapped the restore ("Range requires
    /// lowerBound <= upperBound"); it is now refused as a damaged checkpoint.
    @Test func aKeyedStateHandleWithKeyGroupsOutOfOrderIsRefused() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let totals = """
              - {id: by-customer, key_by: customer_id}
              - {id: totals, operator: running-total}
            """
        let plan = try plan(job("handle", parallelism: 1, count: 0, rate: 2000, output: output, extra: totals),
                            plugins: [builds.v1])
        let (_, savepoint) = runAndStop(try JobExecution(plan: plan, options: options(plan)), once: .sourceRecords(200))
        let saved = try #require(try savepoint?.get())
        let manifestPath = saved.directory + "/" + ManifestFile.name
        var manifest = try CheckpointStore.load(directory: saved.directory, verifyFiles: false)
        let step = try #require(manifest.steps.firstIndex { $0.stepID == "totals" })
        let instance = try #require(manifest.steps[step].instances.firstIndex { $0.keyedState != nil })
        var handle = try StateSnapshotHandle(jsonText: try #require(manifest.steps[step].instances[instance].keyedState))
        (handle.firstKeyGroup, handle.lastKeyGroup) = (100, 5)
        manifest.steps[step].instances[instance].keyedState = handle.jsonText
        try Data(ManifestFile.encode(manifest)).write(to: URL(fileURLWithPath: manifestPath))
        #expect {
            _ = try JobExecution(plan: plan, options: options(plan, restore: try RestoreSource.load(directory: saved.directory)))
        } throws: { error in
            "\(error)".contains("the keyed state of instance") && "\(error)".contains("lastKeyGroup' is 5, below firstKeyGroup 100")
        }
    }

    @Test func aTaskFailureRestartsFromTheLatestCheckpoint() throws {
        let output = directory.file("out.jsonl")
        let count = 16000
        let plan = try plan(job(
            "restart", parallelism: 1, count: count, rate: 8000, output: output,
            extra: "  - {id: flaky, operator: fixture-fail, config: {fail_after: 6000, once_marker: \"\(directory.file("failed-once"))\"}}",
            checkpoints: "{interval_ms: 50, restart: {strategy: fixed_delay, attempts: 2, delay_ms: 100}}"),
            fixtures: ["append_sink", "fail_midstream"])
        let runner = JobRunner(plan: plan, options: options(plan)) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
        let result = runner.run()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(runner.restarts.load(ordering: .relaxed) == 1)
        let restoredFrom = runner.restoredFrom
        #expect(restoredFrom.count == 2 && restoredFrom[0] == nil && (restoredFrom[1] ?? 0) > 0)
        // At least once into this (non-transactional) sink, and the second
        // attempt resumed near the failure instead of from the start: only
        // records after the last checkpoint came twice.
        let ids = orderIDs(output)
        #expect(Set(ids) == Set(0..<count))
        let repeated = ids.count - count
        #expect(repeated < 3000, "\(repeated) records delivered twice: the restart did not resume from a checkpoint")
    }

    /// A run restored from a savepoint that fails before its first
    /// checkpoint goes back to the savepoint, not to an older checkpoint of
    /// the run that took it; its own checkpoints get larger ids.
    @Test func aRestartAfterASavepointRestoreNeverGoesBackToOlderCheckpoints() throws {
        let output = directory.file("out.jsonl")
        let count = 6000
        let first = try plan(job("after-savepoint", parallelism: 1, count: count, rate: 6000, output: output))
        let (_, savepoint) = runAndStop(try JobExecution(plan: first, options: options(first)), once: .checkpoints(1))
        let saved = try RestoreSource.load(directory: try #require(try savepoint?.get()).directory)
        let store = CheckpointStore(directory: directory.file("checkpoints/after-savepoint"), prefix: "chk")
        try #require(!store.completeIDs().isEmpty)

        let flaky = try plan(job(
            "after-savepoint", parallelism: 1, count: count, rate: 6000, output: output,
            extra: "  - {id: flaky, operator: fixture-fail, config: {fail_after: 0, once_marker: \"\(directory.file("failed"))\"}}",
            checkpoints: "{interval_ms: 50, restart: {strategy: fixed_delay, attempts: 1, delay_ms: 10}}"),
            fixtures: ["append_sink", "fail_midstream"])
        let allowed = RestoreSource(directory: saved.directory, manifest: saved.manifest, allowNonRestoredState: true)
        let runner = JobRunner(plan: flaky, options: options(flaky), restoreFrom: allowed) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
        let result = runner.run()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(runner.restoredFrom == [saved.manifest.checkpointID, saved.manifest.checkpointID])
        #expect(store.completeIDs().allSatisfy { $0 < saved.manifest.checkpointID || result.lastCheckpointID >= $0 })
        // Nothing before the savepoint was produced again.
        let ids = orderIDs(output)
        #expect(Set(ids) == Set(0..<count) && ids.count == count, "\(ids.count) deliveries of \(count)")
    }

    /// The result of a run counts every attempt, not only the last: the
    /// restarted attempt resumes near the failure, so its own count is
    /// short of the input.
    @Test func aRestartedRunCountsEveryAttemptInItsResult() throws {
        let count = 16000
        let plan = try plan(job(
            "count-all", parallelism: 1, count: count, rate: 8000, output: directory.file("out.jsonl"),
            extra: "  - {id: flaky, operator: fixture-fail, config: {fail_after: 6000, once_marker: \"\(directory.file("failed-once"))\"}}",
            checkpoints: "{interval_ms: 50, restart: {strategy: fixed_delay, attempts: 2, delay_ms: 10}}"),
            fixtures: ["append_sink", "fail_midstream"])
        let runner = JobRunner(plan: plan, options: options(plan)) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
        let result = runner.run()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        let attempts = runner.attempts
        try #require(attempts.count == 2)
        #expect(attempts[0].result.failure != nil && attempts[1].result.failure == nil)
        #expect(attempts[0].restoredFrom == nil && attempts[1].restoredFrom != nil)
        #expect(attempts[1].result.sourceRecords < count)
        #expect(result.sourceRecords == attempts[0].result.sourceRecords + attempts[1].result.sourceRecords)
        #expect(result.sourceRecords >= count, "\(result.sourceRecords) records counted of \(count)")
        #expect(result.sinkRecords == attempts[0].result.sinkRecords + attempts[1].result.sinkRecords)
        #expect(result.checkpointsCompleted
                == attempts[0].result.checkpointsCompleted + attempts[1].result.checkpointsCompleted)
        // The per-step summary covers the whole run too.
        try #require(!result.steps.isEmpty)
        for step in result.steps {
            let perAttempt = attempts.map { $0.result.steps.first { $0.stepID == step.stepID }?.recordsIn ?? 0 }
            #expect(step.recordsIn == perAttempt.reduce(0, +), "step \(step.stepID): \(step.recordsIn) vs \(perAttempt)")
        }
        #expect(result.steps.first?.recordsIn ?? 0 >= count)
    }

    @Test func theRestartStrategyGivesUpAfterItsAttempts() throws {
        let plan = try plan(job(
            "give-up", parallelism: 1, count: 0, rate: 4000, output: directory.file("out.jsonl"),
            extra: "  - {id: flaky, operator: fixture-fail, config: {fail_after: 500}}",
            checkpoints: "{interval_ms: 50, restart: {strategy: exponential_backoff, attempts: 2, initial_delay_ms: 10, max_delay_ms: 20}}"),
            fixtures: ["append_sink", "fail_midstream"])
        let runner = JobRunner(plan: plan, options: options(plan)) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
        let result = runner.run()
        #expect(result.failure?.description.contains("fixture-fail: giving up after 500 records") == true)
        #expect(runner.restarts.load(ordering: .relaxed) == 2)
    }

    @Test func aDamagedLatestCheckpointFallsBackToThePreviousOne() throws {
        let output = directory.file("out.jsonl")
        let count = 6000
        let first = try plan(job("fallback", parallelism: 1, count: count, rate: 6000, output: output))
        _ = runAndStop(try JobExecution(plan: first, options: options(first)), once: .checkpoints(2))
        let store = CheckpointStore(directory: directory.file("checkpoints/fallback"), prefix: "chk")
        let ids = store.completeIDs()
        try #require(ids.count >= 2)
        let newest = store.directory + "/" + store.name(of: ids[0])
        let blob = newest + "/steps/gen/0.blob"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: blob)))
        bytes[9] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: blob))
        let runner = JobRunner(plan: first, options: options(first)) { _ throws(JobFailure) in
            JobStateBackend(memory: MemoryStateBackend())
        }
        let result = runner.run()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(runner.restoredFrom == [ids[1]])
        let skipped = runner.skippedCheckpoints
        #expect(skipped.count == 1 && skipped[0].contains("checkpoint \(ids[0])") && skipped[0].contains("0.blob is damaged"),
                "\(skipped)")
        #expect(Set(orderIDs(output)) == Set(0..<count))
    }
}

/// Runs `runner` and, once `records` have gone by, starts `swap` from
/// another thread; returns the run's result and the swap's.
func runWhileSwapping<Failure: Error>(
    _ runner: JobRunner, after records: Int,
    swap: @escaping @Sendable (_ completion: @escaping @Sendable (Result<SwapReport, Failure>) -> Void) -> Void
) -> (JobResult, Result<SwapReport, Failure>?) {
    let answer = Mutex<Result<SwapReport, Failure>?>(nil)
    let thread = Thread {
        while runner.sourceRecordsSoFar < records { usleep(5000) }
        let done = DispatchSemaphore(value: 0)
        swap { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
    }
    thread.start()
    let result = runner.run()
    while !thread.isFinished { usleep(1000) }
    return (result, answer.withLock { $0 })
}

/// Hot swaps through `JobRunner.swap`: a build that cannot take over the
/// running state is refused, and the job runs on with the old build.
@Suite("Hot swap refusals")
struct SwapRefusalTests {
    let directory: TemporaryDirectory
    let base: CheckpointingTests
    init() throws {
        base = try CheckpointingTests()
        directory = base.directory
    }

    static let totals = """
          - {id: by-customer, key_by: customer_id}
          - {id: totals, operator: running-total}
        """

    /// Runs `runner`, swapping to `newPlan` once a third of the input has
    /// gone by; returns the run's result and the swap's.
    func runSwapping(_ runner: JobRunner, to newPlan: JobPlan, after records: Int)
        -> (JobResult, Result<SwapReport, JobFailure>?)
    {
        runWhileSwapping(runner, after: records) { completion in runner.swap(to: newPlan, completion: completion) }
    }

    func runner(_ plan: JobPlan) -> JobRunner { base.runner(plan) }

    /// Build 3 refuses build 1's state: the migration is tried on a
    /// savepoint taken without stopping, the swap fails with the plugin's
    /// reason, and the job never stops: every order once, in one attempt.
    @Test func aBuildWhoseMigrationRefusesIsRefusedBeforeTheJobStops() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let count = 6000
        let text = base.job("dry-run", parallelism: 1, count: count, rate: 4000, output: output, extra: Self.totals)
        let v1 = try base.plan(text, plugins: [builds.v1])
        let v3 = try base.plan(text, plugins: [builds.v3])
        let runner = runner(v1)
        let (result, swap) = runSwapping(runner, to: v3, after: count / 3)
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .failure(let refusal)? = swap else {
            Issue.record("the swap was not refused: \(String(describing: swap))")
            return
        }
        let message = "\(refusal)"
        #expect(message.contains("restore this state with build 2.0.0 first"), "\(message)")
        #expect(message.contains("taken without stopping") && message.contains("runs on with the old build"), "\(message)")
        #expect(message.contains(builds.v3), "\(message)")
        #expect(runner.attempts.count == 1)
        let ids = base.orderIDs(output)
        #expect(Set(ids) == Set(0..<count) && ids.count == count, "\(ids.count) deliveries of \(count)")
    }

    /// A build whose state_version is older than the running one's is
    /// refused from the versions alone, before any savepoint.
    @Test func aBuildWithAnOlderStateVersionIsRefusedWithoutASavepoint() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let count = 4000
        let text = base.job("older", parallelism: 1, count: count, rate: 6000, output: output, extra: Self.totals)
        let v2 = try base.plan(text, plugins: [builds.v2])
        let v1 = try base.plan(text, plugins: [builds.v1])
        let (result, swap) = runSwapping(runner(v2), to: v1, after: count / 3)
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .failure(let refusal)? = swap else {
            Issue.record("the swap was not refused: \(String(describing: swap))")
            return
        }
        #expect("\(refusal)".contains("has state_version 1, older than the 2 of the running running-total 2.0.0"),
                "\(refusal)")
        let savepoints = (try? FileManager.default.contentsOfDirectory(atPath: directory.file("savepoints/older"))) ?? []
        #expect(savepoints.isEmpty, "\(savepoints)")
        #expect(Set(base.orderIDs(output)) == Set(0..<count))
    }

    /// A new build that passes the checks but cannot start after the stop
    /// (here its sink cannot open its file): the old build restarts from
    /// the stop's savepoint, the swap hears why, and nothing is lost or
    /// repeated.
    @Test func aNewBuildThatFailsAfterTheStopFallsBackToTheOldBuild() throws {
        let output = directory.file("out.jsonl")
        let count = 6000
        let old = try base.plan(base.job("fallback", parallelism: 1, count: count, rate: 6000, output: output))
        let broken = try base.plan(base.job("fallback", parallelism: 1, count: count, rate: 6000,
                                            output: directory.file("missing/dir/out.jsonl")))
        let runner = runner(old)
        let (result, swap) = runSwapping(runner, to: broken, after: count / 3)
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .failure(let refusal)? = swap else {
            Issue.record("the swap was not refused: \(String(describing: swap))")
            return
        }
        #expect("\(refusal)".contains("cannot open config.path") && "\(refusal)".contains("runs on with the old build"),
                "\(refusal)")
        let attempts = runner.attempts
        #expect(attempts.count == 3 && attempts[1].result.startFailed, "\(attempts.map(\.result.failure))")
        #expect(attempts.last?.restoredFrom == attempts.first?.result.lastCheckpointID)
        let ids = base.orderIDs(output)
        #expect(Set(ids) == Set(0..<count) && ids.count == count, "\(ids.count) deliveries of \(count)")
    }
}
