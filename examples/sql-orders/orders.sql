-- The seed articles' orders table and hourly totals per customer, read
-- from orders.jsonl (the articles read the `orders` Kafka topic: see
-- orders-kafka.sql). Run from this folder: streamhost sql orders.sql
CREATE TABLE orders (
    order_id BIGINT,
    customer_id BIGINT,
    amount DECIMAL(10, 2),
    event_time TIMESTAMP(3),
    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
    'connector' = 'filesystem',
    'path' = 'orders.jsonl',
    'format' = 'json'
);

SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
FROM orders
GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR);
