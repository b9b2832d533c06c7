/// Statements that use every construct the parser accepts (docs/SQL.md),
/// beyond what the Nexmark files use: the round-trip and fuzz tests run
/// over these as well as over Nexmark.
enum SQLCorpus {
    static let statements = [
        """
        CREATE TEMPORARY TABLE IF NOT EXISTS cat.db.orders (
            order_id BIGINT NOT NULL,
            customer ROW(id BIGINT, address ROW<city STRING, zip CHAR(5)> COMMENT 'where'),
            tags ARRAY<STRING>, attributes MAP<STRING, ARRAY<INT>>, seen MULTISET<VARCHAR(10)>,
            amount DECIMAL(10, 2), ratio DOUBLE PRECISION, small TINYINT, mid SMALLINT, flag BOOLEAN, score FLOAT,
            code BINARY(4), blob VARBINARY(100), raw BYTES, day DATE, at_time TIME(3), dec2 DEC(5), num NUMERIC,
            local_ts TIMESTAMP(3) WITH LOCAL TIME ZONE, ltz TIMESTAMP_LTZ(3), plain TIMESTAMP WITHOUT TIME ZONE,
            event_time TIMESTAMP(3),
            kafka_ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
            `partition` INT METADATA VIRTUAL,
            headers MAP<STRING, BYTES> METADATA,
            total AS amount * 1.2 COMMENT 'with tax',
            WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND,
            CONSTRAINT pk PRIMARY KEY (order_id) NOT ENFORCED
        ) COMMENT 'orders' PARTITIONED BY (day) WITH (
            'connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092',
            'format' = 'json', 'it''s' = 'quoted'
        )
        """,
        "CREATE TABLE t (id INT PRIMARY KEY NOT ENFORCED, name STRING) WITH ('connector' = 'datagen')",
        "CREATE VIEW v (a, b) AS SELECT x, y FROM t",
        "CREATE TEMPORARY VIEW IF NOT EXISTS big AS SELECT * FROM orders WHERE amount > 100",
        "CREATE FUNCTION count_char AS 'count_char' LANGUAGE C USING LIBRARY 'libcountchar.so'",
        "CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS f AS 'com.example.F' LANGUAGE JAVA USING JAR '/tmp/f.jar'",
        "SET 'table.exec.state.ttl' = '1 h'",
        "EXPLAIN SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id",
        "EXPLAIN PLAN FOR INSERT INTO sink SELECT * FROM orders",
        """
        EXECUTE STATEMENT SET BEGIN
            INSERT INTO a SELECT * FROM orders WHERE amount < 10;
            INSERT OVERWRITE b (x, y) SELECT order_id, amount FROM orders;
        END
        """,
        """
        SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR) AS window_start,
               TUMBLE_END(event_time, INTERVAL '1' HOUR), TUMBLE_ROWTIME(event_time, INTERVAL '1' HOUR),
               COUNT(*), SUM(amount), MIN(amount), MAX(amount), AVG(amount), COUNT(DISTINCT customer_id),
               SUM(amount) FILTER (WHERE amount > 10) AS big_amount
        FROM orders
        GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR)
        HAVING COUNT(*) > 1
        """,
        """
        SELECT HOP_START(ts, INTERVAL '5' SECOND, INTERVAL '1' MINUTE), SESSION_END(ts, INTERVAL '10' MINUTE)
        FROM t GROUP BY HOP(ts, INTERVAL '5' SECOND, INTERVAL '1' MINUTE), SESSION(ts, INTERVAL '10' MINUTE)
        """,
        """
        SELECT window_start, window_end, SUM(price) FROM TABLE(
            TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(bidtime), SIZE => INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end
        """,
        """
        SELECT * FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTE, INTERVAL '10' MINUTE)) AS w
        UNION ALL
        SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTE)) AS s\n        UNION ALL\n        SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (item, bidder), DESCRIPTOR(bidtime), INTERVAL '5' MINUTE))
        """,
        """
        SELECT DISTINCT a.id, b.`value`, CASE a.kind WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END AS kind_name,
               CAST(a.amount AS DECIMAL(10, 2)), TRY_CAST(a.code AS INT), a.tags[1], a.attributes['k'],
               ARRAY[1, 2, 3], MAP['a', 1, 'b', 2], EXTRACT(HOUR FROM a.ts), CURRENT_TIMESTAMP, PROCTIME(),
               DATE '2024-01-31', TIMESTAMP '2024-01-31 10:00:00', -a.amount, +1, - -1, NOT a.flag, 'it''s',
               INTERVAL '10:00' MINUTE TO SECOND, INTERVAL '1-6' YEAR TO MONTH, INTERVAL '2 10:30:15.5' DAY TO SECOND(3),
               INTERVAL -'3' DAY(2), 1e3, .5, 2.50, a.name || '!', 7 % 3, LEFT(a.name, 2), TRUE, FALSE, NULL
        FROM orders AS a (id, kind, amount, code, tags, attributes, ts, flag, name)
        LEFT OUTER JOIN others b ON a.id = b.id
        RIGHT JOIN (third c CROSS JOIN fourth d) ON TRUE
        FULL JOIN fifth e USING (id)
        CROSS JOIN sixth, seventh
        WHERE a.amount BETWEEN 1 AND 10 AND a.amount NOT BETWEEN 3 AND 4
          AND a.name LIKE 'x%' AND a.name NOT LIKE 'y!%' ESCAPE '!'
          AND a.id IN (1, 2, 3) AND a.id NOT IN (SELECT id FROM blocked)
          AND a.flag IS NOT NULL AND a.code IS NULL AND a.flag IS TRUE AND a.flag IS NOT FALSE AND a.flag IS UNKNOWN
          AND EXISTS (SELECT 1 FROM t WHERE t.id = a.id) AND a.amount > (SELECT AVG(amount) FROM orders)
          AND (a.id = 1 OR a.id <> 2 OR a.id != 3) AND a.id < 4 AND a.id <= 5 AND a.id >= 6
          AND (1 + 2) * 3 = 9 AND 1 - (2 - 3) = 2 AND NOT (a.flag AND b.flag)
        ORDER BY a.id DESC, 2 ASC NULLS LAST, 3 NULLS FIRST
        LIMIT 10
        """,
        """
        WITH recent (id, amount) AS (SELECT id, amount FROM orders), big AS (SELECT * FROM recent WHERE amount > 100)
        SELECT id,
               ROW_NUMBER() OVER (PARTITION BY id ORDER BY amount DESC) AS row_number,
               SUM(amount) OVER (PARTITION BY id ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW),
               COUNT(*) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW),
               MAX(amount) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING),
               MIN(amount) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
               AVG(amount) OVER (ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING)
        FROM big
        """,
        """
        SELECT a FROM t1 UNION SELECT a FROM t2 EXCEPT SELECT a FROM t3 INTERSECT ALL SELECT a FROM t4
        UNION ALL (SELECT a FROM t5 ORDER BY a LIMIT 1) UNION DISTINCT VALUES (1), (2)
        """,
        "SELECT o.*, p.* FROM orders o JOIN payments FOR SYSTEM_TIME AS OF o.proc_time AS p ON o.id = p.order_id",
        """
        SELECT B.auction FROM bid B JOIN auction A
          ON B.auction = A.id AND B.`dateTime` BETWEEN A.`dateTime` - INTERVAL '10' SECOND AND A.`dateTime` + INTERVAL '1' HOUR
        """,
        "VALUES (1, 'a'), (2, 'b')",
        "SELECT 1; ; SELECT 2;",
        "-- a comment\nSELECT /* inline */ 1 -- trailing\n/* block\n over lines */",
        "SELECT `select`, `a``b` FROM `from`",
        "SELECT äpfel, 名前 FROM früchte",
        """
        SELECT ((SELECT 1) + 1) * 2, x IN ((SELECT 1), 2), CAST(r AS ROW()), CAST(r AS ROW<a ARRAY<MAP<INT, ROW<b INT>>>>)
        FROM (SELECT 1 AS x UNION SELECT 2 UNION SELECT 3 INTERSECT SELECT 4 EXCEPT (SELECT 5 UNION SELECT 6)) AS u
        JOIN ((SELECT 1 AS y) AS v JOIN w ON TRUE) ON TRUE
        """,
    ]
}
