import SQL
import Testing

/// The kafka connector's event time: a WATERMARK FOR on a column of the
/// value (the seed articles' form) has the log source stamp records with
/// that field; on `METADATA FROM 'timestamp'` it keeps the log record's.
@Suite struct SQLKafkaEventTimeTests {
    static func source(_ columns: String) throws -> String {
        let job = try SQLPlanner.plan("""
            CREATE TABLE orders (\(columns)) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json',
                'scan.bounded.mode' = 'latest-offset');
            SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR)
            """, file: "job.sql", jobName: "job")
        return try #require(SQLPlannerTests.steps(job).first)
    }

    @Test func aWatermarkOnAValueColumnStampsRecordsWithTheField() throws {
        #expect(try Self.source("""
            customer_id BIGINT, event_time TIMESTAMP(3), WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
            """) == #"source log {"topic": "orders", "bounded": true, "timestamp_field": "event_time"}"#)
        #expect(try Self.source("""
            customer_id BIGINT, event_time TIMESTAMP(3) METADATA FROM 'timestamp', WATERMARK FOR event_time AS event_time
            """) == #"source log {"topic": "orders", "bounded": true}"#)
    }
}
