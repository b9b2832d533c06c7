import Foundation
import Testing
import TestKit

/// Nexmark q0, q1 and q2 from their SQL text (../shared/nexmark, never
/// copied into the repository), run by `streamhost sql` over a few events
/// in Flink's JSON form: the generator table's connector clause and the
/// query's blackhole sink are replaced by `filesystem` ones.
@Suite("Nexmark SQL", .enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkSQLTests {
    /// `text` with the WITH clause after `marker` replaced by a filesystem one.
    static func replacingConnector(_ text: String, after marker: String, path: String) throws -> String {
        let table = try #require(text.range(of: marker))
        let start = try #require(text.range(of: ") WITH (", range: table.upperBound..<text.endIndex))
        let end = try #require(text.range(of: ");", range: start.upperBound..<text.endIndex))
        return String(text[..<start.lowerBound]) + ") WITH ('connector' = 'filesystem', 'path' = '\(path)', 'format' = 'json')"
            + String(text[text.index(after: end.lowerBound)...])
    }

    static let events = """
        {"event_type":2,"person":null,"auction":null,"bid":{"auction":123,"bidder":7,"price":100,"channel":"Google","url":"https://a.example/1","dateTime":"2026-01-01 00:00:00.123","extra":""}}
        {"event_type":0,"person":{"id":1000,"name":"p","emailAddress":"e@x","creditCard":"1","city":"Bend","state":"OR","dateTime":"2026-01-01 00:00:01","extra":""},"auction":null,"bid":null}
        {"event_type":1,"person":null,"auction":{"id":1000,"itemName":"i","description":"d","initialBid":5,"reserve":9,"dateTime":"2026-01-01 00:00:01.500","expires":"2026-01-01 00:00:11","seller":1000,"category":10,"extra":""},"bid":null}
        {"event_type":2,"person":null,"auction":null,"bid":{"auction":5,"bidder":8,"price":250,"channel":"Apple","url":"https://a.example/2","dateTime":"2026-01-01 00:00:02","extra":"x"}}

        """

    @Test(arguments: [
        ("q0.sql", "nexmark_q0", [
            #"{"auction":123,"bidder":7,"price":100,"dateTime":"2026-01-01 00:00:00.123","extra":""}"#,
            #"{"auction":5,"bidder":8,"price":250,"dateTime":"2026-01-01 00:00:02","extra":"x"}"#,
        ]),
        ("q1.sql", "nexmark_q1", [
            #"{"auction":123,"bidder":7,"price":90.800,"dateTime":"2026-01-01 00:00:00.123","extra":""}"#,
            #"{"auction":5,"bidder":8,"price":227.000,"dateTime":"2026-01-01 00:00:02","extra":"x"}"#,
        ]),
        ("q2.sql", "nexmark_q2", [#"{"auction":123,"price":100}"#]),
    ])
    func runsFromItsText(_ query: String, _ table: String, _ expected: [String]) throws {
        let directory = try TemporaryDirectory(prefix: "nexmark-sql")
        _ = try directory.write("events.jsonl", Self.events)
        let script = try Self.replacingConnector(NexmarkFiles.text("ddl_gen.sql"), after: "CREATE TABLE datagen", path: "events.jsonl")
            + "\n" + NexmarkFiles.text("ddl_views.sql") + "\n"
            + Self.replacingConnector(NexmarkFiles.text(query), after: "CREATE TABLE \(table)", path: "out.jsonl")
        let file = try directory.write(query, script)
        let outcome = try CLI.run(["sql", file, "--data-dir", directory.file("data")], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == expected)
    }
}
