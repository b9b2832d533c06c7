import SQL
import Testing
import TestKit

/// The printer renders a tree as SQL that parses back to the same tree:
/// parse → print → parse gives the same shape (positions aside) over the
/// Nexmark files and the corpus of every construct.
@Suite struct SQLPrinterTests {
    /// The shape of `text`'s tree, and of the tree of its printed form.
    static func roundTrip(_ text: String, file: String) throws -> (original: String, reparsed: String, printed: String) {
        let script = try SQLParser.parse(text, file: file)
        let printed = SQLPrinter.print(script)
        let reparsed = try SQLParser.parse(printed, file: file + " (printed)")
        // The statements, not the script: its file name differs on purpose.
        return (shape(script.statements), shape(reparsed.statements), printed)
    }

    @Test(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
    func everyNexmarkFileRoundTrips() throws {
        for file in NexmarkFiles.files {
            let result = try Self.roundTrip(NexmarkFiles.text(file), file: file)
            #expect(result.original == result.reparsed, "\(file) printed as:\n\(result.printed)")
        }
    }

    @Test(arguments: SQLCorpus.statements.indices)
    func everyConstructRoundTrips(index: Int) throws {
        let result = try Self.roundTrip(SQLCorpus.statements[index], file: "corpus-\(index).sql")
        #expect(result.original == result.reparsed, "printed as:\n\(result.printed)")
    }

    /// The shape comparison can fail: a changed literal, operator or name
    /// changes it, a moved statement does not.
    @Test func shapesDifferWhereTreesDiffer() throws {
        let base = shape(try SQLParser.parse("SELECT a + 1 FROM t WHERE b > 'x'", file: "a.sql"))
        #expect(base == shape(try SQLParser.parse("\n\n  select a+1\nfrom t where (b > 'x')", file: "a.sql")))
        for other in ["SELECT a + 2 FROM t WHERE b > 'x'", "SELECT a - 1 FROM t WHERE b > 'x'", "SELECT a + 1 FROM u WHERE b > 'x'",
                      "SELECT `a` + 1 FROM t WHERE b > 'x'", "SELECT a + 1 FROM t WHERE b >= 'x'"] {
            #expect(base != shape(try SQLParser.parse(other, file: "a.sql")), "\(other)")
        }
    }

    /// Precedence survives printing: the tree, not the text, decides where
    /// parentheses go.
    @Test func parenthesesFollowTheTree() throws {
        let cases = [
            ("(1 + 2) * 3", "(1 + 2) * 3"), ("1 + 2 * 3", "1 + 2 * 3"), ("1 - (2 - 3)", "1 - (2 - 3)"), ("(1 - 2) - 3", "1 - 2 - 3"),
            ("NOT (a AND b)", "NOT (a AND b)"), ("(a OR b) AND c", "(a OR b) AND c"), ("- (-1)", "- -1"), ("-(a + b)", "-(a + b)"),
            ("(a = b) = c", "a = b = c"), ("a = (b = c)", "a = (b = c)"), ("(a IS NULL) IS NULL", "a IS NULL IS NULL"),
            ("a BETWEEN (b + 1) AND c", "a BETWEEN b + 1 AND c"), ("(a || b) || c", "a || b || c"),
        ]
        for (text, printed) in cases {
            let expression = try SQLParser.parseExpression(text, file: "e.sql")
            #expect(SQLPrinter.print(expression) == printed, "\(text)")
            #expect(shape(try SQLParser.parseExpression(SQLPrinter.print(expression), file: "e.sql")) == shape(expression), "\(text)")
        }
    }

    @Test func namesAndStringsAreQuotedAsWritten() throws {
        let script = try SQLParser.parse("SELECT `a``b`, `select`, plain, 'it''s' FROM `my table`", file: "q.sql")
        #expect(SQLPrinter.print(script) == "SELECT `a``b`, `select`, plain, 'it''s'\nFROM `my table`;\n")
    }
}
