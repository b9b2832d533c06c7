import Foundation
import StreamhostKit
import Testing

/// Plugins/dedup, loaded from libstreamhost-dedup.so and driven through its
/// C vtable over the fake host's keyed state and timers.
@Suite struct DedupTests {
    static func dedup(_ config: [String: ConfigValue]) throws -> Harness {
        let descriptor = try builtPluginDescriptor("libstreamhost-dedup.so")
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, "dedup")), config: config)
        try #require(harness.create() == SH_OK, "\(harness.lastError)")
        try #require(harness.open() == SH_OK, "\(harness.lastError)")
        return harness
    }

    static func keyed(_ key: String, _ timestamp: Int64, _ value: String? = nil) -> SeenRecord {
        SeenRecord(timestamp: timestamp, key: key, value: value ?? "\(key)@\(timestamp)")
    }

    /// The counter's value by name.
    static func counter(_ harness: Harness, _ name: String) -> Int64? {
        harness.fake.counterNames.firstIndex(of: name).map { harness.fake.counterValues[$0] }
    }

    @Test func descriptorDeclaresAnOperatorThatNeedsATTL() throws {
        let descriptor = try builtPluginDescriptor("libstreamhost-dedup.so")
        #expect(String(cString: descriptor.pointee.name) == "dedup")
        let dedup = try #require(component(descriptor, SH_KIND_OPERATOR, "dedup"))
        #expect(dedup.pointee.input_count <= 1)
        let schemaText = String(cString: try #require(dedup.pointee.config_schema))
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(schemaText.utf8)) as? [String: Any])
        #expect(schema["required"] as? [String] == ["ttl_ms"])
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == ["ttl_ms", "key_field", "time"])
    }

    @Test func keepsTheFirstPerKeyAndDropsDuplicatesWithinTheTTL() throws {
        let harness = try Self.dedup(["ttl_ms": .int(100)])
        #expect(harness.process([
            Self.keyed("a", 0), Self.keyed("a", 50), Self.keyed("b", 60), Self.keyed("a", 99),
            // Out of order but within a's period: a duplicate too.
            Self.keyed("a", 10),
            // The first at or after 0 + 100 starts a new period.
            Self.keyed("a", 100), Self.keyed("b", 159), Self.keyed("a", 199), Self.keyed("b", 160),
        ]) == SH_OK, "\(harness.lastError)")
        #expect(harness.fake.emitted == [Self.keyed("a", 0), Self.keyed("b", 60), Self.keyed("a", 100), Self.keyed("b", 160)])
        #expect(Self.counter(harness, "duplicates_dropped") == 5)
        #expect(harness.fake.rejected.isEmpty)
        // One entry and one cleanup timer per key: the new period's timer
        // replaced the old one.
        #expect(harness.fake.keyedState.entryCount("first_seen") == 2)
        #expect(harness.fake.keyedState.eventTimers.map(\.time) == [200, 260])
    }

    @Test func readmitsAfterTheTTLOnceTheWatermarkCleansUp() throws {
        let harness = try Self.dedup(["ttl_ms": .int(100)])
        harness.process([Self.keyed("a", 0)])
        #expect(harness.advanceWatermark(to: 99) == SH_OK)
        #expect(harness.fake.keyedState.entryCount("first_seen") == 1)
        harness.process([Self.keyed("a", 99)])
        #expect(harness.advanceWatermark(to: 100) == SH_OK, "\(harness.lastError)")
        // The timer at 0 + 100 fired and deleted the entry.
        #expect(harness.fake.keyedState.entryCount("first_seen") == 0)
        #expect(harness.fake.keyedState.eventTimers.isEmpty)
        harness.process([Self.keyed("a", 100), Self.keyed("a", 150)])
        #expect(harness.fake.emitted == [Self.keyed("a", 0), Self.keyed("a", 100)])
        #expect(Self.counter(harness, "duplicates_dropped") == 2)
        #expect(harness.advanceWatermark(to: .max) == SH_OK)
        #expect(harness.fake.keyedState.entryCount("first_seen") == 0)
        #expect(harness.fake.keyedState.timers.isEmpty)
    }

    @Test func lateRecordsAreRejectedUnlessTheirKeyHasAnEntry() throws {
        let harness = try Self.dedup(["ttl_ms": .int(100)])
        harness.process([Self.keyed("a", 40)])
        harness.advanceWatermark(to: 60)
        // Behind the watermark: "a" still has its entry (a duplicate); "b"
        // has none, and dedup cannot know whether one was cleaned up.
        harness.process([Self.keyed("a", 30), Self.keyed("b", 50), Self.keyed("b", 60)])
        #expect(harness.fake.emitted == [Self.keyed("a", 40), Self.keyed("b", 60)])
        #expect(harness.fake.rejected.map(\.record) == [Self.keyed("b", 50)])
        let reason = try #require(harness.fake.rejected.first?.reason)
        #expect(reason.hasPrefix("late record: timestamp 50 is behind the watermark 60"))
        #expect(Self.counter(harness, "duplicates_dropped") == 1)
    }

    @Test func keyFieldDedupsOnAFieldOfTheValue() throws {
        let harness = try Self.dedup(["ttl_ms": .int(1000), "key_field": .string("customer.id")])
        let values = [
            #"{"customer":{"id":"c1"},"n":1}"#,
            #"{"n":2,"customer":{"name":"x","id":"c1"}}"#,  // duplicate of c1
            #"{"customer":{"id":7},"n":3}"#,
            #"{"customer":{"id":7},"n":4}"#,  // duplicate of 7
            #"{"customer":{"id":"c\u0031"},"n":5}"#,  // "c1" written with an escape
            #"{"customer":{"id":"7"},"n":6}"#,  // the string "7" is the key 7, as key_by makes it
            #"{"customer":{"id":{"a":1}},"n":7}"#,
        ]
        // Keys of the records play no part; null keys are fine.
        harness.process(values.enumerated().map { SeenRecord(timestamp: Int64($0.offset), key: nil, value: $0.element) })
        #expect(harness.fake.emittedValues == [values[0], values[2], values[6]])
        #expect(Self.counter(harness, "duplicates_dropped") == 4)
        #expect(harness.fake.rejected.isEmpty)
    }

    @Test func recordsWithoutTheKeyFieldAreRejectedWithTheReason() throws {
        let harness = try Self.dedup(["ttl_ms": .int(1000), "key_field": .string("customer.id")])
        let records = [
            SeenRecord(timestamp: 1, value: #"{"customer":{"name":"x"}}"#),
            SeenRecord(timestamp: 2, value: #"{"customer":5}"#),
            SeenRecord(timestamp: 3, value: #"{"customer":{"id":null}}"#),
            SeenRecord(timestamp: 4, value: "not json"),
            SeenRecord(timestamp: 5, key: "k", value: nil),
        ]
        #expect(harness.process(records) == SH_OK)
        #expect(harness.fake.emitted.isEmpty)
        #expect(harness.fake.rejected.map(\.record) == records)
        let reasons = harness.fake.rejected.map(\.reason)
        #expect(reasons[0] == "dedup: key_field 'customer.id' is missing from the value")
        #expect(reasons[1].hasPrefix("dedup: key_field 'customer.id' is missing: the value is not a JSON object"))
        #expect(reasons[2] == "dedup: key_field 'customer.id' is null")
        // At the first byte that does not continue "null", as the host's
        // scanner reports it (JSONText).
        #expect(reasons[3].hasPrefix("dedup: key_field 'customer.id': the value is not valid JSON (invalid JSON at byte 1"))
        #expect(reasons[4] == "dedup: key_field 'customer.id': the record's value is null")
        #expect(harness.fake.keyedState.entryCount("first_seen") == 0)
    }

    @Test func recordsWithoutAKeyAreRejected() throws {
        let harness = try Self.dedup(["ttl_ms": .int(10)])
        let keyless = SeenRecord(timestamp: 3, key: nil, value: "v")
        #expect(harness.process([keyless, Self.keyed("", 4)]) == SH_OK)
        // An empty key is a key.
        #expect(harness.fake.emitted == [Self.keyed("", 4)])
        #expect(harness.fake.rejected.map(\.record) == [keyless])
        #expect(harness.fake.rejected.first?.reason
            == "dedup: the record has no key; put key_by before dedup, or set key_field to dedup on a field of the value")
    }

    @Test func processingTimeUsesTheHostsStateTTL() throws {
        let harness = try Self.dedup(["ttl_ms": .int(1000), "time": .string("processing")])
        #expect(harness.fake.keyedState.registrations
            == [.init(name: "first_seen", kind: SH_STATE_VALUE, ttlMs: 1000)])
        // Event time plays no part: the timestamps go backwards, and the
        // watermark is past them.
        harness.advanceWatermark(to: 5000)
        harness.process([Self.keyed("a", 3), Self.keyed("a", 2)])
        harness.fake.processingTime += 999
        harness.process([Self.keyed("a", 1), Self.keyed("b", 0)])
        harness.fake.processingTime += 1
        harness.process([Self.keyed("a", 9), Self.keyed("b", 8)])
        #expect(harness.fake.emitted == [Self.keyed("a", 3), Self.keyed("b", 0), Self.keyed("a", 9)])
        #expect(Self.counter(harness, "duplicates_dropped") == 3)
        #expect(harness.fake.rejected.isEmpty)
        #expect(harness.fake.keyedState.timers.isEmpty)
    }

    @Test func badConfigsAreRefusedWithTheKey() throws {
        let descriptor = try builtPluginDescriptor("libstreamhost-dedup.so")
        let dedup = try #require(component(descriptor, SH_KIND_OPERATOR, "dedup"))
        let cases: [([String: ConfigValue], String)] = [
            ([:], "config key 'ttl_ms' is required but absent"),
            (["ttl_ms": .int(0)], "config key 'ttl_ms' must be an integer > 0 (milliseconds), got 0"),
            (["ttl_ms": .int(5), "time": .string("wall")], #"config key 'time' must be "event" or "processing", got "wall""#),
            (["ttl_ms": .int(5), "key_field": .string("a..b")], "segment 2 is empty"),
        ]
        for (config, message) in cases {
            let harness = Harness(dedup, config: config)
            #expect(harness.create() == SH_ERROR)
            #expect(harness.lastError.contains(message), "\(config): \(harness.lastError)")
        }
    }
}
