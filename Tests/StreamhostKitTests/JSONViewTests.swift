import Foundation
import StreamhostKit
import Testing

@Suite struct JSONViewTests {
    func parse<Result>(_ text: String, _ body: (JSONView) throws -> Result) throws -> Result {
        var text = text
        return try text.withUTF8 { try body(JSONView(parsing: UnsafeRawBufferPointer($0))) }
    }

    func error(_ text: String) -> JSONSyntaxError? {
        do {
            try parse(text) { _ in }
            return nil
        } catch let error as JSONSyntaxError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"null"#, #"true"#, #"false"#, #"0"#, #"-0.5e+3"#, #"  "x\"\u00e9\n"  "#,
        #"{"a":[1,{"b":null}],"c":"d"}"#, "\t[ 1 , 2 ]\r\n",
    ])
    func validTexts(_ text: String) {
        #expect(error(text) == nil)
        #expect(JSONView.isValid(text))
    }

    @Test(arguments: [
        "", "{", #"{"a"}"#, #"{"a":}"#, #"[1,]"#, "01", "+1", ".5", "1.", "1e", "tru", "nul", #""\x""#,
        #""\u12G4""#, "\"a\u{01}\"", #"{"a":1}x"#, "[1 2]", #"{a:1}"#, "NaN",
    ])
    func invalidTexts(_ text: String) {
        #expect(error(text) != nil)
        #expect(!JSONView.isValid(text))
    }

    @Test func errorsSayWhere() {
        #expect(error(#"{"a":1,}"#) == JSONSyntaxError(offset: 7, message: "expected a member name"))
        #expect(error("[1,2") == JSONSyntaxError(offset: 4, message: "unterminated array"))
        #expect(error(#"{"a":1}x"#)?.description == "invalid JSON at byte 7: unexpected text after the value")
    }

    @Test func nestingIsBounded() {
        #expect(error(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) == nil)
        #expect(error(String(repeating: "[", count: 513) + String(repeating: "]", count: 513)) != nil)
        #expect(error(String(repeating: "[", count: 100_000)) != nil)
    }

    @Test func kindsAndScalars() throws {
        try parse(#"{"s":"a\tb","n":-12,"f":2.5e2,"t":true,"z":null,"o":{},"a":[]}"#) { object in
            #expect(object.kind == .object)
            #expect(object.member("s")?.stringValue == "a\tb")
            #expect(object.member("n")?.int64Value == -12)
            #expect(object.member("n")?.doubleValue == -12)
            #expect(object.member("f")?.doubleValue == 250)
            #expect(object.member("f")?.int64Value == nil)
            #expect(object.member("t")?.boolValue == true)
            #expect(object.member("z")?.kind == .null)
            #expect(object.member("o")?.kind == .object)
            #expect(object.member("a")?.kind == .array)
            #expect(object.member("missing") == nil)
            #expect(object.member("s")?.doubleValue == nil)
        }
    }

    @Test func int64Limits() throws {
        try parse("[9223372036854775807,-9223372036854775808,9223372036854775808]") { array in
            var values: [Int64?] = []
            array.forEachElement { values.append($0.int64Value) }
            #expect(values == [Int64.max, Int64.min, nil])
        }
    }

    @Test func memberNamesWithEscapesMatchDecoded() throws {
        try parse(#"{"\u0061mount":5,"a\"b":1,"x":1,"x":2}"#) { object in
            #expect(object.member("amount")?.int64Value == 5)
            #expect(object.member("a\"b")?.int64Value == 1)
            #expect(object.member("x")?.int64Value == 2)  // the last duplicate wins
        }
    }

    @Test func stringDecodingHandlesUnicodeEscapes() throws {
        try parse(#"["\u00e9\ud83d\ude00", "\/\\\"\b\f\r", "plain é"]"#) { array in
            var values: [String] = []
            array.forEachElement { values.append($0.stringValue ?? "?") }
            #expect(values == ["é😀", "/\\\"\u{08}\u{0C}\r", "plain é"])
        }
    }

    /// The kit reads JSON under the host's rule (JSONText): a lone
    /// surrogate escape or bytes that are not UTF-8 are refused, where the
    /// kit used to accept them and decode U+FFFD.
    @Test func loneSurrogatesAndInvalidUTF8AreRefused() {
        #expect(error(#"["\ud800x"]"#)?.message == "a \\u escape holds an unpaired surrogate")
        #expect(error(#"["\udc00"]"#) != nil)
        var bytes: [UInt8] = Array(#"{"a":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        let refused = bytes.withUnsafeMutableBytes { (try? JSONView(parsing: UnsafeRawBufferPointer($0))) == nil }
        #expect(refused)
    }

    @Test func forEachMemberVisitsInOrder() throws {
        try parse(#" { "b" : 1 , "a" : [ 1 , 2 ] } "#) { object in
            var names: [String] = []
            var values: [String] = []
            object.forEachMember { name, value in
                names.append(name.stringValue!)
                values.append(String(decoding: value.bytes, as: UTF8.self))
            }
            #expect(names == ["b", "a"])
            #expect(values == ["1", "[ 1 , 2 ]"])
        }
    }

    @Test func compactRemovesOnlyInsignificantWhitespace() throws {
        try parse("{ \"a b\" : [ 1 , \"x  y\" ] ,\n \"c\" : { } }") { object in
            var out: [UInt8] = []
            object.appendCompact(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == #"{"a b":[1,"x  y"],"c":{}}"#)
        }
    }

    @Test func quotingRoundTrips() throws {
        let texts = ["plain", "quote \" backslash \\ ", "ctl \u{01}\u{1F} nl \n tab \t", "é 😀", ""]
        for text in texts {
            var out: [UInt8] = []
            var copy = text
            copy.withUTF8 { JSONView.appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
            let decoded = try JSONSerialization.jsonObject(with: Data(out), options: [.fragmentsAllowed]) as? String
            #expect(decoded == text)
        }
    }

    @Test(arguments: [("1", true), ("-0", true), ("1.5e-3", true), ("01", false), ("1.", false), ("", false),
                      ("+1", false), ("0x10", false), ("NaN", false), (" 1", false)])
    func numberRecognition(_ text: String, _ isNumber: Bool) {
        var copy = text
        #expect(copy.withUTF8 { JSONView.isNumber(UnsafeRawBufferPointer($0)) } == isNumber)
    }
}
