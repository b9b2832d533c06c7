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
}
