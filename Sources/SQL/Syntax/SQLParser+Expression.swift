/// Expressions, loosest first: OR; AND; NOT; comparisons and predicates
/// (`= <> != < <= > >=`, IS, BETWEEN, LIKE, IN), left to right; `+ -`;
/// `* / % ||`; unary `- +`; subscripts `[i]`; primaries.
extension SQLParser {
    mutating func expression() throws(SQLError) -> SQLExpression {
        try nested { (parser: inout SQLParser) throws(SQLError) in try parser.or() }
    }

    /// A left-to-right chain of binary operators at one level; every link
    /// costs a level of nesting (the tree grows one deeper per link).
    private mutating func chain(
        _ operators: (SQLToken) -> SQLBinaryOperator?,
        _ operand: (inout SQLParser) throws(SQLError) -> SQLExpression
    ) throws(SQLError) -> SQLExpression {
        var left = try operand(&self)
        var links = 0
        defer { nesting -= links }
        while let op = operators(current) {
            advance()
            try enter()
            links += 1
            let right = try operand(&self)
            left = SQLExpression(.binary(op, left, right), at: left.position)
        }
        return left
    }

    private mutating func or() throws(SQLError) -> SQLExpression {
        try chain({ $0.isKeyword("OR") ? .or : nil }) { (parser: inout SQLParser) throws(SQLError) in try parser.and() }
    }

    private mutating func and() throws(SQLError) -> SQLExpression {
        try chain({ $0.isKeyword("AND") ? .and : nil }) { (parser: inout SQLParser) throws(SQLError) in try parser.not() }
    }

    private mutating func not() throws(SQLError) -> SQLExpression {
        guard current.isKeyword("NOT") else { return try predicate() }
        let start = advance()
        let operand = try nested { (parser: inout SQLParser) throws(SQLError) in try parser.not() }
        return SQLExpression(.unary(.not, operand), at: start.position)
    }

    static let comparisons: [String: SQLBinaryOperator] = [
        "=": .equal, "<>": .notEqual, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
    ]

    /// Comparisons, IS, BETWEEN, LIKE and IN after an additive expression.
    private mutating func predicate() throws(SQLError) -> SQLExpression {
        var left = try additive()
        var links = 0
        defer { nesting -= links }
        while true {
            let start = left.position
            if case .symbol(let symbol) = current.kind, let op = Self.comparisons[symbol] {
                advance()
                try enter()
                links += 1
                left = SQLExpression(.binary(op, left, try additive()), at: start)
                continue
            }
            if current.isKeyword("IS") {
                advance()
                try enter()
                links += 1
                let negated = accept("NOT")
                let test: SQLIsTest
                switch current.keyword {
                case "NULL": test = .null
                case "TRUE": test = .true
                case "FALSE": test = .false
                case "UNKNOWN": test = .unknown
                default:
                    throw fail("expected NULL, TRUE, FALSE or UNKNOWN after IS\(negated ? " NOT" : ""), found \(describe(current))")
                }
                advance()
                left = SQLExpression(.isTest(left, test, negated: negated), at: start)
                continue
            }
            let negated = current.isKeyword("NOT")
                && (peek(1).isKeyword("BETWEEN") || peek(1).isKeyword("LIKE") || peek(1).isKeyword("IN"))
            let keywordToken = negated ? peek(1) : current
            guard let keyword = keywordToken.keyword, ["BETWEEN", "LIKE", "IN"].contains(keyword) else { return left }
            if negated { advance() }
            advance()
            try enter()
            links += 1
            let not = negated ? "NOT " : ""
            switch keyword {
            case "BETWEEN":
                if accept("SYMMETRIC") || accept("ASYMMETRIC") {
                    throw fail("BETWEEN SYMMETRIC and ASYMMETRIC are not supported; write BETWEEN low AND high", at: keywordToken)
                }
                let low = try additive()
                try expect("AND", "between the bounds of \(not)BETWEEN")
                let high = try additive()
                left = SQLExpression(.between(left, low: low, high: high, negated: negated), at: start)
            case "LIKE":
                let pattern = try additive()
                let escape = accept("ESCAPE") ? try additive() : nil
                left = SQLExpression(.like(left, pattern: pattern, escape: escape, negated: negated), at: start)
            default:
                try expect(symbol: "(", "after \(not)IN (a list or a query in parentheses)")
                if current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES") {
                    let query = try query()
                    try expect(symbol: ")", "after the query of \(not)IN")
                    left = SQLExpression(.inQuery(left, query, negated: negated), at: start)
                } else {
                    var items = [try expression()]
                    while accept(symbol: ",") { items.append(try expression()) }
                    try expect(symbol: ")", "after the list of \(not)IN")
                    left = SQLExpression(.inList(left, items, negated: negated), at: start)
                }
            }
        }
    }

    mutating func additive() throws(SQLError) -> SQLExpression {
        try chain({ token in
            if token.isSymbol("+") { return .plus }
            if token.isSymbol("-") { return .minus }
            return nil
        }) { (parser: inout SQLParser) throws(SQLError) in try parser.multiplicative() }
    }

    private mutating func multiplicative() throws(SQLError) -> SQLExpression {
        try chain({ token in
            switch token.kind {
            case .symbol("*"): return .multiply
            case .symbol("/"): return .divide
            case .symbol("%"): return .modulo
            case .symbol("||"): return .concatenate
            default: return nil
            }
        }) { (parser: inout SQLParser) throws(SQLError) in try parser.unary() }
    }

    private mutating func unary() throws(SQLError) -> SQLExpression {
        let start = current
        let op: SQLUnaryOperator
        if current.isSymbol("-") {
            op = .minus
        } else if current.isSymbol("+") {
            op = .plus
        } else {
            return try postfix()
        }
        advance()
        let operand = try nested { (parser: inout SQLParser) throws(SQLError) in try parser.unary() }
        return SQLExpression(.unary(op, operand), at: start.position)
    }

    /// A primary with subscripts: `tags[1]`, `attributes['k']`.
    private mutating func postfix() throws(SQLError) -> SQLExpression {
        var base = try primary()
        var links = 0
        defer { nesting -= links }
        while current.isSymbol("[") {
            advance()
            try enter()
            links += 1
            let index = try expression()
            try expect(symbol: "]", "after the subscript")
            base = SQLExpression(.subscript(base, index), at: base.position)
        }
        return base
    }

    /// Literals, names, calls, CASE, CAST, INTERVAL, EXISTS, subqueries and
    /// parenthesized expressions.
    mutating func primary() throws(SQLError) -> SQLExpression {
        let start = current
        switch current.kind {
        case .number(let text):
            advance()
            return SQLExpression(.number(text), at: start.position)
        case .string(let text):
            advance()
            return SQLExpression(.string(text), at: start.position)
        case .symbol("("):
            if queryFollowsParenthesis {
                advance()
                let query = try query()
                try expect(symbol: ")", "after the subquery")
                return SQLExpression(.scalarQuery(query), at: start.position)
            }
            advance()
            let inner = try expression()
            if current.isSymbol(",") {
                throw fail("row values in parentheses ((a, b)) are not supported; write ROW(a, b)")
            }
            try expect(symbol: ")", "to close the '(' at \(start.position)")
            return inner
        case .quotedIdentifier:
            return try nameOrCall()
        case .identifier:
            break
        case .end:
            throw fail("expected an expression, found the end of the text")
        case .symbol(let symbol):
            throw fail("expected an expression, found '\(symbol)'")
        }
        let keyword = current.keyword!
        switch keyword {
        case "NULL":
            advance()
            return SQLExpression(.null, at: start.position)
        case "TRUE", "FALSE":
            advance()
            return SQLExpression(.boolean(keyword == "TRUE"), at: start.position)
        case "CASE":
            return try caseWhen()
        case "CAST":
            return try cast(isTry: false)
        case "TRY_CAST" where peek(1).isSymbol("("):
            return try cast(isTry: true)
        case "EXTRACT" where peek(1).isSymbol("("):
            return try extract()
        case "INTERVAL":
            return try interval()
        case "EXISTS":
            advance()
            try expect(symbol: "(", "after EXISTS")
            guard startsQuery else { throw fail("expected a query after EXISTS (, found \(describe(current))") }
            let query = try query()
            try expect(symbol: ")", "after the query of EXISTS")
            return SQLExpression(.exists(query), at: start.position)
        case "DESCRIPTOR" where peek(1).isSymbol("("):
            advance()
            return SQLExpression(.descriptor(try identifierList("DESCRIPTOR column list")), at: start.position)
        case "ARRAY" where peek(1).isSymbol("["), "MAP" where peek(1).isSymbol("["):
            advance()
            advance()
            var items: [SQLExpression] = []
            if !current.isSymbol("]") {
                repeat { items.append(try expression()) } while accept(symbol: ",")
            }
            try expect(symbol: "]", "after the items of \(keyword)[...]")
            if keyword == "MAP", items.count % 2 != 0 {
                throw fail("MAP[...] needs key and value pairs; it has \(items.count) items", at: start)
            }
            return SQLExpression(keyword == "ARRAY" ? .array(items) : .map(items), at: start.position)
        case "DATE", "TIME", "TIMESTAMP":
            if case .string(let text) = peek(1).kind {
                let type: SQLDataType.Kind = keyword == "DATE" ? .date : keyword == "TIME" ? .time(precision: nil) : .timestamp(precision: nil)
                advance()
                advance()
                return SQLExpression(.typedLiteral(SQLDataType(type, at: start.position), text), at: start.position)
            }
            return try nameOrCall()
        case "LEFT" where peek(1).isSymbol("("), "RIGHT" where peek(1).isSymbol("("):
            // String functions spelled like join keywords.
            advance()
            return try call(SQLName([SQLIdentifier(identifierText(start), at: start.position)]), at: start)
        default:
            if isReserved(current) {
                throw fail("expected an expression, found the keyword \(keyword) (quote a name spelled like a keyword in backquotes: `\(identifierText(current))`)")
            }
            return try nameOrCall()
        }
    }

    private func identifierText(_ token: SQLToken) -> String {
        if case .identifier(let name) = token.kind { return name }
        return ""
    }

    /// A column path, or a call when `(` follows the name.
    private mutating func nameOrCall() throws(SQLError) -> SQLExpression {
        let start = current
        let name = try name("a name")
        if current.isSymbol("(") { return try call(name, at: start) }
        if name.parts.count == 1, !name.parts[0].quoted, SQLFunctionCall.niladicNames.contains(name.parts[0].name.uppercased()) {
            return SQLExpression(.call(SQLFunctionCall(name: name, arguments: [])), at: start.position)
        }
        return SQLExpression(.column(name), at: start.position)
    }

    private mutating func call(_ name: SQLName, at start: SQLToken) throws(SQLError) -> SQLExpression {
        SQLExpression(.call(try functionCall(name, at: start)), at: start.position)
    }

    /// `name(args) [FILTER (WHERE ...)] [OVER (...)]`, at the `(`.
    mutating func functionCall(_ name: SQLName, at start: SQLToken) throws(SQLError) -> SQLFunctionCall {
        try nested { (parser: inout SQLParser) throws(SQLError) in try parser.functionCallLevel(name, at: start) }
    }

    private mutating func functionCallLevel(_ name: SQLName, at start: SQLToken) throws(SQLError) -> SQLFunctionCall {
        try expect(symbol: "(", "after \(name.dotted)")
        var call = SQLFunctionCall(name: name, arguments: [])
        if accept(symbol: "*") {
            call.star = true
        } else if !current.isSymbol(")") {
            if accept("DISTINCT") {
                call.distinct = true
            } else {
                _ = accept("ALL")
            }
            repeat {
                call.arguments.append(try argument(of: name))
            } while accept(symbol: ",")
        }
        try expect(symbol: ")", "after the arguments of \(name.dotted)")
        if current.isKeyword("FILTER"), peek(1).isSymbol("(") {
            advance()
            advance()
            try expect("WHERE", "after FILTER ( (FILTER (WHERE condition))")
            call.filter = try expression()
            try expect(symbol: ")", "after the condition of FILTER (WHERE ...)")
        }
        if accept("OVER") {
            let over = current
            guard accept(symbol: "(") else {
                throw fail("expected '(' after OVER (named windows are not supported), found \(describe(current))")
            }
            call.over = try windowSpecification(at: over)
        }
        return call
    }

    /// An argument: `TABLE t`, `name => value`, or an expression.
    private mutating func argument(of function: SQLName) throws(SQLError) -> SQLExpression {
        let start = current
        if current.isKeyword("TABLE") {
            advance()
            let table = try name("a table name after TABLE in the arguments of \(function.dotted)")
            var partitionBy: [SQLName] = []
            if accept("PARTITION") {
                try expect("BY", "after TABLE \(table.dotted) PARTITION")
                if accept(symbol: "(") {
                    repeat { partitionBy.append(try name("a column in PARTITION BY")) } while accept(symbol: ",")
                    try expect(symbol: ")", "after the PARTITION BY columns")
                } else {
                    partitionBy.append(try name("a column after PARTITION BY"))
                }
            }
            return SQLExpression(.tableArgument(table, partitionBy: partitionBy), at: start.position)
        }
        if peek(1).isSymbol("=>") {
            let name = try identifier("an argument name before '=>'")
            advance()
            return SQLExpression(.namedArgument(name, try argument(of: function)), at: start.position)
        }
        return try expression()
    }

    /// `[PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE ...])`, after `OVER (`.
    private mutating func windowSpecification(at start: SQLToken) throws(SQLError) -> SQLWindowSpecification {
        var partitionBy: [SQLExpression] = []
        if accept("PARTITION") {
            try expect("BY", "after PARTITION")
            repeat { partitionBy.append(try expression()) } while accept(symbol: ",")
        }
        let orderBy = accept("ORDER") ? try orderItems("after ORDER in OVER (...)") : []
        var frame: SQLWindowFrame?
        let frameStart = current
        if let keyword = current.keyword, keyword == "ROWS" || keyword == "RANGE" {
            advance()
            let unit: SQLWindowFrame.Unit = keyword == "ROWS" ? .rows : .range
            if accept("BETWEEN") {
                let low = try frameBound()
                try expect("AND", "between the bounds of \(keyword) BETWEEN")
                frame = SQLWindowFrame(unit: unit, start: low, end: try frameBound(), at: frameStart.position)
            } else {
                frame = SQLWindowFrame(unit: unit, start: try frameBound(), end: nil, at: frameStart.position)
            }
        }
        try expect(symbol: ")", "after the window of OVER (...)")
        return SQLWindowSpecification(partitionBy: partitionBy, orderBy: orderBy, frame: frame, at: start.position)
    }

    private mutating func frameBound() throws(SQLError) -> SQLWindowFrame.Bound {
        if accept("UNBOUNDED") {
            if accept("PRECEDING") { return .unboundedPreceding }
            if accept("FOLLOWING") { return .unboundedFollowing }
            throw fail("expected PRECEDING or FOLLOWING after UNBOUNDED, found \(describe(current))")
        }
        if current.isKeyword("CURRENT"), peek(1).isKeyword("ROW") {
            advance()
            advance()
            return .currentRow
        }
        let offset = try additive()
        if accept("PRECEDING") { return .preceding(offset) }
        if accept("FOLLOWING") { return .following(offset) }
        throw fail("expected PRECEDING or FOLLOWING after a window frame's offset, found \(describe(current))")
    }

    private mutating func caseWhen() throws(SQLError) -> SQLExpression {
        let start = advance()
        let operand = current.isKeyword("WHEN") ? nil : try expression()
        var whens: [SQLWhenClause] = []
        while current.isKeyword("WHEN") {
            let when = advance()
            let condition = try expression()
            try expect("THEN", "after the condition of WHEN")
            whens.append(SQLWhenClause(condition: condition, result: try expression(), at: when.position))
        }
        guard !whens.isEmpty else { throw fail("expected WHEN after CASE, found \(describe(current))") }
        let otherwise = accept("ELSE") ? try expression() : nil
        try expect("END", "to close the CASE at \(start.position)")
        return SQLExpression(.caseWhen(operand: operand, whens, otherwise: otherwise), at: start.position)
    }

    private mutating func cast(isTry: Bool) throws(SQLError) -> SQLExpression {
        let start = advance()
        let name = isTry ? "TRY_CAST" : "CAST"
        try expect(symbol: "(", "after \(name)")
        let value = try expression()
        try expect("AS", "after the value of \(name) (\(name)(value AS type))")
        let type = try dataType()
        try expect(symbol: ")", "after the type of \(name)")
        return SQLExpression(.cast(value, type, isTry: isTry), at: start.position)
    }

    private mutating func extract() throws(SQLError) -> SQLExpression {
        let start = advance()
        advance()
        let unit = try timeUnit("after EXTRACT (", context: "EXTRACT")
        try expect("FROM", "after EXTRACT(\(unit.rawValue)")
        let value = try expression()
        try expect(symbol: ")", "after the value of EXTRACT")
        return SQLExpression(.extract(unit, value), at: start.position)
    }

    private mutating func timeUnit(_ context: String, context what: String) throws(SQLError) -> SQLTimeUnit {
        let units = "YEAR, MONTH, DAY, HOUR, MINUTE or SECOND"
        guard let word = current.keyword else {
            throw fail("expected a time unit (\(units)) \(context), found \(describe(current))")
        }
        if let unit = SQLTimeUnit(rawValue: word) {
            advance()
            return unit
        }
        if word.hasSuffix("S"), let unit = SQLTimeUnit(rawValue: String(word.dropLast())) {
            // Flink (Calcite) takes the plural in intervals: INTERVAL '10' MINUTES.
            guard what == "INTERVAL" else {
                throw fail("expected a time unit (\(units)) \(context), found \(describe(current)); write \(unit.rawValue), not \(word)")
            }
            advance()
            return unit
        }
        throw fail("expected a time unit (\(units)) \(context), found \(describe(current))")
    }

    /// `INTERVAL [-]'text' unit [(p)] [TO unit [(p)]]`, the text checked
    /// against the units.
    private mutating func interval() throws(SQLError) -> SQLExpression {
        let start = advance()
        let negative = accept(symbol: "-")
        if !negative { _ = accept(symbol: "+") }
        let textToken = current
        guard case .string(let text) = current.kind else {
            if case .number(let number) = current.kind {
                throw fail("expected the interval's value in quotes after INTERVAL, found number \(number) (write INTERVAL '\(number)' ...)")
            }
            throw fail("expected the interval's value in quotes after INTERVAL (INTERVAL '5' SECOND), found \(describe(current))")
        }
        advance()
        let startUnit = try timeUnit("after INTERVAL '\(text)'", context: "INTERVAL")
        var interval = SQLInterval(negative: negative, text: text, start: startUnit)
        if current.isSymbol("(") {
            advance()
            interval.startPrecision = try wholeNumber("the precision of \(startUnit.rawValue)")
            if startUnit == .second, accept(symbol: ",") {
                interval.fractionPrecision = try wholeNumber("the fraction precision of SECOND")
            }
            try expect(symbol: ")", "after the precision of \(startUnit.rawValue)")
        }
        if accept("TO") {
            let endUnit = try timeUnit("after INTERVAL '\(text)' \(startUnit.rawValue) TO", context: "INTERVAL")
            guard SQLInterval.isValidRange(startUnit, endUnit) else {
                throw fail("INTERVAL \(startUnit.rawValue) TO \(endUnit.rawValue) is not a valid range (ranges go from a larger to a smaller unit, within YEAR TO MONTH or within DAY to SECOND)", at: start)
            }
            interval.end = endUnit
            if endUnit == .second, current.isSymbol("(") {
                advance()
                interval.fractionPrecision = try wholeNumber("the fraction precision of SECOND")
                try expect(symbol: ")", "after the fraction precision of SECOND")
            }
        }
        guard SQLInterval.textFits(text, startUnit, interval.end) else {
            let units = startUnit.rawValue + (interval.end.map { " TO " + $0.rawValue } ?? "")
            throw fail("interval value '\(text)' does not fit \(units): expected \(SQLInterval.expectedForm(startUnit, interval.end))", at: textToken)
        }
        return SQLExpression(.interval(interval), at: start.position)
    }
}
