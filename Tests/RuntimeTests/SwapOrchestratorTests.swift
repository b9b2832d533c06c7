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

    /// Build 1 to build 2 of running-total mid-stream: the new build's
    /// private copy runs from the stop's savepoint and every order arrives
    /// once.
    @Test func swapsToAPrivateCopyOfTheNewBuildMidStream() throws {
        let builds = try HotSwapBuilds(into: directory)
        let output = directory.file("out.jsonl")
        let count = 6000
        let text = base.job("orchestrated", parallelism: 1, count: count, rate: 6000, output: output,
                            extra: SwapRefusalTests.totals)
        let (spec, registry) = try base.specAndRegistry(text, plugins: [builds.v1])
        let runner = base.runner(try JobValidator.plan(spec, registry: registry))
        let plugins = directory.file("plugins")
        let swapper = SwapOrchestrator(runner: runner, spec: spec, registry: registry, pluginsDirectory: plugins)
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
    }

    /// A build of a plugin the job does not use is refused with the CLI's
    /// message before anything is asked of the runner.
    @Test func aBuildOfAPluginNoStepUsesIsRefused() throws {
        let builds = try HotSwapBuilds(into: directory)
        let text = base.job("unrelated", parallelism: 1, count: 10, rate: 0, output: directory.file("out.jsonl"))
        let (spec, registry) = try base.specAndRegistry(text)
        let runner = base.runner(try JobValidator.plan(spec, registry: registry))
        let swapper = SwapOrchestrator(runner: runner, spec: spec, registry: registry,
                                       pluginsDirectory: directory.file("plugins"))
        let answer = Mutex<Result<SwapReport, SwapError>?>(nil)
        swapper.swap(pluginPath: builds.v2) { result in answer.withLock { $0 = result } }
        guard case .failure(let error)? = answer.withLock({ $0 }) else {
            Issue.record("the swap was not refused")
            return
        }
        #expect("\(error)" == "\(builds.v2) is plugin 'running-total', which no step of job 'unrelated' uses")
    }
}
