import Expressions
import Testing

/// The record scanner skips strings eight bytes at a time: every length
/// and every place of an escape, a quote or a control character must come
/// out as a byte-at-a-time reading would.
@Suite("Record scanning")
struct RecordScanningTests {
    @Test func stringsOfEveryLengthWithEscapesAndControlsAnywhere() throws {
        for length in 0..<40 {
            let plain = String(repeating: "a", count: length)
            #expect(try evaluate("s || t", record: #"{"x":"\#(plain)","s":"\#(plain)","t":"é"}"#) == .string(plain + "é"))
            for at in 0...length {
                let escapedText = String(plain.prefix(at)) + #"\""# + String(plain.dropFirst(at))
                let decoded = String(plain.prefix(at)) + "\"" + String(plain.dropFirst(at))
                #expect(try evaluate("s", record: #"{"pad":"\#(escapedText)","s":"\#(escapedText)"}"#) == .string(decoded),
                        "length \(length), escape at \(at)")
                let backslash = String(plain.prefix(at)) + #"\\"# + String(plain.dropFirst(at))
                #expect(try evaluate("length(s)", record: #"{"s":"\#(backslash)"}"#) == .integer(Int64(length + 1)))
                let control = String(plain.prefix(at)) + "\u{01}" + String(plain.dropFirst(at))
                #expect(try runtimeError("s", record: #"{"s":"\#(control)"}"#)?.message.contains("control character") == true,
                        "length \(length), control at \(at)")
                #expect(try runtimeError("t", record: #"{"s":"\#(control)","t":1}"#)?.message.contains("control character") == true)
            }
            #expect(try runtimeError("s", record: #"{"s":"\#(plain)"#)?.message.contains("unterminated") == true)
        }
    }
}

/// The record scanner reads under the one JSON rule (JSONText): a fault
/// inside a value it only steps over is refused, as the host refuses it.
@Suite("Record scanning: skipped values")
struct RecordScanningSkippedValueTests {
    @Test(arguments: [
        #"{"x":1.2.3,"a":1}"#, #"{"x":[01],"a":1}"#, #"{"x":"\ud800","a":1}"#, #"{"x":1e400,"a":1}"#,
        #"{"x":{"y":-},"a":1}"#, #"{"x":"\q","a":1}"#,
    ])
    func faultsInsideSkippedValuesAreRefused(record: String) throws {
        #expect(try runtimeError("a", record: record)?.message.contains("not valid JSON") == true)
    }

    @Test func theSameRecordsWithoutTheFaultAreRead() throws {
        #expect(try evaluate("a", record: #"{"x":[1.2,{"y":-3e2}],"s":"\ud83d\ude00","a":1}"#) == .integer(1))
    }
}
