#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestKit

/// Exactly-once under crashes: a job reads orders from the log, keeps a
/// running total per customer in keyed state (examples/hot-swap's build 1)
/// and writes through the transactional `log` sink. It is killed with
/// SIGKILL at least 20 times (CHAOS_KILLS raises it) and restarted each
/// time on the same data directory, where it resumes from its latest
/// checkpoint by itself; a last run reads to the end. What a
/// read-committed consumer sees must be exactly the reference: every order
/// once, each customer's k-th order with "orders":k and the exact running
/// total.
///
/// Nothing here depends on the machine's speed. The kills are placed by
/// progress, not by the clock: each run is killed after it has completed
/// 1 to 3 checkpoints of its own (seen on disk), plus a random part of a
/// checkpoint interval so that the kill lands while a transaction is open.
/// The input arrives in chunks, one before each run and the last one
/// before the final run, so no killed run can reach the end of the input:
/// each kill is mid-stream by construction, on a slow debug build as on a
/// fast release one.
@Suite("Chaos", .serialized)
struct ChaosTests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "chaos") }

    func cli(_ arguments: [String], killWhen: (() -> Bool)? = nil) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], timeoutSeconds: 300,
                    signalsWhen: killWhen.map { (ready: $0, signals: [SIGKILL]) })
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

    @Test func sigkillAtProgressPointsLosesAndRepeatsNothing() throws {
        let kills = max(20, Int(ProcessInfo.processInfo.environment["CHAOS_KILLS"] ?? "") ?? 20)
        let count = 1_000_000
        let intervalSeconds = 0.1
        let build = try ProcessRunner.run("make", ["-C", BuildProducts.packageRoot + "/examples/hot-swap", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let plugin = directory.file("librunning-total-v1.so")

        for topic in ["orders", "totals"] {
            let created = try cli(["topics", "create", topic, "--partitions", "2", "--config", "flush.mode=never"])
            #expect(created.status == 0, "\(created.standardError)")
        }
        // The input: datagen's orders, produced keyed by customer so that
        // each customer's orders keep their order within one partition, a
        // chunk before each run.
        let orders = try Reference.orders(count: count, seed: 3, extra: "customers: 97", in: directory)
        let chunks = kills + 1
        var produced = 0
        func produce(chunk: Int) throws {
            let end = count * (chunk + 1) / chunks
            let file = try directory.write("chunk-\(chunk).jsonl", orders[produced..<end].joined(separator: "\n") + "\n")
            let outcome = try cli(["produce", "orders", "--key", "customer_id", "--file", file])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            produced = end
        }

        let job = try directory.write("chaos.yaml", """
            name: chaos
            parallelism: 2
            checkpoints: {interval_ms: \(Int(intervalSeconds * 1000)), restart: {strategy: none}}
            pipeline:
              - {id: in, source: log, config: {topic: orders, group: chaos, bounded: false}}
              - {id: by-customer, key_by: customer_id}
              - {id: totals, operator: running-total}
              - {id: out, sink: log, config: {topic: totals}}
            """)
        var random = SeededRandom(seed: 20261121)
        var killed = 0
        var committedAtKills: [Int] = []
        for run in 0..<kills {
            try produce(chunk: run)
            let first = CLI.newestCheckpoint(data: data, job: "chaos")
            let checkpoints = Int.random(in: 1...3, using: &random)
            let extra = Double.random(in: 0..<intervalSeconds, using: &random)
            var reached: Date?
            let outcome = try cli(["run", job, "--plugin", plugin, "--no-progress"], killWhen: {
                if let reached { return Date().timeIntervalSince(reached) >= extra }
                if CLI.newestCheckpoint(data: data, job: "chaos") >= first + checkpoints { reached = Date() }
                return false
            })
            if outcome.status == 128 + SIGKILL { killed += 1 } else {
                Issue.record("run \(run) ended with status \(outcome.status) before its SIGKILL: \(outcome.standardError)")
            }
            committedAtKills.append(try committedOffsets())
        }
        #expect(killed == kills)
        // Each kill came before the input's last chunk existed, and the
        // group's offsets never move back.
        #expect(committedAtKills.allSatisfy { $0 < count }, "committed offsets at the kills: \(committedAtKills)")
        #expect(committedAtKills == committedAtKills.sorted(), "committed offsets at the kills: \(committedAtKills)")
        // The last run reads what is left and ends (bounded), committing.
        try produce(chunk: kills)
        #expect(produced == count)
        let last = try cli(["run", job, "--plugin", plugin, "--no-progress", "--set", "in.bounded=true"])
        #expect(last.status == 0, "\(last.standardError)")
        #expect(try committedOffsets() == count)

        // The reference, computed here from the input.
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
