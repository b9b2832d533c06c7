import SQL
import Testing

/// The constructs of docs/SQL.md, each checked in the tree it parses to.
@Suite struct SQLParserTests {
    static func statement(_ text: String) throws -> SQLStatement {
        let script = try SQLParser.parse(text, file: "t.sql")
        try #require(script.statements.count == 1)
        return script.statements[0]
    }

    static func select(_ text: String) throws -> SQLSelect {
        try statement(text).query().selectBody()
    }

    @Test func everyCorpusStatementParses() throws {
        for (index, text) in SQLCorpus.statements.enumerated() {
            #expect(throws: Never.self, "corpus \(index)") { _ = try SQLParser.parse(text, file: "corpus.sql") }
        }
    }

    @Test func createTableKeepsColumnsMetadataKeyWatermarkAndOptions() throws {
        let table = try Self.statement(SQLCorpus.statements[0]).createTable()
        #expect(table.name.dotted == "cat.db.orders" && table.temporary && table.ifNotExists)
        #expect(table.comment?.value == "orders")
        #expect(table.partitionedBy.map(\.name) == ["day"])
        let byName = Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name.name, $0) })
        guard case .physical(let id) = byName["order_id"]?.kind else { throw expectedNode("order_id BIGINT NOT NULL", table) }
        #expect(id.kind == .bigint && !id.nullable)
        guard case .metadata(let type, let key, let virtual) = byName["kafka_ts"]?.kind else { throw expectedNode("METADATA", table) }
        #expect(type.kind == .timestampLocalTimeZone(precision: 3) && key?.value == "timestamp" && virtual)
        guard case .metadata(_, nil, true) = byName["partition"]?.kind, case .metadata(_, nil, false) = byName["headers"]?.kind else {
            throw expectedNode("METADATA without FROM", table)
        }
        guard case .computed(let total) = byName["total"]?.kind else { throw expectedNode("AS amount * 1.2", table) }
        #expect(try total.binary().op == .multiply)
        #expect(byName["total"]?.comment?.value == "with tax")
        guard case .physical(let local) = byName["local_ts"]?.kind, case .physical(let ratio) = byName["ratio"]?.kind,
              case .physical(let attributes) = byName["attributes"]?.kind, case .physical(let customer) = byName["customer"]?.kind else {
            throw expectedNode("typed columns", table)
        }
        #expect(local.kind == .timestampLocalTimeZone(precision: 3))
        #expect(ratio.kind == .double)
        guard case .map(let keyType, let valueType) = attributes.kind, case .array(let element) = valueType.kind else {
            throw expectedNode("MAP<STRING, ARRAY<INT>>", attributes)
        }
        #expect(keyType.kind == .string && element.kind == .int)
        guard case .row(let fields) = customer.kind, case .row(let address) = fields[1].type.kind else {
            throw expectedNode("ROW(id, address ROW<...>)", customer)
        }
        #expect(address.map(\.name.name) == ["city", "zip"] && address[1].type.kind == .char(length: 5))
        #expect(fields[1].comment?.value == "where")
        #expect(table.watermark?.column.dotted == "event_time")
        #expect(table.primaryKey?.constraintName?.name == "pk" && table.primaryKey?.columns.map(\.name) == ["order_id"])
        #expect(table.options.last.map { [$0.key.value, $0.value.value] } == ["it's", "quoted"])

        let inline = try Self.statement(SQLCorpus.statements[1]).createTable()
        #expect(inline.primaryKey?.columns.map(\.name) == ["id"])
    }

    @Test func createFunctionNamesItsSymbolLanguageAndLibrary() throws {
        guard case .createFunction(let function) = try Self.statement(SQLCorpus.statements[4]).kind else {
            throw expectedNode("CREATE FUNCTION", SQLCorpus.statements[4])
        }
        #expect(function.name.dotted == "count_char" && function.symbol.value == "count_char")
        #expect(function.language?.name == "C")
        #expect(function.resource?.kind == .library && function.resource?.path.value == "libcountchar.so")
        guard case .createFunction(let java) = try Self.statement(SQLCorpus.statements[5]).kind else {
            throw expectedNode("CREATE FUNCTION", SQLCorpus.statements[5])
        }
        #expect(java.temporary && java.system && java.ifNotExists && java.resource?.kind == .jar)
    }

    @Test func viewsStatementSetsExplainAndSet() throws {
        let view = try Self.statement(SQLCorpus.statements[2]).createView()
        #expect(view.columns.map(\.name) == ["a", "b"])
        guard case .set(let key, let value) = try Self.statement(SQLCorpus.statements[6]).kind else {
            throw expectedNode("SET", SQLCorpus.statements[6])
        }
        #expect(key.value == "table.exec.state.ttl" && value.value == "1 h")
        guard case .explain(let explained) = try Self.statement(SQLCorpus.statements[8]).kind else {
            throw expectedNode("EXPLAIN", SQLCorpus.statements[8])
        }
        #expect(try explained.insert().target.dotted == "sink")
        guard case .statementSet(let inserts) = try Self.statement(SQLCorpus.statements[9]).kind else {
            throw expectedNode("EXECUTE STATEMENT SET", SQLCorpus.statements[9])
        }
        #expect(inserts.map(\.target.dotted) == ["a", "b"])
        #expect(inserts[1].overwrite && inserts[1].columns.map(\.name) == ["x", "y"])
    }

    @Test func legacyGroupWindowsAndAggregatesAreCalls() throws {
        let select = try Self.select(SQLCorpus.statements[10])
        let calls = try select.expressions().dropFirst().map { try $0.0.call() }
        #expect(calls.map(\.name.dotted) == [
            "TUMBLE_START", "TUMBLE_END", "TUMBLE_ROWTIME", "COUNT", "SUM", "MIN", "MAX", "AVG", "COUNT", "SUM",
        ])
        #expect(calls[3].star && calls[3].arguments.isEmpty)
        #expect(calls[8].distinct && !calls[8].star)
        #expect(try calls[9].filter.map { try $0.binary().op } == .greater)
        #expect(try select.groupBy[1].call().name.dotted == "TUMBLE")
        #expect(try select.groupBy[1].call().arguments[1].interval() == SQLInterval(text: "1", start: .hour))
        #expect(try select.having.map { try $0.binary().op } == .greater)
    }

    @Test func windowFunctionsTakeNamedArgumentsAndPluralUnits() throws {
        let select = try Self.select(SQLCorpus.statements[12])
        let tumble = try #require(select.from).tableFunction()
        let names = tumble.arguments.compactMap { argument -> String? in
            if case .namedArgument(let name, _) = argument.kind { return name.name }
            return nil
        }
        #expect(names == ["DATA", "TIMECOL", "SIZE"])
        guard case .namedArgument(_, let size) = tumble.arguments[2].kind else { throw expectedNode("SIZE =>", tumble) }
        #expect(try size.interval() == SQLInterval(text: "10", start: .minute))

        // (CUMULATE UNION ALL SESSION) UNION ALL SESSION: set operations group to the left.
        guard case .query(let union) = try Self.statement(SQLCorpus.statements[13]).kind,
              case .setOperation(.union, true, let firstTwo, _) = union.body,
              case .setOperation(.union, true, let cumulate, let session) = firstTwo.body else {
            throw expectedNode("a UNION ALL of three", SQLCorpus.statements[13])
        }
        #expect(try #require(try cumulate.selectBody().from).tableFunction().name.dotted == "CUMULATE")
        let sessionCall = try #require(try session.selectBody().from).tableFunction()
        guard case .tableArgument(let table, let partitionBy) = sessionCall.arguments[0].kind else {
            throw expectedNode("TABLE bid PARTITION BY item", sessionCall)
        }
        #expect(table.dotted == "bid" && partitionBy.map(\.dotted) == ["item"])
    }

    @Test func intervalsKeepTheirTextAndUnits() throws {
        let cases: [(String, SQLInterval)] = [
            ("INTERVAL '5' SECOND", SQLInterval(text: "5", start: .second)),
            ("INTERVAL '1' HOUR", SQLInterval(text: "1", start: .hour)),
            ("INTERVAL '10' MINUTES", SQLInterval(text: "10", start: .minute)),
            ("INTERVAL '1.5' SECOND", SQLInterval(text: "1.5", start: .second)),
            ("INTERVAL '10:00' MINUTE TO SECOND", SQLInterval(text: "10:00", start: .minute, end: .second)),
            ("INTERVAL '1-6' YEAR TO MONTH", SQLInterval(text: "1-6", start: .year, end: .month)),
            ("INTERVAL '2 10:30:15.5' DAY TO SECOND(3)",
             SQLInterval(text: "2 10:30:15.5", start: .day, end: .second, fractionPrecision: 3)),
            ("INTERVAL -'3' DAY(2)", SQLInterval(negative: true, text: "3", start: .day, startPrecision: 2)),
            ("INTERVAL '-3' DAY", SQLInterval(text: "-3", start: .day)),
        ]
        for (text, interval) in cases {
            #expect(try SQLParser.parseExpression(text, file: "i.sql").interval() == interval, "\(text)")
        }
    }

    @Test func predicatesSubqueriesAndJoins() throws {
        let select = try Self.select(SQLCorpus.statements[14])
        #expect(select.distinct)
        // a LEFT OUTER JOIN b, RIGHT JOIN (c CROSS JOIN d), FULL JOIN e USING, CROSS JOIN, comma: left-deep.
        var kinds: [SQLJoinKind] = []
        var reference = try #require(select.from)
        while case .join(let kind, let left, let right, _) = reference.kind {
            kinds.append(kind)
            if kind == .right { #expect(try right.join().kind == .cross) }
            reference = left
        }
        #expect(kinds == [.comma, .cross, .full, .right, .left])
        #expect(try reference.table().alias?.columns.count == 9)

        var conditions: [String] = []
        var node = try #require(select.whereClause)
        while case .binary(.and, let left, let right) = node.kind {
            switch right.kind {
            case .between(_, _, _, let negated): conditions.append(negated ? "NOT BETWEEN" : "BETWEEN")
            case .like(_, _, let escape, let negated): conditions.append((negated ? "NOT LIKE" : "LIKE") + (escape == nil ? "" : " ESCAPE"))
            case .inList(_, _, let negated): conditions.append(negated ? "NOT IN list" : "IN list")
            case .inQuery(_, _, let negated): conditions.append(negated ? "NOT IN query" : "IN query")
            case .isTest(_, let test, let negated): conditions.append("IS \(negated ? "NOT " : "")\(test.rawValue)")
            case .exists: conditions.append("EXISTS")
            case .binary(let op, _, let value):
                if case .scalarQuery = value.kind { conditions.append("\(op.rawValue) scalar query") } else { conditions.append(op.rawValue) }
            case .unary(.not, _): conditions.append("NOT")
            default: conditions.append("?")
            }
            node = left
        }
        #expect(conditions.reversed() == [
            "NOT BETWEEN", "LIKE", "NOT LIKE ESCAPE", "IN list", "NOT IN query", "IS NOT NULL", "IS NULL", "IS TRUE",
            "IS NOT FALSE", "IS UNKNOWN", "EXISTS", "> scalar query", "OR", "<", "<=", ">=", "=", "=", "NOT",
        ])
        guard case .between = node.kind else { throw expectedNode("the first BETWEEN", node) }
        #expect(try Self.statement(SQLCorpus.statements[14]).query().limit?.kind == .number("10"))
    }

    @Test func overWindowsKeepPartitionOrderAndFrame() throws {
        let query = try Self.statement(SQLCorpus.statements[15]).query()
        #expect(query.with.map(\.name.name) == ["recent", "big"])
        let calls = try query.selectBody().expressions().dropFirst().map { try $0.0.call() }
        let rowNumber = try #require(calls[0].over)
        #expect(try rowNumber.partitionBy.map { try $0.columnName() } == ["id"])
        #expect(rowNumber.orderBy.map(\.ascending) == [false] && rowNumber.frame == nil)
        let frames = calls.dropFirst().map(\.over?.frame)
        guard case .preceding(let ten) = frames[0]?.start else { throw expectedNode("10 PRECEDING", calls[1]) }
        #expect(ten.kind == .number("10") && frames[0]?.end == .currentRow && frames[0]?.unit == .rows)
        guard case .preceding(let hour) = frames[1]?.start else { throw expectedNode("INTERVAL '1' HOUR PRECEDING", calls[2]) }
        #expect(try hour.interval() == SQLInterval(text: "1", start: .hour) && frames[1]?.unit == .range)
        #expect(frames[2]?.start == .unboundedPreceding && frames[2]?.end == nil)
        #expect(frames[3]?.end == .unboundedFollowing)
        guard case .following = frames[4]?.end else { throw expectedNode("2 FOLLOWING", calls[5]) }
    }

    @Test func setOperationsBindIntersectTighter() throws {
        // t1 UNION t2 EXCEPT (t3 INTERSECT ALL t4) UNION ALL (t5 ...) UNION VALUES
        guard case .setOperation(.union, false, let left, let values) = try Self.statement(SQLCorpus.statements[16]).query().body,
              case .values(let rows) = values.body,
              case .setOperation(.union, true, let left2, let limited) = left.body,
              case .setOperation(.except, false, _, let intersect) = left2.body,
              case .setOperation(.intersect, true, _, _) = intersect.body else {
            throw expectedNode("set operations", SQLCorpus.statements[16])
        }
        #expect(rows.count == 2)
        #expect(limited.orderBy.count == 1 && limited.limit != nil)
    }

    @Test func temporalJoinsKeepTheirTime() throws {
        let select = try Self.select(SQLCorpus.statements[17])
        let join = try #require(select.from).join()
        guard case .table(let name, let time?, let alias) = join.right.kind else { throw expectedNode("FOR SYSTEM_TIME AS OF", join.right) }
        #expect(name.dotted == "payments" && alias?.name.name == "p")
        #expect(try time.columnName() == "o.proc_time")
        guard case .wildcard(let qualifier) = select.items[0].kind else { throw expectedNode("o.*", select.items[0]) }
        #expect(qualifier?.dotted == "o")
    }

    @Test func commentsAndEmptyStatementsLeaveNothing() throws {
        #expect(try SQLParser.parse(SQLCorpus.statements[20], file: "t.sql").statements.count == 2)
        let script = try SQLParser.parse(SQLCorpus.statements[21], file: "t.sql")
        #expect(script.statements.count == 1)
        #expect(script.statements[0].position.description == "2:1")
        #expect(try SQLParser.parse("-- nothing\n;;", file: "t.sql").statements.isEmpty)
    }

    @Test func keywordsAreCaseInsensitiveAndNamesKeepTheirCase() throws {
        let upper = try Self.select("SELECT Price FROM Bid WHERE Price > 1")
        let lower = try Self.select("select Price from Bid where Price > 1")
        #expect(shape(upper) == shape(lower))
        #expect(try upper.expressions()[0].0.columnName() == "Price")
        // Nexmark's names that are keywords elsewhere stay names here.
        let select = try Self.select("SELECT key, final, name, state, `value` FROM side_input")
        #expect(try select.expressions().map { try $0.0.columnName() } == ["key", "final", "name", "state", "value"])
    }
}
