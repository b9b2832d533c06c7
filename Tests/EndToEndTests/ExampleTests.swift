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
}
