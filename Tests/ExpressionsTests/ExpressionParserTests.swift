import Expressions
import Testing

@Suite("Expression parsing and precedence")
struct ExpressionParserTests {
    @Test(arguments: [
        ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("10 - 2 - 3", "5"), ("2 * 3 % 4", "2"), ("-2 * 3", "-6"),
        ("- (2 + 3)", "-5"), ("7 / 2", "3"), ("-7 / 2", "-3"), ("7 % 3", "1"), ("'a' || 'b' || 'c'", "\"abc\""),
        ("1 + 2 = 3", "true"), ("not true and false", "false"), ("true or false and false", "true"),
        ("not (true and false)", "true"), ("1 < 2 and 2 < 3", "true"), ("1 <> 2", "true"), ("1 == 1", "true"),
        ("3 between 1 and 5", "true"), ("3 not between 1 and 2", "true"), ("2 in (1, 2, 3)", "true"),
        ("4 not in (1, 2)", "true"), ("NOT TRUE", "false"), ("-9223372036854775808", "-9223372036854775808"),
        ("'it''s'", "\"it's\""), ("1e3", "1000"), ("1.50", "1.5"),
    ])
    func precedence(_ text: String, _ expected: String) throws {
        #expect(try json(text) == expected)
    }

    @Test func fieldPaths() throws {
        let record = #"{"customer":{"id":7,"tags":["a","b"]},"items":[{"price":1.25},{"price":2}],"odd name":3,"when":4}"#
        #expect(try json("customer.id", record: record) == "7")
        #expect(try json("items[0].price + items[1].price", record: record) == "3.25")
        #expect(try json("customer.tags[1]", record: record) == "\"b\"")
        #expect(try json("`odd name`", record: record) == "3")
        #expect(try json("`when`", record: record) == "4")
        #expect(try json("customer.missing", record: record) == "null")
        #expect(try json("items[5].price", record: record) == "null")
        #expect(try json("customer.tags", record: record) == #"["a","b"]"#)
        #expect(try json("customer['id']", record: record) == "7")
        #expect(try json("split('x,y,z', ',')[2]") == "\"z\"")
    }

    @Test func duplicateAndEscapedMembers() throws {
        #expect(try json("a", record: #"{"a":1,"a":2}"#) == "2")
        #expect(try json("amount", record: #"{"amo\u0075nt":5}"#) == "5")
        #expect(try json("s", record: #"{"s":"tab\there \u00e9"}"#) == "\"tab\\there é\"")
    }

    @Test(arguments: [
        ("1 +", "1:4"), ("(1 + 2", "1:7"), ("'abc", "1:1"), ("a ! b", "1:3"), ("1 2", "1:3"), ("a.", "1:3"),
        ("case when true then 1", "1:22"), ("\"x\"", "1:1"), ("1 < 2 < 3", "1:7"), ("", "1:1"), ("a\n  and", "2:6"),
        ("cast(1 as blob)", "1:11"), ("and", "1:1"),
    ])
    func syntaxErrorsHavePositions(_ text: String, _ position: String) {
        let error = compileError(text)
        #expect(error?.kind == .syntax || error?.kind == .type)
        #expect(error?.position.description == position, "\(text): \(String(describing: error))")
    }

    @Test func hostileNestingIsRefusedNotCrashed() {
        let parentheses = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(compileError(parentheses)?.kind == .limit)
        let chain = (0..<20_000).map { _ in "1" }.joined(separator: " + ")
        #expect(compileError(chain)?.kind == .limit)
        let nots = String(repeating: "not ", count: 50_000) + "true"
        #expect(compileError(nots)?.kind == .limit)
        let minus = String(repeating: "-", count: 50_000) + "x"
        #expect(compileError(minus)?.kind == .limit)
        let calls = String(repeating: "lower(", count: 5_000) + "'a'" + String(repeating: ")", count: 5_000)
        #expect(compileError(calls)?.kind == .limit)
        // Just under the bound still works.
        let fine = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(compileError(fine) == nil)
    }
}
