import Core
import Testing
import TestKit

@Suite("JSON parser")
struct JSONParserTests {
    // MARK: Valid input

    @Test(
        "scalars parse to the right case",
        arguments: [
            ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .int(0)),
            ("123", .int(123)), ("-7", .int(-7)), ("1.5", .double(1.5)), ("1e2", .double(100)),
            ("1E+2", .double(100)), ("1e-2", .double(0.01)), ("0.1e1", .double(1)), ("-0.0", .double(-0.0)),
            ("1.0", .double(1)), ("\"\"", .string("")), ("\"abc\"", .string("abc")),
            (" \t\r\n 42 \t\r\n ", .int(42)),
        ])
    func scalars(text: String, expected: JSONValue) throws {
        let value = try JSONValue.parse(text)
        #expect(value == expected)
    }

    @Test("integers at the Int64 limits stay integers; one past becomes a double")
    func int64Limits() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try JSONValue.parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(
            try JSONValue.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test("-0 keeps its sign as a double")
    func negativeZero() throws {
        let value = try JSONValue.parse("-0")
        guard case .double(let double) = value else {
            Issue.record("expected a double, got \(value)")
            return
        }
        #expect(double == 0 && double.sign == .minus)
        #expect(value.serialized() == "-0.0")
        #expect(try JSONValue.parse("0") == .int(0))
    }

    @Test(
        "doubles are correctly rounded at the edges",
        arguments: [
            ("1.7976931348623157e308", Double.greatestFiniteMagnitude),
            ("2.2250738585072014e-308", Double.leastNormalMagnitude),
            ("4.9e-324", Double.leastNonzeroMagnitude),
            ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)),
            ("0.1", 0.1), ("9007199254740993", 9007199254740992.0),
            ("1e-400", 0.0), ("1e23", 1e23), ("8.98846567431158e307", 8.98846567431158e307),
            ("0.000000000000000000000000000001", 1e-30),
        ])
    func doubleEdges(text: String, expected: Double) throws {
        let value = try JSONValue.parse(text)
        #expect(value.doubleValue == expected)
    }

    @Test("every decimal string parses to the same Double as the standard library's conversion")
    func doublesMatchStandardLibrary() throws {
        var generator = SeededRandom(seed: 0xD0B1E)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...25, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            let integerDigits = Int.random(in: 1...digits, using: &generator)
            text += String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<integerDigits { text += String(Int.random(in: 0...9, using: &generator)) }
            if integerDigits < digits {
                text += "."
                for _ in integerDigits..<digits { text += String(Int.random(in: 0...9, using: &generator)) }
            }
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -330...300, using: &generator))" }
            let expected = Double(text)!
            if expected.isInfinite {
                #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(text) }
            } else {
                let parsed = try JSONValue.parse(text)
                #expect(parsed.doubleValue == expected, "\(text)")
            }
        }
    }

    @Test(
        "string escapes decode",
        arguments: [
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
            (#""\u0041\u00e9\u00E9\u20AC""#, "Aéé€"),
            (#""\u0000""#, "\u{0}"),
            (#""\ud83d\ude00""#, "😀"),
            (#""\uD83D\uDE00x""#, "😀x"),
            (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
            (#""a\u0022b""#, "a\"b"),
            ("\"é😀\u{7F}\u{2028}\"", "é😀\u{7F}\u{2028}"),
            (#""plain then \n escape""#, "plain then \n escape"),
        ])
    func stringEscapes(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    @Test("nested containers, empty ones and whitespace everywhere")
    func nestedContainers() throws {
        let text = " {\n \"a\" : [ 1 , { } , [ ] , { \"b\" : null } ] ,\t\"c\":{\"d\":[[[]]]}\r\n} "
        let expected: JSONValue = ["a": [1, [:], [], ["b": nil]], "c": ["d": [[[]]]]]
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(text).objectValue?.keys == ["a", "c"])
    }

    @Test("object keys keep document order")
    func keyOrder() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.serialized() == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test("a leading byte order mark is skipped")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)
        let value = try parse(bytes: bytes)
        #expect(value == [1])
    }

    @Test("parse(bytes:) and parse(_:) agree, including on an empty buffer")
    func bytesAndStringAgree() throws {
        let text = #"{"k":["v",1.25,-3,true]}"#
        let fromBytes = try parse(bytes: Array(text.utf8))
        #expect(try JSONValue.parse(text) == fromBytes)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: JSONParseError(offset: 0, line: 1, column: 1, message: "empty input, expected a JSON value")) {
            try JSONValue.parse(bytes: empty)
        }
    }

    @Test("nesting up to nestingDepthMax parses; one level more is an error")
    func nestingDepth() throws {
        let depth = JSONValue.nestingDepthMax
        #expect(depth == 512)
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONValue.parse(deepest)
        var levels = 0
        while case .array(let elements) = value {
            levels += 1
            value = elements.first ?? .null
        }
        #expect(levels == depth)

        let tooDeep = String(repeating: "{\"a\":[", count: 257) + "1" + String(repeating: "]}", count: 257)
        #expect(
            throws: JSONParseError(
                offset: 6 * 256, line: 1, column: 6 * 256 + 1,
                message: "arrays and objects nested deeper than 512 levels")
        ) { try JSONValue.parse(tooDeep) }
    }

    // MARK: Round trips

    @Test("canonical texts print back unchanged")
    func canonicalRoundTrip() throws {
        let texts = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, #"[]"#, #"{}"#, #"[[],{},[{}]]"#,
            #""\u0000\u001f\"\\/é😀""#, #"[0.1,-2.5,1e+21,3.0,-0.0,100000000000000000000.0]"#,
            #"[-9223372036854775808,9223372036854775807]"#,
        ]
        for text in texts {
            #expect(try JSONValue.parse(text).serialized() == text)
        }
    }

    @Test("random values survive serialize and parse exactly", arguments: [1, 2, 3, 4])
    func randomRoundTrip(seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        for _ in 0..<500 {
            let value = RandomJSON.value(depth: 4, using: &generator)
            let text = value.serialized()
            let parsed = try JSONValue.parse(text)
            #expect(parsed == value, "\(text)")
            #expect(parsed.serialized() == text)
        }
    }

    @Test("noisy but valid text (whitespace, escapes) parses to the same value", arguments: [5, 6])
    func noisyText(seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let value = RandomJSON.value(depth: 4, using: &generator)
            var writer = NoisyJSONWriter(generator: SeededRandom(seed: generator.next()))
            writer.write(value)
            #expect(try JSONValue.parse(writer.output) == value, "\(writer.output)")
        }
    }

    // MARK: Errors

    /// An input that must fail, with the exact message and place.
    struct Failure: CustomTestStringConvertible, Sendable {
        let text: String
        let message: String
        let line: Int
        let column: Int
        let offset: Int
        var testDescription: String { text.debugDescription }
    }

    static let failures: [Failure] = [
        Failure(text: "", message: "empty input, expected a JSON value", line: 1, column: 1, offset: 0),
        Failure(text: "  \n ", message: "empty input, expected a JSON value", line: 2, column: 2, offset: 4),
        Failure(
            text: "{\n  \"a\": 1,\n  \"b\" 2\n}", message: "expected ':' after object key, got '2'", line: 3,
            column: 7, offset: 18),
        Failure(text: "[1,]", message: "trailing comma before ']' is not allowed", line: 1, column: 4, offset: 3),
        Failure(
            text: "{\"a\":1, }", message: "trailing comma before '}' is not allowed", line: 1, column: 9, offset: 8),
        Failure(
            text: "[1 2]", message: "expected ',' or ']' after array element, got '2'", line: 1, column: 4,
            offset: 3),
        Failure(
            text: "{\"a\":1 \"b\":2}", message: "expected ',' or '}' after object member, got '\"'", line: 1,
            column: 8, offset: 7),
        Failure(
            text: "{a:1}", message: "expected a string in double quotes as object key, got 'a'", line: 1,
            column: 2, offset: 1),
        Failure(
            text: "{", message: "expected a string in double quotes as object key, got end of input", line: 1,
            column: 2, offset: 1),
        Failure(
            text: "{\"a\":", message: "unexpected end of input, expected a JSON value", line: 1, column: 6,
            offset: 5),
        Failure(text: "[", message: "unexpected end of input, expected a JSON value", line: 1, column: 2, offset: 1),
        Failure(
            text: "[1", message: "expected ',' or ']' after array element, got end of input", line: 1, column: 3,
            offset: 2),
        Failure(
            text: "['a']", message: "expected a JSON value, got ''' (strings use double quotes)", line: 1,
            column: 2, offset: 1),
        Failure(
            text: "[1] x", message: "unexpected 'x' after the JSON value; a JSON text holds exactly one value",
            line: 1, column: 5, offset: 4),
        Failure(
            text: "1 2", message: "unexpected '2' after the JSON value; a JSON text holds exactly one value",
            line: 1, column: 3, offset: 2),
        Failure(text: "01", message: "leading zeros are not allowed in numbers", line: 1, column: 1, offset: 0),
        Failure(text: "[-00]", message: "leading zeros are not allowed in numbers", line: 1, column: 3, offset: 2),
        Failure(text: "-", message: "expected a digit after '-', got end of input", line: 1, column: 2, offset: 1),
        Failure(text: "-a", message: "expected a digit after '-', got 'a'", line: 1, column: 2, offset: 1),
        Failure(
            text: "1.", message: "expected a digit after the decimal point, got end of input", line: 1, column: 3,
            offset: 2),
        Failure(
            text: "1.e5", message: "expected a digit after the decimal point, got 'e'", line: 1, column: 3,
            offset: 2),
        Failure(
            text: "1e", message: "expected a digit in the exponent, got end of input", line: 1, column: 3,
            offset: 2),
        Failure(
            text: "[1e+]", message: "expected a digit in the exponent, got ']'", line: 1, column: 5, offset: 4),
        Failure(text: ".5", message: "expected a JSON value, got '.'", line: 1, column: 1, offset: 0),
        Failure(text: "+1", message: "expected a JSON value, got '+'", line: 1, column: 1, offset: 0),
        Failure(
            text: "1e400", message: "number 1e400 is too large for a 64-bit floating-point value", line: 1,
            column: 1, offset: 0),
        Failure(
            text: "[0, -1.8e308]", message: "number -1.8e308 is too large for a 64-bit floating-point value",
            line: 1, column: 5, offset: 4),
        Failure(text: "[tru]", message: "invalid literal, expected 'true'", line: 1, column: 2, offset: 1),
        Failure(text: "nul", message: "invalid literal, expected 'null'", line: 1, column: 1, offset: 0),
        Failure(text: "falsey", message: "invalid literal, expected 'false'", line: 1, column: 1, offset: 0),
        Failure(text: "True", message: "expected a JSON value, got 'T'", line: 1, column: 1, offset: 0),
        Failure(text: "NaN", message: "expected a JSON value, got 'N'", line: 1, column: 1, offset: 0),
        Failure(text: "// note\n1", message: "expected a JSON value, got '/'", line: 1, column: 1, offset: 0),
        Failure(
            text: "[\u{1}]", message: "expected a JSON value, got control character U+0001", line: 1, column: 2,
            offset: 1),
        Failure(text: "[é]", message: "expected a JSON value, got 'é'", line: 1, column: 2, offset: 1),
        Failure(
            text: "[\"éé\", x]", message: "expected a JSON value, got 'x'", line: 1, column: 8, offset: 9),
        Failure(text: "[\r\n1,\r\nx]", message: "expected a JSON value, got 'x'", line: 3, column: 1, offset: 7),
        Failure(
            text: "\"abc", message: "unterminated string: no closing '\"' before the end of input", line: 1,
            column: 1, offset: 0),
        Failure(
            text: "[\"ab\\", message: "unterminated string: no closing '\"' before the end of input", line: 1,
            column: 2, offset: 1),
        Failure(
            text: "\"a\nb\"",
            message: "line break inside a string; close the string with '\"' or write the line break as \\n",
            line: 1, column: 3, offset: 2),
        Failure(
            text: "\"a\u{1}\"", message: "control character U+0001 inside a string must be escaped, as \\u0001",
            line: 1, column: 3, offset: 2),
        Failure(
            text: "\"a\tb\"", message: "control character U+0009 inside a string must be escaped, as \\u0009",
            line: 1, column: 3, offset: 2),
        Failure(
            text: "\"\\x\"",
            message: "invalid escape '\\x' in string; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
            line: 1, column: 2, offset: 1),
        Failure(
            text: "\"\\u12\"", message: "invalid \\u escape: expected 4 hex digits after \\u", line: 1, column: 2,
            offset: 1),
        Failure(
            text: "\"\\u12G4\"", message: "invalid \\u escape: expected 4 hex digits after \\u", line: 1,
            column: 2, offset: 1),
        Failure(
            text: "\"x\\uD800\"",
            message:
                "unpaired surrogate \\uD800: a high surrogate must be followed by an escaped low surrogate \\uDC00-\\uDFFF",
            line: 1, column: 3, offset: 2),
        Failure(
            text: "\"\\ud800\\u0041\"",
            message:
                "unpaired surrogate \\uD800: a high surrogate must be followed by an escaped low surrogate \\uDC00-\\uDFFF",
            line: 1, column: 2, offset: 1),
        Failure(
            text: "\"\\uDC00\"",
            message: "unpaired surrogate \\uDC00: a low surrogate must follow a high surrogate \\uD800-\\uDBFF",
            line: 1, column: 2, offset: 1),
        Failure(
            text: "{\"a\":1,\"a\":2}", message: "duplicate key \"a\" in object", line: 1, column: 8, offset: 7),
        Failure(
            text: "{\"a\":1,\"\\u0061\":2}", message: "duplicate key \"a\" in object", line: 1, column: 8,
            offset: 7),
        Failure(
            text: "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"b\":11}",
            message: "duplicate key \"b\" in object", line: 1, column: 63, offset: 62),
        Failure(
            text: "{\"a\":1,\n   \"a\":2}", message: "duplicate key \"a\" in object", line: 2, column: 4,
            offset: 11),
    ]

    @Test("every error names what was expected and where", arguments: failures)
    func errors(failure: Failure) {
        do {
            let value = try JSONValue.parse(failure.text)
            Issue.record("parsed \(failure.text.debugDescription) as \(value)")
        } catch {
            #expect(error.message == failure.message)
            #expect(error.line == failure.line)
            #expect(error.column == failure.column)
            #expect(error.offset == failure.offset)
            #expect(error.description == "\(failure.message) at line \(failure.line), column \(failure.column)")
        }
    }

    /// Raw bytes that are not valid UTF-8, with the offset of the bad byte.
    static let invalidUTF8Inputs: [([UInt8], String, Int)] = [
        ([0x22, 0xC3, 0x28, 0x22], "invalid UTF-8 byte 0xC3 in string", 1),  // Lead byte without continuation.
        ([0x22, 0xC0, 0x80, 0x22], "invalid UTF-8 byte 0xC0 in string", 1),  // Overlong NUL.
        ([0x22, 0xE0, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xE0 in string", 1),  // Overlong.
        ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 byte 0xED in string", 1),  // Encoded surrogate.
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xF4 in string", 1),  // Past U+10FFFF.
        ([0x22, 0x61, 0x80, 0x22], "invalid UTF-8 byte 0x80 in string", 2),  // Lone continuation byte.
        ([0x22, 0xF0, 0x9F, 0x98], "invalid UTF-8 byte 0xF0 in string", 1),  // Truncated at the end.
        ([0x5B, 0xFF, 0x5D], "expected a JSON value, got byte 0xFF (not valid UTF-8)", 1),
    ]

    @Test("invalid UTF-8 is rejected at the offending byte", arguments: invalidUTF8Inputs)
    func invalidUTF8(bytes: [UInt8], message: String, offset: Int) {
        do {
            let value = try parse(bytes: bytes)
            Issue.record("parsed \(bytes) as \(value)")
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test("valid multi-byte UTF-8 at every length is accepted")
    func validUTF8() throws {
        let bytes: [UInt8] = [0x22, 0x7F, 0xC2, 0x80, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xF0, 0x90, 0x80, 0x80,
            0xF4, 0x8F, 0xBF, 0xBF, 0x22]
        let value = try parse(bytes: bytes)
        #expect(value == .string("\u{7F}\u{80}\u{800}\u{D7FF}\u{10000}\u{10FFFF}"))
    }
}
