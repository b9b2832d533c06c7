import Foundation
import Testing
import TestKit

/// `streamhost sql --explain FILE.sql` prints a job file that `streamhost
/// run` runs to the same rows as `streamhost sql FILE.sql`: for a window
/// table function, a legacy group window and an interval join.
@Suite("SQL explain")
struct SQLExplainTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "sql-explain") }

    func run(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", directory.file("data")], in: directory.path)
    }

    /// Runs `query` (after the orders and payments tables) by `sql`, and by
    /// `run` on the job file `--explain` prints; both must print `expected`.
    func sameRows(_ name: String, _ query: String, _ expected: [String]) throws {
        let script = try directory.write("\(name).sql", SQLCommandTests.ordersTable + Self.payments + query)
        let direct = try run(["sql", script])
        #expect(direct.status == 0, "\(direct.standardError)")
        let rows = direct.standardOutput.split(separator: "\n").map(String.init).sorted()
        #expect(rows == expected, "\(name)")

        let explained = try run(["sql", "--explain", script])
        #expect(explained.status == 0, "\(explained.standardError)")
        let job = try directory.write("\(name).yaml", explained.standardOutput)
        let fromJob = try run(["run", job])
        #expect(fromJob.status == 0, "\(fromJob.standardError)")
        #expect(fromJob.standardOutput.split(separator: "\n").map(String.init).sorted() == rows, "\(name)")
    }

    static let payments = """
        CREATE TABLE payments (order_id BIGINT, paid DECIMAL(10, 2), paid_time TIMESTAMP(3),
            WATERMARK FOR paid_time AS paid_time - INTERVAL '1' SECOND)
            WITH ('connector' = 'filesystem', 'path' = 'payments.jsonl', 'format' = 'json');

        """

    @Test func windowsAndJoinsRunTheSameFromTheirJobFile() throws {
        _ = try directory.write("orders.jsonl", SQLCommandTests.orders)
        _ = try directory.write("payments.jsonl", """
            {"order_id":1,"paid":10.5,"paid_time":"2026-01-01 10:06:00"}
            {"order_id":3,"paid":5.25,"paid_time":"2026-01-01 11:00:01"}
            {"order_id":2,"paid":20,"paid_time":"2026-01-01 12:00:00"}

            """)
        try sameRows("hop", """
            SELECT window_start, window_end, category, COUNT(*) AS orders, MAX(amount) AS top, AVG(amount) AS mean
            FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '30' MINUTE, INTERVAL '1' HOUR))
            WHERE category <> 'games'
            GROUP BY window_start, window_end, category;
            """, [
                #"{"window_start":"2026-01-01 09:30:00","window_end":"2026-01-01 10:30:00","category":"books","orders":1,"top":10.50,"mean":10.500000}"#,
                #"{"window_start":"2026-01-01 09:30:00","window_end":"2026-01-01 10:30:00","category":"toys","orders":1,"top":20.00,"mean":20.000000}"#,
                #"{"window_start":"2026-01-01 10:00:00","window_end":"2026-01-01 11:00:00","category":"books","orders":1,"top":10.50,"mean":10.500000}"#,
                #"{"window_start":"2026-01-01 10:00:00","window_end":"2026-01-01 11:00:00","category":"toys","orders":2,"top":20.00,"mean":11.250000}"#,
                #"{"window_start":"2026-01-01 10:30:00","window_end":"2026-01-01 11:30:00","category":"books","orders":1,"top":1.00,"mean":1.000000}"#,
                #"{"window_start":"2026-01-01 10:30:00","window_end":"2026-01-01 11:30:00","category":"toys","orders":1,"top":2.50,"mean":2.500000}"#,
                #"{"window_start":"2026-01-01 11:00:00","window_end":"2026-01-01 12:00:00","category":"books","orders":1,"top":1.00,"mean":1.000000}"#,
            ])
        try sameRows("join", """
            SELECT o.order_id, o.customer_id, p.paid, p.paid_time
            FROM orders o JOIN payments p ON o.order_id = p.order_id
            AND p.paid_time BETWEEN o.event_time AND o.event_time + INTERVAL '1' HOUR;
            """, [
                #"{"order_id":1,"customer_id":7,"paid":10.50,"paid_time":"2026-01-01 10:06:00"}"#,
                #"{"order_id":3,"customer_id":7,"paid":5.25,"paid_time":"2026-01-01 11:00:01"}"#,
            ])
    }
}
