import JSONText

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Strict means: exactly one value with only whitespace around it; no
/// comments, trailing commas, single quotes, leading zeros, `NaN` or
/// `Infinity`; strings must be valid UTF-8 with control characters escaped;
/// `\u` escapes must pair surrogates; numbers must fit a `Double`; and object
/// keys must be unique (RFC 8259 leaves duplicates to the receiver, and the
/// field scanner could not agree with a last-wins parser without reading
/// whole records). A leading UTF-8 byte order mark is skipped, which RFC 8259
/// section 8.1 permits.
///
/// The parser is iterative, with an explicit stack of open containers, so
/// deep input cannot overflow the thread's stack; nesting beyond
/// `nestingDepthMax` is an error.
///
/// # Ownership
/// Borrows `bytes` for the duration of `parseDocument()` only; the result
/// copies everything it keeps.
struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    static let nestingDepthMax = JSONLimits.nestingDepthMax

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// Reused buffer for strings with escapes, so that each one does not
    /// allocate its own.
    private var scratch: [UInt8] = []

    /// The kind of an array or object whose closing bracket has not been
    /// read yet. The containers themselves live in one stack per kind, so
    /// that appending to the innermost one mutates it in place instead of
    /// copying it out of an enum payload and back.
    private enum OpenContainer {
        case array
        case object
    }

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses the whole input as one JSON text.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            position = 3
        }
        skipWhitespace()
        if position == bytes.count {
            throw error("empty input, expected a JSON value", at: position)
        }
        let value = try parseValue()
        skipWhitespace()
        if position != bytes.count {
            throw error(
                "unexpected \(describeInput(at: position)) after the JSON value; a JSON text holds exactly one value",
                at: position)
        }
        return value
    }

    // MARK: Structure

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        var open: [OpenContainer] = []
        var arrays: [[JSONValue]] = []
        var objects: [JSONObject] = []
        /// The key of the member being parsed in each open object.
        var keys: [String] = []
        nextValue: while true {
            skipWhitespace()
            guard position < bytes.count else {
                throw error("unexpected end of input, expected a JSON value", at: position)
            }
            var value: JSONValue
            switch bytes[position] {
            case UInt8(ascii: "{"):
                try checkDepth(open.count)
                position += 1
                skipWhitespace()
                if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .object(JSONObject())
                } else {
                    keys.append(try parseKey(afterComma: false))
                    open.append(.object)
                    objects.append(JSONObject())
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try checkDepth(open.count)
                position += 1
                skipWhitespace()
                if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    open.append(.array)
                    arrays.append([])
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "'"):
                throw error("expected a JSON value, got ''' (strings use double quotes)", at: position)
            default:
                throw error("expected a JSON value, got \(describeInput(at: position))", at: position)
            }

            // `value` is complete: hand it to the innermost open container,
            // closing containers for as long as their closing bracket follows.
            while let container = open.last {
                switch container {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    skipWhitespace()
                    if position < bytes.count && bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        skipWhitespace()
                        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                            throw error("trailing comma before ']' is not allowed", at: position)
                        }
                        continue nextValue
                    }
                    guard position < bytes.count && bytes[position] == UInt8(ascii: "]") else {
                        throw error(
                            "expected ',' or ']' after array element, got \(describeInput(at: position))",
                            at: position)
                    }
                    position += 1
                    open.removeLast()
                    value = .array(arrays.removeLast())
                case .object:
                    let innermost = objects.count - 1
                    objects[innermost].appendNew(key: keys.removeLast(), value: value)
                    skipWhitespace()
                    if position < bytes.count && bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        let keyOffset = position
                        let key = try parseKey(afterComma: true)
                        if objects[innermost].contains(key: key) {
                            throw error(
                                "duplicate key \(JSONSerializer.quoted(key)) in object",
                                at: offsetOfKey(from: keyOffset))
                        }
                        keys.append(key)
                        continue nextValue
                    }
                    guard position < bytes.count && bytes[position] == UInt8(ascii: "}") else {
                        throw error(
                            "expected ',' or '}' after object member, got \(describeInput(at: position))",
                            at: position)
                    }
                    position += 1
                    open.removeLast()
                    value = .object(objects.removeLast())
                }
            }
            return value
        }
    }

    /// The offset of the opening quote of the key that follows a comma at
    /// `offset - 1`; used only to place a duplicate-key error.
    private func offsetOfKey(from offset: Int) -> Int {
        var offset = offset
        while offset < bytes.count && bytes[offset] != UInt8(ascii: "\"") { offset += 1 }
        return offset
    }

    private func checkDepth(_ openContainers: Int) throws(JSONParseError) {
        if openContainers >= Self.nestingDepthMax {
            throw error(
                "arrays and objects nested deeper than \(Self.nestingDepthMax) levels", at: position)
        }
    }

    /// Reads `"key" :` and leaves the position at the member's value. The
    /// caller checks for duplicates.
    private mutating func parseKey(afterComma: Bool) throws(JSONParseError) -> String {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            if afterComma && position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                throw error("trailing comma before '}' is not allowed", at: position)
            }
            throw error(
                "expected a string in double quotes as object key, got \(describeInput(at: position))",
                at: position)
        }
        let key = try parseString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
            throw error("expected ':' after object key, got \(describeInput(at: position))", at: position)
        }
        position += 1
        return key
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            default:
                return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (index, byte) in expected.enumerated() {
            guard start + index < bytes.count, bytes[start + index] == byte else {
                throw error("invalid literal, expected '\(literal)'", at: start)
            }
        }
        position = start + expected.count
        // "nullx" or "true1" would otherwise be reported as garbage after the
        // value; naming the literal is clearer.
        if position < bytes.count, Self.isIdentifierByte(bytes[position]) {
            throw error("invalid literal, expected '\(literal)'", at: start)
        }
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || JSONNumberText.isDigit(byte)
            || byte == UInt8(ascii: "_")
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        switch JSONNumberText.scan(bytes, from: start, to: bytes.count) {
        case .invalid(let offset, let problem):
            let message =
                switch problem {
                case .digitAfterMinus: "expected a digit after '-', got \(describeInput(at: offset))"
                case .leadingZero: "leading zeros are not allowed in numbers"
                case .digitAfterDecimalPoint:
                    "expected a digit after the decimal point, got \(describeInput(at: offset))"
                case .digitInExponent: "expected a digit in the exponent, got \(describeInput(at: offset))"
                }
            throw error(message, at: offset)
        case .number(let end, let isInteger):
            position = end
            let range = start..<end
            // "-0" is kept as a double so that its sign survives; as an
            // integer it would print back as "0".
            let isNegativeZero = end - start == 2 && bytes[start] == UInt8(ascii: "-")
                && bytes[start + 1] == UInt8(ascii: "0")
            if isInteger && !isNegativeZero, let integer = JSONNumberText.int64(bytes, range) {
                return .int(integer)
            }
            guard let double = JSONNumberText.double(bytes, range) else {
                throw error(
                    "number \(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)) "
                        + "is too large for a 64-bit floating-point value",
                    at: start)
            }
            return .double(double)
        }
    }

    // MARK: Strings

    /// Reads a string starting at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        let quote = position
        position += 1
        let contentStart = position
        // Fast path: no escapes, so the content is the bytes as they stand
        // once checked.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                return String(decoding: content, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacterError(byte) }
            if byte < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        guard position < bytes.count else { throw unterminatedString(quote) }

        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                try appendEscape(stringStart: quote)
            } else if byte < 0x20 {
                throw controlCharacterError(byte)
            } else if byte < 0x80 {
                scratch.append(byte)
                position += 1
            } else {
                let start = position
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
            }
        }
        throw unterminatedString(quote)
    }

    private func unterminatedString(_ quote: Int) -> JSONParseError {
        error("unterminated string: no closing '\"' before the end of input", at: quote)
    }

    private func controlCharacterError(_ byte: UInt8) -> JSONParseError {
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            return error(
                "line break inside a string; close the string with '\"' or write the line break as \\n",
                at: position)
        }
        var escaped: [UInt8] = []
        JSONStringText.appendUnicodeEscape(byte, to: &escaped)
        let hex = String(byte, radix: 16, uppercase: true)
        return error(
            "control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) inside a string "
                + "must be escaped, as \(String(decoding: escaped, as: UTF8.self))",
            at: position)
    }

    /// Reads the escape at `position` (a backslash) and appends its UTF-8.
    /// `stringStart` is the opening quote, where an unterminated string is
    /// reported.
    private mutating func appendEscape(stringStart: Int) throws(JSONParseError) {
        let backslash = position
        switch JSONEscape.decode(bytes, at: backslash, end: bytes.count) {
        case .scalar(let scalar, let length):
            let (packed, count) = JSONUTF8.encode(scalar)
            for index in 0..<count {
                scratch.append(UInt8(truncatingIfNeeded: packed >> (8 * index)))
            }
            position += length
        case .truncated:
            throw unterminatedString(stringStart)
        case .invalidEscape:
            throw error(
                "invalid escape '\\\(describeByte(bytes[backslash + 1]))' in string; valid escapes are "
                    + "\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: backslash)
        case .invalidHex:
            throw error("invalid \\u escape: expected 4 hex digits after \\u", at: backslash)
        case .unpairedHighSurrogate(let unit):
            throw error(
                "unpaired surrogate \\u\(Self.hex(unit)): a high surrogate must be followed by an escaped "
                    + "low surrogate \\uDC00-\\uDFFF", at: backslash)
        case .unpairedLowSurrogate(let unit):
            throw error(
                "unpaired surrogate \\u\(Self.hex(unit)): a low surrogate must follow a high surrogate "
                    + "\\uD800-\\uDBFF", at: backslash)
        }
    }

    private static func hex(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Steps over one well-formed multi-byte UTF-8 sequence at `position`
    /// (Unicode table 3-7: no overlong forms, no surrogates, nothing past
    /// U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        guard let length = JSONUTF8.sequenceLength(bytes, at: position) else {
            throw error("invalid UTF-8 byte 0x\(Self.hexByte(bytes[position])) in string", at: position)
        }
        position += length
    }

    // MARK: Errors

    private func error(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(message: message, offset: offset, in: bytes)
    }

    /// What the input holds at `offset`, for messages: "'x'", "end of input".
    private func describeInput(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x80 {
            if let length = JSONUTF8.sequenceLength(bytes, at: offset) {
                let character = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
                return "'\(character)'"
            }
            return "byte 0x\(Self.hexByte(byte)) (not valid UTF-8)"
        }
        if byte < 0x20 || byte == 0x7F {
            return "control character U+00\(Self.hexByte(byte))"
        }
        return "'\(describeByte(byte))'"
    }

    /// A byte as text for messages: the ASCII character if printable, else
    /// its code.
    private func describeByte(_ byte: UInt8) -> String {
        switch byte {
        case 0x20..<0x7F: String(UnicodeScalar(byte))
        case 0x80...: "0x\(Self.hexByte(byte))"
        default: "U+00\(Self.hexByte(byte))"
        }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}
