import Core
import Foundation
import PluginHost
import Runtime
import Testing
import TestKit

/// The `expressions` plugin's filter, map and project (dlopen'ed from its
/// .so) in real jobs: datagen orders against a reference computed here,
/// bad records to the dead-letter destination with their reasons.
@Suite("Expression operators")
struct ExpressionOperatorTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "expressions") }

    func run(_ yaml: String, workers: Int = 2) throws -> JobResult {
        let plan = try makePlan(yaml, in: directory)
        let options = RunOptions(workers: workers, deadLetterPath: directory.file("dlq-\(UUID().uuidString).jsonl"))
        let result = try JobExecution(plan: plan, options: options).run()
        if let failure = result.failure { throw failure }
        return result
    }

    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    static func decimal(_ value: Any?) -> Decimal? {
        guard let number = value as? NSNumber else { return nil }
        return Decimal(string: "\(number)")
    }

    @Test func filterMapProjectOnDatagenOrdersMatchTheReference() throws {
        let count = 3000
        let inputPath = directory.file("orders.jsonl")
        _ = try run("""
            name: orders-in
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), seed: 11, customers: 50}}
              - {id: out, sink: file, config: {path: "\(inputPath)"}}
            """)
        let outputPath = directory.file("out.jsonl")
        let result = try run("""
            name: orders-expressions
            parallelism: 2
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), seed: 11, customers: 50}}
              - id: big
                operator: filter
                config: {where: "amount > 100 and category not in ('books', 'toys') or customer_id = 7"}
              - id: enrich
                operator: map
                config:
                  set:
                    amount_eur: amount * 0.92
                    category: upper(category)
                    tier: "case when amount >= 500 then 'gold' else 'silver' end"
                    label: "concat(lower(category), '-', cast(customer_id as string))"
              - id: shape
                operator: project
                config: {drop: [event_time], rename: {order_id: id}}
              - {id: out, sink: file, parallelism: 1, config: {path: "\(outputPath)"}}
            """)
        #expect(result.rejectedRecords == 0)

        // The reference, from the same orders read back and Foundation's Decimal.
        let inputs = try Self.objects(CLI.lines(inputPath))
        #expect(inputs.count == count)
        var expected: [Int: (amountEUR: Decimal, category: String, tier: String, label: String, amount: Decimal)] = [:]
        for order in inputs {
            let amount = try #require(Self.decimal(order["amount"]))
            let category = try #require(order["category"] as? String)
            let customer = try #require(order["customer_id"] as? Int)
            guard (amount > 100 && !["books", "toys"].contains(category)) || customer == 7 else { continue }
            var eur = amount * Decimal(string: "0.92")!
            var rounded = Decimal()
            NSDecimalRound(&rounded, &eur, 4, .plain)
            expected[try #require(order["order_id"] as? Int)] = (
                amountEUR: rounded, category: category.uppercased(), tier: amount >= 500 ? "gold" : "silver",
                label: "\(category)-\(customer)", amount: amount)
        }
        let outputs = try Self.objects(CLI.lines(outputPath))
        #expect(outputs.count == expected.count)
        #expect(expected.count > count / 4 && expected.count < count)  // the filter does something
        for output in outputs {
            let id = try #require(output["id"] as? Int)
            let want = try #require(expected[id], "order \(id) should have been filtered out")
            #expect(Set(output.keys) == ["id", "customer_id", "category", "amount", "amount_eur", "tier", "label"])
            #expect(Self.decimal(output["amount_eur"]) == want.amountEUR, "order \(id)")
            #expect(output["category"] as? String == want.category)
            #expect(output["tier"] as? String == want.tier)
            #expect(output["label"] as? String == want.label)
            #expect(Self.decimal(output["amount"]) == want.amount)
        }
    }

    @Test func badRecordsGoToTheDeadLetterWithTheirReasons() throws {
        let input = try directory.write("bad.jsonl", [
            #"{"id":1,"amount":250,"count":5,"name":"ok"}"#,
            #"{"id":2,"amount":"lots","count":5,"name":"text amount"}"#,
            #"{"id":3,"amount":250,"count":0,"name":"zero count"}"#,
            #"{"id":4,"count":2,"name":"missing amount"}"#,
            #"[1,2,3]"#,
            #"{"id":6,"amount":300,"count":3,"name":7}"#,
        ].joined(separator: "\n") + "\n")
        let output = directory.file("bad-out.jsonl")
        let result = try run("""
            name: bad-records
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: big, operator: filter, config: {where: "amount > 100"}}
              - id: ratio
                operator: map
                config: {set: {per_item: amount / count, who: upper(name)}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let kept = try Self.objects(CLI.lines(output))
        #expect(kept.map { $0["id"] as? Int } == [1])
        #expect(kept.first?["per_item"] as? Int == 50)
        #expect(kept.first?["who"] as? String == "OK")
        let rejected = try Self.objects(CLI.lines(result.deadLetterPath))
        func reason(_ step: String, _ text: String) -> Bool {
            rejected.contains { ($0["step"] as? String) == step && (($0["reason"] as? String)?.contains(text) ?? false) }
        }
        #expect(rejected.count == 4, "\(rejected)")
        #expect(reason("big", "filter where `amount > 100`: at 1:1 in `amount > 100`: `amount` is a string \"lots\""))
        #expect(reason("big", "not a JSON object"))
        #expect(reason("ratio", "map: set per_item = `amount / count`: at 1:1 in `amount / count`: division by zero (`count` is 0)"))
        #expect(reason("ratio", "set who = `upper(name)`: at 1:1 in `upper(name)`: `name` is an integer 7"))
        // Missing amount: null, which the filter drops quietly (SQL WHERE).
        #expect(!rejected.contains { ($0["value"] as? String)?.contains("missing amount") ?? false })
    }

    @Test func projectKeepsDropsAndRenames() throws {
        let input = try directory.write("project.jsonl", [
            #"{"a":1,"b":{"x":[1,2]},"c":"three","d":null}"#,
            #"{"c":"only c","a":2}"#,
            #"{"a":3,"z":4}"#,
        ].joined(separator: "\n") + "\n")
        let output = directory.file("project-out.jsonl")
        let result = try run("""
            name: project
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: p, operator: project, config: {keep: [a, b, c, z], drop: [c], rename: {a: alpha, z: a}}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        #expect(CLI.lines(output) == [#"{"alpha":1,"b":{"x":[1,2]}}"#, #"{"alpha":2}"#, #"{"alpha":3,"a":4}"#])
        #expect(result.rejectedRecords == 0)
    }

    @Test func mapSplicesNestedFieldsAndKeepsTheRest() throws {
        let input = try directory.write("nested.jsonl", [
            #"{"id":1, "customer": {"name": "ada", "id": 7}, "total": 10.50}"#,
            #"{"id":2,"customer":null,"total":1}"#,
            #"{"id":3,"customer":"bob","total":1}"#,
        ].joined(separator: "\n") + "\n")
        let output = directory.file("nested-out.jsonl")
        let result = try run("""
            name: nested
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - id: m
                operator: map
                config: {set: {customer.name: "upper(coalesce(customer.name, 'anonymous'))", customer.vip: "total > 5", total: "total * 2"}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        #expect(CLI.lines(output) == [
            #"{"id":1, "customer": {"name": "ADA", "id": 7,"vip":true}, "total": 21}"#,
            #"{"id":2,"customer":{"name":"ANONYMOUS","vip":false},"total":2}"#,
        ])
        let rejected = try Self.objects(CLI.lines(result.deadLetterPath))
        #expect(rejected.count == 1)
        #expect((rejected.first?["reason"] as? String)?.contains("cannot set fields inside `customer`: it holds a string") == true)
    }

    @Test func badExpressionsFailAtPlanTimeWithFileLineAndColumn() throws {
        let yaml = """
            name: bad-expression
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - id: f
                operator: filter
                config:
                  where: "amount > 1 and lower(5) = 'x'"
              - {id: out, sink: blackhole}
            """
        #expect {
            _ = try makePlan(yaml, in: directory)
        } throws: { error in
            let text = "\(error)"
            // The string starts at column 14 of line 7; lower's argument is
            // 21 characters into it, after the opening quote.
            return text.contains("test.yaml:7:36:") && text.contains("argument 1 of lower must be a string")
                && text.contains("pipeline[1].config.where")
        }
        let mapYAML = """
            name: bad-map
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - id: m
                operator: map
                config:
                  set:
                    ok: amount * 2
                    broken: amount +
              - {id: out, sink: blackhole}
            """
        #expect {
            _ = try makePlan(mapYAML, in: directory)
        } throws: { error in
            "\(error)".contains("test.yaml:9:25:") && "\(error)".contains("pipeline[1].config.set.broken")
        }
        let blockYAML = """
            name: bad-block
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - id: f
                operator: filter
                config:
                  where: |
                    amount > 100
                      and upper(category) = 7
              - {id: out, sink: blackhole}
            """
        #expect {
            _ = try makePlan(blockYAML, in: directory)
        } throws: { error in
            "\(error)".contains("test.yaml:9:15:") && "\(error)".contains("cannot compare")
        }
    }
}
