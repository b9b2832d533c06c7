@testable import SQL
import Testing
import TestKit

/// The catalog keeps tables, views and functions with their schemas and
/// connector options; queries are resolved against it and type-checked,
/// with errors naming the column or table and its position.
@Suite struct SQLCatalogTests {
    static let orders = """
        CREATE TABLE orders (
            order_id BIGINT,
            customer_id BIGINT,
            amount DECIMAL(10, 2),
            category STRING,
            customer ROW<id BIGINT, city STRING>,
            plain_time TIMESTAMP(3),
            event_time TIMESTAMP(3),
            WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
        ) WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
        CREATE TABLE customers (customer_id BIGINT, name STRING) WITH ('connector' = 'datagen');
        CREATE TABLE totals (customer_id BIGINT, window_start TIMESTAMP(3), orders BIGINT, total DECIMAL(38, 2))
            WITH ('connector' = 'print');
        """

    static func catalog() throws -> SQLCatalog {
        var catalog = SQLCatalog()
        try catalog.add(SQLParser.parse(orders, file: "orders.sql"))
        return catalog
    }

    /// The error of checking `text` against the orders catalog.
    static func error(_ text: String) throws -> SQLError? {
        var catalog = try catalog()
        let script = try SQLParser.parse(text, file: "job.sql")
        do {
            try catalog.add(script)
            return nil
        } catch {
            return error
        }
    }

    @Test func tablesKeepTheirSchemaOptionsAndTimeAttribute() throws {
        let orders = try #require(try Self.catalog().relation("orders"))
        #expect(orders.columns.map(\.name) == ["order_id", "customer_id", "amount", "category", "customer", "plain_time", "event_time"])
        #expect(orders.columns.map(\.type) == [
            .bigint, .bigint, .decimal(precision: 10, scale: 2), .string(length: nil),
            .row([.init(name: "id", type: .bigint), .init(name: "city", type: .string(length: nil))]),
            .timestamp(precision: 3), .timestamp(precision: 3),
        ])
        #expect(orders.columns.map(\.timeAttribute) == [nil, nil, nil, nil, nil, nil, .rowtime])
        #expect(orders.option("topic") == "orders" && orders.option("format") == "json" && orders.option("group") == nil)
        #expect(orders.position.description == "1:14")
    }

    @Test func theSeedArticlesQueryChecks() throws {
        var catalog = try Self.catalog()
        let checked = try catalog.add(SQLParser.parse("""
            INSERT INTO totals
            SELECT customer_id, TUMBLE_START(event_time, INTERVAL '1' HOUR), COUNT(*), SUM(amount)
            FROM orders GROUP BY customer_id, TUMBLE(event_time, INTERVAL '1' HOUR)
            """, file: "job.sql"))
        // SUM of DECIMAL(10, 2) is DECIMAL(38, 2), as in Flink.
        #expect(checked[0].output.map(\.type) == [.bigint, .timestamp(precision: 3), .bigint, .decimal(precision: 38, scale: 2)])
    }

    @Test func viewsAndWindowFunctionsGiveTheirColumns() throws {
        var catalog = try Self.catalog()
        try catalog.add(SQLParser.parse("""
            CREATE VIEW big AS SELECT order_id, amount * 2 AS doubled, customer.city, event_time, PROCTIME() AS seen FROM orders;
            """, file: "views.sql"))
        let big = try #require(catalog.relation("big"))
        #expect(big.columns.map(\.name) == ["order_id", "doubled", "city", "event_time", "seen"])
        #expect(big.columns.map(\.type) == [
            .bigint, .decimal(precision: 20, scale: 2), .string(length: nil), .timestamp(precision: 3), .timestampLocalTimeZone(precision: 3),
        ])
        #expect(big.columns.map(\.timeAttribute) == [nil, nil, nil, .rowtime, .proctime])
        let checked = try catalog.add(SQLParser.parse("""
            SELECT window_start, window_end, window_time, COUNT(*) FROM TABLE(
              HOP(DATA => TABLE big, TIMECOL => DESCRIPTOR(seen), SLIDE => INTERVAL '1' MINUTE, SIZE => INTERVAL '5' MINUTES))
            GROUP BY window_start, window_end, window_time
            """, file: "q.sql"))
        #expect(checked[0].output.map(\.name) == ["window_start", "window_end", "window_time", "EXPR$3"])
        #expect(checked[0].output.map(\.timeAttribute) == [nil, nil, .proctime, nil])
    }

    static let errors: [(text: String, kind: SQLError.Kind, rendered: String)] = [
        ("SELECT * FROM ordrs", .unknownTable, "job.sql:1:15: unknown table ordrs; the catalog has customers, orders, totals"),
        ("SELECT order_id, amout FROM orders", .unknownColumn,
         "job.sql:1:18: unknown column amout; the tables in FROM have order_id, customer_id, amount, category, customer, plain_time, event_time"),
        ("SELECT o.prize FROM orders o", .unknownColumn,
         "job.sql:1:10: unknown column prize in o; it has order_id, customer_id, amount, category, customer, plain_time, event_time"),
        ("SELECT customer.town FROM orders", .unknownColumn, "job.sql:1:17: customer has no field town; its fields are id, city"),
        ("SELECT order_id FROM orders WHERE amount > 'x'", .typeMismatch,
         "job.sql:1:35: cannot compare amount (DECIMAL(10, 2)) with 'x' (STRING): amount > 'x'; CAST one side"),
        ("SELECT category + 1 FROM orders", .typeMismatch, "job.sql:1:8: cannot add category (STRING) and 1 (INT)"),
        ("SELECT * FROM orders WHERE amount", .typeMismatch, "job.sql:1:28: WHERE needs a condition (BOOLEAN); amount is DECIMAL(10, 2)"),
        ("SELECT upper(amount) FROM orders", .typeMismatch, "job.sql:1:14: argument 1 of upper is a string; amount is DECIMAL(10, 2)"),
        ("SELECT count_char(category, 'c') FROM orders", .unknownFunction,
         "job.sql:1:8: unknown function count_char; the known functions are \(SQLBuiltinFunction.table.keys.sorted().joined(separator: ", ")); "
            + "declare a native one with CREATE FUNCTION count_char AS 'symbol' LANGUAGE C USING LIBRARY 'library.so'"),
        ("SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(plain_time), INTERVAL '1' MINUTE))", .invalid,
         "job.sql:1:53: TUMBLE needs a time attribute, and plain_time (TIMESTAMP(3)) is none: declare WATERMARK FOR plain_time in its table, or use PROCTIME()"),
        ("SELECT COUNT(*) FROM orders GROUP BY TUMBLE(plain_time, INTERVAL '1' HOUR)", .invalid,
         "job.sql:1:45: TUMBLE needs a time attribute as its first argument, and plain_time (TIMESTAMP(3)) is none: declare a WATERMARK for it in its table, or use PROCTIME()"),
        ("SELECT * FROM TABLE(SLIDE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))", .unknownFunction,
         "job.sql:1:21: unknown table function SLIDE; TABLE(...) takes the window functions TUMBLE, HOP, CUMULATE and SESSION"),
        ("SELECT order_id FROM orders WHERE COUNT(*) > 1", .invalid, "job.sql:1:35: aggregate COUNT is not allowed in WHERE; filter groups in HAVING"),
        ("SELECT customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id", .invalid,
         "job.sql:1:8: column customer_id is ambiguous: o and c both have it; qualify it (o.customer_id)"),
        ("INSERT INTO totals SELECT customer_id, event_time, COUNT(*) FROM orders GROUP BY customer_id, event_time", .typeMismatch,
         "job.sql:1:20: INSERT INTO totals needs 4 columns (customer_id, window_start, orders, total) but the query gives 3"),
        ("INSERT INTO totals SELECT customer_id, event_time, category, amount FROM orders", .typeMismatch,
         "job.sql:1:52: column orders of totals is BIGINT but the query gives STRING (category); CAST it"),
        ("CREATE TABLE orders (a INT)", .invalid, "job.sql:1:14: table orders already exists (created at orders.sql:1:14)"),
        ("CREATE TABLE t (a INT, WATERMARK FOR a AS a)", .typeMismatch,
         "job.sql:1:38: WATERMARK FOR needs a TIMESTAMP(3) or TIMESTAMP_LTZ(3) column; a is INT"),
        ("CREATE TABLE t (a INT, b AS a || 'x')", .typeMismatch, "job.sql:1:29: cannot concatenate (||) a (INT) and 'x' (STRING)"),
        ("SELECT ROW_NUMBER() FROM orders", .invalid, "job.sql:1:8: ROW_NUMBER needs OVER (PARTITION BY ... ORDER BY ...)"),
        ("SELECT customer_id, category, COUNT(*) FROM orders GROUP BY customer_id", .invalid,
         "job.sql:1:21: category is neither in GROUP BY nor inside an aggregate; add it to GROUP BY or aggregate it (MAX(category), say)"),
        ("SELECT category, COUNT(*) FROM orders", .invalid,
         "job.sql:1:8: category is neither in GROUP BY nor inside an aggregate; add it to GROUP BY or aggregate it (MAX(category), say)"),
        ("SELECT * FROM orders GROUP BY category", .invalid, "job.sql:1:8: * in a grouped SELECT: name the grouped columns and aggregates instead"),
        ("SELECT CASE WHEN amount > 1 THEN 'big' ELSE 0 END FROM orders", .typeMismatch,
         "job.sql:1:45: 0 is INT but the values before it are STRING"),
    ]

    @Test(arguments: errors.indices)
    func mistakeIsNamedWithItsPlace(index: Int) throws {
        let (text, kind, rendered) = Self.errors[index]
        let error = try #require(try Self.error(text), "\(text) was accepted")
        #expect(error.description == rendered)
        #expect(error.kind == kind)
    }

    /// Grouped columns may be written qualified or not, inside
    /// expressions, as ROW fields of a grouped ROW; aggregates, window
    /// bounds and correlated columns need no grouping.
    @Test func groupedQueriesUseGroupedColumns() throws {
        #expect(try Self.error("""
            SELECT o.customer_id, UPPER(category) AS c, customer.city, COUNT(*), SUM(amount) FILTER (WHERE amount > 1),
                   TUMBLE_END(event_time, INTERVAL '1' HOUR),
                   (SELECT MAX(name) FROM customers c WHERE c.customer_id = o.customer_id)
            FROM orders o
            GROUP BY customer_id, UPPER(category), customer, TUMBLE(event_time, INTERVAL '1' HOUR)
            HAVING COUNT(*) > 1 AND o.customer_id > 0
            """) == nil)
    }

    @Test func aCorrelatedSubquerySeesTheOuterQuery() throws {
        #expect(try Self.error("""
            SELECT order_id FROM orders o
            WHERE EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = o.customer_id)
              AND amount > (SELECT AVG(amount) FROM orders)
              AND customer_id IN (SELECT customer_id FROM customers)
            """) == nil)
    }

    @Test func userFunctionsAreKnownAfterCreateFunction() throws {
        #expect(try Self.error("""
            CREATE FUNCTION count_char AS 'count_char' LANGUAGE C USING LIBRARY 'libcount.so';
            SELECT COUNT_CHAR(category, 'c') FROM orders
            """) == nil)
    }
}

/// The Nexmark queries resolve against the Nexmark DDL and views, as the
/// Nexmark runner feeds them to Flink.
@Suite(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkCatalogTests {
    static func catalog() throws -> SQLCatalog {
        var catalog = SQLCatalog()
        for file in ["ddl_gen.sql", "ddl_views.sql"] {
            try catalog.add(SQLParser.parse(NexmarkFiles.text(file), file: file))
        }
        return catalog
    }

    static func check(_ file: String) throws -> [SQLCatalog.CheckedStatement] {
        var catalog = try catalog()
        return try catalog.add(SQLParser.parse(NexmarkFiles.text(file), file: file))
    }

    @Test func theViewsKeepTheGeneratorsEventTime() throws {
        let catalog = try Self.catalog()
        let generator = try #require(catalog.relation("datagen"))
        #expect(generator.option("connector") == "nexmark")
        #expect(generator.columns.last?.name == "dateTime" && generator.columns.last?.timeAttribute == .rowtime)
        let bid = try #require(catalog.relation("bid"))
        #expect(bid.columns.map(\.name) == ["auction", "bidder", "price", "channel", "url", "dateTime", "extra"])
        #expect(bid.columns.map(\.type) == [
            .bigint, .bigint, .bigint, .string(length: nil), .string(length: nil), .timestamp(precision: 3), .string(length: nil),
        ])
        #expect(bid.columns[5].timeAttribute == .rowtime)
    }

    /// q6 is not valid SQL (Nexmark says Flink does not run it): its WHERE
    /// uses a select alias of the same level.
    @Test func everyQueryButQ6Checks() throws {
        let queries = NexmarkFiles.files.filter { $0.hasPrefix("q") }
        #expect(queries.count >= 23)
        for file in queries where file != "q6.sql" {
            #expect(throws: Never.self, "\(file)") { _ = try Self.check(file) }
        }
    }

    @Test func q6IsRefusedNamingTheAlias() throws {
        let error = try #require(throws: SQLError.self) { _ = try Self.check("q6.sql") }
        #expect(error.kind == .unknownColumn)
        #expect(error.description == "q6.sql:30:11: unknown column rownum; the tables in FROM have id, seller, price, dateTime")
    }

    @Test func kafkaDDLAndItsInsertCheck() throws {
        var catalog = SQLCatalog()
        for file in ["ddl_gen.sql", "ddl_kafka.sql", "insert_kafka.sql"] {
            try catalog.add(SQLParser.parse(NexmarkFiles.text(file), file: file))
        }
        var second = SQLCatalog()
        try second.add(SQLParser.parse(NexmarkFiles.text("ddl_gen_v2.sql"), file: "ddl_gen_v2.sql"))
        #expect(second.relation("datagen")?.option("max-emit-speed") == "true")
    }

    @Test func q5AndQ7GiveTheColumnsTheirSinksTake() throws {
        let q5 = try Self.check("q5.sql")
        #expect(q5[1].output.map(\.name) == ["auction", "num"] && q5[1].output.map(\.type) == [.bigint, .bigint])
        let q7 = try Self.check("q7.sql")
        #expect(q7[1].output.map(\.type) == [.bigint, .bigint, .bigint, .timestamp(precision: 3), .string(length: nil)])
    }
}
