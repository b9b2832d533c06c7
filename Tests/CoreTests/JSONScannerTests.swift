import Core
import Testing
import TestKit

@Suite("JSON field scanner")
struct JSONScannerTests {
    /// Looks `path` up in `text`.
    func lookup(_ text: String, _ path: String) throws -> JSONFieldLookup {
        let fieldPath = try JSONFieldPath(path)
        return withBytes(of: text) { JSONScanner.find(fieldPath, in: $0) }
    }

    /// The kind and raw text of the field at `path` in `text`, or nil when it
    /// is not found.
    func found(_ text: String, _ path: String) throws -> (kind: JSONFieldKind, text: String)? {
        guard case .found(let kind, let range) = try lookup(text, path) else { return nil }
        let bytes = Array(text.utf8)
        return (kind, String(decoding: bytes[range], as: UTF8.self))
    }

    // MARK: Found values

    @Test(
        "finds top-level fields of every kind, with the raw range of the value",
        arguments: [
            ("id", JSONFieldKind.number, "42"), ("name", .string, "Ada"), ("ok", .bool, "true"),
            ("no", .bool, "false"), ("nothing", .null, "null"), ("empty", .string, ""),
            ("price", .number, "-1.5e-3"), ("tags", .array, #"["a", "]"]"#),
            ("address", .object, #"{"city": "Oslo", "zip": [1, {"x": "}"}]}"#),
        ])
    func topLevelKinds(path: String, kind: JSONFieldKind, text: String) throws {
        let document = #"""
            {"id": 42, "name": "Ada", "ok": true, "no": false, "nothing": null, "empty": "",
             "price": -1.5e-3, "tags": ["a", "]"], "address": {"city": "Oslo", "zip": [1, {"x": "}"}]}}
            """#
        let result = try found(document, path)
        #expect(result?.kind == kind)
        #expect(result?.text == text)
    }

    @Test("follows nested paths past siblings of every kind")
    func nestedPaths() throws {
        let document = #"""
            {"a": "{\"customer\": 1}", "list": [{"customer": {"id": 0}}], "customer": {"name": {"id": 9},
             "x": [[], {}], "id": "c-1"}, "after": 1}
            """#
        #expect(try found(document, "customer.id")?.text == "c-1")
        #expect(try found(document, "customer.name.id")?.text == "9")
        #expect(try found(document, "customer.x")?.text == "[[], {}]")
        #expect(try found(document, "after")?.text == "1")
    }

    @Test("whitespace anywhere between tokens is allowed")
    func whitespaceEverywhere() throws {
        let document = " \n\t{ \r\n \"outer\" \t : \n { \"inner\"\r:\t[ 1 ,2 ] , \"n\" :  7\n}\n } \n"
        #expect(try found(document, "outer.inner")?.text == "[ 1 ,2 ]")
        #expect(try found(document, "outer.n")?.text == "7")
        #expect(try found("{\"a\":1\n}", "a")?.text == "1")
        #expect(try found("{\"a\":1\t,\"b\":2}", "a")?.text == "1")
    }

    @Test("strings with escapes are flagged, and the range is inside the quotes")
    func stringsWithEscapes() throws {
        let document = #"{"k": "say \"hi\" \\ \u00e9\ud83d\ude00", "plain": "no escapes"}"#
        let result = try found(document, "k")
        #expect(result?.kind == .stringWithEscapes)
        #expect(result?.text == #"say \"hi\" \\ \u00e9\ud83d\ude00"#)
        let decoded = Array(result!.text.utf8).withUnsafeBytes { JSONScanner.unescapedString($0) }
        #expect(decoded == Array("say \"hi\" \\ é😀".utf8))
        #expect(try found(document, "plain")?.kind == .string)
    }

    @Test("keys written with escapes match their unescaped path segment")
    func escapedKeys() throws {
        #expect(try found(#"{"\u0069d": 1}"#, "id")?.text == "1")
        #expect(try found(#"{"\u00e9": 2}"#, "é")?.text == "2")
        #expect(try found(#"{"caf\u00E9": 3}"#, "café")?.text == "3")
        #expect(try found(#"{"\ud83d\ude00": 4}"#, "😀")?.text == "4")
        #expect(try found(#"{"a\/b": 5}"#, "a/b")?.text == "5")
        #expect(try found(#"{"\u0063ustomer": {"\u0069\u0064": 6}}"#, "customer.id")?.text == "6")
    }

    @Test("keys that only look alike do not match")
    func nearMissKeys() throws {
        let document = #"{"i": 1, "ids": 2, "i\"d": 3, "id\u0000": 4, "Id": 5, "\u0069ds": 6, "id": 7}"#
        #expect(try found(document, "id")?.text == "7")
        #expect(try lookup(#"{"i\"d": 3}"#, "id") == .missing)
        #expect(try lookup(#"{"\u0069ds": 3}"#, "id") == .missing)
        #expect(try lookup(#"{"\u0069": 3}"#, "id") == .missing)
    }

    @Test("the first of duplicate keys wins")
    func duplicateKeys() throws {
        #expect(try found(#"{"id": 1, "id": 2}"#, "id")?.text == "1")
    }

    @Test("scanning stops once the value is delimited: what follows is not read")
    func stopsEarly() throws {
        #expect(try found(#"{"id": 1, this is not JSON"#, "id")?.text == "1")
        #expect(try found(#"{"id": "x"garbage"#, "id")?.text == "x")
        #expect(try found(#"{"id": {"a": 1}]]]"#, "id")?.text == #"{"a": 1}"#)
    }

    // MARK: Missing and not an object

    @Test(
        "missing keys",
        arguments: [
            ("{}", "a"), (" { } ", "a"), (#"{"a": 1}"#, "b"), (#"{"a": {}}"#, "a.b"), (#"{"x": 1}"#, "a.b"),
            (#"{"a": {"c": {"b": 1}}}"#, "a.b"), (#"{"b": "\"b\": 1"}"#, "c"),
        ])
    func missing(text: String, path: String) throws {
        #expect(try lookup(text, path) == .missing)
    }

    @Test(
        "a document or intermediate value that is not an object",
        arguments: [
            ("[1, 2]", "a"), ("\"str\"", "a"), ("42", "a"), ("-1", "a"), ("null", "a"), ("true", "a"),
            (#"{"a": 1}"#, "a.b"), (#"{"a": [{"b": 1}]}"#, "a.b"), (#"{"a": "x"}"#, "a.b"),
            (#"{"a": {"b": null}}"#, "a.b.c"),
        ])
    func notAnObject(text: String, path: String) throws {
        #expect(try lookup(text, path) == .notAnObject)
    }

    // MARK: Malformed

    @Test(
        "malformed input is reported at the offending byte",
        arguments: [
            ("", "a", 0), ("   ", "a", 3), ("x", "a", 0), ("}", "a", 0), (#"{"a" 1}"#, "a", 5),
            (#"{"a":1,}"#, "b", 7), (#"{"a":1 "b":2}"#, "b", 7), ("{a:1}", "a", 1), (#"{"a":tru}"#, "b", 8),
            (#"{"a":[1,}"#, "b", 8), (#"{"a":"unterminated"#, "b", 18), ("{\"a\":\"ctrl\u{1}\"}", "b", 10),
            (#"{"a": 01, "b": 2}"#, "b", 6), (#"{"a": -, "b": 2}"#, "b", 7), (#"{"a": 1.e2, "b": 2}"#, "b", 8),
            (#"{"id": 12x}"#, "id", 9), (#"{"id": tru}"#, "id", 10), (#"{"id": nulll}"#, "id", 11),
            (#"{"a":{"b":1]}"#, "c", 11), (#"{"a":[1}]}"#, "c", 7), (#"{"a":"\x"}"#, "b", 6),
            (#"{"a":"\u12G4"}"#, "b", 10), (#"{"\ud800": 1}"#, "a", 2), (#"{"id": 1"#, "b", 8),
            (#"{"id": "#, "id", 7), (#"{"id": ["#, "id", 8), (#"{"a"#, "a", 3), ("{\"a\"", "a", 4),
        ])
    func malformed(text: String, path: String, offset: Int) throws {
        #expect(try lookup(text, path) == .malformed(offset: offset))
    }

    @Test("invalid UTF-8 inside a string is malformed")
    func invalidUTF8() throws {
        let path = try JSONFieldPath("b")
        for bad: [UInt8] in [[0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xFF]] {
            let bytes = Array(#"{"a":""#.utf8) + bad + Array(#"","b":1}"#.utf8)
            #expect(bytes.withUnsafeBytes { JSONScanner.find(path, in: $0) } == .malformed(offset: 6))
        }
        let valid = Array(#"{"a":"é😀€","b":1}"#.utf8)
        #expect(valid.withUnsafeBytes { JSONScanner.find(path, in: $0) } == .found(kind: .number, range: 21..<22))
    }

    @Test("nesting deeper than the parser allows is malformed")
    func nestingLimit() throws {
        let depth = JSONValue.nestingDepthMax
        let allowed = "{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
            + ",\"b\":1}"
        #expect(try found(allowed, "b")?.text == "1")
        #expect((try? JSONValue.parse(allowed)) != nil)
        let tooDeep = "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            + ",\"b\":1}"
        #expect(try lookup(tooDeep, "b") == .malformed(offset: 5 + depth - 1))
        #expect((try? JSONValue.parse(tooDeep)) == nil)
    }

    @Test("strings of every length up to 40, with a special byte at every position, agree with the parser")
    func stringLengthsAndPositions() throws {
        // Each special part as written in JSON, and whether it is valid there.
        let specials: [(text: String, valid: Bool)] = [
            (#"\""#, true), (#"\\"#, true), (#"\u00e9"#, true), (#"\ud83d\ude00"#, true), ("é", true),
            ("😀", true), ("\u{1}", false), ("\t", false), (#"\x"#, false), ("", true),
        ]
        let idPath = try JSONFieldPath("id")
        let keyPath = try JSONFieldPath("k")
        for length in 0...40 {
            for position in 0...length {
                for special in specials {
                    let body = String(repeating: "a", count: position) + special.text
                        + String(repeating: "b", count: length - position)
                    for text in [#"{"k":"\#(body)","id":7}"#, #"{"\#(body)":1,"id":7}"#, #"{"id":7,"k":"\#(body)"}"#] {
                        let bytes = Array(text.utf8)
                        let parsed = try? parse(bytes: bytes)
                        #expect((parsed != nil) == special.valid, "\(text)")
                        let idResult = bytes.withUnsafeBytes { JSONScanner.find(idPath, in: $0) }
                        let keyResult = bytes.withUnsafeBytes { JSONScanner.find(keyPath, in: $0) }
                        if let parsed {
                            expectAgreement(idResult, parsed["id"]!, bytes: bytes, context: text)
                            if let expected = parsed["k"] {
                                expectAgreement(keyResult, expected, bytes: bytes, context: text)
                            } else {
                                #expect(keyResult == .missing, "\(text)")
                            }
                        } else if text.hasPrefix(#"{"k""#) || text.hasPrefix(#"{"\#(body)""#) {
                            // The bad string comes before "id": the scanner must notice it.
                            guard case .malformed = idResult else {
                                Issue.record("expected malformed, got \(idResult) for \(text)")
                                continue
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("numbers of every length, cut anywhere, agree with the parser")
    func numberLengthsAndCuts() throws {
        let path = try JSONFieldPath("n")
        let numbers = (1...30).flatMap { length -> [String] in
            let digits = String((0..<length).map { Character(String(($0 * 7 + 1) % 10)) })
            return [digits, "-" + digits, digits + ".5", "0." + digits, digits + "e-3", "-" + digits + ".25E+2"]
        }
        for number in numbers {
            let text = #"{"a":[1.5,-2,3e2],"n":\#(number)}"#
            let bytes = Array(text.utf8)
            let parsed = try parse(bytes: bytes)
            for cut in 0...bytes.count {
                let prefix = Array(bytes[..<cut])
                let result = prefix.withUnsafeBytes { JSONScanner.find(path, in: $0) }
                if cut == bytes.count {
                    expectAgreement(result, parsed["n"]!, bytes: prefix, context: text)
                } else if case .found = result {
                    Issue.record("found \(result) in a cut document: \(String(decoding: prefix, as: UTF8.self))")
                }
            }
        }
    }

    // MARK: Helpers

    @Test(
        "unescapedString decodes valid string bodies",
        arguments: [
            (#"plain"#, "plain"), (#"\"\\\/\b\f\n\r\t"#, "\"\\/\u{8}\u{C}\n\r\t"), (#"\u0041\u00e9"#, "Aé"),
            (#"\uD83D\uDE00!"#, "😀!"), ("é😀", "é😀"), ("", ""),
        ])
    func unescapedValid(raw: String, expected: String) {
        let decoded = Array(raw.utf8).withUnsafeBytes { JSONScanner.unescapedString($0) }
        #expect(decoded == Array(expected.utf8))
    }

    @Test(
        "unescapedString refuses invalid string bodies",
        arguments: [#"\x"#, #"\u12"#, #"\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, "a\"b", "a\u{1}", #"end\"#])
    func unescapedInvalid(raw: String) {
        #expect(Array(raw.utf8).withUnsafeBytes { JSONScanner.unescapedString($0) } == nil)
    }

    @Test("unescapedString refuses invalid UTF-8")
    func unescapedInvalidUTF8() {
        #expect([UInt8]([0x61, 0xC3]).withUnsafeBytes { JSONScanner.unescapedString($0) } == nil)
        #expect([UInt8]([0xED, 0xA0, 0x80]).withUnsafeBytes { JSONScanner.unescapedString($0) } == nil)
    }

    @Test(
        "number(in:range:) reads exactly one JSON number",
        arguments: [
            ("42", 42.0 as Double?), ("-1.5e3", -1500), ("0.1", 0.1), ("-0", -0.0), ("1E+2", 100),
            ("123456789012345678901234567890", 1.2345678901234568e29), ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("01", nil), ("1.", nil), ("-", nil), ("1e400", nil), ("1 ", nil), (" 1", nil), ("0x10", nil), ("", nil),
            ("+1", nil), ("1e", nil),
        ])
    func numberHelper(text: String, expected: Double?) {
        let bytes = Array(text.utf8)
        let value = bytes.withUnsafeBytes { JSONScanner.number(in: $0, range: 0..<bytes.count) }
        #expect(value == expected)
        if let value, let expected { #expect(value.sign == expected.sign) }
    }

    @Test("number(in:range:) reads a sub-range and refuses ranges outside the buffer")
    func numberSubrange() {
        let bytes = Array(#"{"n":12.5}"#.utf8)
        #expect(bytes.withUnsafeBytes { JSONScanner.number(in: $0, range: 5..<9) } == 12.5)
        #expect(bytes.withUnsafeBytes { JSONScanner.number(in: $0, range: 5..<20) } == nil)
    }

    @Test(
        "integer(in:range:) reads integers that fit Int64",
        arguments: [
            ("42", Int64(42) as Int64?), ("-9223372036854775808", .min), ("9223372036854775807", .max),
            ("9223372036854775808", nil), ("1.0", nil), ("1e2", nil), ("01", nil), ("", nil),
        ])
    func integerHelper(text: String, expected: Int64?) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { JSONScanner.integer(in: $0, range: 0..<bytes.count) } == expected)
    }

    // MARK: Field paths

    @Test("field paths split on dots")
    func fieldPathSegments() throws {
        #expect(try JSONFieldPath("customer.id").segments == ["customer", "id"])
        #expect(try JSONFieldPath("id").segments == ["id"])
        #expect(try JSONFieldPath("é.😀").segments == ["é", "😀"])
        #expect(try JSONFieldPath("a.b").description == "a.b")
        #expect(try JSONFieldPath("a.b") == JSONFieldPath("a.b"))
        #expect(try JSONFieldPath("a.b") != JSONFieldPath("a"))
    }

    @Test(
        "field paths with empty segments are refused with a reason",
        arguments: [
            ("", #"invalid field path "": field path is empty; name a key such as "id""#),
            ("a..b", #"invalid field path "a..b": segment 2 is empty; separate keys with a single '.', as in "customer.id""#),
            (".a", #"invalid field path ".a": segment 1 is empty; separate keys with a single '.', as in "customer.id""#),
            ("a.", #"invalid field path "a.": segment 2 is empty; separate keys with a single '.', as in "customer.id""#),
            (".", #"invalid field path ".": segment 1 is empty; separate keys with a single '.', as in "customer.id""#),
        ])
    func fieldPathErrors(path: String, description: String) {
        do {
            _ = try JSONFieldPath(path)
            Issue.record("accepted \(path.debugDescription)")
        } catch {
            #expect(error.description == description)
            #expect(error.path == path)
        }
    }

    // MARK: Agreement with the parser

    /// Checks that the scanner's result for `path` agrees with `expected`,
    /// the parser's value at that path.
    func expectAgreement(
        _ lookup: JSONFieldLookup, _ expected: JSONValue, bytes: [UInt8], context: String
    ) {
        guard case .found(let kind, let range) = lookup else {
            Issue.record("expected found, got \(lookup) for \(context)")
            return
        }
        let raw = bytes[range]
        switch expected {
        case .string(let string):
            if kind == .string {
                #expect(Array(raw) == Array(string.utf8), "\(context)")
            } else {
                #expect(kind == .stringWithEscapes, "\(context)")
                let decoded = Array(raw).withUnsafeBytes { JSONScanner.unescapedString($0) }
                #expect(decoded == Array(string.utf8), "\(context)")
            }
        case .int, .double:
            #expect(kind == .number, "\(context)")
            let number = bytes.withUnsafeBytes { JSONScanner.number(in: $0, range: range) }
            #expect(number == expected.doubleValue, "\(context)")
            if case .int(let integer) = expected {
                #expect(bytes.withUnsafeBytes { JSONScanner.integer(in: $0, range: range) } == integer, "\(context)")
            }
        case .bool(let bool):
            #expect(kind == .bool, "\(context)")
            #expect(String(decoding: raw, as: UTF8.self) == (bool ? "true" : "false"), "\(context)")
        case .null:
            #expect(kind == .null, "\(context)")
            #expect(String(decoding: raw, as: UTF8.self) == "null", "\(context)")
        case .array, .object:
            #expect(kind == (expected.arrayValue != nil ? .array : .object), "\(context)")
            #expect((try? parse(bytes: Array(raw))) == expected, "\(context)")
        }
    }

    /// Checks every path in `object` (and a few that are absent or lead
    /// through non-objects) against the scanner on `bytes`.
    func checkEveryPath(
        in object: JSONObject, prefix: [String], bytes: [UInt8], text: String
    ) throws {
        for (key, member) in object {
            // Paths cannot name keys that are empty or contain '.'.
            guard !key.isEmpty, !key.contains(".") else { continue }
            let segments = prefix + [key]
            let path = try JSONFieldPath(segments.joined(separator: "."))
            let context = "\(path) in \(text)"
            let result = bytes.withUnsafeBytes { JSONScanner.find(path, in: $0) }
            expectAgreement(result, member, bytes: bytes, context: context)
            if case .object(let nested) = member {
                try checkEveryPath(in: nested, prefix: segments, bytes: bytes, text: text)
            } else {
                let through = try JSONFieldPath((segments + ["id"]).joined(separator: "."))
                #expect(bytes.withUnsafeBytes { JSONScanner.find(through, in: $0) } == .notAnObject, "\(context)")
            }
        }
        let absent = try JSONFieldPath((prefix + ["absent-key"]).joined(separator: "."))
        #expect(bytes.withUnsafeBytes { JSONScanner.find(absent, in: $0) } == .missing, "\(absent) in \(text)")
    }

    @Test("on random documents the scanner agrees with the parser for every path", arguments: [11, 12, 13, 14])
    func agreesWithParser(seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        for iteration in 0..<300 {
            let object = RandomJSON.object(depth: 3, using: &generator)
            let text: String
            if iteration % 2 == 0 {
                text = JSONValue.object(object).serialized()
            } else {
                var writer = NoisyJSONWriter(generator: SeededRandom(seed: generator.next()))
                writer.write(.object(object))
                text = writer.output
            }
            let bytes = Array(text.utf8)
            // The document is valid and means `object`; otherwise the
            // comparison below would prove nothing.
            #expect(try parse(bytes: bytes) == .object(object))
            try checkEveryPath(in: object, prefix: [], bytes: bytes, text: text)
        }
    }

    @Test("on random truncations the scanner never reads out of bounds and never finds a wrong value")
    func truncatedDocuments() throws {
        var generator = SeededRandom(seed: 99)
        for _ in 0..<300 {
            let object = RandomJSON.object(depth: 3, using: &generator)
            let bytes = Array(JSONValue.object(object).serialized().utf8)
            guard let key = object.keys.first(where: { !$0.isEmpty && !$0.contains(".") }) else { continue }
            let path = try JSONFieldPath(key)
            let cut = Int.random(in: 0...bytes.count, using: &generator)
            // Copy into a buffer of exactly `cut` bytes so that reading past
            // it would be caught by sanitizers and by the range checks below.
            let prefix = Array(bytes[..<cut])
            let result = prefix.withUnsafeBytes { JSONScanner.find(path, in: $0) }
            switch result {
            case .found(_, let range):
                #expect(range.upperBound <= cut)
                expectAgreement(result, object[key]!, bytes: prefix, context: "\(key) in \(prefix)")
            case .malformed(let offset):
                #expect(offset <= cut)
            case .missing, .notAnObject:
                Issue.record("\(result) for \(key) in a truncated object")
            }
        }
    }
}
