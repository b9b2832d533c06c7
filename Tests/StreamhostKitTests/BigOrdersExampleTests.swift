import Foundation
import StreamhostKit
import Testing

/// examples/swift-operator, loaded from its built library with dlopen as the
/// host loads plugins: the library carries its own copy of the kit.
@Suite struct BigOrdersExampleTests {
    static func loadDescriptor() throws -> UnsafePointer<sh_plugin_descriptor> {
        let path = try #require(
            FilePluginTests.findBuiltLibrary("libbig-orders-swift.so"),
            "libbig-orders-swift.so not found next to the test binary: swift build --product big-orders-swift")
        let handle = try #require(dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE), "\(String(cString: dlerror()))")
        let symbol = try #require(dlsym(handle, SH_PLUGIN_ENTRY_SYMBOL))
        let entry = unsafeBitCast(symbol, to: sh_plugin_entry_fn.self)
        return try #require(entry(FakeHost.table))
    }

    @Test func descriptorNamesTheOperator() throws {
        let descriptor = try Self.loadDescriptor()
        #expect(descriptor.pointee.magic == SH_PLUGIN_MAGIC)
        #expect(String(cString: descriptor.pointee.name) == "big-orders-swift")
        #expect(String(cString: descriptor.pointee.version) == "1.0.0")
        #expect(descriptor.pointee.component_count == 1)
        let bigOrders = try #require(component(descriptor, SH_KIND_OPERATOR, "big-orders-swift"))
        let schema = String(cString: try #require(bigOrders.pointee.config_schema))
        let parsed = try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any]
        #expect(parsed?["type"] as? String == "object")
    }

    @Test func keepsBigOrdersDropsSmallOnesAndRejectsTheRest() throws {
        let descriptor = try Self.loadDescriptor()
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "big-orders-swift")),
                              config: ["min_amount": .int(500)])
        #expect(harness.create() == SH_OK, "\(harness.lastError)")
        #expect(harness.open() == SH_OK)
        let records = [
            SeenRecord(timestamp: 1, key: "a", value: #"{"order_id":1,"amount":500}"#),
            SeenRecord(timestamp: 2, value: #"{"order_id":2,"amount":499.99}"#),
            SeenRecord(timestamp: 3, value: #"{"order_id":3,"amount":"lots"}"#),
            SeenRecord(timestamp: 4, value: #"{"order_id":4}"#),
            SeenRecord(timestamp: 5, value: #"[{"amount":900}]"#),
            SeenRecord(timestamp: 6, value: #"{"amount":9"#),
            SeenRecord(timestamp: 7, value: nil as String?),
            SeenRecord(timestamp: 8, value: #"{"nested":{"amount":1},"\u0061mount":1e3}"#),
        ]
        #expect(harness.process(records) == SH_OK)
        #expect(harness.fake.emitted == [records[0], records[7]])
        #expect(harness.fake.rejected.map(\.reason) == [
            "field 'amount' is not a number", "field 'amount' is missing", "the value is not a JSON object",
            "the value is not valid JSON", "the value is null",
        ])
        #expect(harness.fake.rejected.map(\.record.timestamp) == [3, 4, 5, 6, 7])
        #expect(harness.fake.counterNames == ["dropped"])
        #expect(harness.fake.counterValues == [1])
        #expect(harness.close() == SH_OK)
    }

    @Test func minAmountDefaultsTo100() throws {
        let descriptor = try Self.loadDescriptor()
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "big-orders-swift")))
        #expect(harness.create() == SH_OK)
        #expect(harness.process([SeenRecord(value: #"{"amount":100}"#), SeenRecord(value: #"{"amount":99}"#)]) == SH_OK)
        #expect(harness.fake.emittedValues == [#"{"amount":100}"#])
        #expect(harness.fake.counterValues == [1])
    }

    @Test func wrongMinAmountTypeIsRefused() throws {
        let descriptor = try Self.loadDescriptor()
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "big-orders-swift")),
                              config: ["min_amount": .string("lots")])
        #expect(harness.create() == SH_ERROR)
        #expect(harness.lastError == "config key 'min_amount' must be a number")
    }
}
