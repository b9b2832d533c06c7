import Foundation
import Testing
import TestKit

/// `streamhost sql FILE` runs a SQL script as a job; `--explain` prints the
/// job file, which `streamhost run` runs to the same results.
@Suite("SQL command")
struct SQLCommandTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "sql-command") }

    /// Orders over two hours of event time, a little out of order.
    static let orders = """
        {"order_id":1,"customer_id":7,"category":"books","amount":10.50,"event_time":"2026-01-01 10:05:00"}
        {"order_id":2,"customer_id":8,"category":"toys","amount":20.00,"event_time":"2026-01-01 10:20:00"}
        {"order_id":3,"customer_id":7,"category":"games","amount":5.25,"event_time":"2026-01-01 10:59:59"}
        {"order_id":4,"customer_id":7,"category":"books","amount":1.00,"event_time":"2026-01-01 11:00:00"}
        {"order_id":5,"customer_id":8,"category":"toys","amount":2.50,"event_time":"2026-01-01 10:58:00"}
        {"order_id":6,"customer_id":8,"category":"games","amount":120.00,"event_time":"2026-01-01 11:30:00"}

        """

    /// The seed articles' table (with `filesystem` instead of `kafka`).
    static let ordersTable = """
        CREATE TABLE orders (
            order_id BIGINT,
            customer_id BIGINT,
            category STRING,
            amount DECIMAL(10, 2),
            event_time TIMESTAMP(3),
            WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
        ) WITH (
            'connector' = 'filesystem',
            'path' = 'orders.jsonl',
            'format' = 'json'
        );

        """

    func run(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", directory.file("data")], in: directory.path)
    }

    @Test func theSeedArticlesQueryRunsWithTheExpectedResults() throws {
        _ = try directory.write("orders.jsonl", Self.orders)
        let script = try directory.write("seed.sql", Self.ordersTable + """
            SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
            FROM orders
            GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);
            """)
        let outcome = try run(["sql", script])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.sorted() == [
            #"{"customer_id":7,"EXPR$1":"2026-01-01 10:00:00","EXPR$2":2,"EXPR$3":15.75}"#,
            #"{"customer_id":7,"EXPR$1":"2026-01-01 11:00:00","EXPR$2":1,"EXPR$3":1.00}"#,
            #"{"customer_id":8,"EXPR$1":"2026-01-01 10:00:00","EXPR$2":2,"EXPR$3":22.50}"#,
            #"{"customer_id":8,"EXPR$1":"2026-01-01 11:00:00","EXPR$2":1,"EXPR$3":120.00}"#,
        ])
    }

    @Test func explainPrintsAJobFileThatRunsToTheSameResults() throws {
        _ = try directory.write("orders.jsonl", Self.orders)
        let script = try directory.write("totals.sql", Self.ordersTable + """
            CREATE TABLE totals (customer_id BIGINT, window_end TIMESTAMP(3), orders BIGINT, total DECIMAL(38, 2))
                WITH ('connector' = 'filesystem', 'path' = 'totals.jsonl', 'format' = 'json');
            INSERT INTO totals
            SELECT customer_id, TUMBLE_END(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
            FROM orders WHERE category <> 'games'
            GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);
            """)
        let explained = try run(["sql", "--explain", script])
        #expect(explained.status == 0, "\(explained.standardError)")
        #expect(explained.standardOutput.contains("name: \"totals\"\n"))
        let jobFile = try directory.write("totals.yaml", explained.standardOutput)

        let ran = try run(["sql", script])
        #expect(ran.status == 0, "\(ran.standardError)")
        let fromSQL = CLI.lines(directory.file("totals.jsonl")).sorted()
        #expect(fromSQL == [
            #"{"customer_id":7,"window_end":"2026-01-01 11:00:00","orders":1,"total":10.50}"#,
            #"{"customer_id":7,"window_end":"2026-01-01 12:00:00","orders":1,"total":1.00}"#,
            #"{"customer_id":8,"window_end":"2026-01-01 11:00:00","orders":2,"total":22.50}"#,
        ])
        try FileManager.default.removeItem(atPath: directory.file("totals.jsonl"))

        let fromJobFile = try run(["run", jobFile])
        #expect(fromJobFile.status == 0, "\(fromJobFile.standardError)")
        #expect(CLI.lines(directory.file("totals.jsonl")).sorted() == fromSQL)
    }

    @Test func projectionsFiltersCaseAndCastRunRecordByRecord() throws {
        _ = try directory.write("orders.jsonl", Self.orders)
        let script = try directory.write("labels.sql", Self.ordersTable + """
            CREATE TABLE labels (id BIGINT, label STRING, cents INT, hour_of_day INT)
                WITH ('connector' = 'filesystem', 'path' = 'labels.jsonl', 'format' = 'json');
            INSERT INTO labels
            SELECT order_id,
                   CASE WHEN amount >= 20 THEN 'big ' || UPPER(category) ELSE CONCAT('small ', category) END,
                   CAST(amount * 100 AS INT),
                   HOUR(event_time)
            FROM orders
            WHERE category LIKE '%o%s' AND customer_id IN (7, 8);
            """)
        let outcome = try run(["sql", script])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("labels.jsonl")) == [
            #"{"id":1,"label":"small books","cents":1050,"hour_of_day":10}"#,
            #"{"id":2,"label":"big TOYS","cents":2000,"hour_of_day":10}"#,
            #"{"id":4,"label":"small books","cents":100,"hour_of_day":11}"#,
            #"{"id":5,"label":"small toys","cents":250,"hour_of_day":10}"#,
        ])
    }

    @Test func anIntervalJoinPairsOrdersWithTheirPayments() throws {
        _ = try directory.write("orders.jsonl", Self.orders)
        _ = try directory.write("payments.jsonl", """
            {"order_id":1,"paid":10.50,"paid_time":"2026-01-01 10:06:00"}
            {"order_id":3,"paid":5.25,"paid_time":"2026-01-01 11:00:01"}
            {"order_id":2,"paid":20.00,"paid_time":"2026-01-01 12:00:00"}
            {"order_id":9,"paid":1.00,"paid_time":"2026-01-01 11:01:00"}

            """)
        let script = try directory.write("paid.sql", Self.ordersTable + """
            CREATE TABLE payments (order_id BIGINT, paid DECIMAL(10, 2), paid_time TIMESTAMP(3),
                WATERMARK FOR paid_time AS paid_time - INTERVAL '1' SECOND)
                WITH ('connector' = 'filesystem', 'path' = 'payments.jsonl', 'format' = 'json');
            CREATE TABLE paid (order_id BIGINT, category STRING, paid DECIMAL(10, 2), paid_time TIMESTAMP(3))
                WITH ('connector' = 'filesystem', 'path' = 'paid.jsonl', 'format' = 'json');
            INSERT INTO paid
            SELECT o.order_id, o.category, p.paid, p.paid_time
            FROM orders o JOIN payments p ON o.order_id = p.order_id
            AND p.paid_time BETWEEN o.event_time AND o.event_time + INTERVAL '1' HOUR;
            """)
        let outcome = try run(["sql", script])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("paid.jsonl")).sorted() == [
            #"{"order_id":1,"category":"books","paid":10.50,"paid_time":"2026-01-01 10:06:00"}"#,
            #"{"order_id":3,"category":"games","paid":5.25,"paid_time":"2026-01-01 11:00:01"}"#,
        ])
    }

    @Test func theKafkaConnectorWritesAndReadsTheLog() throws {
        _ = try directory.write("orders.jsonl", Self.orders)
        let created = try run(["topics", "create", "orders-log", "--partitions", "1"])
        #expect(created.status == 0, "\(created.standardError)")
        let write = try directory.write("write.sql", Self.ordersTable + """
            CREATE TABLE orders_log (order_id BIGINT, customer_id BIGINT, category STRING, amount DECIMAL(10, 2), event_time TIMESTAMP(3))
                WITH ('connector' = 'kafka', 'topic' = 'orders-log', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
            INSERT INTO orders_log SELECT * FROM orders;
            """)
        let wrote = try run(["sql", write])
        #expect(wrote.status == 0, "\(wrote.standardError)")

        // Event time is the log record's timestamp, which the write kept.
        let read = try directory.write("read.sql", """
            CREATE TABLE orders_log (
                order_id BIGINT, customer_id BIGINT, category STRING, amount DECIMAL(10, 2), event_time TIMESTAMP(3),
                ts TIMESTAMP(3) METADATA FROM 'timestamp',
                WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
            ) WITH ('connector' = 'kafka', 'topic' = 'orders-log', 'scan.startup.mode' = 'earliest-offset',
                    'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
            CREATE TABLE totals (customer_id BIGINT, window_start TIMESTAMP(3), orders BIGINT, total DECIMAL(38, 2))
                WITH ('connector' = 'filesystem', 'path' = 'log-totals.jsonl', 'format' = 'json');
            INSERT INTO totals
            SELECT customer_id, TUMBLE_START(ts, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
            FROM orders_log GROUP BY customer_id, TUMBLE(ts, INTERVAL '1' HOUR);
            """)
        let outcome = try run(["sql", read])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("log-totals.jsonl")).sorted() == [
            #"{"customer_id":7,"window_start":"2026-01-01 10:00:00","orders":2,"total":15.75}"#,
            #"{"customer_id":7,"window_start":"2026-01-01 11:00:00","orders":1,"total":1.00}"#,
            #"{"customer_id":8,"window_start":"2026-01-01 10:00:00","orders":2,"total":22.50}"#,
            #"{"customer_id":8,"window_start":"2026-01-01 11:00:00","orders":1,"total":120.00}"#,
        ])

        // Or the value's event_time, the seed articles' WATERMARK FOR: the same windows.
        let byField = try directory.write("read-field.sql", (try String(contentsOfFile: read, encoding: .utf8))
            .replacingOccurrences(of: "ts TIMESTAMP(3) METADATA FROM 'timestamp',\n", with: "")
            .replacingOccurrences(of: "WATERMARK FOR ts AS ts", with: "WATERMARK FOR event_time AS event_time")
            .replacingOccurrences(of: "(ts, INTERVAL", with: "(event_time, INTERVAL")
            .replacingOccurrences(of: "log-totals.jsonl", with: "field-totals.jsonl"))
        let fieldOutcome = try run(["sql", byField])
        #expect(fieldOutcome.status == 0, "\(fieldOutcome.standardError)")
        #expect(CLI.lines(directory.file("field-totals.jsonl")).sorted() == CLI.lines(directory.file("log-totals.jsonl")).sorted())
        #expect(try String(contentsOfFile: byField, encoding: .utf8).contains("WATERMARK FOR event_time AS event_time - INTERVAL"))
    }

    @Test func mistakesAreReportedAtTheirPlaceInTheFile() throws {
        let script = try directory.write("bad.sql", Self.ordersTable + """
            SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id;
            """)
        let outcome = try run(["sql", script])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("\(script):13:51: a GROUP BY without a window (TUMBLE, HOP or SESSION)"),
                "\(outcome.standardError)")

        let typo = try directory.write("typo.sql", Self.ordersTable + "SELECT order_id FROM orders WHERE amount > 'x';")
        let typed = try run(["sql", "--explain", typo])
        #expect(typed.status == 2)
        #expect(typed.standardError.contains("\(typo):13:35: cannot compare amount (DECIMAL(10, 2)) with 'x' (STRING)"), "\(typed.standardError)")
    }
}
