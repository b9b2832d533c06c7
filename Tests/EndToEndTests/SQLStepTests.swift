import Foundation
import Testing
import TestKit

/// `sql:` steps: a job file step whose body is a SQL script stands for the
/// steps it plans to, with ids prefixed by its own, beside YAML steps.
@Suite("SQL steps in job files")
struct SQLStepTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "sql-step") }

    func run(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", directory.file("data")], in: directory.path)
    }

    func validate(_ job: String) throws -> ProcessOutcome {
        try CLI.run(["validate", job], in: directory.path)
    }

    /// A YAML copy of the orders, and the seed articles' totals as a sql: step.
    static let job = """
        name: mixed
        pipeline:
          - id: raw
            source: file
            config: {path: orders.jsonl, format: jsonl}
          - id: copy
            sink: file
            config: {path: copy.jsonl, format: jsonl}
          - id: totals
            sql: |
              CREATE TABLE orders (
                  order_id BIGINT, customer_id BIGINT, category STRING, amount DECIMAL(10, 2), event_time TIMESTAMP(3),
                  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
              ) WITH ('connector' = 'filesystem', 'path' = 'orders.jsonl', 'format' = 'json');
              CREATE TABLE totals (customer_id BIGINT, window_start TIMESTAMP(3), orders BIGINT, total DECIMAL(38, 2))
                  WITH ('connector' = 'filesystem', 'path' = 'totals.jsonl', 'format' = 'json');
              INSERT INTO totals
              SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
              FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);

        """

    static let totals = [
        #"{"customer_id":7,"window_start":"2026-01-01 10:00:00","orders":2,"total":15.75}"#,
        #"{"customer_id":7,"window_start":"2026-01-01 11:00:00","orders":1,"total":1.00}"#,
        #"{"customer_id":8,"window_start":"2026-01-01 10:00:00","orders":2,"total":22.50}"#,
        #"{"customer_id":8,"window_start":"2026-01-01 11:00:00","orders":1,"total":120.00}"#,
    ]

    @Test func aSQLStepRunsBesideYAMLStepsInOneJob() throws {
        _ = try directory.write("orders.jsonl", SQLCommandTests.orders)
        let job = try directory.write("mixed.yaml", Self.job)
        let validated = try validate(job)
        #expect(validated.status == 0, "\(validated.standardError)")
        #expect(validated.standardOutput.contains("task: raw (source file x1) -> copy (sink file x1)"))
        // The table's schema is declared on its source: the window reads its lines as columns.
        #expect(validated.standardOutput.contains("task: totals.orders (source file x1)\n"))
        #expect(validated.standardOutput.contains("step totals.window: in columns {order_id: int64, customer_id: int64, "
            + "category: utf8, amount: decimal(10,2), event_time: utf8}"))
        #expect(validated.standardOutput.contains("totals.window (operator window x1) -> totals.select (operator map x1)"))

        let ran = try run(["run", job])
        #expect(ran.status == 0, "\(ran.standardError)")
        #expect(CLI.lines(directory.file("totals.jsonl")).sorted() == Self.totals)
        #expect(CLI.lines(directory.file("copy.jsonl")).count == 6)

        // --explain prints the job file with the sql: step expanded; it runs to the same rows.
        let explained = try run(["sql", "--explain", job])
        #expect(explained.status == 0, "\(explained.standardError)")
        #expect(!explained.standardOutput.contains("sql:"))
        #expect(explained.standardOutput.contains("- id: totals.window\n"))
        let expanded = try directory.write("expanded.yaml", explained.standardOutput)
        try FileManager.default.removeItem(atPath: directory.file("totals.jsonl"))
        let again = try run(["run", expanded])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(CLI.lines(directory.file("totals.jsonl")).sorted() == Self.totals)
    }

    @Test func mistakesInTheSQLArePlacedInTheJobFile() throws {
        // SUM(amont): line 18 of the job file; column 86 = 6 spaces of the block scalar + 79 of SQL before it.
        let job = try directory.write("bad.yaml", Self.job.replacingOccurrences(of: "SUM(amount)", with: "SUM(amont)"))
        let outcome = try validate(job)
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains(
            "\(job):18:86: pipeline[2].sql: unknown column amont; the tables in FROM have order_id, customer_id, category, amount, event_time"),
            "\(outcome.standardError)")

        // A folded block joins lines: the place is the SQL's own, named in the message.
        let folded = try directory.write("folded.yaml", Self.job.replacingOccurrences(of: "SUM(amount)", with: "SUM(amont)")
            .replacingOccurrences(of: "sql: |", with: "sql: >"))
        let foldedOutcome = try validate(folded)
        #expect(foldedOutcome.standardError.contains(
            "\(folded):10:10: pipeline[2].sql: line 6, column 99 of the folded SQL: unknown column amont;"),
            "\(foldedOutcome.standardError)")

        let set = try directory.write("set.yaml", Self.job.replacingOccurrences(
            of: "      INSERT INTO totals\n", with: "      SET 'parallelism.default' = '2';\n      INSERT INTO totals\n"))
        let refused = try validate(set)
        #expect(refused.standardError.contains("pipeline[2].sql: SET in a sql: step: parallelism, checkpoints and the job's name are set at the top of the job file"),
                "\(refused.standardError)")

        let extra = try directory.write("extra.yaml", Self.job.replacingOccurrences(
            of: "  - id: totals\n", with: "  - id: totals\n    parallelism: 2\n"))
        let extraField = try validate(extra)
        #expect(extraField.standardError.contains("\(extra):10:5: pipeline[2]: a sql: step takes only id and sql"),
                "\(extraField.standardError)")
    }
}
