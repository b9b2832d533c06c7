import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit

/// `streamhost swap` keeps its private copies of new builds in
/// DATA/plugins/JOB only while something needs them, and the checkpoints a
/// swapped-in build writes name its copy, so that a run killed after a
/// swap resumes with the build that wrote its state.
@Suite("Swap hygiene CLI", .serialized)
struct SwapHygieneCLITests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "swap-hygiene") }

    static let job = BuildProducts.packageRoot + "/examples/hot-swap/job.yaml"

    func copies(_ data: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data + "/plugins/hot-swap")) ?? []).sorted()
    }

    /// Runs the hot-swap job on build 1 in `data`, swaps it to build 2
    /// after two checkpoints and SIGKILLs it once build 2 has completed a
    /// checkpoint of its own (progress, not the clock, decides).
    func runSwapAndKill(_ builds: HotSwapBuilds, data: String) throws -> ProcessOutcome {
        let swappedAt = Mutex<Int?>(nil)
        let swapDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { swapDone.signal() }
            guard CLI.waitForCheckpoints(2, data: data, job: "hot-swap") else { return }
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", builds.v2])
            if outcome?.status == 0 { swappedAt.withLock { $0 = CLI.newestCheckpoint(data: data, job: "hot-swap") } }
        }
        let killed = try CLI.run(
            ["run", Self.job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"], timeoutSeconds: 120,
            signalsWhen: (ready: {
                guard let at = swappedAt.withLock({ $0 }) else { return false }
                return CLI.newestCheckpoint(data: data, job: "hot-swap") > at
            }, signals: [SIGKILL]))
        swapDone.wait()
        return killed
    }

    /// Swap to build 2, SIGKILL once build 2 completed a checkpoint: its
    /// copy is still there and named by the newest manifest, and the same
    /// command started again resumes with it.
    @Test func aRunKilledAfterASwapFindsItsBuildWhenResumed() throws {
        let builds = try HotSwapBuilds(into: directory)
        let data = directory.file("data")
        let killed = try runSwapAndKill(builds, data: data)
        #expect(killed.status == 128 + SIGKILL, "\(killed.standardError)")
        let left = copies(data)
        #expect(left.count == 1 && left[0].hasPrefix("librunning-total-v2-"), "\(left)")
        let copy = data + "/plugins/hot-swap/" + (left.first ?? "")
        let newest = CLI.newestCheckpoint(data: data, job: "hot-swap")
        // The manifest's JSON behind its binary header (ManifestFile).
        let manifest = String(decoding: try Data(contentsOf: URL(fileURLWithPath:
            data + "/checkpoints/hot-swap/chk-" + String(format: "%06ld", newest) + "/MANIFEST")), as: UTF8.self)
        #expect(manifest.contains("pluginBuild") && manifest.contains(left.first ?? "?"), "\(manifest)")

        // Started again with the same command (build 1, too old for the
        // state): the run loads the copy the manifest names, says so, and
        // runs build 2 to the end, which keeps the copy.
        let resumed = try CLI.run(["run", Self.job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"],
                                  timeoutSeconds: 120)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("note: job 'hot-swap' restores state of step 'totals' that \(copy)"),
                "\(resumed.standardError)")
        let lines = resumed.standardOutput.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { Reference.numberText("build", in: String($0)) == "2" })
        #expect(copies(data) == left, "the copy the retained checkpoints name was removed")
    }

    /// Without the copy (deleted by hand), the same start is refused with a
    /// message that names the build the state needs.
    @Test func aRestoreWhoseSwappedInBuildIsGoneNamesIt() throws {
        let builds = try HotSwapBuilds(into: directory)
        let data = directory.file("gone")
        let killed = try runSwapAndKill(builds, data: data)
        #expect(killed.status == 128 + SIGKILL, "\(killed.standardError)")
        let left = copies(data)
        try #require(left.count == 1, "\(left)")
        try FileManager.default.removeItem(atPath: data + "/plugins/hot-swap/" + left[0])
        let refused = try CLI.run(["run", Self.job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"],
                                  timeoutSeconds: 120)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("plugins/hot-swap/\(left[0])"), "\(refused.standardError)")
    }

    /// A build the job cannot use is refused and its copy removed at once.
    @Test func aRefusedBuildLeavesNoCopy() throws {
        let builds = try HotSwapBuilds(into: directory)
        let data = directory.file("refused")
        let refused = Mutex<(ProcessOutcome?, [String])?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { done.signal() }
            guard CLI.waitForCheckpoints(1, data: data, job: "hot-swap") else { return }
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", builds.v3])
            refused.withLock { $0 = (outcome, copies(data)) }
        }
        let run = try CLI.run(["run", Self.job, "--plugin", builds.v1, "--data-dir", data, "--no-progress"],
                              timeoutSeconds: 120)
        done.wait()
        #expect(run.status == 0, "\(run.standardError)")
        let (outcome, left) = try #require(refused.withLock { $0 })
        #expect(outcome?.status == 1, "\(outcome?.standardError ?? "no swap ran")")
        #expect(left.isEmpty, "\(left)")
    }
}
