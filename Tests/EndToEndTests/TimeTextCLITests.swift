import Foundation
import Testing
import TestKit

/// Issue 11 item 13: every place that reads a time from text follows the
/// one TimeText rule (epoch ms or ISO 8601, no zone meaning UTC).
@Suite("Time text in the CLI")
struct TimeTextCLITests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "time-text") }

    func log(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], input: input)
    }

    /// `produce --timestamp-field` used to take integer ms only.
    @Test func produceTimestampFieldTakesISOAndMilliseconds() throws {
        #expect(try log(["topics", "create", "t"]).status == 0)
        let lines = [
            #"{"at":"2026-01-01T00:00:00Z"}"#, #"{"at":"2026-01-01T00:00:01.5+00:00"}"#,
            #"{"at":"2026-01-01T00:00:02"}"#, #"{"at":1767225603000}"#,
        ]
        let produced = try log(["produce", "t", "--timestamp-field", "at"], input: lines.joined(separator: "\n") + "\n")
        #expect(produced.status == 0, "\(produced.standardError)")
        let consumed = try log(["consume", "t", "--from-beginning", "--format", "json"])
        let timestamps = consumed.standardOutput.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["timestamp"] as? Int
        }
        #expect(timestamps == [1_767_225_600_000, 1_767_225_601_500, 1_767_225_602_000, 1_767_225_603_000])

        let bad = try log(["produce", "t", "--timestamp-field", "at"], input: #"{"at":"tomorrow"}"# + "\n")
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("line 1: field 'at' is missing or not a time"), "\(bad.standardError)")
    }

    /// `consume --from-time` used to refuse ISO 8601 without a zone.
    @Test func consumeFromTimeTakesISOWithoutAZoneAsUTC() throws {
        #expect(try log(["topics", "create", "u"]).status == 0)
        let lines = (0..<4).map { #"{"at":\#(1_767_225_600_000 + $0 * 1000),"n":\#($0)}"# }
        #expect(try log(["produce", "u", "--timestamp-field", "at"], input: lines.joined(separator: "\n") + "\n").status == 0)
        for start in ["2026-01-01T00:00:02", "2026-01-01T00:00:02Z", "2026-01-01T02:00:02+02:00", "1767225602000"] {
            let consumed = try log(["consume", "u", "--from-time", start])
            #expect(consumed.status == 0, "\(start): \(consumed.standardError)")
            #expect(consumed.standardOutput.split(separator: "\n").map(String.init) == Array(lines[2...]), "\(start)")
        }
        let bad = try log(["consume", "u", "--from-time", "yesterday"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("milliseconds since the Unix epoch"), "\(bad.standardError)")
    }

    /// The `log` source's `time` and datagen's `start_time` used to take
    /// integer ms only: both take ISO 8601 text now, through the planner.
    @Test func jobsTakeISOTimesForTheLogSourceAndDatagen() throws {
        #expect(try log(["topics", "create", "v"]).status == 0)
        let write = try directory.write("write.yaml", """
            name: write-times
            pipeline:
              - {id: gen, source: datagen, config: {count: 5, time_step_ms: 1000, start_time: "2026-06-01T00:00:00+02:00"}}
              - {id: out, sink: log, config: {topic: v}}
            """)
        let written = try log(["run", write])
        #expect(written.status == 0, "\(written.standardError)")
        // 2026-06-01T00:00:00+02:00 is 2026-05-31T22:00:00Z, 1780264800000 ms.
        let consumed = try log(["consume", "v", "--from-beginning", "--format", "json"])
        let timestamps = consumed.standardOutput.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["timestamp"] as? Int
        }
        #expect(timestamps == (0..<5).map { 1_780_264_800_000 + $0 * 1000 })

        // No zone: UTC, so the read starts at record 2.
        let copy = directory.file("copy.jsonl")
        let read = try directory.write("read.yaml", """
            name: read-times
            pipeline:
              - {id: in, source: log, config: {topic: v, start: time, time: "2026-05-31T22:00:02"}}
              - {id: out, sink: file, config: {path: "\(copy)"}}
            """)
        let readOutcome = try log(["run", read])
        #expect(readOutcome.status == 0, "\(readOutcome.standardError)")
        let eventTimes = CLI.lines(copy).compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["event_time"] as? Int
        }
        #expect(eventTimes == [1_780_264_802_000, 1_780_264_803_000, 1_780_264_804_000])

        let bad = try directory.write("bad.yaml", """
            name: bad-time
            pipeline:
              - {id: in, source: log, config: {topic: v, start: time, time: "yesterday"}}
              - {id: out, sink: blackhole}
            """)
        let refused = try log(["run", bad])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("bad.yaml:3:65: pipeline[0].config.time: \"yesterday\" is not a time: write an "
            + "integer of milliseconds since the Unix epoch"), "\(refused.standardError)")
    }
}
