import Expressions
import Testing

@Suite("Expression evaluation")
struct ExpressionEvaluationTests {
    // MARK: Null rule (SQL three-valued logic)

    static let truth: [String: Bool?] = ["true": true, "false": false, "null": nil]

    @Test func andOrNotTruthTables() throws {
        for (leftText, left) in Self.truth {
            for (rightText, right) in Self.truth {
                let expectedAnd: Bool? = left == false || right == false ? false : (left == nil || right == nil ? nil : true)
                let expectedOr: Bool? = left == true || right == true ? true : (left == nil || right == nil ? nil : false)
                #expect(try evaluate("\(leftText) and \(rightText)") == (expectedAnd.map(ExpressionValue.boolean) ?? .null))
                #expect(try evaluate("\(leftText) or \(rightText)") == (expectedOr.map(ExpressionValue.boolean) ?? .null))
            }
            #expect(try evaluate("not \(leftText)") == (left.map { .boolean(!$0) } ?? .null))
        }
    }

    @Test func nullPropagatesAndIsTested() throws {
        for text in ["null + 1", "x * 2", "x > 1", "x = null", "lower(x)", "-x", "x || 'a'", "null in (1, 2)", "3 in (1, null)",
                     "substring('abc', x)", "cast(x as integer)"] {
            #expect(try evaluate(text) == .null, "\(text)")
        }
        #expect(try evaluate("x is null") == .boolean(true))
        #expect(try evaluate("x is not null", record: #"{"x":0}"#) == .boolean(true))
        #expect(try evaluate("x is null", record: #"{"x":null}"#) == .boolean(true))
        #expect(try evaluate("coalesce(x, y, 3)", record: #"{"y":2}"#) == .integer(2))
        #expect(try evaluate("coalesce(x, null)") == .null)
        #expect(try evaluate("2 in (1, null, 2)") == .boolean(true))
        #expect(try evaluate("if(x > 1, 'big', 'small')") == .string("small"))  // null condition: else
        #expect(try evaluate("case when x > 1 then 'a' end") == .null)
        #expect(try evaluate("case when x > 1 then 'a' when true then 'b' else 'c' end", record: #"{"x":0}"#) == .string("b"))
        // false and <anything> does not look at the right side.
        #expect(try evaluate("false and 1 / x > 0", record: #"{"x":0}"#) == .boolean(false))
    }

    // MARK: Numbers

    @Test func decimalsAreExact() throws {
        #expect(try evaluate("0.1 + 0.2 = 0.3") == .boolean(true))
        #expect(try json("amount * 0.92", record: #"{"amount":123.45}"#) == "113.574")
        #expect(try json("a + b", record: #"{"a":19.99,"b":0.01}"#) == "20")
        #expect(try json("a - b", record: #"{"a":1.10,"b":2}"#) == "-0.9")
        #expect(try json("a * 2", record: #"{"a":1e2}"#) == "200")
        #expect(try json("1 / 4.0") == "0.25")
        #expect(try json("0.000000001 * 0.000000001 * 0.5") == "0")  // rounded to 18 digits after the point (half even)
        #expect(try json("123456789.123456789 * 10") == "1234567891.23456789")
        #expect(try evaluate("1 = 1.0") == .boolean(true))
        #expect(try evaluate("2 > 1.5 and 1.5 > 1e0") == .boolean(true))
        #expect(try json("round(2.345, 2)") == "2.35")
        #expect(try json("round(-2.5)") == "-3")
        #expect(try json("floor(-2.5)") == "-3")
        #expect(try json("ceil(2.1)") == "3")
        #expect(try json("abs(-4)") == "4")
        #expect(try json("round(2.5e0)") == "3")
    }

    /// A decimal with more than 18 digits after the point that are zeros at
    /// the end is still exact (JSONText's reader drops them before the
    /// scale check); it used to become a double.
    @Test func trailingZerosPastScale18StayDecimal() throws {
        #expect(try evaluate("0.000000000000000001000") == .decimal(DecimalNumber(units: 1, scale: 18)))
        #expect(try evaluate("0.0000000000000000000") == .decimal(DecimalNumber(units: 0, scale: 0)))
        #expect(try evaluate("a", record: #"{"a":0.000000000000000001000}"#) == .decimal(DecimalNumber(units: 1, scale: 18)))
        #expect(try evaluate("0.0000000000000000001") == .double(1e-19))
    }

    @Test func runtimeErrorsNameTheOperand() throws {
        let wrongType = try runtimeError("amount > 100", record: #"{"amount":"abc"}"#)
        #expect(wrongType?.message.contains("`amount` is a string \"abc\", which '>' cannot compare with `100`, an integer 100") == true,
                "\(String(describing: wrongType))")
        #expect(wrongType?.message.contains("at 1:1") == true)
        let division = try runtimeError("total / count", record: #"{"total":10,"count":0}"#)
        #expect(division?.message.contains("division by zero (`count` is 0)") == true, "\(String(describing: division))")
        #expect(try runtimeError("a / b", record: #"{"a":1.5,"b":0.0}"#)?.message.contains("division by zero") == true)
        #expect(try runtimeError("a % b", record: #"{"a":1,"b":0}"#)?.message.contains("division by zero") == true)
        let overflow = try runtimeError("a + 1", record: #"{"a":9223372036854775807}"#)
        #expect(overflow?.message.contains("overflows") == true)
        #expect(try runtimeError("a * a", record: #"{"a":99999999999.5}"#)?.message.contains("overflows") == true)
        let argument = try runtimeError("upper(customer_id)", record: #"{"customer_id":42}"#)
        #expect(argument?.message.contains("`customer_id` is an integer 42, but argument 1 of upper must be a string") == true,
                "\(String(describing: argument))")
        #expect(try runtimeError("a", record: "[1]")?.message.contains("not a JSON object") == true)
        #expect(try runtimeError("a", record: #"{"a":1"#)?.message.contains("not valid JSON") == true)
        #expect(try runtimeError("x and true", record: #"{"x":1}"#)?.message.contains("needs a boolean") == true)
        let cast = try runtimeError("cast(x as integer)", record: #"{"x":"12a"}"#)
        #expect(cast?.message.contains("cannot cast a string \"12a\" to integer") == true)
        let regex = try runtimeError("regex_match(s, p)", record: #"{"s":"a","p":"("}"#)
        #expect(regex?.message.contains("regex_match failed on `p`") == true, "\(String(describing: regex))")
        #expect(try runtimeError("parse_time(t)", record: #"{"t":"yesterday"}"#)?.message.contains("does not match the time pattern") == true)
    }

    // MARK: Casts

    @Test(arguments: [
        ("cast('12' as integer)", "12"), ("cast(' 12 ' as integer)", "12"), ("cast(12.9 as integer)", "12"),
        ("cast(-12.9 as integer)", "-12"), ("cast(1e3 as integer)", "1000"), ("cast(true as integer)", "1"),
        ("cast('1.50' as decimal)", "1.5"), ("cast(0.25e0 as decimal)", "0.25"), ("cast(3 as double)", "3"),
        ("cast('2.5' as double)", "2.5"), ("cast(12 as string)", "\"12\""), ("cast(1.5 as string)", "\"1.5\""),
        ("cast(true as string)", "\"true\""), ("cast('TRUE' as boolean)", "true"), ("cast(0 as boolean)", "false"),
        ("try_cast('x' as integer)", "null"), ("try_cast('7' as integer)", "7"), ("cast(null as integer)", "null"),
        ("cast(1e300 as double) * 1", "1e+300"),
    ])
    func casts(_ text: String, _ expected: String) throws {
        #expect(try json(text) == expected)
    }

    // MARK: Strings

    @Test(arguments: [
        ("lower('AbC')", "\"abc\""), ("upper('straße')", "\"STRASSE\""), ("upper('abc')", "\"ABC\""),
        ("length('héllo')", "5"), ("trim('  a b  ')", "\"a b\""), ("concat('a', 'b', 'c')", "\"abc\""),
        ("substring('hello', 2, 3)", "\"ell\""), ("substring('hello', 2)", "\"ello\""), ("substring('hello', 0, 2)", "\"h\""),
        ("substring('hello', 9)", "\"\""), ("substring('héllo', 2, 1)", "\"é\""), ("replace('a-b-c', '-', '+')", "\"a+b+c\""),
        ("starts_with('order-1', 'order')", "true"), ("ends_with('x.json', '.json')", "true"), ("contains('abc', 'bc')", "true"),
        ("contains('abc', 'x')", "false"), ("split('a,b,,c', ',')", #"["a","b","","c"]"#),
        ("regex_match('order-42', '^order-[0-9]+$')", "true"), ("regex_match('order-x', '^order-[0-9]+$')", "false"),
        ("regex_extract('id=42;', 'id=([0-9]+)', 1)", "\"42\""), ("regex_extract('id=42;', '[0-9]+')", "\"42\""),
        ("regex_extract('none', '[0-9]+')", "null"), ("regex_replace('a1b22', '[0-9]+', '#')", "\"a#b#\""),
        ("regex_replace('john smith', '([a-z]+) ([a-z]+)', '\\2 \\1')", "\"smith john\""),
        ("'say \"hi\"' || ''", #""say \"hi\"""#),
    ])
    func stringFunctions(_ text: String, _ expected: String) throws {
        #expect(try json(text) == expected)
    }

    @Test func regexExtractGroupOutOfRange() throws {
        #expect(try runtimeError("regex_extract('a', 'a', 3)")?.message.contains("group 3 does not exist") == true)
    }

    // MARK: Time

    @Test(arguments: [
        ("format_time(0)", "\"1970-01-01T00:00:00.000Z\""),
        ("format_time(1700000000123, 'yyyy-MM-dd HH:mm:ss.SSS')", "\"2023-11-14 22:13:20.123\""),
        ("format_time(-1, 'yyyy-MM-dd HH:mm:ss.SSS')", "\"1969-12-31 23:59:59.999\""),
        ("format_time(951782400000, 'dd/MM/yyyy')", "\"29/02/2000\""),
        ("parse_time('2023-11-14T22:13:20.123Z')", "1700000000123"),
        ("parse_time('29/02/2000', 'dd/MM/yyyy')", "951782400000"),
        ("format_time(event_time(), 'HH:mm')", "\"00:01\""),
        // Flink SQL's TIMESTAMP(3) text: the fraction without trailing zeros.
        ("timestamp_text(0)", "\"1970-01-01 00:00:00\""),
        ("timestamp_text(1700000000123)", "\"2023-11-14 22:13:20.123\""),
        ("timestamp_text(1700000000120)", "\"2023-11-14 22:13:20.12\""),
        ("timestamp_text(1700000000100)", "\"2023-11-14 22:13:20.1\""),
        ("timestamp_text(-1)", "\"1969-12-31 23:59:59.999\""),
        ("timestamp_text(951782400005)", "\"2000-02-29 00:00:00.005\""),
        ("timestamp_ms('2023-11-14 22:13:20')", "1700000000000"),
        ("timestamp_ms('2023-11-14 22:13:20.12')", "1700000000120"),
        ("timestamp_ms('2023-11-14 22:13:20.123456')", "1700000000123"),
        ("timestamp_ms('1969-12-31 23:59:59.999')", "-1"),
        ("timestamp_ms(null)", "null"),
    ])
    func timeFunctions(_ text: String, _ expected: String) throws {
        #expect(try json(text, timestamp: 60_000) == expected)
    }

    @Test func timeRoundTripsOverManyDays() throws {
        let program = try ExpressionProgram([.init("parse_time(format_time(t)) = t")])
        var random = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let t = Int64(bitPattern: random.next() % 400_000_000_000_000) - 200_000_000_000_000
            var record = #"{"t":\#(t)}"#
            try record.withUTF8 { try program.load(record: UnsafeRawBufferPointer($0), timestamp: 0) }
            // Years before 0 or after 9999 do not fit yyyy's 4 digits: skip them.
            guard t > -62_135_596_800_000, t < 253_402_300_800_000 else { continue }
            #expect(try program.evaluate(0) == .boolean(true), "t = \(t)")
        }
        #expect(try runtimeError("parse_time('2023-02-30T00:00:00.000Z')")?.message.contains("no such date") == true)
    }

    @Test func sqlTimestampTextRoundTripsAndRefusesOtherText() throws {
        let program = try ExpressionProgram([.init("timestamp_ms(timestamp_text(t)) = t"),
                                             .init("timestamp_text(t) = format_time(t, 'yyyy-MM-dd HH:mm:ss.SSS')")])
        var random = SplitMix(seed: 11)
        var withFraction = 0
        for _ in 0..<2000 {
            // Years 0000-9999, ms that are round to 1, 10, 100 and 1000.
            let t = Int64(bitPattern: random.next() % 315_537_897_600_000) - 62_167_219_200_000
            let rounded = t - t % [1, 10, 100, 1000][Int(random.next() % 4)]
            var record = #"{"t":\#(rounded)}"#
            try record.withUTF8 { try program.load(record: UnsafeRawBufferPointer($0), timestamp: 0) }
            #expect(try program.evaluate(0) == .boolean(true), "t = \(rounded)")
            // Equal to the full pattern exactly when there are 3 fraction digits.
            if try program.evaluate(1) == .boolean(true) { withFraction += 1 }
        }
        #expect(withFraction > 300 && withFraction < 700, "\(withFraction) of 2000 with three fraction digits")
        for text in ["2023-11-14T22:13:20", "2023-02-30 00:00:00", "2023-11-14 22:13:20.", "2023-11-14 22:13", "yesterday",
                     "2023-11-14 22:13:20.1x", "2023-11-14 24:00:00"] {
            #expect(try runtimeError("timestamp_ms('\(text)')")?.message.contains("is not a SQL timestamp") == true, "\(text)")
        }
    }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("String equality against literals")
struct StringLiteralEqualityTests {
    @Test(arguments: [
        ("s = 'books'", #"{"s":"books"}"#, "true"), ("'books' = s", #"{"s":"books"}"#, "true"),
        ("s != 'books'", #"{"s":"book"}"#, "true"), ("s = 'é'", #"{"s":"\u00e9"}"#, "true"),
        ("s != 'é'", #"{"s":"\u00e9"}"#, "false"), ("s = ''", #"{"s":""}"#, "true"), ("s = 'a'", #"{}"#, "null"),
        ("s = 'a'", #"{"s":null}"#, "null"), ("s = 'a\"b'", #"{"s":"a\"b"}"#, "true"),
    ])
    func matchesTheGeneralRule(_ text: String, _ record: String, _ expected: String) throws {
        #expect(try json(text, record: record) == expected)
    }

    @Test func otherKindsStillFail() throws {
        let error = try runtimeError("s = 'x'", record: #"{"s":5}"#)
        #expect(error?.message.contains("`s` is an integer 5") == true, "\(String(describing: error))")
    }
}
