import Checkpoint
import Foundation
import PluginHost
import Runtime
import Synchronization
import Testing
import TestKit

/// `SwapOrchestrator`: the swap a `streamhost swap` asks for, from the path
/// of a new build to the job running on it.
@Suite("Swap orchestrator")
struct SwapOrchestratorTests {
    let directory: TemporaryDirectory
    let base: CheckpointingTests
    init() throws {
        base = try CheckpointingTests()
        directory = base.directory
    }

    /// A running-total job on build 1 of `builds` (datagen at 6000 orders a
    /// second into the append sink at `output`), with its runner and an
    /// orchestrator that share the job's `SwapBuilds`.
    struct SwapJob {
        let runner: JobRunner
        let swapper: SwapOrchestrator
        let swapBuilds: SwapBuilds
    }

    func swapJob(_ name: String, builds: HotSwapBuilds, count: Int, output: String,
                 checkpoints: String = "{interval_ms: 50}") throws -> SwapJob {
        let text = base.job(name, parallelism: 1, count: count, rate: 6000, output: output,
                            extra: SwapRefusalTests.totals, checkpoints: checkpoints)
        let (spec, registry) = try base.specAndRegistry(text, plugins: [builds.v1])
        let swapBuilds = base.swapBuilds(name)
        let runner = base.runner(try JobValidator.plan(spec, registry: registry), swapBuilds: swapBuilds)
        return SwapJob(runner: runner, swapper: SwapOrchestrator(runner: runner, spec: spec, registry: registry,
                                                                 builds: swapBuilds),
                       swapBuilds: swapBuilds)
    }

    /// Build 1 to build 2 of running-total mid-stream: the new build's
    /// private copy runs from the stop's savepoint and every order arrives
    /// once.
    @Test func swapsToAPrivateCopyOfTheNewBuildMidStream() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let count = 6000
        let job = try swapJob("orchestrated", builds: builds, count: count, output: output)
        let (runner, swapper, plugins) = (job.runner, job.swapper, job.swapBuilds.directory)
        let (result, swap) = runWhileSwapping(runner, after: count / 3) { completion in
            swapper.swap(pluginPath: builds.v2, completion: completion)
        }
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .success(let report)? = swap else {
            Issue.record("the swap failed: \(String(describing: swap))")
            return
        }
        #expect(report.savepoint.id > 0)
        #expect(runner.attempts.count == 2)
        #expect(runner.currentPlan.steps.contains { $0.component.pluginVersion == "2.0.0" })
        // The build loaded is a private copy in the plugins directory.
        let copies = (try? FileManager.default.contentsOfDirectory(atPath: plugins)) ?? []
        #expect(copies.count == 1 && copies.allSatisfy { $0.hasPrefix("librunning-total-v2-") }, "\(copies)")
        let ids = base.orderIDs(output)
        #expect(Set(ids) == Set(0..<count) && ids.count == count, "\(ids.count) deliveries of \(count)")
        // The checkpoints of build 2 name its copy; the swap's savepoint,
        // written by build 1 (the user's file), names none.
        let latest = try #require(CheckpointStore(directory: directory.file("checkpoints/orchestrated"), prefix: "chk")
            .latestValid { _, _ in })
        #expect(latest.manifest.step(id: "totals")?.pluginBuild == copies.first)
        let savepoint = try CheckpointStore.load(directory: report.savepoint.directory, verifyFiles: false)
        #expect(savepoint.step(id: "totals")?.pluginBuild == nil)
        #expect(savepoint.step(id: "gen")?.pluginBuild == nil)
    }

    /// Build 1 -> 2 -> 3: each copy stays while something needs it (build
    /// 2's copy: the second swap's savepoint, which it wrote; build 3's:
    /// the running job and its checkpoints). Once that savepoint is
    /// deleted, the next pass removes build 2's copy.
    @Test func swappingTwiceKeepsTheCopiesASavepointOrTheJobNeeds() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        // 4 s of orders at the rate: room for two swaps and a checkpoint
        // between them on a slow machine.
        let count = 24000
        let job = try swapJob("twice", builds: builds, count: count, output: output,
                              checkpoints: "{interval_ms: 50, retained: 1}")
        let (runner, swapper, swapBuilds) = (job.runner, job.swapper, job.swapBuilds)
        let firstSwap = Mutex<Result<SwapReport, SwapError>?>(nil)
        let checkpoints = CheckpointStore(directory: directory.file("checkpoints/twice"), prefix: "chk")
        let (result, secondSwap) = runWhileSwapping(runner, after: count / 4) {
            (completion: @escaping @Sendable (Result<SwapReport, SwapError>) -> Void) in
            // On runWhileSwapping's thread: the first swap, then, once build
            // 2 has completed a checkpoint (bounded: the job ends with a
            // final one), the second.
            let done = DispatchSemaphore(value: 0)
            swapper.swap(pluginPath: builds.v2) { first in
                firstSwap.withLock { $0 = first }
                done.signal()
            }
            done.wait()
            let after = checkpoints.completeIDs().first ?? 0
            var polls = 0
            while (checkpoints.completeIDs().first ?? 0) <= after && polls < 12_000 {
                usleep(5_000)
                polls += 1
            }
            swapper.swap(pluginPath: builds.v3, completion: completion)
        }
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .success? = firstSwap.withLock({ $0 }), case .success? = secondSwap else {
            Issue.record("a swap failed: \(String(describing: firstSwap.withLock { $0 })), \(String(describing: secondSwap))")
            return
        }
        #expect(runner.attempts.count == 3)
        #expect(runner.currentPlan.steps.contains { $0.component.pluginVersion == "3.0.0" })
        let ids = base.orderIDs(output)
        #expect(Set(ids) == Set(0..<count) && ids.count == count, "\(ids.count) deliveries of \(count)")

        let copies = Set((try? FileManager.default.contentsOfDirectory(atPath: swapBuilds.directory)) ?? [])
        let v2 = try #require(copies.first { $0.hasPrefix("librunning-total-v2-") }, "\(copies)")
        let v3 = try #require(copies.first { $0.hasPrefix("librunning-total-v3-") }, "\(copies)")
        #expect(copies == [v2, v3])
        let savepoints = CheckpointStore(directory: directory.file("savepoints/twice"), prefix: "sp")
        let named = try savepoints.completeIDs().map { id in
            try CheckpointStore.load(directory: savepoints.directory + "/" + savepoints.name(of: id), verifyFiles: false)
                .step(id: "totals")?.pluginBuild
        }
        #expect(Set(named) == [nil, v2], "\(named)")

        // The user deletes the savepoints: nothing needs build 2 any more.
        try FileManager.default.removeItem(atPath: savepoints.directory)
        #expect(swapBuilds.removeUnneeded(running: runner.currentPlan) == [v2])
        #expect(Set((try? FileManager.default.contentsOfDirectory(atPath: swapBuilds.directory)) ?? []) == [v3])
    }

    /// A candidate the job cannot use goes at once, whatever refused it:
    /// a build of another plugin, a build whose migration refuses the
    /// state (checked before the stop), a file that is not a plugin.
    @Test func aRefusedCandidateIsRemovedAtOnce() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let count = 12000
        let job = try swapJob("refused", builds: builds, count: count, output: output)
        let (runner, swapper, swapBuilds) = (job.runner, job.swapper, job.swapBuilds)
        let notAPlugin = try directory.write("notes.so", "not a plugin\n")
        let other = try CPluginBuilder.fixture("pass", into: directory)
        let leftAfterEach = Mutex<[[String]]>([])
        let (result, swap) = runWhileSwapping(runner, after: count / 3) {
            (completion: @escaping @Sendable (Result<SwapReport, SwapError>) -> Void) in
            let left: @Sendable () -> [String] = {
                (try? FileManager.default.contentsOfDirectory(atPath: swapBuilds.directory)) ?? []
            }
            swapper.swap(pluginPath: notAPlugin) { _ in
                leftAfterEach.withLock { $0.append(left()) }
                swapper.swap(pluginPath: other) { _ in
                    leftAfterEach.withLock { $0.append(left()) }
                    swapper.swap(pluginPath: builds.v3) { refused in
                        leftAfterEach.withLock { $0.append(left()) }
                        completion(refused)
                    }
                }
            }
        }
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        guard case .failure(let error)? = swap else {
            Issue.record("build 3 was not refused: \(String(describing: swap))")
            return
        }
        #expect("\(error)".contains("restore this state with build 2.0.0 first"), "\(error)")
        #expect(leftAfterEach.withLock { $0 } == [[], [], []])
        #expect(runner.attempts.count == 1)
    }

    /// A build of a plugin the job does not use is refused with the CLI's
    /// message before anything is asked of the runner.
    @Test func aBuildOfAPluginNoStepUsesIsRefused() throws {
        let builds = try HotSwapBuilds(into: directory)
        let text = base.job("unrelated", parallelism: 1, count: 10, rate: 0, output: directory.file("out.jsonl"))
        let (spec, registry) = try base.specAndRegistry(text)
        let runner = base.runner(try JobValidator.plan(spec, registry: registry))
        let swapper = SwapOrchestrator(runner: runner, spec: spec, registry: registry, builds: base.swapBuilds("unrelated"))
        let answer = Mutex<Result<SwapReport, SwapError>?>(nil)
        swapper.swap(pluginPath: builds.v2) { result in answer.withLock { $0 = result } }
        guard case .failure(let error)? = answer.withLock({ $0 }) else {
            Issue.record("the swap was not refused")
            return
        }
        #expect("\(error)" == "\(builds.v2) is plugin 'running-total', which no step of job 'unrelated' uses")
    }

    /// The rule without a job: copies named by a retained checkpoint or
    /// savepoint, or reserved by a swap, stay; the others go; retention
    /// that drops the last checkpoint naming a copy lets it go at the next
    /// pass; a manifest that cannot be read stops the pass.
    @Test func aCopyStaysExactlyWhileARetainedManifestOrASwapNeedsIt() throws {
        let swapBuilds = base.swapBuilds("rule")
        try FileManager.default.createDirectory(atPath: swapBuilds.directory, withIntermediateDirectories: true)
        for name in ["a.so", "b.so", "c.so", "stray.so"] {
            FileManager.default.createFile(atPath: swapBuilds.directory + "/" + name, contents: Data([1]))
        }
        let reserved = swapBuilds.reserve(copyOf: "/elsewhere/libnew.so")
        FileManager.default.createFile(atPath: reserved, contents: Data([1]))
        let checkpoints = CheckpointStore(directory: directory.file("checkpoints/rule"), prefix: "chk")
        let savepoints = CheckpointStore(directory: directory.file("savepoints/rule"), prefix: "sp")
        func write(_ store: CheckpointStore, _ id: Int64, naming build: String?) throws {
            _ = try store.begin(id)
            let step = StepSnapshot(stepID: "s", componentName: "c", pluginName: "p", pluginVersion: "1", pluginBuild: build,
                                    stateVersion: 1, parallelism: 1, instances: [])
            try store.complete(id, manifest: CheckpointManifest(
                kind: store.prefix == "chk" ? .checkpoint : .savepoint, jobName: "rule", checkpointID: id,
                triggeredAtMs: 0, maxParallelism: 128, stateBackend: "memory", steps: [step]))
        }
        try write(checkpoints, 1, naming: "a.so")
        try write(checkpoints, 2, naming: "b.so")
        try write(savepoints, 3, naming: "c.so")
        let plan = try base.plan(base.job("rule", parallelism: 1, count: 1, rate: 0, output: directory.file("o.jsonl")))

        #expect(swapBuilds.removeUnneeded(running: plan) == ["stray.so"])
        checkpoints.retain(1)
        #expect(swapBuilds.removeUnneeded(running: plan) == ["a.so"])
        let left = Set((try? FileManager.default.contentsOfDirectory(atPath: swapBuilds.directory)) ?? [])
        let reservedName = String(reserved.split(separator: "/").last!)
        #expect(left == ["b.so", "c.so", reservedName])
        // Once the swap ends without using it, the reserved copy goes too.
        swapBuilds.release(reserved)
        #expect(swapBuilds.removeUnneeded(running: plan) == [reservedName])

        // A damaged manifest: what it names is unknown, so nothing goes.
        FileManager.default.createFile(atPath: swapBuilds.directory + "/d.so", contents: Data([1]))
        try write(checkpoints, 4, naming: nil)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: checkpoints.directory + "/" + checkpoints.name(of: 4) + "/MANIFEST"))
        #expect(swapBuilds.removeUnneeded(running: plan) == [])
        #expect(FileManager.default.fileExists(atPath: swapBuilds.directory + "/d.so"))
    }
}
