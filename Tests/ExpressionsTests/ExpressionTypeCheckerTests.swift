import Expressions
import Testing

@Suite("Expression type checking")
struct ExpressionTypeCheckerTests {
    @Test(arguments: [
        ("lower(5)", "1:7", "argument 1 of lower must be a string"),
        ("1 + 'a'", "1:5", "'+' needs numbers"),
        ("amount > 1 and upper()", "1:16", "upper takes 1 argument, got 0"),
        ("substring('abc')", "1:1", "substring takes 2 to 3 arguments"),
        ("lowr(name)", "1:1", "lower?)"),
        ("1 = 'a'", "1:1", "cannot compare"),
        ("not 5", "1:5", "'not' needs a boolean"),
        ("'a' || 1", "1:8", "'||' joins strings"),
        ("x / 0", "1:5", "division by zero"),
        ("regex_match(name, '(')", "1:19", "not a valid regular expression"),
        ("format_time(t, 'yyyy-QQ')", "1:16", "unknown letters"),
        ("case when 1 then 2 end", "1:11", "needs a boolean"),
        ("if(1, 2, 3)", "1:4", "needs a boolean"),
        ("99999999999999999999", "1:1", "does not fit in 64 bits"),
        ("cast(split(a, ',') as integer)", "1:1", "cannot be cast"),
    ])
    func certainMistakesAreReported(_ text: String, _ position: String, _ message: String) {
        let error = compileError(text)
        #expect(error?.position.description == position, "\(text): \(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
    }

    @Test func filterMustBeACondition() {
        let error = compileError("amount * 2", expecting: .boolean)
        #expect(error?.message.contains("must be a boolean") == true)
        #expect(error?.position.description == "1:1")
        #expect(compileError("amount", expecting: .boolean) == nil)  // a field may hold a boolean
        #expect(compileError("amount > 2 or flag", expecting: .boolean) == nil)
    }

    @Test func staticTypes() throws {
        let program = try ExpressionProgram([
            .init("1 + 2"), .init("1 + 2.5"), .init("1.5 / 2"), .init("x + 1"), .init("lower(x)"), .init("x > 1"),
            .init("abs(-2)"), .init("coalesce(x, 1)"), .init("cast(x as double)"), .init("event_time()"),
        ])
        #expect(program.types == [.integer, .decimal, .double, .number, .string, .boolean, .integer, .any, .double, .integer])
        #expect(program.fieldPaths.map(\.description) == ["x"])
    }
}
