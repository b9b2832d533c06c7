import Core
import Foundation
import PluginHost
import Runtime
import State
import Testing
import TestKit

/// The first-party stateful operators, dedup and join, loaded from
/// libstreamhost-dedup.so and libstreamhost-join.so through dlopen and run
/// in real jobs over the memory and RocksDB state backends, against
/// references computed here.
@Suite("Stateful plugins in jobs")
struct StatefulPluginJobTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "stateful-plugins") }

    enum Backend: String, CaseIterable, Sendable {
        case memory, rocksdb
    }

    func make(_ backend: Backend) -> any StateBackend {
        switch backend {
        case .memory: MemoryStateBackend()
        case .rocksdb: RocksDBStateBackend(directory: directory.file("rocksdb-\(UUID().uuidString)"))
        }
    }

    /// Runs a job whose last step writes JSON lines to `output`; returns the
    /// result and the lines.
    func run(_ yaml: String, output: String, stateBackend: (any StateBackend)?) throws -> (JobResult, [String]) {
        let plan = try makePlan(yaml, in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.stateBackend = stateBackend
        let result = try JobExecution(plan: plan, options: options).run()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (result, text.split(separator: "\n").map(String.init))
    }

    // MARK: dedup

    struct Event {
        var user: String
        var timestamp: Int64
        var line: String
    }

    /// Events on 20 users whose timestamps creep forward with up to 30 ms
    /// of disorder, so none is late under a 50 ms bound.
    static func events(count: Int, seed: UInt64) -> [Event] {
        var random = SeededRandom(seed: seed)
        var base: Int64 = 1_000_000
        return (0..<count).map { index in
            base += Int64.random(in: 0...3, using: &random)
            let user = "u\(Int.random(in: 0..<20, using: &random))"
            let timestamp = base + Int64.random(in: 0...30, using: &random)
            return Event(user: user, timestamp: timestamp,
                         line: #"{"user":"\#(user)","ts":\#(timestamp),"n":\#(index)}"#)
        }
    }

    /// What dedup keeps, decided in arrival order per key: a record is kept
    /// unless the key's last kept record at t has t + ttl above its
    /// timestamp.
    static func dedupReference(_ events: [Event], ttl: Int64) -> [String] {
        var lastKept: [String: Int64] = [:]
        var kept: [String] = []
        for event in events {
            if let first = lastKept[event.user], event.timestamp < first + ttl { continue }
            lastKept[event.user] = event.timestamp
            kept.append(event.line)
        }
        return kept
    }

    func dedupJob(_ events: [Event], dedupConfig: String, name: String) throws -> (String, String) {
        let input = try directory.write("\(name)-in.jsonl", events.map(\.line).joined(separator: "\n") + "\n")
        let output = directory.file("\(name)-out.jsonl")
        return ("""
            name: \(name)
            pipeline:
              - id: src
                source: file
                config: {path: "\(input)", timestamp_field: ts, key_field: user}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 50}
              - {id: by-user, key_by: user}
              - {id: once, operator: dedup, parallelism: 2, config: \(dedupConfig)}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """, output)
    }

    @Test(arguments: ["{ttl_ms: 100}", "{ttl_ms: 100, key_field: user}"], Backend.allCases)
    func dedupKeepsFirstsInEventTime(config: String, backend: Backend) throws {
        let events = Self.events(count: 3000, seed: 11)
        let (yaml, output) = try dedupJob(events, dedupConfig: config, name: "dedup-event-\(config.contains("key_field") ? "field" : "key")-\(backend)")
        let (result, lines) = try run(yaml, output: output, stateBackend: make(backend))
        #expect(result.failure == nil, "\(result.failure.map(String.init(describing:)) ?? "")")
        #expect(result.rejectedRecords == 0)
        let expected = Self.dedupReference(events, ttl: 100)
        #expect(expected.count < events.count / 2 && expected.count > 20, "the input should hold duplicates and firsts")
        #expect(lines.sorted() == expected.sorted())
    }

    @Test(arguments: Backend.allCases)
    func dedupInProcessingTimeKeepsOneRecordPerKeyWithinAnHour(backend: Backend) throws {
        let events = Self.events(count: 1000, seed: 12)
        let (yaml, output) = try dedupJob(
            events, dedupConfig: "{ttl_ms: 3600000, time: processing}", name: "dedup-wall-\(backend)")
        let (result, lines) = try run(yaml, output: output, stateBackend: make(backend))
        #expect(result.failure == nil, "\(result.failure.map(String.init(describing:)) ?? "")")
        var seen: Set<String> = []
        let firsts = events.filter { seen.insert($0.user).inserted }.map(\.line)
        #expect(lines.sorted() == firsts.sorted())
    }

    @Test func statefulPluginsNeedAStateBackend() throws {
        let (yaml, output) = try dedupJob(Self.events(count: 10, seed: 13), dedupConfig: "{ttl_ms: 100}",
                                          name: "dedup-stateless")
        let (result, lines) = try run(yaml, output: output, stateBackend: nil)
        let failure = try #require(result.failure, "a stateful plugin ran without a state backend")
        #expect("\(failure)".contains("step 'once'"))
        #expect("\(failure)".contains("state_register('first_seen')"))
        #expect("\(failure)".contains("without a state backend"))
        #expect(lines.isEmpty)
    }

    // MARK: join

    struct Side {
        var order: Int
        var timestamp: Int64
        var id: Int
        var line: String
    }

    /// Records of `count` ids on 30 orders in ascending time, `step` ms
    /// apart at most.
    static func side(count: Int, idBase: Int, step: ClosedRange<Int64>, random: inout SeededRandom) -> [Side] {
        var timestamp: Int64 = 1_000_000
        return (0..<count).map { index in
            timestamp += Int64.random(in: step, using: &random)
            let order = Int.random(in: 0..<30, using: &random)
            let id = idBase + index
            return Side(order: order, timestamp: timestamp, id: id,
                        line: #"{"order_id":"o\#(order)","ts":\#(timestamp),"id":\#(id)}"#)
        }
    }

    @Test(arguments: [(-5, 10), (-40, -20), (0, 0)] as [(Int64, Int64)], Backend.allCases)
    func joinEmitsEveryPairInTheInterval(bounds: (lower: Int64, upper: Int64), backend: Backend) throws {
        let (lower, upper) = bounds
        var random = SeededRandom(seed: 21)
        let orders = Self.side(count: 800, idBase: 0, step: 0...4, random: &random)
        let payments = Self.side(count: 800, idBase: 100_000, step: 0...4, random: &random)
        let name = "\(lower)-\(upper)-\(backend)"
        let ordersFile = try directory.write("orders-\(name).jsonl", orders.map(\.line).joined(separator: "\n") + "\n")
        let paymentsFile = try directory.write("payments-\(name).jsonl", payments.map(\.line).joined(separator: "\n") + "\n")
        let output = directory.file("joined-\(name).jsonl")
        let (result, lines) = try run("""
            name: join-job
            pipeline:
              - id: orders
                source: file
                config: {path: "\(ordersFile)", timestamp_field: ts}
                watermarks: {strategy: ascending}
              - {id: by-order, key_by: order_id}
              - id: payments
                source: file
                config: {path: "\(paymentsFile)", timestamp_field: ts}
                watermarks: {strategy: ascending}
              - {id: by-payment, key_by: order_id, inputs: [payments]}
              - id: paid
                operator: join
                inputs: [by-order, by-payment]
                parallelism: 2
                config: {lower_ms: \(lower), upper_ms: \(upper)}
              - {id: out, sink: file, inputs: [paid], config: {path: "\(output)"}}
            """, output: output, stateBackend: make(backend))
        #expect(result.failure == nil, "\(result.failure.map(String.init(describing:)) ?? "")")
        // Each input is in time order: nothing is late.
        #expect(result.rejectedRecords == 0)

        struct Pair: Hashable, Comparable {
            var left: Int, right: Int
            static func < (a: Pair, b: Pair) -> Bool { (a.left, a.right) < (b.left, b.right) }
        }
        var expected: [Pair] = []
        for order in orders {
            for payment in payments where payment.order == order.order {
                let difference = payment.timestamp - order.timestamp
                if difference >= lower && difference <= upper { expected.append(Pair(left: order.id, right: payment.id)) }
            }
        }
        let joined = try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let left = try #require(object["left"] as? [String: Any])
            let right = try #require(object["right"] as? [String: Any])
            #expect(left["order_id"] as? String == right["order_id"] as? String)
            return Pair(left: try #require(left["id"] as? Int), right: try #require(right["id"] as? Int))
        }
        #expect(expected.count > 10, "the input should join")
        #expect(joined.sorted() == expected.sorted())
    }
}
