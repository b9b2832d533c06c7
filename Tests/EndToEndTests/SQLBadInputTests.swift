import Foundation
import Testing
import TestKit

/// Bad input to `streamhost sql`, each with its exact message and place:
/// mistakes in the SQL stop the job before it runs (exit status 2, the
/// file's line and column); rows that do not fit a table's schema go to
/// the dead letters with the field and the reason while the job goes on.
@Suite("SQL bad input")
struct SQLBadInputTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "sql-bad") }

    func run(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", directory.file("data")], in: directory.path)
    }

    /// The seed articles' table (lines 1-12), then `query` on line 13.
    func mistake(_ query: String) throws -> (file: String, message: String) {
        let script = try directory.write("bad.sql", SQLCommandTests.ordersTable + query)
        let outcome = try run(["sql", "--explain", script])
        #expect(outcome.status == 2, "\(query)")
        return (script, outcome.standardError)
    }

    static let known = "order_id, customer_id, category, amount, event_time"

    @Test func mistakesInTheSQLNameWhatAndWhere() throws {
        let cases: [(String, String)] = [
            ("SELECT customer_id, COUNT(* FROM orders;", "13:29: expected ')' after the arguments of COUNT, found 'FROM'"),
            ("SELECT * FROM ordrs;", "13:15: unknown table ordrs; the catalog has orders"),
            ("SELECT amout FROM orders;", "13:8: unknown column amout; the tables in FROM have \(Self.known)"),
            ("SELECT order_id FROM orders WHERE amount > 'x';",
             "13:35: cannot compare amount (DECIMAL(10, 2)) with 'x' (STRING): amount > 'x'; CAST one side"),
            ("SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id;",
             "13:51: a GROUP BY without a window (TUMBLE, HOP or SESSION): its results are an update stream, which needs changelog "
                + "support (not yet supported)"),
        ]
        for (query, expected) in cases {
            let (file, message) = try mistake(query)
            #expect(message == "error: \(file):\(expected)\n", "\(query)")
        }
        let (file, message) = try mistake("SELECT count_char(category, 'c') FROM orders;")
        #expect(message.hasPrefix("error: \(file):13:8: unknown function count_char; the known functions are ABS, "), "\(message)")
        #expect(message.hasSuffix(", YEAR; declare a native one with CREATE FUNCTION count_char AS 'symbol' LANGUAGE C USING LIBRARY 'library.so'\n"))
    }

    @Test func connectorsOptionsAndTimeAreChecked() throws {
        let table = """
            CREATE TABLE t (a BIGINT, ts TIMESTAMP(3))
              WITH ('connector' = 'kafkaa', 'topic' = 'x', 'format' = 'json');
            SELECT a FROM t;
            """
        let cases: [(String, String)] = [
            (table, "2:23: unknown connector 'kafkaa' for table t; known connectors: blackhole, datagen, filesystem, kafka, nexmark, print"),
            (table.replacingOccurrences(of: "'kafkaa'", with: "'kafka'").replacingOccurrences(of: "'topic'", with: "'topik'"),
             "2:32: unknown option 'topik' for connector kafka (table t); kafka takes connector, topic, properties.bootstrap.servers, "
                + "properties.group.id, scan.startup.mode, scan.startup.timestamp-millis, scan.bounded.mode, format, value.format, "
                + "sink.delivery-guarantee"),
            (table.replacingOccurrences(of: "'kafkaa'", with: "'kafka'")
                .replacingOccurrences(of: "SELECT a FROM t;", with: "SELECT a, COUNT(*) FROM t GROUP BY a, TUMBLE(ts, INTERVAL '1' MINUTE);"),
             "3:46: TUMBLE needs a time attribute as its first argument, and ts (TIMESTAMP(3)) is none: declare a WATERMARK for it "
                + "in its table, or use PROCTIME()"),
        ]
        for (script, expected) in cases {
            let file = try directory.write("t.sql", script)
            let outcome = try run(["sql", "--explain", file])
            #expect(outcome.status == 2)
            #expect(outcome.standardError == "error: \(file):\(expected)\n", "\(script)")
        }
    }

    @Test func rowsThatDoNotFitTheTableGoToTheDeadLettersAndTheJobGoesOn() throws {
        _ = try directory.write("orders.jsonl", """
            {"order_id":1,"customer_id":7,"category":"books","amount":10.5,"event_time":"2026-01-01 10:05:00"}
            {"order_id":2,"customer_id":7,"category":"books","amount":"lots","event_time":"2026-01-01 10:06:00"}
            {"order_id":3,"customer_id":"seven","category":"books","amount":1.5,"event_time":"2026-01-01 10:07:00"}
            {"order_id":4,"customer_id":7,"category":"books","amount":1.5,"event_time":"yesterday"}
            not json
            {"order_id":5,"customer_id":7,"category":"books","amount":2.005,"event_time":"2026-01-01 10:08:00"}
            {"order_id":6,"customer_id":" 7","category":"books","amount":"0.01","event_time":"2026-01-01 10:09:00"}

            """)
        let script = try directory.write("totals.sql", SQLCommandTests.ordersTable + """
            SELECT customer_id, COUNT(*), SUM(amount) FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);
            """)
        let outcome = try run(["sql", script, "--dead-letter", directory.file("dead.jsonl")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // 2.005 is rounded half up to DECIMAL(10, 2) where it is read, and
        // numbers in strings are numbers, as Flink's JSON format does: " 7"
        // is keyed as 7 (the lines are read into columns before key_by).
        #expect(outcome.standardOutput.split(separator: "\n") == [#"{"customer_id":7,"EXPR$1":3,"EXPR$2":12.52}"#])
        let reasons = try CLI.lines(directory.file("dead.jsonl")).map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["step"]!): \(object["reason"]!)"
        }
        #expect(reasons == [
            "orders: file source: orders.jsonl:4: timestamp field 'event_time' is not a time: use an integer of milliseconds since "
                + "the Unix epoch, or an ISO 8601 / RFC 3339 date-time such as 2026-01-01T00:00:00Z, 2026-01-01T00:00:00.250+02:00 "
                + "or 2026-01-01T00:00:00 (no zone: UTC)",
            "orders: file source: orders.jsonl:5: the value is not valid JSON (invalid JSON at byte 1: expected 'null')",
            // Read against the table's schema where the lines become columns (the window's input).
            "window: the value does not fit the input schema of step 'window': field 'amount': expected decimal(10,2), found a string",
            "window: the value does not fit the input schema of step 'window': field 'customer_id': expected int64, found a string",
        ])
    }

    @Test func aJoinReadsItsTablesAgainstTheirSchemas() throws {
        // The join takes bytes only: the lines of each table are read
        // against its schema all the same, and written back as its values.
        _ = try directory.write("a.jsonl", "{\"k\":1,\"v\":\"x\"}\n{\"k\":\"seven\",\"v\":\"y\"}\n{\"k\":\"2\",\"v\":3}\n")
        _ = try directory.write("b.jsonl", "{\"k\":1,\"w\":1.5}\n{\"k\":2,\"w\":\"2.5\"}\n")
        let script = try directory.write("join.sql", """
            CREATE TABLE a (k BIGINT, v STRING) WITH ('connector' = 'filesystem', 'path' = 'a.jsonl', 'format' = 'json');
            CREATE TABLE b (k BIGINT, w DOUBLE) WITH ('connector' = 'filesystem', 'path' = 'b.jsonl', 'format' = 'json');
            CREATE TABLE o (k BIGINT, v STRING, w DOUBLE) WITH ('connector' = 'filesystem', 'path' = 'o.jsonl', 'format' = 'json');
            INSERT INTO o SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k;
            """)
        let outcome = try run(["sql", script, "--dead-letter", directory.file("dead.jsonl")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(try CLI.lines(directory.file("o.jsonl")).sorted() == [#"{"k":1,"v":"x","w":1.5}"#, #"{"k":2,"v":"3","w":2.5}"#])
        let reasons = try CLI.lines(directory.file("dead.jsonl")).map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["step"]!): \(object["reason"]!)"
        }
        #expect(reasons == ["join: the value does not fit the input schema of step 'join': field 'k': expected int64, found a string"])
    }
}
