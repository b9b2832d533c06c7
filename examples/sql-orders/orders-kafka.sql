-- The seed articles' orders table on the `orders` topic, read through
-- `streamhost serve` when it holds the data directory: the articles' DDL
-- as they write it. Event time is the `event_time` field of each record's
-- JSON value (the log source stamps records with it); a record without a
-- time there goes to the dead letters, naming the field, and the job goes on.
-- Run: streamhost sql orders-kafka.sql --data-dir DIR
CREATE TABLE orders (
    order_id BIGINT,
    customer_id BIGINT,
    amount DECIMAL(10, 2),
    event_time TIMESTAMP(3),
    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'topic' = 'orders',
    'properties.bootstrap.servers' = 'localhost:9092',
    'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'latest-offset',
    'format' = 'json'
);

SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
FROM orders
GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);
