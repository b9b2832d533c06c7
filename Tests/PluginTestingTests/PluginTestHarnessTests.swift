#if canImport(Glibc)
import Glibc
#endif
import Columns
import Core
import PluginHost
import PluginTesting
import StreamhostABI
import Testing
import TestKit

@Suite("PluginTestHarness")
struct PluginTestHarnessTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "plugin-testing") }

    func order(_ json: String, key: String? = nil, timestamp: Int64 = 0) -> TestRecord {
        TestRecord(timestamp: timestamp, key: key, value: json)
    }

    /// examples/c-operator, built with cc as its README says.
    func cOperator() throws -> Component {
        let library = directory.file("libbig-orders.so")
        try CPluginBuilder.build(source: BuildProducts.packageRoot + "/examples/c-operator/big_orders.c", output: library)
        return try PluginTestHarness.component("big-orders", plugin: library)
    }

    /// examples/hot-swap's running total, in build `version` (1, 2 or 3).
    func runningTotal(_ version: Int) throws -> Component {
        let library = directory.file("librunning-total-v\(version).so")
        try CPluginBuilder.build(
            source: BuildProducts.packageRoot + "/examples/hot-swap/running_total.c", output: library,
            extraFlags: ["-DRUNNING_TOTAL_VERSION=\(version)"])
        return try PluginTestHarness.component("running-total", plugin: library)
    }

    @Test func cOperatorKeepsRejectsAndCounts() throws {
        let harness = try PluginTestHarness(component: try cOperator(), config: ["min_amount": 500])
        try harness.process([
            order(#"{"order_id":1,"amount":600}"#), order(#"{"order_id":2,"amount":10}"#),
            order(#"{"order_id":3}"#), order(#"{"order_id":4,"amount":"lots"}"#), order(#"[1]"#),
        ])
        #expect(harness.emitted.map(\.valueText) == [#"{"order_id":1,"amount":600}"#])
        #expect(harness.rejected.map(\.reason) == [
            "big-orders: field 'amount' is missing", "big-orders: field 'amount' is not a number",
            "big-orders: the value is not a JSON object",
        ])
        #expect(harness.rejected.first?.value == Array(#"{"order_id":3}"#.utf8))
        #expect(harness.counters == ["dropped": 1])
        try harness.close()
    }

    @Test func configIsCheckedAgainstTheSchema() throws {
        let component = try cOperator()
        #expect(throws: PluginTestError.self) {
            _ = try PluginTestHarness(component: component, config: ["min_amount": "high"])
        }
        // The schema's default (100) fills an absent field.
        let harness = try PluginTestHarness(component: component)
        #expect(harness.config.value(atPath: "min_amount") == .int(100))
    }

    @Test func swiftOperatorExample() throws {
        let component = try PluginTestHarness.component(
            "big-orders-swift", plugin: BuildProducts.directory + "/libbig-orders-swift.so")
        let harness = try PluginTestHarness(component: component, config: ["min_amount": 50])
        try harness.process([order(#"{"amount":50}"#), order(#"{"amount":49.5}"#), order(#"{"id":1}"#)])
        #expect(harness.emitted.map(\.valueText) == [#"{"amount":50}"#])
        #expect(harness.rejected.map(\.reason) == ["field 'amount' is missing"])
        #expect(harness.counters == ["dropped": 1])
    }

    @Test func windowFiresOnItsEventTimeTimer() throws {
        let component = try PluginTestHarness.component("window", plugin: BuildProducts.plugin("window"))
        let config = try JSONValue.parse(#"{"kind":"tumbling","size_ms":10,"aggregates":[{"fn":"count","name":"n"}]}"#)
        let harness = try PluginTestHarness(component: component, config: config)
        try harness.process([
            order(#"{"v":1}"#, key: "a", timestamp: 1), order(#"{"v":2}"#, key: "a", timestamp: 5),
            order(#"{"v":3}"#, key: "b", timestamp: 7), order(#"{"v":4}"#, key: "a", timestamp: 12),
        ])
        #expect(harness.emitted.isEmpty)
        // The window [0, 10) of each key waits on an event-time timer at 9.
        let timers = try harness.pendingTimers()
        #expect(timers.filter { $0.eventTime && $0.time == 9 }.map { String(decoding: $0.key, as: UTF8.self) }.sorted()
            == ["a", "b"])
        #expect(try harness.keyedState().contains { $0.state == "windows" && $0.keyText == "a" })
        try harness.advanceWatermark(to: 8)
        #expect(harness.emitted.isEmpty)
        try harness.advanceWatermark(to: 9)
        let fired = harness.takeEmitted()
        #expect(fired.count == 2)
        let counts = Dictionary(uniqueKeysWithValues: fired.compactMap { record -> (String, JSONValue)? in
            guard let key = record.keyText, let count = record.valueJSON?.value(atPath: "n") else { return nil }
            return (key, count)
        })
        #expect(counts == ["a": .int(2), "b": .int(1)])
        #expect(try harness.pendingTimers().contains { $0.time == 9 } == false)
        try harness.advanceWatermark(to: 19)
        #expect(harness.takeEmitted().compactMap { $0.valueJSON?.value(atPath: "n") } == [.int(1)])
    }

    @Test func snapshotRestoresAndMigratesFromAnOlderStateVersion() throws {
        let v1 = try PluginTestHarness(component: try runningTotal(1))
        try v1.process([
            order(#"{"order_id":1,"customer_id":7,"amount":10.5}"#, key: "7"),
            order(#"{"order_id":2,"customer_id":7,"amount":1}"#, key: "7"),
            order(#"{"order_id":3,"customer_id":8,"amount":2}"#, key: "8"),
        ])
        #expect(try v1.keyedState().map(\.valueText).sorted() == ["1,200", "2,1150"])
        let snapshot = try v1.snapshot(checkpointID: 4)
        #expect(snapshot.stateVersion == 1)
        #expect(snapshot.operatorBlob == Array("3".utf8))

        // The same build restores it as it is.
        let again = try PluginTestHarness(component: try runningTotal(1), restoring: snapshot)
        try again.process([order(#"{"order_id":4,"customer_id":7,"amount":1}"#, key: "7")])
        #expect(again.emitted.first?.valueJSON?.value(atPath: "orders") == .int(3))

        // Build 2 (state_version 2) migrates every value and the blob.
        let v2 = try PluginTestHarness(component: try runningTotal(2), restoring: snapshot)
        #expect(try v2.keyedState().allSatisfy { $0.value.count == 16 })
        try v2.process([order(#"{"order_id":5,"customer_id":7,"amount":1}"#, key: "7")])
        let out = try #require(v2.emitted.first?.valueJSON)
        #expect(out.value(atPath: "orders") == .int(3) && out.value(atPath: "total_cents") == .int(1250))
        #expect(out.value(atPath: "build") == .int(2))

        // Build 3 refuses state_version 1, naming both versions.
        #expect {
            _ = try PluginTestHarness(component: try runningTotal(3), restoring: snapshot)
        } throws: { error in
            "\(error)".contains("migrate") && "\(error)".contains("state_version 1")
        }
    }

    @Test func aColumnarComponentGetsTypedColumns() throws {
        // examples/columnar-operator takes typed columns only (ABI 1.3).
        let library = directory.file("libint64-above.so")
        try CPluginBuilder.build(
            source: BuildProducts.packageRoot + "/examples/columnar-operator/int64_above.c", output: library)
        let component = try PluginTestHarness.component("int64-above", plugin: library)
        #expect(throws: PluginTestError.self) { _ = try PluginTestHarness(component: component,
                                                                          config: ["field": "amount", "above": 10]) }
        let schema = Schema([Field("id", .int64), Field("amount", .int64)])
        let harness = try PluginTestHarness(
            component: component, config: ["field": "amount", "above": 10], inputSchema: schema)
        try harness.process([
            order(#"{"id":1,"amount":5}"#), order(#"{"id":2,"amount":50}"#), order(#"{"id":3,"amount":"x"}"#),
        ])
        // Its selection over the host's own columns, written back as JSON.
        #expect(harness.emitted.map(\.valueText) == [#"{"id":2,"amount":50}"#])
        // A value that does not fit the schema is rejected before process.
        #expect(harness.rejected.count == 1)
        #expect(harness.rejected.first?.reason.contains("does not fit the input schema") == true)
    }

    @Test func aLinkedComponentIsTestedThroughItsEntryPoint() throws {
        // A test linking its plugin hands the harness the entry function;
        // here it is found with dlsym, as a linker would resolve it.
        let library = directory.file("libbig-orders.so")
        try CPluginBuilder.build(source: BuildProducts.packageRoot + "/examples/c-operator/big_orders.c", output: library)
        let handle = try #require(dlopen(library, RTLD_NOW | RTLD_LOCAL))
        let symbol = try #require(dlsym(handle, "streamhost_plugin_entry"))
        let component = try PluginTestHarness.component(
            "big-orders", entry: unsafeBitCast(symbol, to: sh_plugin_entry_fn.self), reportedAs: "linked big-orders")
        #expect(component.pluginPath == "linked big-orders")
        let harness = try PluginTestHarness(component: component, config: ["min_amount": 1])
        try harness.process([order(#"{"amount":2}"#)])
        #expect(harness.emitted.count == 1)
    }

    @Test func processingTimeIsAManualClock() throws {
        let library = try CPluginBuilder.fixture("event_time", into: directory)
        let component = try PluginTestHarness.component("fixture-keyed-count", plugin: library)
        let harness = try PluginTestHarness(
            component: component, config: ["window_ms": 100, "processing_ms": 50], processingTime: 1000)
        try harness.process([order(#"{"ts":1,"key":"k"}"#, key: "k", timestamp: 1)])
        #expect(try harness.pendingTimers().contains { !$0.eventTime && $0.time == 1050 })
        try harness.advanceProcessingTime(to: 1049)
        #expect(harness.emitted.isEmpty)
        try harness.advanceProcessingTime(to: 1050)
        #expect(harness.emitted.map(\.valueText) == [#"{"key":"k","fired":"processing"}"#])
        #expect(throws: PluginTestError.self) { try harness.advanceProcessingTime(to: 10) }
    }

    @Test func aHostCallFromAnotherThreadIsRefusedAndReported() throws {
        let library = try CPluginBuilder.fixture("stray_thread", into: directory)
        let component = try PluginTestHarness.component("fixture-stray-thread", plugin: library)
        let harness = try PluginTestHarness(component: component, config: ["call": "emit"])
        #expect {
            try harness.process([order(#"{"n":1}"#), order(#"{"n":2}"#)])
        } throws: { error in
            "\(error)".contains("called emit") && "\(error)".contains("SH_WRONG_THREAD")
        }
        // The stray record never joined the output.
        #expect(harness.emitted.count == 2)
    }

    @Test func jsonLinesInputNamesTheBadLine() throws {
        let input = JSONLinesInput(keyField: "id", timestampField: "ts")
        let records = try input.records("{\"id\":\"a\",\"ts\":5}\n\n{\"id\":3,\"ts\":\"1970-01-01T00:00:01Z\"}\n",
                                        file: "in.jsonl")
        #expect(records.map(\.keyText) == ["a", "3"])
        #expect(records.map(\.timestamp) == [5, 1000])
        #expect {
            _ = try input.records("{\"id\":\"a\",\"ts\":5}\n{\"id\": oops}\n", file: "in.jsonl")
        } throws: { error in
            "\(error)".hasPrefix("in.jsonl:2: not a JSON value")
        }
        #expect {
            _ = try input.records("{\"ts\":5}\n", file: "in.jsonl")
        } throws: { error in
            "\(error)" == "in.jsonl:1: key field 'id' is missing"
        }
    }
}
