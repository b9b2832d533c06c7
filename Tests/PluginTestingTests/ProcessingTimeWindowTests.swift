import Core
import PluginHost
import PluginTesting
import Testing
import TestKit

/// The window plugin's processing-time windows (`time: processing`, SQL's
/// PROCTIME() windows), driven by the harness's manual clock: records are
/// windowed by the clock, not by their timestamps; windows fire on
/// processing-time timers, keep their accumulators through a checkpoint
/// and a restore, and the windows open at the end of the input are
/// emitted then.
@Suite("Processing-time windows")
struct ProcessingTimeWindowTests {
    static let config = #"{"kind":"tumbling","size_ms":10000,"time":"processing","aggregates":[{"fn":"count","name":"n"}]}"#

    func window(_ config: String = Self.config, at clock: Int64 = 1_000, restoring snapshot: PluginSnapshot? = nil)
        throws -> PluginTestHarness
    {
        let component = try PluginTestHarness.component("window", plugin: BuildProducts.plugin("window"))
        return try PluginTestHarness(component: component, config: try JSONValue.parse(config), processingTime: clock,
                                     restoring: snapshot)
    }

    func record(_ key: String, timestamp: Int64) -> TestRecord {
        TestRecord(timestamp: timestamp, key: key, value: #"{"v":1}"#)
    }

    /// key → (count, window start, window end, record timestamp) of what fired.
    func fired(_ harness: PluginTestHarness) -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for record in harness.takeEmitted() {
            guard let key = record.keyText, let json = record.valueJSON,
                  case .int(let n)? = json.value(atPath: "n"), case .int(let start)? = json.value(atPath: "window_start"),
                  case .int(let end)? = json.value(atPath: "window_end") else { continue }
            out[key] = [Int64(n), Int64(start), Int64(end), record.timestamp]
        }
        return out
    }

    @Test func windowsFollowTheClockNotTheRecordsTimestamps() throws {
        let harness = try window()
        // Event times far apart, one clock reading: one window [0, 10000).
        try harness.process([record("a", timestamp: 5), record("a", timestamp: 999_999), record("b", timestamp: 50_000)])
        try harness.advanceWatermark(to: 1_000_000)
        #expect(harness.emitted.isEmpty, "a watermark fired a processing-time window")
        let timers = try harness.pendingTimers()
        #expect(timers.filter { !$0.eventTime && $0.time == 9_999 }.count == 2)
        #expect(timers.filter { $0.eventTime }.allSatisfy { $0.time == Int64.max })

        try harness.advanceProcessingTime(to: 9_998)
        #expect(harness.emitted.isEmpty)
        try harness.advanceProcessingTime(to: 9_999)
        #expect(fired(harness) == ["a": [2, 0, 10_000, 9_999], "b": [1, 0, 10_000, 9_999]])
        // Fired and gone: no state, and no end-of-input timer left behind.
        #expect(try harness.keyedState().isEmpty)
        #expect(try harness.pendingTimers().isEmpty)

        // The next record opens the clock's next window.
        try harness.advanceProcessingTime(to: 12_000)
        try harness.process([record("a", timestamp: 0)])
        #expect(harness.emitted.isEmpty)
        // The end of a bounded input (the watermark at INT64_MAX) emits it.
        try harness.advanceWatermark(to: Int64.max)
        #expect(fired(harness) == ["a": [1, 10_000, 20_000, 19_999]])
        #expect(try harness.keyedState().isEmpty)
    }

    @Test func openWindowsSurviveACheckpointAndARestore() throws {
        let before = try window()
        try before.process([record("a", timestamp: 0), record("a", timestamp: 0), record("b", timestamp: 0)])
        let snapshot = try before.snapshot(checkpointID: 1)

        // Restored later on the clock, but before the window's end: the
        // restored counts and the new record make one result.
        let after = try window(at: 5_000, restoring: snapshot)
        try after.process([record("a", timestamp: 0)])
        try after.advanceProcessingTime(to: 10_000)
        #expect(fired(after) == ["a": [3, 0, 10_000, 9_999], "b": [1, 0, 10_000, 9_999]])

        // Restored and ended at once: the end of input emits what the
        // checkpoint held.
        let ended = try window(at: 2_000, restoring: snapshot)
        try ended.advanceWatermark(to: Int64.max)
        #expect(fired(ended) == ["a": [2, 0, 10_000, 9_999], "b": [1, 0, 10_000, 9_999]])
    }

    @Test(arguments: [
        (#"{"kind":"tumbling","size_ms":10,"time":"processing","allowed_lateness_ms":5,"aggregates":[{"fn":"count"}]}"#,
         "allowed_lateness_ms applies to event time only"),
        (#"{"kind":"tumbling","size_ms":10,"time":"wall","aggregates":[{"fn":"count"}]}"#, "wall"),
    ])
    func refusesBadTimeConfigs(config: String, message: String) throws {
        #expect {
            _ = try window(config)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
