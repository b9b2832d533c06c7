import Core
import Foundation
import PluginHost
import Runtime
import Testing
import TestKit

/// Watermarks: strategies at the sources, the minimum over inputs, idle
/// inputs, the final watermark, and timestamps that would corrupt them.
@Suite("Event time")
struct EventTimeTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "event-time") }

    /// Runs `pipeline` (YAML steps, ending before the sink) into a file
    /// sink and returns the sink's JSON lines.
    func run(_ pipeline: String, parallelism: Int = 1, extra: String = "") throws -> (JobResult, [String]) {
        let output = directory.file("out-\(UUID().uuidString).jsonl")
        let plan = try makePlan("""
            name: event-time
            parallelism: \(parallelism)
            \(extra)
            pipeline:
            \(pipeline)
              - {id: out, sink: file, parallelism: 1, config: {path: "\(output)"}}
            """, fixtures: ["event_time"], in: directory)
        let execution = try JobExecution(
            plan: plan, options: RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl")))
        let result = execution.run()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (result, text.split(separator: "\n").map(String.init))
    }

    /// The watermarks reported by fixture-wm-probe, in order.
    func watermarks(_ lines: [String]) -> [Int64] {
        lines.compactMap { line in
            guard line.hasPrefix("{\"watermark\":") else { return nil }
            let digits = line.dropFirst("{\"watermark\":".count).prefix { $0 == "-" || $0.isNumber }
            return Int64(digits)
        }
    }

    static let end = Int64.max

    @Test func boundedOutOfOrdernessTrailsTheLargestTimestamp() throws {
        let (result, lines) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,5,20,15,30"}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 5}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(result.failure == nil)
        // Each watermark follows the record that raised it; 5 and 15 raise nothing.
        #expect(lines == [
            #"{"ts":10,"key":"k"}"#, #"{"watermark":4,"instance":0}"#,
            #"{"ts":5,"key":"k"}"#,
            #"{"ts":20,"key":"k"}"#, #"{"watermark":14,"instance":0}"#,
            #"{"ts":15,"key":"k"}"#,
            #"{"ts":30,"key":"k"}"#, #"{"watermark":24,"instance":0}"#,
            #"{"watermark":\#(Self.end),"instance":0}"#,
        ])
    }

    @Test func ascendingTrailsByOneAndNoneOnlyEnds() throws {
        let source = #"{id: src, source: fixture-ts-source, config: {timestamps: "3,7,7,9"}"#
        let (_, ascending) = try run("""
              - \(source), watermarks: {strategy: ascending}}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(watermarks(ascending) == [2, 6, 8, Self.end])
        let (_, none) = try run("""
              - \(source)}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(watermarks(none) == [Self.end])
    }

    @Test func aSourceCanEmitItsOwnWatermarks() throws {
        let (result, lines) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,20,30", watermarks: "5,5,25"}
                watermarks: {strategy: source}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(result.failure == nil)
        #expect(watermarks(lines) == [5, 25, Self.end])
        // With another strategy the host makes the watermarks and ignores the source's.
        let (_, hostMade) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,20,30", watermarks: "5,5,25"}
                watermarks: {strategy: ascending}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(watermarks(hostMade) == [9, 19, 29, Self.end])
    }

    /// Records and watermarks of one poll keep their order: a record a
    /// host-made watermark of the records before it makes late, or one
    /// the source emitted before it, meets that watermark first, as it
    /// would one record per poll.
    @Test func aWatermarkGoesBeforeTheRecordsOfItsPollThatItMakesLate() throws {
        let (_, bounded) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,20,30,12,40,25", per_poll: 6}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 5}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(bounded == [
            #"{"ts":10,"key":"k"}"#, #"{"ts":20,"key":"k"}"#, #"{"ts":30,"key":"k"}"#,
            #"{"watermark":24,"instance":0}"#, #"{"ts":12,"key":"k"}"#, #"{"ts":40,"key":"k"}"#,
            #"{"watermark":34,"instance":0}"#, #"{"ts":25,"key":"k"}"#,
            #"{"watermark":\#(Self.end),"instance":0}"#,
        ])
        let (_, emitted) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,20,30,12,40", per_poll: 5, watermarks_before: ",,,25,"}
                watermarks: {strategy: source}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(emitted == [
            #"{"ts":10,"key":"k"}"#, #"{"ts":20,"key":"k"}"#, #"{"ts":30,"key":"k"}"#,
            #"{"watermark":25,"instance":0}"#, #"{"ts":12,"key":"k"}"#, #"{"ts":40,"key":"k"}"#,
            #"{"watermark":\#(Self.end),"instance":0}"#,
        ])
    }

    @Test func aTaskWatermarkIsTheMinimumOverItsInputs() throws {
        // Instance 0 runs ahead; the probe behind the exchange follows instance 1.
        let (result, lines) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "100,200,300", timestamps_1: "10,20,30", keys: "a,b,c,d", per_poll: 1}
                watermarks: {strategy: ascending}
              - {id: by, key_by: $key}
              - {id: probe, operator: fixture-wm-probe, parallelism: 1}
            """, parallelism: 2)
        #expect(result.failure == nil)
        let marks = watermarks(lines)
        #expect(marks.last == Self.end)
        // While both run, no watermark passes instance 1's 29; once instance 1
        // has ended, instance 0's own (99, 199, 299) pass.
        let beforeEnd = Array(marks.dropLast())
        #expect(beforeEnd == beforeEnd.sorted())
        #expect(beforeEnd.allSatisfy { $0 <= 29 || [99, 199, 299].contains($0) }, "watermarks seen: \(marks)")
        #expect(lines.count(where: { $0.hasPrefix("{\"ts\":") }) == 6)
    }

    @Test func idleInputsAreLeftOutOnlyWithAnIdleTimeout() throws {
        // Instance 0 emits 10..60 a record per 100 ms; instance 1 emits nothing
        // and ends last. Without an idle timeout the probe's watermark waits
        // for instance 1 (only the final watermark passes); with one, instance
        // 1 is left out and instance 0's watermarks pass as they come.
        let pipeline = { (timeout: String) in """
              - id: src
                source: fixture-ts-source
                config: {timestamps: "10,20,30,40,50,60", timestamps_1: "", poll_interval_ms: 100, idle_ms_1: 1500}
                watermarks: {strategy: ascending\(timeout)}
              - {id: by, key_by: $key}
              - {id: probe, operator: fixture-wm-probe, parallelism: 1}
            """ }
        let (plain, waiting) = try run(pipeline(""), parallelism: 2)
        #expect(plain.failure == nil)
        #expect(watermarks(waiting) == [Self.end])
        let (timed, flowing) = try run(pipeline(", idle_timeout_ms: 30"), parallelism: 2)
        #expect(timed.failure == nil)
        let marks = watermarks(flowing)
        #expect(marks.contains(59), "watermarks seen: \(marks)")
        #expect(marks.last == Self.end)
    }

    @Test func timestampsThatWouldCorruptTheWatermarkAreRejected() throws {
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 10 * 86_400_000
        let (result, lines) = try run("""
              - id: src
                source: fixture-ts-source
                config: {timestamps: "-5,10,\(future),20"}
                watermarks: {strategy: ascending}
              - {id: probe, operator: fixture-wm-probe}
            """)
        #expect(result.failure == nil)
        #expect(result.rejectedRecords == 2)
        #expect(watermarks(lines) == [9, 19, Self.end])
        let rejects = try String(contentsOfFile: directory.file("dlq.jsonl"), encoding: .utf8)
        #expect(rejects.contains("timestamp -5 is negative"))
        #expect(rejects.contains("past watermarks.max_future_ms (86400000)"))
    }
}
