import SQL
import Testing

/// Nesting is bounded by `SQLLimits.nestingDepthMax`: deeper text is a
/// `.limit` error with its place, never a stack overflow, in the parser
/// or in the printer after it.
@Suite struct SQLNestingTests {
    static func error(_ text: String) -> SQLError? {
        do {
            _ = try SQLParser.parse(text, file: "deep.sql")
            return nil
        } catch {
            return error
        }
    }

    static let depth = SQLLimits.nestingDepthMax

    @Test func parenthesesUpToTheLimitParseAndPrint() throws {
        // The query and the select item take two levels and each
        // parenthesis one more: this is one level under the limit.
        let levels = Self.depth - 3
        let text = "SELECT " + String(repeating: "(", count: levels) + "1" + String(repeating: ")", count: levels)
        let script = try SQLParser.parse(text, file: "deep.sql")
        #expect(shape(try SQLParser.parse(SQLPrinter.print(script), file: "deep.sql")) == shape(script))
    }

    @Test(arguments: [
        ("parentheses", "SELECT " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)),
        ("an operator chain", "SELECT 1" + String(repeating: " + 1", count: 100_000)),
        ("ANDs", "SELECT * FROM t WHERE a" + String(repeating: " AND a", count: 100_000)),
        ("NOTs", "SELECT " + String(repeating: "NOT ", count: 100_000) + "a"),
        ("signs", "SELECT " + String(repeating: "- ", count: 100_000) + "1"),
        ("subscripts", "SELECT a" + String(repeating: "[1]", count: 100_000)),
        ("subqueries", String(repeating: "SELECT * FROM (", count: 20_000) + "SELECT 1" + String(repeating: ")", count: 20_000)),
        ("joins", "SELECT * FROM t" + String(repeating: " JOIN t ON TRUE", count: 20_000)),
        ("unions", "SELECT 1" + String(repeating: " UNION ALL SELECT 1", count: 20_000)),
        ("row types", "CREATE TABLE t (a " + String(repeating: "ROW<a ", count: 20_000) + "INT" + String(repeating: ">", count: 20_000) + ")"),
        ("calls", "SELECT " + String(repeating: "f(", count: 50_000) + "1" + String(repeating: ")", count: 50_000)),
        ("CASE", "SELECT " + String(repeating: "CASE WHEN a THEN ", count: 20_000) + "1" + String(repeating: " END", count: 20_000)),
    ])
    func deeperNestingIsALimitError(what: String, text: String) throws {
        let error = try #require(Self.error(text), "\(what) parsed")
        #expect(error.kind == .limit, "\(what): \(error)")
        #expect(error.message == "the statement nests deeper than \(Self.depth) levels here; split it (a view, a simpler expression)")
        #expect(error.line == 1 && error.column > 1)
    }

    @Test func aTextOverTheSizeLimitIsRefused() throws {
        let text = "SELECT 1" + String(repeating: " ", count: SQLLimits.textBytesMax)
        let error = try #require(Self.error(text))
        #expect(error.kind == .limit)
        #expect(error.description == "deep.sql:1:1: the text is \(text.utf8.count) bytes long; at most \(SQLLimits.textBytesMax) are accepted")
    }
}
