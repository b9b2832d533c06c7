import Foundation
import SQL
import Testing
import TestKit

/// The Nexmark queries from their text, with the generator table's
/// connector clause replaced by a `filesystem` one (the `nexmark`
/// connector is issue 16 part 4): q0, q1 and q2 plan; the windowed ones
/// say why they do not yet.
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

    @Test(arguments: ["q0.sql", "q1.sql", "q2.sql"]) func planFromTheirText(_ query: String) throws {
        let job = try SQLPlanner.plan(Self.script(query), file: query, jobName: "nexmark")
        #expect(job.steps.first?.component == "file")
        #expect(job.steps.last?.component == "blackhole")
        #expect(job.notes.contains { $0.contains("the watermark is on the computed column dateTime") })
    }

    @Test func aWindowOnTheComputedTimeSaysWhyNot() throws {
        let script = try Self.script("q5.sql")
        do {
            _ = try SQLPlanner.plan(script, file: "q5.sql", jobName: "nexmark")
            Issue.record("q5 planned")
        } catch {
            #expect(error.kind == .unsupported)
            #expect(error.message.hasPrefix("a window on dateTime, which is not the time the records are stamped with here"), "\(error)")
        }
    }
}
