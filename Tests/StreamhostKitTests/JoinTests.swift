import Foundation
import StreamhostKit
import Testing
import TestKit

/// Plugins/join, loaded from libstreamhost-join.so and driven through its C
/// vtable over the fake host's keyed state and timers.
@Suite struct JoinTests {
    static func joinComponent() throws -> UnsafePointer<sh_component> {
        try #require(component(try builtPluginDescriptor("libstreamhost-join.so"), SH_KIND_OPERATOR, "join"))
    }

    static func join(lower: Int64, upper: Int64) throws -> Harness {
        let harness = Harness(try joinComponent(), config: ["lower_ms": .int(lower), "upper_ms": .int(upper)])
        try #require(harness.create() == SH_OK, "\(harness.lastError)")
        try #require(harness.open() == SH_OK, "\(harness.lastError)")
        return harness
    }

    static let left: UInt32 = 0
    static let right: UInt32 = 1

    /// A joined record, read back with JSONSerialization (independently of
    /// the kit's JSON code): key, timestamp and the "id" of each side.
    struct Pair: Hashable, Comparable, CustomStringConvertible {
        var key: String
        var timestamp: Int64
        var left: Int
        var right: Int

        static func < (a: Pair, b: Pair) -> Bool {
            (a.key, a.left, a.right, a.timestamp) < (b.key, b.left, b.right, b.timestamp)
        }

        var description: String { "\(key)@\(timestamp):\(left)-\(right)" }
    }

    static func pairs(_ emitted: [SeenRecord]) throws -> [Pair] {
        try emitted.map { record in
            let value = try #require(record.value)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
            #expect(object.keys.sorted() == ["left", "right"])
            let left = try #require(object["left"] as? [String: Any])
            let right = try #require(object["right"] as? [String: Any])
            return Pair(key: try #require(record.keyText), timestamp: record.timestamp,
                        left: try #require(left["id"] as? Int), right: try #require(right["id"] as? Int))
        }.sorted()
    }

    static func record(_ key: String, _ timestamp: Int64, id: Int) -> SeenRecord {
        SeenRecord(timestamp: timestamp, key: key, value: #"{"id":\#(id),"ts":\#(timestamp)}"#)
    }

    @Test func descriptorDeclaresTwoInputs() throws {
        let join = try Self.joinComponent()
        #expect(join.pointee.input_count == 2)
        let schemaText = String(cString: try #require(join.pointee.config_schema))
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(schemaText.utf8)) as? [String: Any])
        #expect((schema["required"] as? [String])?.sorted() == ["lower_ms", "upper_ms"])
    }

    @Test func badConfigsAreRefused() throws {
        let cases: [([String: ConfigValue], String)] = [
            (["lower_ms": .int(5), "upper_ms": .int(4)], "join: lower_ms (5) must not be greater than upper_ms (4)"),
            (["lower_ms": .int(0)], "config key 'upper_ms' is required but absent"),
            (["upper_ms": .int(0)], "config key 'lower_ms' is required but absent"),
        ]
        for (config, message) in cases {
            let harness = Harness(try Self.joinComponent(), config: config)
            #expect(harness.create() == SH_ERROR)
            #expect(harness.lastError.contains(message), "\(config): \(harness.lastError)")
        }
    }

    @Test func emitsOnePairPerMatchWithBothValuesTheKeyAndTheLaterTimestamp() throws {
        let harness = try Self.join(lower: -1, upper: 2)
        harness.process([SeenRecord(timestamp: 10, key: "k", value: #"  {"a": [1, 2]} "#)], input: Self.left)
        harness.process([
            SeenRecord(timestamp: 12, key: "k", value: #"plain "text""#),  // 12 - 10 = 2: joins
            SeenRecord(timestamp: 9, key: "k", value: nil),  // -1: joins; a tombstone is null
            SeenRecord(timestamp: 13, key: "k", value: "3"),  // 3: too late for the left record
            SeenRecord(timestamp: 8, key: "k", value: "4"),  // -2: too early
            SeenRecord(timestamp: 11, key: "other", value: "5"),  // another key
            SeenRecord(timestamp: 11, key: Array("k".utf8), value: [0x61, 0xFF, 0x62]),  // not UTF-8
        ], input: Self.right)
        #expect(harness.fake.rejected.isEmpty)
        #expect(harness.fake.emitted == [
            SeenRecord(timestamp: 12, key: "k", value: #"{"left":{"a": [1, 2]},"right":"plain \"text\""}"#),
            SeenRecord(timestamp: 10, key: "k", value: #"{"left":{"a": [1, 2]},"right":null}"#),
            SeenRecord(timestamp: 11, key: "k", value: #"{"left":{"a": [1, 2]},"right":"a\#u{FFFD}b"}"#),
        ])
        // The left side probes the right buffer in timestamp order.
        harness.fake.emitted.removeAll()
        harness.process([SeenRecord(timestamp: 11, key: "k", value: "[]")], input: Self.left)
        #expect(harness.fake.emittedValues == [
            #"{"left":[],"right":"a\#u{FFFD}b"}"#, #"{"left":[],"right":"plain \"text\""}"#,
            #"{"left":[],"right":3}"#,
        ])
    }

    /// Every pair of records that are not late, with the same key and
    /// right.ts - left.ts in [lower, upper], and nothing else; late records
    /// rejected; every buffer empty after the last watermark.
    @Test(arguments: [(-3, 5), (-10, -2), (0, 0), (2, 7), (-6, -6), (-20, 20)] as [(Int64, Int64)])
    func matchesABruteForceReference(lower: Int64, upper: Int64) throws {
        for seed in UInt64(1)...6 {
            var random = SeededRandom(seed: seed &* 7919 &+ UInt64(bitPattern: lower &* 31 &+ upper))
            // Even seeds: no watermark until the end, so nothing is late.
            try checkAgainstReference(lower: lower, upper: upper, random: &random, watermarks: seed % 2 == 1,
                                      seed: seed)
        }
    }

    func checkAgainstReference(lower: Int64, upper: Int64, random: inout SeededRandom, watermarks: Bool, seed: UInt64)
        throws
    {
        let harness = try Self.join(lower: lower, upper: upper)
        var accepted: [(input: UInt32, record: SeenRecord, id: Int)] = []
        var late: [SeenRecord] = []
        var nextID = 0
        var base: Int64 = 1000
        var watermark = Int64.min
        for _ in 0..<40 {
            // A batch from one side: timestamps near a base that creeps
            // forward, on few keys, so equal timestamps are common.
            let input = UInt32.random(in: 0...1, using: &random)
            var batch: [SeenRecord] = []
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let record = Self.record(
                    ["a", "b", "c"].randomElement(using: &random)!, base + Int64.random(in: -8...8, using: &random),
                    id: nextID)
                if record.timestamp < watermark {
                    late.append(record)
                } else {
                    accepted.append((input, record, nextID))
                }
                batch.append(record)
                nextID += 1
            }
            try #require(harness.process(batch, input: input) == SH_OK, "\(harness.lastError)")
            base += Int64.random(in: 0...3, using: &random)
            if watermarks && Bool.random(using: &random) {
                // Out-of-orderness of 6 lets the -8 jitter make records late.
                let next = base - 6
                if next > watermark {
                    watermark = next
                    try #require(harness.advanceWatermark(to: watermark) == SH_OK, "\(harness.lastError)")
                }
            }
        }
        var expected: [Pair] = []
        for l in accepted where l.input == Self.left {
            for r in accepted where r.input == Self.right && r.record.key == l.record.key {
                let difference = r.record.timestamp - l.record.timestamp
                guard difference >= lower && difference <= upper else { continue }
                expected.append(Pair(key: l.record.keyText!, timestamp: max(l.record.timestamp, r.record.timestamp),
                                     left: l.id, right: r.id))
            }
        }
        let context = "seed \(seed), between(\(lower), \(upper))"
        #expect(try Self.pairs(harness.fake.emitted) == expected.sorted(), "\(context)")
        #expect(harness.fake.rejected.map(\.record) == late, "\(context)")
        #expect(harness.fake.rejected.allSatisfy { $0.reason.hasPrefix("late record: the ") }, "\(context)")
        if watermarks { #expect(!late.isEmpty, "\(context): the input should have had late records") }
        // The end of input: every timer fires and the buffers empty.
        try #require(harness.advanceWatermark(to: .max) == SH_OK, "\(harness.lastError)")
        #expect(harness.fake.keyedState.entryCount("left") == 0, "\(context)")
        #expect(harness.fake.keyedState.entryCount("right") == 0, "\(context)")
        #expect(harness.fake.keyedState.timers.isEmpty, "\(context)")
    }

    @Test func cleanupTimersDeleteEachSideOnceTheWatermarkMakesItUnjoinable() throws {
        let harness = try Self.join(lower: -2, upper: 3)
        harness.process([Self.record("k", 10, id: 1)], input: Self.left)  // joins right records up to 13
        harness.process([Self.record("k", 20, id: 2)], input: Self.right)  // joins left records up to 22
        let state = harness.fake.keyedState
        #expect(state.eventTimers.map(\.time) == [14, 23])
        harness.advanceWatermark(to: 13)
        // A right record at 13 is not late and still joins the left one.
        #expect(state.entryCount("left") == 1)
        harness.advanceWatermark(to: 14)
        #expect(state.entryCount("left") == 0)
        #expect(state.entryCount("right") == 1)
        harness.advanceWatermark(to: 22)
        #expect(state.entryCount("right") == 1)
        harness.advanceWatermark(to: 23)
        #expect(state.entryCount("right") == 0)
        #expect(state.timers.isEmpty)
        #expect(harness.fake.emitted.isEmpty)
    }

    @Test func aRecordAlreadyUnjoinableForLaterRecordsJoinsButIsNotBuffered() throws {
        // A left record joins right records 5 to 10 ms before it.
        let harness = try Self.join(lower: -10, upper: -5)
        harness.process([Self.record("k", 95, id: 1)], input: Self.right)
        harness.advanceWatermark(to: 100)
        // At 102 it joins the right record at 95, but no right record that is
        // not late (>= 100) could join it: it is not buffered.
        harness.process([Self.record("k", 102, id: 2)], input: Self.left)
        #expect(try Self.pairs(harness.fake.emitted) == [Pair(key: "k", timestamp: 102, left: 2, right: 1)])
        #expect(harness.fake.keyedState.entryCount("left") == 0)
        #expect(harness.fake.keyedState.entryCount("right") == 1)
    }

    @Test func lateAndKeylessRecordsAreRejectedWithReasons() throws {
        let harness = try Self.join(lower: 0, upper: 10)
        harness.advanceWatermark(to: 50)
        let late = Self.record("k", 49, id: 1)
        let keyless = SeenRecord(timestamp: 60, key: nil, value: "{}")
        harness.process([late, Self.record("k", 50, id: 2), keyless], input: Self.left)
        harness.process([Self.record("k", 49, id: 3), Self.record("k", 55, id: 4)], input: Self.right)
        #expect(try Self.pairs(harness.fake.emitted) == [Pair(key: "k", timestamp: 55, left: 2, right: 4)])
        #expect(harness.fake.rejected.map(\.record) == [late, keyless, Self.record("k", 49, id: 3)])
        let reasons = harness.fake.rejected.map(\.reason)
        #expect(reasons[0].hasPrefix("late record: the left record's timestamp 49 is behind the watermark 50"))
        #expect(reasons[1].hasPrefix("join: the left record has no key; key both inputs with key_by"))
        #expect(reasons[2].hasPrefix("late record: the right record's timestamp 49 is behind the watermark 50"))
    }

    @Test func aRestoredInstanceDoesNotOverwriteBufferedRecords() throws {
        let first = try Self.join(lower: 0, upper: 0)
        first.process([Self.record("k", 5, id: 1)], input: Self.left)
        first.destroy()
        // A new instance over the same state starts its sequence numbers
        // again; the record at the same timestamp must not replace the first.
        let second = Harness(try Self.joinComponent(), sharing: first.fake)
        try #require(second.create() == SH_OK && second.open() == SH_OK, "\(second.lastError)")
        second.process([Self.record("k", 5, id: 2)], input: Self.left)
        #expect(second.fake.keyedState.entryCount("left") == 2)
        second.process([Self.record("k", 5, id: 3)], input: Self.right)
        #expect(try Self.pairs(second.fake.emitted) == [
            Pair(key: "k", timestamp: 5, left: 1, right: 3), Pair(key: "k", timestamp: 5, left: 2, right: 3),
        ])
    }

    @Test func aBatchFromAThirdInputFailsTheJob() throws {
        let harness = try Self.join(lower: 0, upper: 0)
        #expect(harness.process([Self.record("k", 1, id: 1)], input: 2) == SH_ERROR)
        #expect(harness.lastError.hasPrefix("join: a batch came from input 2"))
    }
}
