import SQL
import Testing

/// A GROUP BY of both bounds of a window aggregation's results (renamed,
/// through subqueries, views and WITH) is a window aggregation, as Flink
/// plans it ("cascading window aggregation", Nexmark q5's MaxBids); a
/// GROUP BY of anything else with no window stays an update stream.
@Suite struct SQLCascadingWindowTests {
    /// Counts per customer per HOP window, the bounds renamed.
    static let counts = """
        SELECT customer_id, COUNT(*) AS n, window_start AS s, window_end AS e
        FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
        GROUP BY customer_id, window_start, window_end
        """

    @Test func aGroupByOfTheRenamedBoundsIsAOneMillisecondWindowOverTheirValues() throws {
        let job = try SQLPlannerTests.plan("SELECT MAX(n) AS top, s, e FROM (\(Self.counts)) AS counts GROUP BY counts.s, counts.e")
        let steps = SQLPlannerTests.steps(job)
        #expect(steps.filter { $0.hasPrefix("operator window") }.count == 2)
        let cascade = try #require(steps.lastIndex { $0.hasPrefix("operator window") })
        // Keyed by the two bounds' values, the rows of one upstream window
        // (all stamped its end - 1) meet in the window [end - 1, end).
        #expect(steps[cascade - 2] == #"operator map {"set": {"__sql_7": "concat(coalesce(concat('=', cast(s as string)), '~'), '\u001F', coalesce(concat('=', cast(e as string)), '~'))"}}"#)
        #expect(steps[cascade - 1] == "key_by __sql_7 {}")
        #expect(steps[cascade] == #"operator window {"kind": "tumbling", "size_ms": 1, "key_name": "__sql_7", "aggregates": [{"fn": "first", "field": "s", "name": "__sql_8"}, {"fn": "first", "field": "e", "name": "__sql_9"}, {"fn": "max", "field": "n", "name": "__sql_10"}]}"#)
        #expect(steps[cascade + 1] == #"operator map {"set": {"__sql_11": "cast(__sql_10 as integer)", "__sql_12": "__sql_8", "__sql_13": "__sql_9"}}"#)
    }

    @Test func theBoundsStayBoundsThroughViewsWithQueriesAndRenames() throws {
        for query in [
            "CREATE VIEW counts AS \(Self.counts); SELECT e2, COUNT(*) FROM (SELECT s AS s2, e AS e2 FROM counts) GROUP BY e2, s2",
            "WITH counts (c, n, s1, e1) AS (\(Self.counts)) SELECT s1, SUM(n) FROM counts WHERE n > 1 GROUP BY s1, e1, c",
            // The cascade's own results: the bounds again, a third window.
            "SELECT s, MIN(top) FROM (SELECT s, e, MAX(n) AS top FROM (\(Self.counts)) GROUP BY s, e) GROUP BY e, s",
        ] {
            let job = try SQLPlannerTests.plan(query)
            let windows = job.steps.filter { $0.component == "window" }
            #expect(windows.count == (query.contains("MIN(top)") ? 3 : 2), "\(query)")
            #expect(SQLJobValue.object(Array(windows.last!.config.prefix(2))).json == #"{"kind": "tumbling", "size_ms": 1}"#, "\(query)")
        }
    }

    /// Only both bounds of one window aggregation's own results make a
    /// window aggregation; anything else is a GROUP BY without a window.
    static let refused = [
        // One bound only.
        "SELECT s, MAX(n) FROM (\(counts)) GROUP BY s",
        // Not the bounds: plain columns of a window's results.
        "SELECT customer_id, MAX(n) FROM (\(counts)) GROUP BY customer_id",
        // The bounds of a legacy group window are plain timestamps in Flink.
        """
        SELECT s, e, MAX(n) FROM (SELECT customer_id, COUNT(*) AS n, TUMBLE_START(event_time, INTERVAL '1' MINUTE) AS s,
            TUMBLE_END(event_time, INTERVAL '1' MINUTE) AS e FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' MINUTE))
        GROUP BY s, e
        """,
        // After a join the records are the join's, not the window's.
        "SELECT c.s, c.e, MAX(c.n) FROM (\(counts)) AS c JOIN payments p ON c.customer_id = p.order_id GROUP BY c.s, c.e",
    ]

    @Test(arguments: refused.indices) func anythingElseIsAGroupByWithoutAWindow(_ index: Int) throws {
        let error = try #require(SQLPlannerTests.error(Self.refused[index]), "\(Self.refused[index])")
        #expect(error.kind == .unsupported)
        #expect(error.message.hasPrefix("a GROUP BY without a window (TUMBLE, HOP or SESSION): its results are an update stream"),
                "\(error)")
    }
}
