import SQL
import Testing

/// PROCTIME(): a processing-time attribute whose windows the window step
/// computes on its own clock (`time: processing`), and a clear error where
/// event time is needed.
@Suite struct SQLProcessingTimeTests {
    static let viewed = """
        CREATE VIEW seen AS SELECT *, PROCTIME() AS p_time FROM orders;

        """

    @Test func aWindowOverAProctimeColumnWindowsByProcessingTime() throws {
        // Nexmark q12's shape: the window TVF over a view's PROCTIME().
        let job = try SQLPlannerTests.plan(Self.viewed + """
            SELECT customer_id, COUNT(*) AS n, window_start, window_end
            FROM TABLE(TUMBLE(TABLE seen, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
            GROUP BY customer_id, window_start, window_end
            """)
        let steps = SQLPlannerTests.steps(job)
        #expect(steps.contains { $0.contains("timestamp_text(processing_time())") }, "\(steps)")
        let window = try #require(steps.first { $0.hasPrefix("operator window") })
        #expect(window.hasPrefix(#"operator window {"kind": "tumbling", "size_ms": 10000, "time": "processing", "#), "\(window)")
        // Event-time windows say nothing of time (the window's default).
        let eventTime = try SQLPlannerTests.plan("""
            SELECT customer_id, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '10' SECOND))
            GROUP BY customer_id, window_start, window_end
            """)
        #expect(SQLPlannerTests.steps(eventTime).contains { $0.hasPrefix("operator window") && !$0.contains(#""time""#) })
    }

    @Test func aComputedProctimeColumnAndALegacyGroupWindow() throws {
        let job = try SQLPlanner.plan("""
            CREATE TABLE clicks (user_id BIGINT, url STRING, p AS PROCTIME())
            WITH ('connector' = 'filesystem', 'path' = 'clicks.jsonl', 'format' = 'json');
            SELECT user_id, COUNT(url) AS n, TUMBLE_END(p, INTERVAL '1' MINUTE) AS until
            FROM clicks GROUP BY user_id, TUMBLE(p, INTERVAL '1' MINUTE)
            """, file: "job.sql", jobName: "job")
        let steps = SQLPlannerTests.steps(job)
        #expect(steps.contains { $0.contains(#""p": "timestamp_text(processing_time())""#) }, "\(steps)")
        #expect(steps.contains { $0.hasPrefix(#"operator window {"kind": "tumbling", "size_ms": 60000, "time": "processing""#) },
                "\(steps)")
    }

    static let errors: [(text: String, rendered: String)] = [
        ("""
         CREATE TABLE t (a BIGINT, p AS PROCTIME(), WATERMARK FOR p AS p - INTERVAL '1' SECOND)
         WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json')
         """,
         "job.sql:16:58: WATERMARK FOR p: p is a processing-time attribute (PROCTIME()), and a watermark measures event time; "
             + "put the watermark on a TIMESTAMP(3) column of the events' time"),
        ("""
         CREATE TABLE t (a BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS PROCTIME())
         WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json')
         """,
         "job.sql:16:64: a watermark measures event time, and PROCTIME() is processing time (PROCTIME()); write ts - INTERVAL 'n' SECOND"),
        (viewed + """
         SELECT customer_id, TUMBLE_ROWTIME(p_time, INTERVAL '1' MINUTE) FROM seen GROUP BY customer_id, TUMBLE(p_time, INTERVAL '1' MINUTE)
         """,
         "job.sql:17:21: TUMBLE_ROWTIME is the event time of a window, and this one windows by processing time (p_time is PROCTIME()); "
             + "use TUMBLE_START or _END"),
        ("""
         CREATE VIEW paid AS SELECT *, PROCTIME() AS q_time FROM payments;
         """ + viewed + """
         SELECT o.order_id FROM seen o JOIN paid p ON o.order_id = p.order_id AND o.p_time BETWEEN p.q_time - INTERVAL '1' SECOND AND p.q_time
         """,
         "job.sql:17:74: a join bounded by processing time (PROCTIME() columns of both sides): the join operator bounds event time; "
             + "bound the join by the tables' WATERMARK columns (not yet supported)"),
    ]

    @Test(arguments: errors.indices) func proctimeWhereEventTimeIsNeededIsAnErrorAtItsPlace(_ index: Int) throws {
        let (text, rendered) = Self.errors[index]
        let error = try #require(SQLPlannerTests.error(text), "\(text)")
        #expect(error.description == rendered)
    }

    @Test func currentTimestampIsTheClockPerRow() throws {
        for name in ["CURRENT_TIMESTAMP", "NOW()", "LOCALTIMESTAMP"] {
            let job = try SQLPlannerTests.plan("SELECT order_id, \(name) AS seen FROM orders")
            let steps = SQLPlannerTests.steps(job)
            #expect(steps.contains { $0.contains("timestamp_text(processing_time())") }, "\(name): \(steps)")
        }
    }
}
