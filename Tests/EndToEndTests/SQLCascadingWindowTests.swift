import Foundation
import Testing
import TestKit

/// A cascading window aggregation (a GROUP BY of a HOP aggregation's
/// renamed bounds) and Nexmark q5's shape, the per-window counts joined
/// with their per-window maximum, on orders whose HOP windows overlap:
/// every record counts in two windows. The rows are derived by hand
/// below; `--explain`'s job file run by `streamhost run` gives them too.
@Suite("SQL cascading window aggregation")
struct SQLCascadingWindowTests {
    /// HOP(slide 10 min, size 20 min): a record at t is in the windows
    /// starting at floor10(t) - 10 min and floor10(t).
    ///
    ///   window (start)   customer 7        customer 8       customer 9
    ///   09:50-10:10      10:01 -> 1
    ///   10:00-10:20      10:01 10:12 -> 2  10:14-10:16 -> 3
    ///   10:10-10:30      10:12 10:25 -> 2  10:14-10:16 -> 3  10:26 -> 1
    ///   10:20-10:40      10:25 -> 1                          10:26 -> 1
    ///
    /// With the watermark 5 s behind, the 10:25 record closes the first two
    /// windows mid-stream and the end of input the other two.
    static let orders = """
        {"order_id":1,"customer_id":7,"category":"a","amount":1,"event_time":"2026-01-01 10:01:00"}
        {"order_id":2,"customer_id":7,"category":"a","amount":1,"event_time":"2026-01-01 10:12:00"}
        {"order_id":3,"customer_id":8,"category":"a","amount":1,"event_time":"2026-01-01 10:14:00"}
        {"order_id":4,"customer_id":8,"category":"a","amount":1,"event_time":"2026-01-01 10:16:00"}
        {"order_id":5,"customer_id":8,"category":"a","amount":1,"event_time":"2026-01-01 10:15:00"}
        {"order_id":6,"customer_id":7,"category":"a","amount":1,"event_time":"2026-01-01 10:25:00"}
        {"order_id":7,"customer_id":9,"category":"a","amount":1,"event_time":"2026-01-01 10:26:00"}

        """

    static let counts = """
        SELECT customer_id, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
        FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '10' MINUTE, INTERVAL '20' MINUTE))
        GROUP BY customer_id, window_start, window_end
        """

    @Test func theMaximumPerWindowAndTheCustomersThatReachIt() throws {
        let explain = try SQLExplainTests()
        _ = try explain.directory.write("orders.jsonl", Self.orders)
        try explain.sameRows("cascade", """
            SELECT starttime, endtime, MAX(num) AS maxn, COUNT(*) AS customers
            FROM (\(Self.counts)) AS CountBids
            GROUP BY CountBids.starttime, CountBids.endtime;
            """, [
                #"{"starttime":"2026-01-01 09:50:00","endtime":"2026-01-01 10:10:00","maxn":1,"customers":1}"#,
                #"{"starttime":"2026-01-01 10:00:00","endtime":"2026-01-01 10:20:00","maxn":3,"customers":2}"#,
                #"{"starttime":"2026-01-01 10:10:00","endtime":"2026-01-01 10:30:00","maxn":3,"customers":3}"#,
                #"{"starttime":"2026-01-01 10:20:00","endtime":"2026-01-01 10:40:00","maxn":1,"customers":2}"#,
            ])
        // The bounds under their own names: the upstream window's values,
        // not those of the cascade's 1 ms window.
        try explain.sameRows("names", """
            SELECT window_start, window_end, MAX(num) AS maxn
            FROM (SELECT customer_id, COUNT(*) AS num, window_start, window_end
                  FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '10' MINUTE, INTERVAL '20' MINUTE))
                  GROUP BY customer_id, window_start, window_end)
            GROUP BY window_start, window_end;
            """, [
                #"{"window_start":"2026-01-01 09:50:00","window_end":"2026-01-01 10:10:00","maxn":1}"#,
                #"{"window_start":"2026-01-01 10:00:00","window_end":"2026-01-01 10:20:00","maxn":3}"#,
                #"{"window_start":"2026-01-01 10:10:00","window_end":"2026-01-01 10:30:00","maxn":3}"#,
                #"{"window_start":"2026-01-01 10:20:00","window_end":"2026-01-01 10:40:00","maxn":1}"#,
            ])
        // q5's shape: each window's counts joined with its maximum, in one
        // task and in two (the cascade's watermark the least of two inputs).
        for parallelism in [1, 2] {
            try explain.sameRows("hot-p\(parallelism)", """
                SET 'parallelism.default' = '\(parallelism)';
                SELECT C.customer_id, C.num, C.starttime
                FROM (\(Self.counts)) AS C
                JOIN (
                    SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
                    FROM (\(Self.counts)) AS CountBids
                    GROUP BY CountBids.starttime, CountBids.endtime
                ) AS M
                ON C.starttime = M.starttime AND C.endtime = M.endtime AND C.num >= M.maxn;
                """, [
                    #"{"customer_id":7,"num":1,"starttime":"2026-01-01 09:50:00"}"#,
                    #"{"customer_id":7,"num":1,"starttime":"2026-01-01 10:20:00"}"#,
                    #"{"customer_id":8,"num":3,"starttime":"2026-01-01 10:00:00"}"#,
                    #"{"customer_id":8,"num":3,"starttime":"2026-01-01 10:10:00"}"#,
                    #"{"customer_id":9,"num":1,"starttime":"2026-01-01 10:20:00"}"#,
                ])
        }
    }
}
