/// A validating scanner over JSON text (RFC 8259) that builds nothing: it
/// checks one value and says where it ends.
///
/// Strings are checked for escapes and control characters but not for
/// UTF-8 validity (decoding repairs bad sequences). Nesting is bounded by
/// `depthMax` so that a hostile record cannot exhaust the stack.
///
/// # Ownership
/// BORROWS the text it scans.
struct JSONScanner {
    /// Deepest nesting of arrays and objects accepted.
    static let depthMax = 512

    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var atEnd: Bool { position >= bytes.count }

    @inline(__always)
    var current: UInt8 { bytes[position] }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    /// Scans one value (after optional whitespace) and returns its kind and
    /// its byte range.
    mutating func scanValue(depth: Int = 0) throws(JSONSyntaxError) -> (JSONView.Kind, Range<Int>) {
        skipWhitespace()
        guard !atEnd else { throw error("expected a value, found the end of the text") }
        let start = position
        let kind: JSONView.Kind
        switch current {
        case UInt8(ascii: "\""):
            try scanString()
            kind = .string
        case UInt8(ascii: "{"):
            try scanObject(depth: depth + 1)
            kind = .object
        case UInt8(ascii: "["):
            try scanArray(depth: depth + 1)
            kind = .array
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            kind = .bool
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            kind = .bool
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            kind = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            kind = .number
        default:
            throw error("unexpected character '\(Unicode.Scalar(current))'")
        }
        return (kind, start..<position)
    }

    mutating func scanLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("expected '\(word)'") }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            throw error("expected '\(word)'")
        }
        position += count
    }

    mutating func scanNumber() throws(JSONSyntaxError) {
        if !atEnd && current == UInt8(ascii: "-") { position += 1 }
        guard !atEnd else { throw error("expected a digit") }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if isDigit(current) {
            while !atEnd && isDigit(current) { position += 1 }
        } else {
            throw error("expected a digit")
        }
        if !atEnd && current == UInt8(ascii: ".") {
            position += 1
            guard !atEnd && isDigit(current) else { throw error("expected a digit after '.'") }
            while !atEnd && isDigit(current) { position += 1 }
        }
        if !atEnd && (current == UInt8(ascii: "e") || current == UInt8(ascii: "E")) {
            position += 1
            if !atEnd && (current == UInt8(ascii: "+") || current == UInt8(ascii: "-")) { position += 1 }
            guard !atEnd && isDigit(current) else { throw error("expected a digit in the exponent") }
            while !atEnd && isDigit(current) { position += 1 }
        }
    }

    /// Scans a string from its opening quote; returns whether it holds a
    /// backslash escape.
    @discardableResult
    mutating func scanString() throws(JSONSyntaxError) -> Bool {
        position += 1
        var escaped = false
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return escaped
            case UInt8(ascii: "\\"):
                escaped = true
                position += 1
                guard !atEnd else { break }
                switch current {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    position += 1
                    guard bytes.count - position >= 4 else { throw error("incomplete \\u escape") }
                    for _ in 0..<4 {
                        guard hexValue(current) != nil else { throw error("bad hex digit in a \\u escape") }
                        position += 1
                    }
                default:
                    throw error("bad escape '\\\(Unicode.Scalar(current))'")
                }
            case 0..<0x20:
                throw error("control character \(byte) in a string")
            default:
                position += 1
            }
        }
        throw error("unterminated string")
    }

    mutating func scanObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONScanner.depthMax else { throw error("nested deeper than \(JSONScanner.depthMax)") }
        position += 1
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard !atEnd && current == UInt8(ascii: "\"") else { throw error("expected a member name") }
            try scanString()
            skipWhitespace()
            guard !atEnd && current == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            _ = try scanValue(depth: depth)
            skipWhitespace()
            guard !atEnd else { throw error("unterminated object") }
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current == UInt8(ascii: "}") {
                position += 1
                return
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    mutating func scanArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONScanner.depthMax else { throw error("nested deeper than \(JSONScanner.depthMax)") }
        position += 1
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            _ = try scanValue(depth: depth)
            skipWhitespace()
            guard !atEnd else { throw error("unterminated array") }
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current == UInt8(ascii: "]") {
                position += 1
                return
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }
}

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
}
