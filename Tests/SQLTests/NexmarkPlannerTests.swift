import Foundation
import SQL
import Testing
import TestKit

/// The Nexmark queries from their text, with the generator table's
/// connector clause replaced by a `filesystem` one (Flink's setup for the
/// committed rows): the computed `dateTime` and its watermark become the
/// source's `watermarks.timestamp`, so every query plans, windows included.
@Suite(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkPlannerTests {
    /// ddl_gen.sql with `WITH ('connector' = 'nexmark', ...)` replaced.
    static func generatorTable(path: String) throws -> String {
        let text = try NexmarkFiles.text("ddl_gen.sql")
        let start = try #require(text.range(of: ") WITH ("))
        let end = try #require(text.range(of: ");", range: start.upperBound..<text.endIndex))
        return String(text[..<start.lowerBound]) + ") WITH ('connector' = 'filesystem', 'path' = '\(path)', 'format' = 'json')"
            + String(text[text.index(after: end.lowerBound)...])
    }

    static func script(_ query: String) throws -> String {
        try generatorTable(path: "events.jsonl") + "\n" + NexmarkFiles.text("ddl_views.sql") + "\n" + NexmarkFiles.text(query)
    }

    @Test(arguments: ["q0.sql", "q1.sql", "q2.sql", "q5.sql", "q7.sql", "q8.sql", "q11.sql"])
    func planFromTheirText(_ query: String) throws {
        let job = try SQLPlanner.plan(Self.script(query), file: query, jobName: "nexmark")
        #expect(job.steps.first?.component == "file")
        #expect(job.steps.last?.component == "blackhole")
        #expect(!job.notes.contains { $0.contains("computed column") }, "\(job.notes)")
    }

    /// The source computes `dateTime` (ddl_gen.sql's CASE over the three
    /// ROWs, their TIMESTAMP(3) text read as ms) per record and stamps the
    /// record with it, under the watermark's bound; after it `dateTime` is
    /// the record's time, in windows and in what is written.
    @Test func theComputedTimeIsTheSourcesStamp() throws {
        let job = try SQLPlanner.plan(Self.script("q5.sql"), file: "q5.sql", jobName: "nexmark")
        let sources = job.steps.filter { $0.component == "file" && $0.kind == .source }
        // q5 reads the bid view twice: two sources, both stamped.
        #expect(sources.count == 2)
        for source in sources {
            #expect(source.watermarks.map { SQLJobValue.object($0).json } == #"{"strategy": "bounded_out_of_orderness", "#
                + #""max_out_of_orderness_ms": 3999, "timestamp": "timestamp_ms(case when (event_type = 0) then person.dateTime "#
                + #"when (event_type = 1) then auction.dateTime else bid.dateTime end)"}"#, "\(job.yaml)")
            #expect(!SQLJobValue.object(source.config).json.contains("timestamp_field"))
        }
        #expect(job.steps.contains { $0.component == "window" })
        // q7 reads bids only, but every event is stamped: the source's
        // schema keeps what the stamp reads.
        let q7 = try SQLPlanner.plan(Self.script("q7.sql"), file: "q7.sql", jobName: "nexmark")
        for source in q7.steps where source.kind == .source {
            let fields = Set((source.schema ?? []).map(\.0))
            #expect(fields.isSuperset(of: ["event_type", "person.dateTime", "auction.dateTime", "bid.dateTime", "bid.price"]), "\(fields)")
            #expect(!fields.contains("person.name"), "\(fields)")
        }
        #expect(job.yaml.contains(#"`dateTime`: "event_time()""#) || job.yaml.contains(#""dateTime": "event_time()""#), "\(job.yaml)")
    }

    /// A CSV table names its fields only after the source: a watermark on
    /// a computed column there is refused at the watermark.
    @Test func aComputedWatermarkOfACSVTableSaysWhyNot() throws {
        do {
            _ = try SQLPlanner.plan("""
                CREATE TABLE t (a BIGINT, ts_text STRING, ts AS TO_TIMESTAMP(ts_text), WATERMARK FOR ts AS ts)
                  WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
                SELECT a, COUNT(*) FROM t GROUP BY a, TUMBLE(ts, INTERVAL '1' MINUTE)
                """, file: "t.sql", jobName: "t")
            Issue.record("planned")
        } catch {
            #expect(error.kind == .unsupported)
            #expect(error.description.hasPrefix("t.sql:1:86: a watermark on the computed column ts of a CSV table"), "\(error)")
        }
    }
}
