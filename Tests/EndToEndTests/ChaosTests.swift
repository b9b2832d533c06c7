#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestKit

/// Exactly-once under crashes: a job reads orders from the log, keeps a
/// running total per customer in keyed state (examples/hot-swap's build 1)
/// and writes through the transactional `log` sink. It is killed with
/// SIGKILL at random moments, at least 20 times (CHAOS_KILLS raises it),
/// and restarted each time on the same data directory, where it resumes
/// from its latest checkpoint by itself; a last run reads to the end. What
/// a read-committed consumer sees must be exactly the reference: every
/// order once, each customer's k-th order with "orders":k and the exact
/// running total.
@Suite("Chaos", .serialized)
struct ChaosTests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "chaos") }

    func cli(_ arguments: [String], signalAfter: (Int32, Double)? = nil) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], timeoutSeconds: 300, signalAfter: signalAfter)
    }

    /// The offsets group `chaos` committed, summed over the partitions.
    func committedOffsets() throws -> Int {
        let described = try cli(["groups", "describe", "chaos"])
        guard described.status == 0 else { return 0 }
        return described.standardOutput.split(separator: "\n").dropFirst(2).reduce(0) { sum, line in
            let columns = line.split(separator: " ")
            return sum + (columns.count >= 5 ? Int(columns[2]) ?? 0 : 0)
        }
    }

    @Test func sigkillAtRandomMomentsLosesAndRepeatsNothing() throws {
        let kills = max(20, Int(ProcessInfo.processInfo.environment["CHAOS_KILLS"] ?? "") ?? 20)
        // Enough input that the work spreads over many of the killed runs
        // (about 200k records/s here in a debug build).
        let count = 1_000_000
        let build = try ProcessRunner.run("make", ["-C", BuildProducts.packageRoot + "/examples/hot-swap", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let plugin = directory.file("librunning-total-v1.so")

        // The input: orders keyed by customer, so each customer's orders
        // keep their order within one partition.
        for topic in ["orders", "totals"] {
            let created = try cli(["topics", "create", topic, "--partitions", "2", "--config", "flush.mode=never"])
            #expect(created.status == 0, "\(created.standardError)")
        }
        let load = try directory.write("load.yaml", """
            name: load
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), seed: 3, customers: 97, key: customer_id}}
              - {id: out, sink: log, config: {topic: orders, delivery: at_least_once}}
            """)
        let loaded = try cli(["run", load])
        #expect(loaded.status == 0, "\(loaded.standardError)")

        let job = try directory.write("chaos.yaml", """
            name: chaos
            parallelism: 2
            checkpoints: {interval_ms: 100, restart: {strategy: none}}
            pipeline:
              - {id: in, source: log, config: {topic: orders, group: chaos, bounded: false}}
              - {id: by-customer, key_by: customer_id}
              - {id: totals, operator: running-total}
              - {id: out, sink: log, config: {topic: totals}}
            """)
        var random = SeededRandom(seed: 20261121)
        var killed = 0
        var midStream = 0
        for _ in 0..<kills {
            let after = Double.random(in: 0.1...0.7, using: &random)
            let run = try cli(["run", job, "--plugin", plugin, "--no-progress"], signalAfter: (SIGKILL, after))
            if run.status == 128 + SIGKILL { killed += 1 } else {
                Issue.record("run ended with status \(run.status) before its SIGKILL at \(after) s: \(run.standardError)")
            }
            // The group's offsets move at each completed checkpoint.
            let committed = try committedOffsets()
            if committed > 0 && committed < count { midStream += 1 }
        }
        #expect(killed == kills)
        #expect(midStream >= 5, "only \(midStream) kills found the job between its first and its last checkpoint")
        // The last run reads what is left and ends (bounded), committing.
        let last = try cli(["run", job, "--plugin", plugin, "--no-progress", "--set", "in.bounded=true"])
        #expect(last.status == 0, "\(last.standardError)")
        #expect(try committedOffsets() == count)

        // The reference, computed here from the input.
        let orders = try Reference.orders(count: count, seed: 3, extra: "customers: 97", in: directory)
        var expected: [Int: (Int, Int)] = [:]
        var perCustomer: [Int: (Int, Int)] = [:]
        for line in orders {
            let id = Int(Reference.numberText("order_id", in: line)!)!
            let customer = Int(Reference.numberText("customer_id", in: line)!)!
            let (seen, total) = perCustomer[customer] ?? (0, 0)
            let next = (seen + 1, total + HotSwapExampleTests.cents(Reference.numberText("amount", in: line)!))
            perCustomer[customer] = next
            expected[id] = next
        }

        let consumed = try cli(["consume", "totals", "--from-beginning"])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        let lines = consumed.standardOutput.split(separator: "\n").map(String.init)
        var seen = Set<Int>()
        var duplicates = 0
        var wrong = 0
        for line in lines {
            let id = Int(Reference.numberText("order_id", in: line)!)!
            if !seen.insert(id).inserted { duplicates += 1 }
            let got = (Int(Reference.numberText("orders", in: line)!)!, Int(Reference.numberText("total_cents", in: line)!)!)
            if expected[id].map({ $0 != got }) ?? true { wrong += 1 }
        }
        #expect(duplicates == 0, "\(duplicates) orders committed twice")
        #expect(seen.count == count, "\(count - seen.count) orders lost")
        #expect(wrong == 0, "\(wrong) running totals differ from the reference")
        // What was written but not committed stays invisible to committed
        // readers and is there for uncommitted ones.
        let uncommitted = try cli(["consume", "totals", "--from-beginning", "--isolation", "read_uncommitted"])
        #expect(uncommitted.standardOutput.split(separator: "\n").count >= lines.count)
    }
}
