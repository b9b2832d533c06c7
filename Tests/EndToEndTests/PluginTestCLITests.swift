import Foundation
import Testing
import TestKit

/// `streamhost plugin test`, the language-neutral plugin test harness,
/// through the built binary.
@Suite("PluginTestCLI")
struct PluginTestCLITests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "plugin-test-cli") }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func cOperator() throws -> String {
        let library = directory.file("libbig-orders.so")
        try CPluginBuilder.build(source: BuildProducts.packageRoot + "/examples/c-operator/big_orders.c", output: library)
        return library
    }

    @Test func printsEmittedRejectedAndCounters() throws {
        let input = try write("orders.jsonl", """
            {"order_id":1,"amount":600}
            {"order_id":2,"amount":10}

            {"order_id":3}
            """)
        let outcome = try CLI.run([
            "plugin", "test", try cOperator(), "--component", "big-orders", "--input", input,
            "--config", #"{"min_amount":500}"#,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init) == [
            #"{"emitted":{"timestamp":0,"key":null,"value":{"order_id":1,"amount":600}}}"#,
            #"{"rejected":{"timestamp":0,"key":null,"value":{"order_id":3},"reason":"big-orders: field 'amount' is missing"}}"#,
            #"{"counter":"dropped","value":1}"#,
        ])
    }

    @Test func inputThatIsNotJSONLinesIsRefusedWithItsLine() throws {
        let input = try write("bad.jsonl", "{\"amount\":1}\namount=2\n")
        let outcome = try CLI.run(["plugin", "test", try cOperator(), "--component", "big-orders", "--input", input])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("\(input):2: not a JSON value"))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test func configFromAFileIsChecked() throws {
        let config = try write("config.json", #"{"min_amount":"high"}"#)
        let input = try write("one.jsonl", #"{"amount":1}"#)
        let outcome = try CLI.run([
            "plugin", "test", try cOperator(), "--component", "big-orders", "--input", input, "--config", "@" + config,
        ])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("config.min_amount"))
    }

    @Test func windowFiresOnAWatermark() throws {
        let input = try write("events.jsonl", """
            {"user":"a","ts":1}
            {"user":"a","ts":4}
            {"user":"b","ts":12}
            """)
        let outcome = try CLI.run([
            "plugin", "test", BuildProducts.plugin("window"), "--component", "window", "--input", input,
            "--key", "user", "--timestamp-field", "ts", "--watermark", "9", "--show-state",
            "--config", #"{"kind":"tumbling","size_ms":10,"aggregates":[{"fn":"count","name":"n"}]}"#,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix(#"{"emitted":"#) }.count == 1)
        #expect(lines.first?.contains(#""key":"a""#) == true && lines.first?.contains(#""n":2"#) == true)
        // b's window [10, 20) is still open, in keyed state.
        #expect(lines.contains { $0.hasPrefix(#"{"state":{"name":"windows","key":"b""#) })
    }

    @Test func snapshotRestoreContinuesTheState() throws {
        let library = directory.file("librunning-total-v1.so")
        try CPluginBuilder.build(
            source: BuildProducts.packageRoot + "/examples/hot-swap/running_total.c", output: library,
            extraFlags: ["-DRUNNING_TOTAL_VERSION=1"])
        let input = try write("orders.jsonl", """
            {"order_id":1,"customer_id":7,"amount":1}
            {"order_id":2,"customer_id":7,"amount":2}
            """)
        let outcome = try CLI.run([
            "plugin", "test", library, "--component", "running-total", "--input", input, "--key", "customer_id",
            "--snapshot-restore", "--show-state",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix(#"{"emitted":"#) }.count == 2)
        // The restored instance holds what the first one counted.
        #expect(lines.contains(#"{"state":{"name":"totals","key":"7","value":"2,300"}}"#))
    }

    @Test func aThreadRuleBreachFailsTheRun() throws {
        let library = try CPluginBuilder.fixture("stray_thread", into: directory)
        let input = try write("two.jsonl", "{\"n\":1}\n{\"n\":2}\n")
        let outcome = try CLI.run([
            "plugin", "test", library, "--component", "fixture-stray-thread", "--input", input,
            "--config", #"{"call":"state_get"}"#,
        ])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("called state_get outside of its callbacks"))
        #expect(outcome.standardError.contains("SH_WRONG_THREAD"))
    }
}
