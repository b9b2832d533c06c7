import Foundation
import Testing
import TestKit

/// examples/expressions/job.yaml (the README's expression job) through the
/// CLI, against the reference orders.
@Suite("Expressions example")
struct ExpressionsExampleTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "expressions-example") }

    @Test func theReadmeJobRunsAndMatchesTheReference() throws {
        let outcome = try CLI.run(["run", BuildProducts.packageRoot + "/examples/expressions/job.yaml"], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let output = CLI.lines(directory.file("big-orders-expressions.jsonl"))
        let orders = try Reference.orders(count: 10000, seed: 7, in: directory)
        let expected = orders.filter { line in
            let category = Reference.stringField("category", in: line) ?? ""
            return (Reference.amount(line) ?? 0) > 100 && !["books", "toys"].contains(category)
        }
        #expect(!expected.isEmpty && output.count == expected.count)
        for (line, order) in zip(output, expected) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let amountText = try #require(Reference.numberText("amount", in: order))
            let amount = try #require(Decimal(string: amountText))
            let idText = try #require(Reference.numberText("order_id", in: order))
            let eurText = try #require(Reference.numberText("amount_eur", in: line))
            #expect(object["id"] as? Int == Int(idText))
            #expect(object["event_time"] == nil)
            #expect(object["category"] as? String == Reference.stringField("category", in: order)?.uppercased())
            #expect(Decimal(string: eurText) == amount * Decimal(string: "0.92")!)
            #expect(object["tier"] as? String == (amount >= 500 ? "gold" : "silver"))
            #expect((object["day"] as? String)?.count == 10)
        }
    }
}
