/// Queries: WITH, set operations, SELECT, FROM and joins, ORDER BY, LIMIT.
extension SQLParser {
    /// `[WITH ...] body [ORDER BY ...] [LIMIT n]`.
    mutating func query() throws(SQLError) -> SQLQuery {
        try nested { (parser: inout SQLParser) throws(SQLError) in try parser.queryLevel() }
    }

    private mutating func queryLevel() throws(SQLError) -> SQLQuery {
        let start = current
        var with: [SQLCommonTableExpression] = []
        if accept("WITH") {
            repeat {
                let name = try identifier("the name of a WITH query")
                var columns: [SQLIdentifier] = []
                if current.isSymbol("(") { columns = try identifierList("column list of \(name.name)") }
                try expect("AS", "after WITH \(name.name)")
                try expect(symbol: "(", "after WITH \(name.name) AS (the query in parentheses)")
                let query = try query()
                try expect(symbol: ")", "after the query of WITH \(name.name)")
                with.append(SQLCommonTableExpression(name: name, columns: columns, query: query))
            } while accept(symbol: ",")
        }
        var query = try setOperations()
        let orderBy = accept("ORDER") ? try orderItems("after ORDER") : []
        var limit: SQLExpression?
        if accept("LIMIT") {
            guard case .number = current.kind else {
                throw fail("expected the number of rows after LIMIT, found \(describe(current))")
            }
            limit = try primary()
        }
        if current.isKeyword("OFFSET") || current.isKeyword("FETCH") {
            throw fail("\(current.keyword!) is not supported; use LIMIT")
        }
        if !with.isEmpty || !orderBy.isEmpty || limit != nil {
            guard query.with.isEmpty, query.orderBy.isEmpty, query.limit == nil else {
                throw fail("a parenthesized query with its own WITH, ORDER BY or LIMIT cannot take another here; select from it as a subquery", at: start)
            }
            query.with = with
            query.orderBy = orderBy
            query.limit = limit
            query.position = start.position
        }
        return query
    }

    /// `BY item [ASC|DESC] [NULLS FIRST|LAST], ...`.
    mutating func orderItems(_ context: String) throws(SQLError) -> [SQLOrderItem] {
        try expect("BY", context)
        var items: [SQLOrderItem] = []
        repeat {
            let expression = try expression()
            var ascending: Bool?
            if accept("ASC") {
                ascending = true
            } else if accept("DESC") {
                ascending = false
            }
            var nullsFirst: Bool?
            if accept("NULLS") {
                if accept("FIRST") {
                    nullsFirst = true
                } else if accept("LAST") {
                    nullsFirst = false
                } else {
                    throw fail("expected FIRST or LAST after NULLS, found \(describe(current))")
                }
            }
            items.append(SQLOrderItem(expression: expression, ascending: ascending, nullsFirst: nullsFirst))
        } while accept(symbol: ",")
        return items
    }

    /// UNION and EXCEPT (left to right) over INTERSECT, which binds tighter.
    private mutating func setOperations() throws(SQLError) -> SQLQuery {
        var left = try intersections()
        var chain = 0
        defer { nesting -= chain }
        while let keyword = current.keyword, keyword == "UNION" || keyword == "EXCEPT" || keyword == "MINUS" {
            let operatorToken = advance()
            try enter()
            chain += 1
            let all = try allOrDistinct()
            let right = try intersections()
            left = SQLQuery(body: .setOperation(keyword == "UNION" ? .union : .except, all: all, left, right), at: operatorToken.position)
        }
        return left
    }

    private mutating func intersections() throws(SQLError) -> SQLQuery {
        var left = try queryPrimary()
        var chain = 0
        defer { nesting -= chain }
        while current.isKeyword("INTERSECT") {
            let operatorToken = advance()
            try enter()
            chain += 1
            let all = try allOrDistinct()
            let right = try queryPrimary()
            left = SQLQuery(body: .setOperation(.intersect, all: all, left, right), at: operatorToken.position)
        }
        return left
    }

    private mutating func allOrDistinct() throws(SQLError) -> Bool {
        if accept("ALL") { return true }
        _ = accept("DISTINCT")
        return false
    }

    /// SELECT, VALUES, or a query in parentheses.
    private mutating func queryPrimary() throws(SQLError) -> SQLQuery {
        let start = current
        if current.isKeyword("SELECT") {
            return SQLQuery(body: .select(try select()), at: start.position)
        }
        if accept("VALUES") {
            var rows: [[SQLExpression]] = []
            repeat {
                try expect(symbol: "(", "before a row of VALUES")
                var row = [try expression()]
                while accept(symbol: ",") { row.append(try expression()) }
                try expect(symbol: ")", "after a row of VALUES")
                rows.append(row)
            } while accept(symbol: ",")
            return SQLQuery(body: .values(rows), at: start.position)
        }
        if accept(symbol: "(") {
            let query = try query()
            try expect(symbol: ")", "after the query in parentheses")
            return query
        }
        throw fail("expected SELECT, VALUES or '(' to start a query, found \(describe(current))")
    }

    /// `SELECT [DISTINCT|ALL] items [FROM ...] [WHERE ...] [GROUP BY ...] [HAVING ...]`.
    private mutating func select() throws(SQLError) -> SQLSelect {
        let start = advance()
        var select = SQLSelect(items: [], from: nil, at: start.position)
        if accept("DISTINCT") {
            select.distinct = true
        } else {
            _ = accept("ALL")
        }
        repeat {
            select.items.append(try selectItem())
        } while accept(symbol: ",")
        if accept("FROM") {
            select.from = try tableReference()
        } else if let keyword = current.keyword, ["WHERE", "GROUP", "HAVING"].contains(keyword) {
            throw fail("expected FROM before \(keyword), found \(describe(current))")
        } else if atIdentifier || isLiteral(current) {
            throw fail("expected ',' or FROM after the select list, found \(describe(current))")
        }
        if accept("WHERE") { select.whereClause = try expression() }
        if accept("GROUP") {
            try expect("BY", "after GROUP")
            repeat {
                select.groupBy.append(try expression())
            } while accept(symbol: ",")
        }
        if accept("HAVING") { select.having = try expression() }
        if current.isKeyword("WINDOW") {
            throw fail("named windows (WINDOW w AS ...) are not supported; write the window in OVER (...)")
        }
        return select
    }

    func isLiteral(_ token: SQLToken) -> Bool {
        switch token.kind {
        case .number, .string: return true
        default: return false
        }
    }

    /// `*`, `name.*`, or `expression [[AS] alias]`.
    private mutating func selectItem() throws(SQLError) -> SQLSelectItem {
        let start = current
        if accept(symbol: "*") { return SQLSelectItem(.wildcard(qualifier: nil), at: start.position) }
        if let qualifier = try qualifiedWildcard() { return SQLSelectItem(.wildcard(qualifier: qualifier), at: start.position) }
        if let keyword = current.keyword, ["FROM", "WHERE", "GROUP"].contains(keyword) {
            throw fail("expected a select list item before \(keyword), found \(describe(current))")
        }
        let expression = try expression()
        return SQLSelectItem(.expression(expression, alias: try alias()), at: start.position)
    }

    /// `a.b.*`, when the tokens spell one.
    private mutating func qualifiedWildcard() throws(SQLError) -> SQLName? {
        var ahead = 0
        while true {
            switch peek(ahead).kind {
            case .identifier, .quotedIdentifier: break
            default: return nil
            }
            guard peek(ahead + 1).isSymbol(".") else { return nil }
            if peek(ahead + 2).isSymbol("*") { break }
            ahead += 2
        }
        let qualifier = try name("a table name before '.*'")
        advance()
        advance()
        return qualifier
    }

    /// `[AS] name` after a select item or a table reference.
    private mutating func alias() throws(SQLError) -> SQLIdentifier? {
        if accept("AS") { return try identifier("an alias after AS") }
        if atIdentifier { return try identifier("an alias") }
        return nil
    }

    /// `[AS] name [(columns)]` after a table reference.
    private mutating func tableAlias() throws(SQLError) -> SQLAlias? {
        guard let name = try alias() else { return nil }
        var columns: [SQLIdentifier] = []
        if current.isSymbol("(") { columns = try identifierList("column list of alias \(name.name)") }
        return SQLAlias(name: name, columns: columns)
    }

    // MARK: FROM

    /// Table references joined left to right.
    mutating func tableReference() throws(SQLError) -> SQLTableReference {
        try nested { (parser: inout SQLParser) throws(SQLError) in try parser.joins() }
    }

    private mutating func joins() throws(SQLError) -> SQLTableReference {
        var left = try tablePrimary()
        var chain = 0
        defer { nesting -= chain }
        while let kind = try joinKind() {
            try enter()
            chain += 1
            let right = try tablePrimary()
            var condition: SQLJoinCondition?
            if kind == .comma || kind == .cross {
                if current.isKeyword("ON") || current.isKeyword("USING") {
                    throw fail("\(kind == .comma ? "a comma join" : "CROSS JOIN") takes no \(current.keyword!); write JOIN ... ON, or the condition in WHERE")
                }
            } else if accept("ON") {
                condition = .on(try expression())
            } else if current.isKeyword("USING") {
                advance()
                condition = .using(try identifierList("USING column list"))
            } else {
                throw fail("expected ON or USING after the right side of \(kind.rawValue), found \(describe(current))")
            }
            left = SQLTableReference(.join(kind, left, right, condition), at: left.position)
        }
        return left
    }

    /// The join keyword at the current token, consumed; nil when none.
    private mutating func joinKind() throws(SQLError) -> SQLJoinKind? {
        let kind: SQLJoinKind
        switch current.keyword {
        case _ where current.isSymbol(","):
            advance()
            return .comma
        case "JOIN": kind = .inner
        case "INNER": kind = .inner
        case "LEFT": kind = .left
        case "RIGHT": kind = .right
        case "FULL": kind = .full
        case "CROSS": kind = .cross
        case "NATURAL": throw fail("NATURAL joins are not supported; join with ON")
        default: return nil
        }
        let first = advance()
        if !first.isKeyword("JOIN") {
            if kind != .inner && kind != .cross { _ = accept("OUTER") }
            try expect("JOIN", "after \(first.keyword!)")
        }
        return kind
    }

    /// A table, a subquery, `TABLE(function(...))`, or joins in parentheses.
    private mutating func tablePrimary() throws(SQLError) -> SQLTableReference {
        let start = current
        if current.isSymbol("(") {
            if queryFollowsParenthesis {
                advance()
                let query = try query()
                try expect(symbol: ")", "after the subquery")
                return SQLTableReference(.subquery(query, alias: try tableAlias()), at: start.position)
            }
            advance()
            let inner = try tableReference()
            try expect(symbol: ")", "after the joins in parentheses")
            return inner
        }
        if current.isKeyword("TABLE") {
            advance()
            try expect(symbol: "(", "after TABLE (TABLE(function(...)))")
            let nameToken = current
            let name = try name("a table function's name in TABLE(...)")
            guard current.isSymbol("(") else {
                throw fail("expected '(' after \(name.dotted) in TABLE(...): TABLE(...) wraps a call such as TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE), found \(describe(current))")
            }
            let call = try functionCall(name, at: nameToken)
            try expect(symbol: ")", "after the call in TABLE(...)")
            return SQLTableReference(.tableFunction(call, alias: try tableAlias()), at: start.position)
        }
        if current.isKeyword("LATERAL") || current.isKeyword("UNNEST") {
            throw fail("\(current.keyword!) is not supported")
        }
        let name = try name("a table name")
        var systemTime: SQLExpression?
        if current.isKeyword("FOR") {
            advance()
            try expect("SYSTEM_TIME", "after FOR (FOR SYSTEM_TIME AS OF time)")
            try expect("AS", "after FOR SYSTEM_TIME")
            try expect("OF", "after FOR SYSTEM_TIME AS")
            systemTime = try additive()
        }
        return SQLTableReference(.table(name, systemTimeAsOf: systemTime, alias: try tableAlias()), at: start.position)
    }
}
