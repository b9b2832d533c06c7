import Core
import TestKit

/// Random JSON values for property tests, biased toward what trips
/// scanners up: quotes, backslashes, braces and brackets inside strings,
/// control characters, non-ASCII text, keys that share prefixes.
enum RandomJSON {
    /// Characters strings are drawn from.
    static let alphabet: [Character] = [
        "a", "b", "c", "x", "y", "z", "0", "9", " ", "\"", "\\", "/", "{", "}", "[", "]", ":", ",", "\n", "\t",
        "\u{0}", "\u{1F}", "é", "ß", "€", "😀", "\u{2028}", "\u{FFFF}", "\u{10FFFF}",
    ]
    /// Keys are drawn from a small set so that nested objects reuse names and
    /// siblings share prefixes.
    static let keyPool = [
        "id", "ids", "i", "customer", "name", "na\"me", "a.b", "{", "}", "\\", "é", "😀", "", "key with space",
        "\u{1}", "value",
    ]

    static func string<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let length = Int.random(in: 0...8, using: &generator)
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func double<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            // Any finite bit pattern: subnormals, huge, tiny.
            while true {
                let double = Double(bitPattern: generator.next())
                if double.isFinite { return double }
            }
        case 1: return Double(Int.random(in: -1000...1000, using: &generator)) / 8
        case 2: return Double.random(in: -1e6...1e6, using: &generator)
        default: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &generator))
        }
    }

    static func scalar<G: RandomNumberGenerator>(using generator: inout G) -> JSONValue {
        switch Int.random(in: 0..<7, using: &generator) {
        case 0: .null
        case 1: .bool(Bool.random(using: &generator))
        case 2: .int(Int64.random(in: -1000...1000, using: &generator))
        case 3: .int(Int64.random(in: .min ... .max, using: &generator))
        case 4: .double(double(using: &generator))
        default: .string(string(using: &generator))
        }
    }

    static func value<G: RandomNumberGenerator>(depth: Int, using generator: inout G) -> JSONValue {
        guard depth > 0 else { return scalar(using: &generator) }
        switch Int.random(in: 0..<10, using: &generator) {
        case 0, 1: return .object(object(depth: depth - 1, using: &generator))
        case 2:
            let count = Int.random(in: 0...4, using: &generator)
            return .array((0..<count).map { _ in value(depth: depth - 1, using: &generator) })
        default: return scalar(using: &generator)
        }
    }

    static func object<G: RandomNumberGenerator>(depth: Int, using generator: inout G) -> JSONObject {
        var object = JSONObject()
        let count = Int.random(in: 0...6, using: &generator)
        for _ in 0..<count {
            let key = keyPool.randomElement(using: &generator)!
            object[key] = value(depth: depth, using: &generator)
        }
        return object
    }
}

/// Writes JSON the way a careless but valid producer might: whitespace
/// between every token and characters escaped at random (`\u` escapes,
/// surrogate pairs, lower- and upper-case hex, `\/`).
struct NoisyJSONWriter<G: RandomNumberGenerator> {
    var generator: G
    var output = ""

    init(generator: G) {
        self.generator = generator
    }

    mutating func whitespace() {
        let choices = ["", "", " ", "\n", "\t", "\r\n", "  "]
        output += choices.randomElement(using: &generator)!
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .array(let elements):
            output += "["
            whitespace()
            for (index, element) in elements.enumerated() {
                if index > 0 {
                    whitespace()
                    output += ","
                    whitespace()
                }
                write(element)
            }
            whitespace()
            output += "]"
        case .object(let object):
            output += "{"
            whitespace()
            for (index, (key, member)) in object.enumerated() {
                if index > 0 {
                    whitespace()
                    output += ","
                    whitespace()
                }
                writeString(key)
                whitespace()
                output += ":"
                whitespace()
                write(member)
            }
            whitespace()
            output += "}"
        case .string(let string):
            writeString(string)
        default:
            output += value.serialized()
        }
    }

    mutating func writeString(_ string: String) {
        output += "\""
        for scalar in string.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if mustEscape || Int.random(in: 0..<5, using: &generator) == 0 {
                writeEscaped(scalar)
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    mutating func writeEscaped(_ scalar: Unicode.Scalar) {
        let short: [Unicode.Scalar: String] = [
            "\"": "\\\"", "\\": "\\\\", "/": "\\/", "\u{8}": "\\b", "\u{C}": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t",
        ]
        if let escape = short[scalar], Bool.random(using: &generator) {
            output += escape
            return
        }
        let uppercase = Bool.random(using: &generator)
        func hex(_ unit: UInt32) -> String {
            let digits = String(unit, radix: 16, uppercase: uppercase)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        if scalar.value >= 0x10000 {
            let offset = scalar.value - 0x10000
            output += hex(0xD800 + (offset >> 10)) + hex(0xDC00 + (offset & 0x3FF))
        } else {
            output += hex(scalar.value)
        }
    }
}

/// Runs `body` with the UTF-8 bytes of `text`.
func withBytes<Result>(of text: String, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    try Array(text.utf8).withUnsafeBytes(body)
}

/// Parses raw bytes, keeping the typed error that `withUnsafeBytes` would
/// widen to `any Error`.
func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONParseError) in try JSONValue.parse(bytes: buffer) }
    }
    return try result.get()
}
