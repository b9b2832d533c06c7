-- The seed articles' orders table on the `orders` topic, read through
-- `streamhost serve` when it holds the data directory. Event time is the
-- Kafka record's timestamp (producers set it to the order's time): a
-- watermark on a column of the record's value, as the articles write it,
-- is not supported by the kafka connector yet.
-- Run: streamhost sql orders-kafka.sql --data-dir DIR
CREATE TABLE orders (
    order_id BIGINT,
    customer_id BIGINT,
    amount DECIMAL(10, 2),
    event_time TIMESTAMP(3),
    ts TIMESTAMP(3) METADATA FROM 'timestamp',
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'topic' = 'orders',
    'properties.bootstrap.servers' = 'localhost:9092',
    'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'latest-offset',
    'format' = 'json'
);

SELECT customer_id, TUMBLE_START(ts, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
FROM orders
GROUP BY customer_id, TUMBLE(ts, INTERVAL '1' HOUR);
