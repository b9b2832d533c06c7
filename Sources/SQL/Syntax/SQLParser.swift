/// Parses Flink SQL text into a typed syntax tree (`SQLScript`), with the
/// position of every node and errors that name the file, line and column.
///
/// Recursive descent, one function per rule; the rules and what they
/// accept are listed in docs/SQL.md. Keywords are case-insensitive; only
/// the words in `reservedWords` cannot be plain names (quote them in
/// backquotes), so Nexmark's `key`, `final` or `name` stay names as in Flink.
///
/// Nesting is bounded (`SQLLimits.nestingDepthMax`): every level of the
/// tree (a parenthesis, an operator, a join, a subquery, a nested type)
/// costs one level, so a hostile text can exhaust neither the parser's
/// stack nor that of the passes that walk the tree after it.
public struct SQLParser {
    let file: String
    var tokens: [SQLToken]
    var index = 0
    var nesting = 0

    /// Parses a whole script: statements separated by `;`.
    public static func parse(_ text: String, file: String) throws(SQLError) -> SQLScript {
        var parser = try SQLParser(text, file: file)
        var statements: [SQLStatement] = []
        while true {
            while parser.current.isSymbol(";") { parser.advance() }
            if parser.current.kind == .end { break }
            statements.append(try parser.statement())
            guard parser.current.isSymbol(";") || parser.current.kind == .end else {
                throw parser.fail("expected ';' or the end of the text after the statement, found \(parser.describe(parser.current))")
            }
        }
        return SQLScript(file: file, statements: statements)
    }

    /// Parses one expression (the whole text), for tools and tests.
    public static func parseExpression(_ text: String, file: String) throws(SQLError) -> SQLExpression {
        var parser = try SQLParser(text, file: file)
        let expression = try parser.expression()
        guard parser.current.kind == .end else {
            throw parser.fail("unexpected \(parser.describe(parser.current)) after a complete expression")
        }
        return expression
    }

    init(_ text: String, file: String) throws(SQLError) {
        guard text.utf8.count <= SQLLimits.textBytesMax else {
            throw SQLError(.limit, file: file, at: .start,
                           "the text is \(text.utf8.count) bytes long; at most \(SQLLimits.textBytesMax) are accepted")
        }
        self.file = file
        var lexer = SQLLexer(text, file: file)
        tokens = try lexer.tokens()
    }

    /// Words that are never plain names: they start or end clauses, so a
    /// name spelled like one would be ambiguous.
    static let reservedWords: Set<String> = [
        "ALL", "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CREATE", "CROSS", "DISTINCT", "ELSE", "END", "ESCAPE",
        "EXCEPT", "EXISTS", "FALSE", "FETCH", "FOR", "FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INSERT",
        "INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "LATERAL", "LEFT", "LIKE", "LIMIT", "MINUS", "NATURAL", "NOT",
        "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "RIGHT", "SELECT", "TABLE", "THEN", "TRUE", "UNION",
        "USING", "VALUES", "WHEN", "WHERE", "WINDOW", "WITH",
    ]

    // MARK: Tokens

    var current: SQLToken { tokens[index] }

    func peek(_ ahead: Int) -> SQLToken { tokens[min(index + ahead, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> SQLToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func describe(_ token: SQLToken) -> String {
        switch token.kind {
        case .end: return "the end of the text"
        case .identifier(let name): return "'\(name)'"
        case .quotedIdentifier(let name): return "`\(name)`"
        case .number(let number): return "number \(number)"
        case .string(let string): return "string '\(string.count > 40 ? String(string.prefix(40)) + "..." : string)'"
        case .symbol(let symbol): return "'\(symbol)'"
        }
    }

    func fail(_ message: String, at token: SQLToken? = nil) -> SQLError {
        SQLError(.syntax, file: file, at: (token ?? current).position, message)
    }

    func isReserved(_ token: SQLToken) -> Bool {
        token.keyword.map { Self.reservedWords.contains($0) } ?? false
    }

    /// Consumes `keyword` if it is next.
    mutating func accept(_ keyword: String) -> Bool {
        guard current.isKeyword(keyword) else { return false }
        advance()
        return true
    }

    /// Consumes `symbol` if it is next.
    mutating func accept(symbol: String) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func expect(_ keyword: String, _ context: String) throws(SQLError) {
        guard accept(keyword) else { throw fail("expected \(keyword) \(context), found \(describe(current))") }
    }

    mutating func expect(symbol: String, _ context: String) throws(SQLError) {
        guard accept(symbol: symbol) else { throw fail("expected '\(symbol)' \(context), found \(describe(current))") }
    }

    /// A name: a plain identifier that is not reserved, or a quoted one.
    mutating func identifier(_ context: String) throws(SQLError) -> SQLIdentifier {
        let token = current
        switch token.kind {
        case .identifier(let name) where !isReserved(token):
            advance()
            return SQLIdentifier(name, at: token.position)
        case .quotedIdentifier(let name):
            advance()
            return SQLIdentifier(name, quoted: true, at: token.position)
        case .identifier(let name):
            throw fail("expected \(context), found the keyword \(name.uppercased()) (quote a name spelled like a keyword in backquotes: `\(name)`)")
        default:
            throw fail("expected \(context), found \(describe(token))")
        }
    }

    /// Whether the current token can start a name.
    var atIdentifier: Bool {
        switch current.kind {
        case .identifier: return !isReserved(current)
        case .quotedIdentifier: return true
        default: return false
        }
    }

    /// `a.b.c`.
    mutating func name(_ context: String) throws(SQLError) -> SQLName {
        var parts = [try identifier(context)]
        while current.isSymbol("."), !peek(1).isSymbol("*") {
            advance()
            parts.append(try identifier("a name after '\(parts.map(\.name).joined(separator: ".")).'"))
        }
        return SQLName(parts)
    }

    /// `(a, b, c)`.
    mutating func identifierList(_ context: String) throws(SQLError) -> [SQLIdentifier] {
        try expect(symbol: "(", "before the \(context)")
        var names = [try identifier("a column name in the \(context)")]
        while accept(symbol: ",") { names.append(try identifier("a column name after ',' in the \(context)")) }
        try expect(symbol: ")", "after the \(context)")
        return names
    }

    /// A string literal where the grammar wants text.
    mutating func string(_ context: String) throws(SQLError) -> SQLString {
        guard case .string(let value) = current.kind else {
            throw fail("expected a string in single quotes \(context), found \(describe(current))")
        }
        return SQLString(value, at: advance().position)
    }

    /// A whole number (a length, a precision).
    mutating func wholeNumber(_ context: String) throws(SQLError) -> Int {
        guard case .number(let text) = current.kind, let value = Int(text), value >= 0, value <= 1_000_000_000 else {
            throw fail("expected \(context) (a whole number), found \(describe(current))")
        }
        advance()
        return value
    }

    // MARK: Nesting

    /// Enters one level of the tree, failing past the bound.
    mutating func enter() throws(SQLError) {
        nesting += 1
        guard nesting <= SQLLimits.nestingDepthMax else {
            throw SQLError(.limit, file: file, at: current.position,
                           "the statement nests deeper than \(SQLLimits.nestingDepthMax) levels here; split it (a view, a simpler expression)")
        }
    }

    /// Runs `body` one level deeper.
    mutating func nested<Result>(_ body: (inout SQLParser) throws(SQLError) -> Result) throws(SQLError) -> Result {
        try enter()
        defer { nesting -= 1 }
        return try body(&self)
    }

    // MARK: Statements

    mutating func statement() throws(SQLError) -> SQLStatement {
        let start = current
        switch current.keyword {
        case "CREATE":
            return try create()
        case "INSERT":
            return SQLStatement(.insert(try insert()), at: start.position)
        case "EXECUTE":
            return try statementSet()
        case "EXPLAIN":
            advance()
            if accept("PLAN") { try expect("FOR", "after EXPLAIN PLAN") }
            guard !current.isKeyword("EXPLAIN") else { throw fail("EXPLAIN cannot explain an EXPLAIN") }
            return SQLStatement(.explain(try statement()), at: start.position)
        case "SET":
            advance()
            let key = try string("after SET (SET 'key' = 'value')")
            try expect(symbol: "=", "after SET '\(key.value)'")
            let value = try string("as the value of '\(key.value)'")
            return SQLStatement(.set(key: key, value: value), at: start.position)
        default:
            if startsQuery {
                return SQLStatement(.query(try query()), at: start.position)
            }
            throw fail("expected a statement (CREATE, INSERT, EXECUTE STATEMENT SET, SELECT, EXPLAIN or SET), found \(describe(current))")
        }
    }

    /// Whether the current token starts a query.
    var startsQuery: Bool {
        current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES")
            || (current.isSymbol("(") && queryFollowsParentheses(from: index))
    }

    /// Whether the token after the current one starts a query: `(SELECT`,
    /// where an expression or a table reference could also start with `(`.
    /// One parenthesis only: `((SELECT 1) + 1)` is an expression.
    var queryFollowsParenthesis: Bool {
        let next = peek(1)
        return current.isSymbol("(") && (next.isKeyword("SELECT") || next.isKeyword("WITH") || next.isKeyword("VALUES"))
    }

    /// Whether the parentheses opening at `from` hold a query (`((SELECT`).
    func queryFollowsParentheses(from start: Int) -> Bool {
        var position = start
        while position < tokens.count, tokens[position].isSymbol("(") { position += 1 }
        guard position < tokens.count else { return false }
        let token = tokens[position]
        return token.isKeyword("SELECT") || token.isKeyword("WITH") || token.isKeyword("VALUES")
    }

    /// `INSERT INTO|OVERWRITE name [(columns)] query`.
    mutating func insert() throws(SQLError) -> SQLInsert {
        let start = advance()
        let overwrite: Bool
        if accept("INTO") {
            overwrite = false
        } else if accept("OVERWRITE") {
            overwrite = true
        } else {
            throw fail("expected INTO or OVERWRITE after INSERT, found \(describe(current))")
        }
        let target = try name("the name of the table to insert into")
        var columns: [SQLIdentifier] = []
        if current.isSymbol("("), !queryFollowsParentheses(from: index) {
            columns = try identifierList("column list of INSERT INTO \(target.dotted)")
        }
        guard startsQuery else {
            throw fail("expected a query (SELECT ...) after INSERT INTO \(target.dotted), found \(describe(current))")
        }
        return SQLInsert(target: target, overwrite: overwrite, columns: columns, query: try query(), at: start.position)
    }

    /// `EXECUTE STATEMENT SET BEGIN insert; ... END`.
    mutating func statementSet() throws(SQLError) -> SQLStatement {
        let start = advance()
        try expect("STATEMENT", "after EXECUTE (EXECUTE STATEMENT SET BEGIN ... END)")
        try expect("SET", "after EXECUTE STATEMENT")
        try expect("BEGIN", "after EXECUTE STATEMENT SET")
        var inserts: [SQLInsert] = []
        while !current.isKeyword("END") {
            guard current.isKeyword("INSERT") else {
                throw fail("expected INSERT or END in a statement set (only INSERT statements belong in one), found \(describe(current))")
            }
            inserts.append(try insert())
            try expect(symbol: ";", "after each INSERT of a statement set")
        }
        guard !inserts.isEmpty else { throw fail("a statement set needs at least one INSERT before END") }
        advance()
        return SQLStatement(.statementSet(inserts), at: start.position)
    }
}
