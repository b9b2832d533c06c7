import Foundation
import StreamhostKit
import Testing

/// Plugins/window's field extraction, loaded from libstreamhost-window.so
/// and driven through its C vtable: it reads records under the one JSON
/// rule (JSONText), so a fault inside a value it skips is refused too.
@Suite struct WindowFieldExtractionTests {
    static func window() throws -> Harness {
        let descriptor = try builtPluginDescriptor("libstreamhost-window.so")
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "window")), config: [
            "kind": .string("tumbling"), "size_ms": .int(100),
            "aggregates": .array([.object(["fn": .string("sum"), "field": .string("amount")])]),
        ])
        try #require(harness.create() == SH_OK, "\(harness.lastError)")
        try #require(harness.open() == SH_OK, "\(harness.lastError)")
        return harness
    }

    @Test func faultsInsideSkippedValuesAreRefused() throws {
        let harness = try Self.window()
        let records = [
            SeenRecord(timestamp: 1, key: "a", value: #"{"note":[1.2.3],"amount":5}"#),
            SeenRecord(timestamp: 2, key: "a", value: #"{"note":{"n":01},"amount":5}"#),
            SeenRecord(timestamp: 3, key: "a", value: #"{"note":"\ud800","amount":5}"#),
            SeenRecord(timestamp: 4, key: "a", value: #"{"note":1e400,"amount":5}"#),
            SeenRecord(timestamp: 5, key: "a", value: #"{"note":[1,2],"amount":5}"#),
        ]
        #expect(harness.process(records) == SH_OK)
        let reasons = harness.fake.rejected.map(\.reason)
        #expect(harness.fake.rejected.map(\.record) == Array(records.prefix(4)))
        #expect(reasons.allSatisfy { $0.contains("not valid JSON") }, "\(reasons)")
        #expect(reasons.first?.contains("at byte 12") == true, "\(reasons)")
    }

    /// Field paths are parsed by JSONText's JSONFieldPath, as everywhere: a
    /// path with an empty key is refused when the step is created, where
    /// the window used to look up a member named "".
    @Test func aFieldPathWithAnEmptyKeyIsRefused() throws {
        let descriptor = try builtPluginDescriptor("libstreamhost-window.so")
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "window")), config: [
            "kind": .string("tumbling"), "size_ms": .int(100),
            "aggregates": .array([.object(["fn": .string("sum"), "field": .string("order..amount")])]),
        ])
        #expect(harness.create() == SH_ERROR)
        #expect(harness.lastError.contains("aggregates[0]: field 'order..amount': segment 2 is empty"), "\(harness.lastError)")
    }
}
