import SQL
import Testing

/// The planner compiles SQL to a job over first-party plugins; what it
/// cannot run is an `.unsupported` error at the query's place.
@Suite struct SQLPlannerTests {
    static let orders = """
        CREATE TABLE orders (
            order_id BIGINT,
            customer_id BIGINT,
            category STRING,
            amount DECIMAL(10, 2),
            event_time TIMESTAMP(3),
            WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
        ) WITH ('connector' = 'filesystem', 'path' = 'orders.jsonl', 'format' = 'json');
        CREATE TABLE payments (
            order_id BIGINT,
            paid DECIMAL(10, 2),
            paid_time TIMESTAMP(3),
            WATERMARK FOR paid_time AS paid_time
        ) WITH ('connector' = 'filesystem', 'path' = 'payments.jsonl', 'format' = 'json');
        CREATE TABLE out_file (order_id BIGINT, label STRING) WITH ('connector' = 'filesystem', 'path' = 'out.jsonl', 'format' = 'json');

        """

    static func plan(_ query: String) throws(SQLError) -> SQLJob {
        try SQLPlanner.plan(orders + query, file: "job.sql", jobName: "job")
    }

    static func error(_ query: String) -> SQLError? {
        do {
            _ = try plan(query)
            return nil
        } catch {
            return error
        }
    }

    /// (component, config JSON) of each step, but the map that checks a
    /// text table's types where it is read (`<table>-types`, tested on its
    /// own in `textColumnsAreCheckedWhereTheyAreRead`).
    static func steps(_ job: SQLJob) -> [String] {
        job.steps.filter { !$0.id.hasSuffix("-types") }.map { "\($0.kind.rawValue) \($0.component) \(SQLJobValue.object($0.config).json)" }
    }

    @Test func whereCaseAndCastBecomeFilterMapAndProject() throws {
        let job = try Self.plan("""
            INSERT INTO out_file
            SELECT order_id, CASE WHEN amount >= 100 THEN 'big' ELSE CAST(customer_id AS STRING) END
            FROM orders WHERE category <> 'books' AND amount > 10
            """)
        #expect(Self.steps(job) == [
            #"source file {"path": "orders.jsonl", "format": "jsonl", "timestamp_field": "event_time"}"#,
            #"operator filter {"where": "(category <> 'books') and (amount > 10)"}"#,
            #"operator map {"set": {"__sql_1": "order_id", "__sql_2": "case when (amount >= 100) then 'big' else cast(customer_id as string) end"}}"#,
            #"operator project {"keep": ["__sql_1", "__sql_2"], "rename": {"__sql_1": "order_id", "__sql_2": "label"}}"#,
            #"sink file {"path": "out.jsonl", "format": "jsonl"}"#,
        ])
        // Flink's watermark is the largest time minus 5 s; the host takes 1 ms more off.
        #expect(job.steps[0].watermarks.map { SQLJobValue.object($0).json }
            == #"{"strategy": "bounded_out_of_orderness", "max_out_of_orderness_ms": 4999}"#)
        #expect(job.yaml.contains("\n  - id: \"orders\"\n    source: \"file\"\n"))
    }

    @Test func theSeedArticlesGroupWindowBecomesKeyByAndWindow() throws {
        let job = try Self.plan("""
            SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
            FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR)
            """)
        let steps = Self.steps(job)
        #expect(steps[1] == "key_by customer_id {}")
        #expect(steps[2] == #"operator window {"kind": "tumbling", "size_ms": 3600000, "key_name": "__sql_1", "aggregates": [{"fn": "count", "name": "__sql_2"}, {"fn": "sum", "field": "amount", "name": "__sql_3"}]}"#)
        #expect(steps[3].hasPrefix(#"operator map {"set": {"__sql_4": "cast(__sql_1 as integer)", "__sql_5": "timestamp_text(window_start)""#))
        #expect(steps[4] == #"operator project {"keep": ["__sql_4", "__sql_5", "__sql_6", "__sql_7"], "rename": {"__sql_4": "customer_id", "__sql_5": "EXPR$1", "__sql_6": "EXPR$2", "__sql_7": "EXPR$3"}}"#)
        #expect(steps[5] == #"sink stdout {"format": "value"}"#)
        // SUM of DECIMAL(10, 2) is DECIMAL(38, 2): written with 2 digits, by the map that shapes the output.
        #expect(steps[3].hasSuffix(#""__sql_7": "cast(__sql_3 as decimal(38, 2))"}}"#))
        #expect(steps.count == 6)
    }

    @Test func textColumnsAreCheckedWhereTheyAreRead() throws {
        // A JSON table's source declares the table's schema: its lines are
        // read into typed columns where they leave it, no map casts them.
        let job = try Self.plan("SELECT order_id, customer_id, amount, event_time FROM orders")
        #expect(job.steps[0].schema.map { $0.map { "\($0.0): \($0.1)" } }
            == ["order_id: int64", "customer_id: int64", "amount: decimal(10,2)", "event_time: utf8"])
        #expect(!job.steps.contains { $0.id.hasSuffix("-types") })
        #expect(job.yaml.contains(#"    schema: {"order_id": "int64", "customer_id": "int64", "amount": "decimal(10,2)", "event_time": "utf8"}"#))
        // Only the columns the query reads (Flink's projection push-down).
        let one = try Self.plan("SELECT order_id FROM orders")
        #expect(one.steps[0].schema.map { $0.map(\.0) } == ["order_id"])
        // Nested rows are structs (dotted names); a type the schema cannot
        // declare as the expressions read it keeps the casting map.
        let nested = try SQLPlanner.plan("""
            CREATE TABLE t (k INT, r ROW<a BIGINT, b ROW<ok BOOLEAN, x DOUBLE>, s VARCHAR>)
                WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');
            SELECT k, r FROM t
            """, file: "job.sql", jobName: "job")
        #expect(nested.steps[0].schema.map { $0.map { "\($0.0): \($0.1)" } }
            == ["k: int32", "r.a: int64", "r.b.ok: bool", "r.b.x: float64", "r.s: utf8"])
        let dated = try SQLPlanner.plan("""
            CREATE TABLE t (k INT, d DATE) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');
            SELECT k, d FROM t
            """, file: "job.sql", jobName: "job")
        #expect(dated.steps[0].schema == nil)
        #expect(dated.steps[1].id == "t-types")
        #expect(SQLJobValue.object(dated.steps[1].config).json == #"{"set": {"k": "cast(k as integer)"}}"#)
        // Computed columns share that map, after the checks; every entry reads
        // the input record, so `b` does not need `a`'s cast.
        let computed = try SQLPlanner.plan("""
            CREATE TABLE t (a INT, ok BOOLEAN, b AS a + 1) WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
            SELECT b FROM t WHERE ok
            """, file: "job.sql", jobName: "job")
        #expect(computed.steps.map(\.id).prefix(3) == ["t", "t-columns", "t-computed"])
        #expect(SQLJobValue.object(computed.steps[2].config).json
            == #"{"set": {"ok": "cast(ok as boolean)", "b": "(a + 1)"}}"#)
    }

    @Test func columnsNobodyReadsAreNotComputed() throws {
        // Views are planned where they are used: only what the query reads of them is computed.
        let job = try Self.plan("""
            CREATE VIEW v AS SELECT order_id, UPPER(category) AS label, amount * 2 AS doubled, event_time FROM orders;
            SELECT order_id FROM v WHERE doubled > 10
            """)
        let yaml = job.yaml
        #expect(!yaml.contains("upper("), "\(yaml)")
        #expect(!yaml.contains("customer_id"), "\(yaml)")
        let steps = Self.steps(job)
        #expect(steps[1] == #"operator map {"set": {"__sql_1": "order_id", "__sql_3": "(amount * 2)"}}"#)
        #expect(steps[2] == #"operator project {"keep": ["__sql_1", "__sql_3"], "rename": {"__sql_1": "order_id", "__sql_3": "doubled"}}"#)
        #expect(steps[3] == #"operator filter {"where": "(doubled > 10)"}"#)
        // The sink's record is what the query selects, as before.
        #expect(steps[4] == #"operator project {"keep": ["order_id"]}"#)

        // A computed column nobody reads: its map goes, the next step reads the source.
        let computed = try SQLPlanner.plan("""
            CREATE TABLE t (s STRING, b AS UPPER(s)) WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
            CREATE TABLE out_t (s STRING) WITH ('connector' = 'filesystem', 'path' = 'o.jsonl', 'format' = 'json');
            INSERT INTO out_t SELECT s FROM t WHERE s <> 'x'
            """, file: "job.sql", jobName: "job")
        #expect(computed.steps.map(\.component) == ["file", "filter", "map", "project", "file"], "\(computed.yaml)")
        #expect(!computed.yaml.contains("upper("), "\(computed.yaml)")
        #expect(computed.steps[1].inputs.isEmpty)
    }

    @Test func aSelectListsDuplicateNamesAsCalciteRenamesThem() throws {
        // Nexmark q20 selects B.dateTime and A.dateTime: two columns of one
        // name, which the INSERT takes by position. Flink (Calcite) names
        // the second dateTime0; a later one clashing again gets 00.
        let job = try Self.plan("""
            CREATE TABLE pairs (a BIGINT, b BIGINT, c STRING, d DECIMAL(10, 2), e BIGINT)
                WITH ('connector' = 'filesystem', 'path' = 'pairs.jsonl', 'format' = 'json');
            INSERT INTO pairs
            SELECT o.order_id, p.order_id, o.category AS x, p.paid AS x, o.customer_id AS x0
            FROM orders AS o JOIN payments AS p ON o.order_id = p.order_id
            """)
        let project = try #require(job.steps.last { $0.component == "project" })
        let rename = SQLJobValue.object(project.config).json
        for (from, to) in [("order_id", "a"), ("order_id0", "b"), ("x", "c"), ("x0", "d"), ("x00", "e")] {
            #expect(rename.contains(#""\#(to)""#), "\(from) → \(to): \(job.yaml)")
        }
        // Without the INSERT the job's records carry the names themselves.
        let selected = try Self.plan("""
            SELECT o.order_id, p.order_id, o.category AS x, p.paid AS x, o.customer_id AS x0, o.amount AS x
            FROM orders AS o JOIN payments AS p ON o.order_id = p.order_id
            """)
        let names = try #require(selected.steps.last { $0.component == "project" }).config.first { $0.0 == "rename" }?.1
        let text = names.map { SQLJobValue.object([("rename", $0)]).json } ?? ""
        for name in ["order_id0", "x0", "x00", "x1"] {
            #expect(text.contains(#": "\#(name)""#), "\(name): \(selected.yaml)")
        }
    }

    @Test func decimalColumnsKeepTheirScale() throws {
        // A DECIMAL(p, s) column is cast to its type where the output is shaped, even when only passed on.
        let job = try Self.plan("SELECT order_id, amount, CAST(amount * 3 AS DECIMAL(12, 1)) AS tripled FROM orders")
        #expect(Self.steps(job)[1] == #"operator map {"set": {"__sql_1": "order_id", "__sql_2": "cast(amount as decimal(10, 2))", "#
            + #""__sql_3": "cast(cast((amount * 3) as decimal(12, 1)) as decimal(12, 1))"}}"#)
    }

    @Test func windowTableFunctionsAndSeveralKeys() throws {
        let job = try Self.plan("""
            SELECT window_start, customer_id, category, MAX(amount) AS top, COUNT(order_id) FILTER (WHERE amount > 5) AS n
            FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
            GROUP BY window_start, window_end, customer_id, category
            """)
        let steps = Self.steps(job)
        #expect(steps[1].hasPrefix(#"operator map {"set": {"__sql_1": "concat(coalesce(concat('=', cast(customer_id as string)), '~'), '\u001F', "#))
        #expect(steps[2] == "key_by __sql_1 {}")
        #expect(steps[3].hasPrefix(#"operator window {"kind": "sliding", "size_ms": 300000, "slide_ms": 60000, "key_name": "__sql_1", "aggregates": [{"fn": "first", "field": "customer_id", "name": "__sql_2"}, {"fn": "first", "field": "category", "name": "__sql_3"}, {"fn": "max", "field": "amount", "name": "__sql_4"}, {"fn": "count", "field": "__sql_5_in", "name": "__sql_5"}"#))
        #expect(steps[1].contains(#""__sql_5_in": "case when (amount > 5) then order_id end""#))
    }

    @Test func anIntervalJoinBecomesKeyedJoinWithBounds() throws {
        let job = try Self.plan("""
            INSERT INTO out_file
            SELECT o.order_id, o.category FROM orders o JOIN payments p
            ON o.order_id = p.order_id AND p.paid_time BETWEEN o.event_time AND o.event_time + INTERVAL '1' HOUR AND p.paid > 0
            """)
        let steps = Self.steps(job)
        #expect(steps.contains("key_by order_id {}"))
        #expect(steps.contains(#"operator join {"lower_ms": 0, "upper_ms": 3600000}"#))
        #expect(steps.contains(#"operator filter {"where": "(right.paid > 0)"}"#))
        let join = try #require(job.steps.first { $0.component == "join" })
        #expect(join.inputs.count == 2)
        #expect(steps.contains { $0.contains(#""__sql_1": "left.order_id""#) })
    }

    @Test func theJoinBoundsFollowEveryForm() throws {
        for (condition, lower, upper) in [
            ("o.event_time BETWEEN p.paid_time - INTERVAL '1' HOUR AND p.paid_time", 0, 3_600_000),
            ("p.paid_time >= o.event_time - INTERVAL '10' SECOND AND p.paid_time < o.event_time + INTERVAL '10' SECOND", -10_000, 9_999),
            ("o.event_time > p.paid_time AND o.event_time <= p.paid_time + INTERVAL '2' MINUTE", -120_000, -1),
        ] {
            let job = try Self.plan("INSERT INTO out_file SELECT o.order_id, o.category FROM orders o, payments p WHERE o.order_id = p.order_id AND \(condition)")
            let join = try #require(job.steps.first { $0.component == "join" })
            #expect(SQLJobValue.object(join.config).json == #"{"lower_ms": \#(lower), "upper_ms": \#(upper)}"#, "\(condition)")
        }
    }

    @Test func viewsAreInlined() throws {
        let job = try Self.plan("""
            CREATE VIEW big AS SELECT order_id, category FROM orders WHERE amount > 100;
            INSERT INTO out_file SELECT order_id, UPPER(category) FROM big
            """)
        #expect(Self.steps(job).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            == ["source file", "operator filter", "operator map", "operator project", "operator map", "operator project", "sink file"])
    }

    @Test func connectorsByName() throws {
        let job = try SQLPlanner.plan("""
            CREATE TABLE src (order_id BIGINT, amount DECIMAL(10, 2), event_time TIMESTAMP(3))
                WITH ('connector' = 'datagen', 'number-of-rows' = '100', 'rows-per-second' = '10');
            CREATE TABLE topic_out (order_id BIGINT, amount DECIMAL(10, 2)) WITH (
                'connector' = 'kafka', 'topic' = 'big', 'properties.bootstrap.servers' = 'localhost:9092',
                'format' = 'json', 'sink.delivery-guarantee' = 'exactly-once');
            CREATE TABLE topic_in (order_id BIGINT, amount DECIMAL(10, 2)) WITH (
                'connector' = 'kafka', 'topic' = 'big', 'properties.bootstrap.servers' = 'localhost:9092', 'properties.group.id' = 'g', 'scan.startup.mode' = 'earliest-offset',
                'format' = 'json');
            CREATE TABLE nothing (order_id BIGINT) WITH ('connector' = 'blackhole');
            SET 'execution.checkpointing.interval' = '2 s';
            EXECUTE STATEMENT SET BEGIN
            INSERT INTO topic_out SELECT order_id, amount FROM src WHERE amount > 100;
            INSERT INTO nothing SELECT order_id FROM topic_in;
            END
            """, file: "c.sql", jobName: "c")
        let steps = Self.steps(job)
        #expect(steps.first == #"source datagen {"count": 100, "rate": 10}"#)
        #expect(steps.contains(#"sink log {"topic": "big", "delivery": "exactly_once"}"#))
        #expect(steps.contains(#"source log {"topic": "big", "group": "g", "start": "earliest", "bounded": false}"#))
        #expect(steps.contains(#"sink blackhole {"print": false}"#))
        #expect(job.yaml.contains("checkpoints: {interval_ms: 2000}\n"))
        #expect(job.notes.contains { $0.contains("properties.bootstrap.servers 'localhost:9092' is not used to connect") })
    }

    static let errors: [(text: String, kind: SQLError.Kind, rendered: String)] = [
        ("SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id", .unsupported,
         "job.sql:16:51: a GROUP BY without a window (TUMBLE, HOP or SESSION): its results are an update stream, which needs changelog support (not yet supported)"),
        ("SELECT COUNT(*) FROM orders", .unsupported,
         "job.sql:16:1: a GROUP BY without a window (TUMBLE, HOP or SESSION): its results are an update stream, which needs changelog support (not yet supported)"),
        ("SELECT order_id FROM orders WHERE amount > 'x'", .typeMismatch,
         "job.sql:16:35: cannot compare amount (DECIMAL(10, 2)) with 'x' (STRING): amount > 'x'; CAST one side"),
        ("SELECT o.order_id FROM orders o LEFT JOIN payments p ON o.order_id = p.order_id", .unsupported,
         "job.sql:16:24: LEFT JOIN (outer joins give update streams) (not yet supported)"),
        ("SELECT o.order_id FROM orders o JOIN payments p ON o.order_id = p.order_id AND p.paid_time >= o.event_time", .unsupported,
         "job.sql:16:24: a join with a bound on only one side of right.ts - left.ts (a.ts BETWEEN b.ts - INTERVAL ... AND b.ts + ... bounds both; a join with no time condition is a regular join) (not yet supported)"),
        ("SELECT order_id FROM orders ORDER BY 1", .unsupported,
         "job.sql:16:38: ORDER BY on a stream needs a sort over event time (not yet supported)"),
        ("CREATE TABLE t (a INT) WITH ('connector' = 'kafkaa'); SELECT a FROM t", .connector,
         "job.sql:16:44: unknown connector 'kafkaa' for table t; known connectors: blackhole, datagen, filesystem, kafka, nexmark, print"),
        ("CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = 'a', 'format' = 'json', 'sink.rolling' = '1'); SELECT a FROM t", .connector,
         "job.sql:16:91: unknown option 'sink.rolling' for connector filesystem (table t); filesystem takes connector, path, format, csv.field-delimiter"),
        ("CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = 'a', 'format' = 'avro'); SELECT a FROM t", .connector,
         "job.sql:16:83: option 'format' of connector filesystem is 'avro'; it takes json or csv"),
        ("CREATE TABLE t (order_id INT) WITH ('connector' = 'datagen', 'fields.order_id.kind' = 'sequence'); SELECT order_id FROM t", .connector,
         "job.sql:16:62: datagen option 'fields.order_id.kind' is not supported: streamhost's datagen makes its orders records (order_id, customer_id, category, amount, event_time), with no per-field settings; datagen takes rows-per-second, number-of-rows"),
        ("SELECT order_id, SUM(amount) OVER (PARTITION BY customer_id ORDER BY event_time) FROM orders", .unsupported,
         "job.sql:16:18: SUM(...) OVER (...) is not supported yet (OVER windows need update streams or row-by-row state)"),
        ("SELECT customer_id, TUMBLE_END(event_time, INTERVAL '2' HOUR) FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR)", .invalid,
         "job.sql:16:21: TUMBLE_END(...) must repeat the GROUP BY's TUMBLE(event_time, INTERVAL '1' HOUR)"),
        ("INSERT INTO orders SELECT * FROM payments", .typeMismatch,
         "job.sql:16:20: INSERT INTO orders needs 5 columns (order_id, customer_id, category, amount, event_time) but the query gives 3"),
    ]

    @Test(arguments: errors.indices) func mistakesAndWhatIsNotSupportedNameThePlace(_ index: Int) throws {
        let (text, kind, rendered) = Self.errors[index]
        let error = try #require(Self.error(text), "\(text)")
        #expect(error.kind == kind, "\(text)")
        #expect(error.description == rendered, "\(text)")
    }

    @Test func intervalsAndTimestampsInMilliseconds() throws {
        let job = try Self.plan("""
            SELECT order_id FROM orders WHERE event_time >= TIMESTAMP '2026-01-01 00:00:01.5' AND event_time < TIMESTAMP '2026-01-01 00:00:00' + INTERVAL '1 02:03:04.25' DAY TO SECOND
            """)
        #expect(Self.steps(job)[1] == #"operator filter {"where": "(event_time() >= 1767225601500) and (event_time() < (1767225600000 + 93784250))"}"#)
    }
}
