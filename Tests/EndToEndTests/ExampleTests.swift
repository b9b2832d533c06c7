import Foundation
import Testing
import TestKit

/// The examples, built and run as their READMEs say.
@Suite("Examples", .serialized)
struct ExampleTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "examples") }

    /// What big-orders must keep: the reference orders with amount >= 500.
    func expectedBigOrders() throws -> [String] {
        try Reference.orders(count: 10000, seed: 7, in: directory).filter { (Reference.amount($0) ?? -1) >= 500 }
    }

    @Test func cOperatorBuiltWithMakeAndPlainCC() throws {
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/c-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let library = directory.file("libbig-orders.so")
        #expect(FileManager.default.fileExists(atPath: library))

        let outcome = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/c-operator/job.yaml", "--plugin", library],
            in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let output = CLI.lines(directory.file("big-orders.jsonl"))
        let expected = try expectedBigOrders()
        #expect(expected.count > 4000 && expected.count < 6000)
        #expect(output == expected)
        #expect(outcome.standardError.contains("10000 records in, \(expected.count) into sinks, 0 rejected"))
        // The plugin's counter is in the run summary, with the step's records.
        #expect(outcome.standardError.contains(
            "step 'big' (operator big-orders): 10000 in, \(expected.count) out, 0 rejected; counters: dropped \(10000 - expected.count)"),
            "\(outcome.standardError)")
    }

    @Test func swiftOperatorWrittenWithTheKit() throws {
        let library = BuildProducts.directory + "/libbig-orders-swift.so"
        let outcome = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/swift-operator/job.yaml", "--plugin", library],
            in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("big-orders-swift.jsonl")) == (try expectedBigOrders()))
    }

    @Test func theOperatorRejectsRecordsWithoutAnAmountToTheDeadLetterFile() throws {
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/c-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0)
        let input = try directory.write("in.jsonl", """
            {"order_id":1,"amount":900}
            {"order_id":2}
            {"order_id":3,"amount":"lots"}
            {"order_id":4,"amount":20}
            {"order_id":5,"amount":1000.5}

            """)
        let job = try directory.write("dlq.yaml", """
            name: dlq-check
            dead_letter: \(directory.file("rejected.jsonl"))
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: big, operator: big-orders, config: {min_amount: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", directory.file("libbig-orders.so")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == [#"{"order_id":1,"amount":900}"#, #"{"order_id":5,"amount":1000.5}"#])
        let rejected = CLI.lines(directory.file("rejected.jsonl")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rejected.count == 2)
        #expect(rejected.map { $0["step"] as? String } == ["big", "big"])
        #expect(rejected.map { $0["value"] as? String } == [#"{"order_id":2}"#, #"{"order_id":3,"amount":"lots"}"#])
        let reasons = rejected.compactMap { $0["reason"] as? String }
        #expect(reasons.count == 2 && reasons[0].contains("'amount' is missing") && reasons[1].contains("not a number"))
        #expect(outcome.standardError.contains("2 rejected (see \(directory.file("rejected.jsonl")))"))
    }

    /// examples/orders-revenue as its README runs it: every window equals the
    /// totals computed here from the same orders (minus the stragglers the
    /// job sent to its dead-letter topic), and every order is accounted for.
    @Test func ordersRevenueWindowsMatchAnIndependentReference() throws {
        let outcome = try CLI.run(["run", BuildProducts.packageRoot + "/examples/orders-revenue/job.yaml"],
                                  in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")

        let orders = try Reference.orders(
            count: 200_000, seed: 7,
            extra: "time_step_ms: 10, disorder_ms: 2000, late_every: 1000, late_ms: 60000", in: directory)
        #expect(orders.count == 200_000)

        // The stragglers the job rejected, by order id.
        let dlq = try CLI.run(["consume", "orders-revenue.dlq", "--from-beginning"], in: directory.path)
        #expect(dlq.status == 0, "\(dlq.standardError)")
        var rejected = Set<Int>()
        for line in dlq.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((object["reason"] as? String)?.contains("late record") == true)
            let value = try #require(object["value"] as? String)
            rejected.insert(try #require(Reference.numberText("order_id", in: value).flatMap { Int($0) }))
        }

        // Each rejected order is a straggler that really was behind the
        // watermark: its window ended at or before the largest event time
        // seen before it minus the 2 s bound.
        let window: Int64 = 300_000
        var largestBefore = [Int64](repeating: .min, count: orders.count)
        var largest = Int64.min
        var eventTimes: [Int64] = []
        for (index, line) in orders.enumerated() {
            largestBefore[index] = largest
            let time = try #require(Reference.numberText("event_time", in: line).flatMap { Int64($0) })
            eventTimes.append(time)
            largest = max(largest, time)
        }
        #expect(!rejected.isEmpty)
        for id in rejected {
            #expect(id % 1000 == 999, "order \(id) was rejected but is not a straggler")
            let end = eventTimes[id] - eventTimes[id] % window + window
            #expect(end - 1 <= largestBefore[id] - 2001, "order \(id) was rejected but its window was still open")
        }

        // Reference windows over everything else, with exact decimals.
        struct WindowKey: Hashable { let category: String; let start: Int64 }
        var expected: [WindowKey: (count: Int, revenue: Decimal)] = [:]
        for (index, line) in orders.enumerated() where !rejected.contains(index) {
            let category = try #require(Reference.stringField("category", in: line))
            let amount = try #require(Reference.numberText("amount", in: line).flatMap { Decimal(string: $0) })
            let key = WindowKey(category: category, start: eventTimes[index] - eventTimes[index] % window)
            let current = expected[key] ?? (0, 0)
            expected[key] = (current.count + 1, current.revenue + amount)
        }

        var seen: [WindowKey: (count: Int, revenue: Decimal)] = [:]
        for line in CLI.lines(directory.file("revenue.jsonl")) {
            let category = try #require(Reference.stringField("category", in: line))
            let start = try #require(Reference.numberText("window_start", in: line).flatMap { Int64($0) })
            let end = try #require(Reference.numberText("window_end", in: line).flatMap { Int64($0) })
            #expect(end == start + window)
            let count = try #require(Reference.numberText("orders", in: line).flatMap { Int($0) })
            let revenue = try #require(Reference.numberText("revenue", in: line).flatMap { Decimal(string: $0) })
            let key = WindowKey(category: category, start: start)
            #expect(seen[key] == nil, "window \(key) emitted twice")
            seen[key] = (count, revenue)
        }
        #expect(seen.count == expected.count)
        for (key, value) in expected {
            let got = try #require(seen[key], "no result for \(key)")
            #expect(got.count == value.count && got.revenue == value.revenue, "\(key): got \(got), expected \(value)")
        }
        #expect(seen.values.reduce(0) { $0 + $1.count } + rejected.count == orders.count)
    }
}
