import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit

/// examples/hot-swap: build 1 of running-total runs, `streamhost swap`
/// replaces it with build 2 mid-stream (state migrated from text to
/// binary), and the output is exactly what one uninterrupted run computes:
/// every order once, each customer's k-th order saying "orders":k with the
/// exact running total.
@Suite("Hot swap example", .serialized)
struct HotSwapExampleTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "hot-swap") }

    @Test func swappingBuild1ForBuild2MidStreamLosesAndRepeatsNothing() throws {
        let build = try ProcessRunner.run("make", ["-C", BuildProducts.packageRoot + "/examples/hot-swap", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let data = directory.file("data")
        let job = BuildProducts.packageRoot + "/examples/hot-swap/job.yaml"

        // The job runs ~10 s; swap after ~3 s, from another thread.
        let swap = Mutex<ProcessOutcome?>(nil)
        let swapped = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) {
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", directory.file("librunning-total-v2.so")])
            swap.withLock { $0 = outcome }
            swapped.signal()
        }
        let run = try CLI.run(["run", job, "--plugin", directory.file("librunning-total-v1.so"), "--data-dir", data,
                               "--no-progress"], timeoutSeconds: 120)
        swapped.wait()
        #expect(run.status == 0, "\(run.standardError)")
        let swapOutcome = try #require(swap.withLock { $0 })
        #expect(swapOutcome.status == 0, "\(swapOutcome.standardError)")
        #expect(swapOutcome.standardOutput.contains("swapped job 'hot-swap' to"))
        #expect(swapOutcome.standardOutput.contains("paused"))
        #expect(run.standardError.contains("restored from savepoint"))
        // The summary counts the whole run, both builds' attempts.
        #expect(run.standardError.contains("40000 records in, 40000 into sinks"), "\(run.standardError)")

        // The reference: the same orders, totals computed here in cents.
        let orders = try Reference.orders(count: 40000, seed: 11, extra: "customers: 50", in: directory)
        var expected: [Int: (orders: Int, cents: Int)] = [:]
        var perCustomer: [Int: (Int, Int)] = [:]
        for line in orders {
            let id = Int(Reference.numberText("order_id", in: line)!)!
            let customer = Int(Reference.numberText("customer_id", in: line)!)!
            let cents = Self.cents(Reference.numberText("amount", in: line)!)
            let (count, total) = perCustomer[customer] ?? (0, 0)
            perCustomer[customer] = (count + 1, total + cents)
            expected[id] = (count + 1, total + cents)
        }

        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        var seen: [Int: String] = [:]
        var builds: [Int: Int] = [1: 0, 2: 0]
        for line in lines {
            let id = Int(Reference.numberText("order_id", in: line)!)!
            #expect(seen[id] == nil, "order \(id) delivered twice")
            seen[id] = line
            builds[Int(Reference.numberText("build", in: line)!)!, default: 0] += 1
        }
        #expect(seen.count == 40000, "delivered \(seen.count) distinct orders of 40000")
        #expect(builds[1]! > 1000 && builds[2]! > 1000, "\(builds): the swap did not happen mid-stream")
        var wrong = 0
        for (id, line) in seen {
            let got = (Int(Reference.numberText("orders", in: line)!)!, Int(Reference.numberText("total_cents", in: line)!)!)
            if expected[id].map({ $0.orders != got.0 || $0.cents != got.1 }) ?? true { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) orders with a running total other than the reference's")
    }

    /// A build that refuses the running state: the swap command fails with
    /// the plugin's reason, naming the file it was given (not the private
    /// copy the host loads), and the job never stops: it finishes on build
    /// 1 with every order exactly once.
    @Test func aSwapToABuildThatRefusesTheStateLeavesTheJobRunning() throws {
        let build = try ProcessRunner.run("make", ["-C", BuildProducts.packageRoot + "/examples/hot-swap", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let data = directory.file("refuse-data")
        let job = BuildProducts.packageRoot + "/examples/hot-swap/job.yaml"
        let v3 = directory.file("librunning-total-v3.so")
        let swap = Mutex<ProcessOutcome?>(nil)
        let swapped = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", v3])
            swap.withLock { $0 = outcome }
            swapped.signal()
        }
        let run = try CLI.run(["run", job, "--plugin", directory.file("librunning-total-v1.so"), "--data-dir", data,
                               "--no-progress"], timeoutSeconds: 120)
        swapped.wait()
        let refused = try #require(swap.withLock { $0 })
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("restore this state with build 2.0.0 first"), "\(refused.standardError)")
        #expect(refused.standardError.contains("the job runs on with the old build"), "\(refused.standardError)")
        #expect(refused.standardError.contains(v3), "\(refused.standardError)")
        #expect(!refused.standardError.contains(data + "/plugins/"), "\(refused.standardError)")
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        var seen = Set<Int>()
        for line in lines {
            let id = Int(Reference.numberText("order_id", in: line)!)!
            #expect(seen.insert(id).inserted, "order \(id) delivered twice")
            #expect(Reference.numberText("build", in: line) == "1")
        }
        #expect(seen.count == 40000, "delivered \(seen.count) distinct orders of 40000")
    }

    /// "12.5" -> 1250, "7" -> 700.
    static func cents(_ text: String) -> Int {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = Int(parts[0])! * 100
        guard parts.count > 1 else { return whole }
        let fraction = String(parts[1].prefix(2)).padding(toLength: 2, withPad: "0", startingAt: 0)
        return whole + Int(fraction)!
    }
}
