import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit

/// `streamhost swap` keeps its private copies of new builds in
/// DATA/plugins/JOB only while something needs them, and the checkpoints a
/// swapped-in build writes name its copy, so that a run killed after a
/// swap can be resumed with the build that wrote its state.
@Suite("Swap hygiene CLI", .serialized)
struct SwapHygieneCLITests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "swap-hygiene") }

    func copies(_ data: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data + "/plugins/hot-swap")) ?? []).sorted()
    }

    /// Swap to build 2, SIGKILL once build 2 completed a checkpoint: its
    /// copy is still there and named by the newest manifest; resuming with
    /// build 1 is refused with a message that names the copy, and resuming
    /// with the copy runs build 2 to the end, which keeps the copy.
    @Test func aRunKilledAfterASwapFindsItsBuildWhenResumed() throws {
        let builds = try HotSwapBuilds(into: directory)
        let data = directory.file("data")
        let job = BuildProducts.packageRoot + "/examples/hot-swap/job.yaml"
        let swappedAt = Mutex<Int?>(nil)
        let swapDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { swapDone.signal() }
            guard CLI.waitForCheckpoints(2, data: data, job: "hot-swap") else { return }
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", builds.v2])
            if outcome?.status == 0 { swappedAt.withLock { $0 = CLI.newestCheckpoint(data: data, job: "hot-swap") } }
        }
        // Killed once a checkpoint newer than the swap's exists (build 2's).
        let killed = try CLI.run(
            ["run", job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"], timeoutSeconds: 120,
            signalsWhen: (ready: {
                guard let at = swappedAt.withLock({ $0 }) else { return false }
                return CLI.newestCheckpoint(data: data, job: "hot-swap") > at
            }, signals: [SIGKILL]))
        swapDone.wait()
        #expect(killed.status == 128 + SIGKILL, "\(killed.standardError)")
        let left = copies(data)
        #expect(left.count == 1 && left[0].hasPrefix("librunning-total-v2-"), "\(left)")
        let copy = data + "/plugins/hot-swap/" + (left.first ?? "")
        let newest = CLI.newestCheckpoint(data: data, job: "hot-swap")
        let manifest = try String(
            contentsOfFile: data + "/checkpoints/hot-swap/chk-" + String(format: "%06ld", newest) + "/MANIFEST", encoding: .utf8)
        #expect(manifest.contains("pluginBuild") && manifest.contains(left.first ?? "?"), "\(manifest)")

        let withBuild1 = try CLI.run(["run", job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"],
                                     timeoutSeconds: 120)
        #expect(withBuild1.status == 1)
        #expect(withBuild1.standardError.contains("plugins/hot-swap/\(left.first ?? "?")"), "\(withBuild1.standardError)")
        #expect(withBuild1.standardError.contains("pass it with --plugin"), "\(withBuild1.standardError)")

        let resumed = try CLI.run(["run", job, "--plugin", copy, "--data-dir", data, "--no-progress"], timeoutSeconds: 120)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let lines = resumed.standardOutput.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { Reference.numberText("build", in: String($0)) == "2" })
        #expect(copies(data) == left, "the copy the retained checkpoints name was removed")
    }

    /// A build the job cannot use is refused and its copy removed at once.
    @Test func aRefusedBuildLeavesNoCopy() throws {
        let builds = try HotSwapBuilds(into: directory)
        let data = directory.file("refused")
        let job = BuildProducts.packageRoot + "/examples/hot-swap/job.yaml"
        let refused = Mutex<(ProcessOutcome?, [String])?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { done.signal() }
            guard CLI.waitForCheckpoints(1, data: data, job: "hot-swap") else { return }
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", builds.v3])
            refused.withLock { $0 = (outcome, copies(data)) }
        }
        let run = try CLI.run(["run", job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"], timeoutSeconds: 120)
        done.wait()
        #expect(run.status == 0, "\(run.standardError)")
        let (outcome, left) = try #require(refused.withLock { $0 })
        #expect(outcome?.status == 1, "\(outcome?.standardError ?? "no swap ran")")
        #expect(left.isEmpty, "\(left)")
    }
}
