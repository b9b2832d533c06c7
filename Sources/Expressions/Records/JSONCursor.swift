#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONText

/// A position in JSON text that steps over values without building
/// anything: the one-pass walk under field extraction, `map` and `project`.
///
/// It checks the structure it walks (quotes, brackets, separators, literal
/// words, number characters) so that a broken record is reported rather
/// than misread, but it does not decode what it skips.
///
/// # Ownership
/// BORROWS the text.
struct JSONCursor {
    /// The JSON kinds, plus `missing` for a field a record does not have.
    enum Kind: UInt8, Sendable {
        case missing, null, boolean, number, string, array, object
    }

    /// A broken record: what was expected, at which byte.
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let message: String
        var description: String { "the value is not valid JSON: \(message) at byte \(offset)" }
    }

    /// Deepest nesting walked.
    static let depthMax = JSONLimits.nestingDepthMax

    let text: UnsafeRawBufferPointer
    var position: Int

    init(_ text: UnsafeRawBufferPointer, position: Int = 0) {
        self.text = text
        self.position = position
    }

    @inline(__always) var atEnd: Bool { position >= text.count }
    @inline(__always) var peek: UInt8 { position < text.count ? text[position] : 0 }

    func failure(_ message: String) -> Failure { Failure(offset: position, message: message) }

    @inline(__always)
    mutating func skipSpace() {
        guard position < text.count else { return }
        let base = text.baseAddress!
        var index = position
        let end = text.count
        while index < end {
            switch base.load(fromByteOffset: index, as: UInt8.self) {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default:
                position = index
                return
            }
        }
        position = index
    }

    @inline(__always)
    var kindAhead: Kind? {
        switch peek {
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .boolean
        case UInt8(ascii: "n"): .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        default: nil
        }
    }

    /// At a member of an object (after its leading space): reads the quoted
    /// name, the ':' and the space after it. Returns the name's bytes (without
    /// quotes) and whether it has escapes.
    @inline(__always)
    mutating func memberName() throws(Failure) -> (name: Range<Int>, escaped: Bool) {
        guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        let nameStart = position + 1
        let escaped = try skipString()
        let name = nameStart..<(position - 1)
        skipSpace()
        guard peek == UInt8(ascii: ":") else { throw failure("expected ':'") }
        position += 1
        skipSpace()
        return (name, escaped)
    }

    /// Past a string starting at the cursor; returns whether it holds a
    /// backslash escape. Checked under the one JSON rule (JSONText).
    @discardableResult
    @inline(__always)
    mutating func skipString() throws(Failure) -> Bool {
        let (end, escaped) = JSONScanner.skipString(in: text, at: position)
        if end < 0 { throw Self.failure(end, in: text) }
        position = end
        return escaped
    }

    /// Past one value at the cursor (no space before it); returns its
    /// kind. Strings, the common case, go straight to the string skip.
    @inline(__always)
    mutating func skipValueFast(depth: Int) throws(Failure) -> Kind {
        if peek == UInt8(ascii: "\"") {
            try skipString()
            return .string
        }
        return try skipValue(depth: depth)
    }

    /// Past one value (after optional space), nested `depth` levels deep,
    /// checked in full under the one JSON rule; returns its kind.
    @discardableResult
    mutating func skipValue(depth: Int = 0) throws(Failure) -> Kind {
        skipSpace()
        guard let kind = kindAhead else {
            throw failure(atEnd ? "a value is missing at the end" : "unexpected character '\(Unicode.Scalar(peek))'")
        }
        let end = JSONScanner.skipValue(in: text, at: position, depth: depth)
        if end < 0 { throw Self.failure(end, in: text) }
        position = end
        return kind
    }

    /// The failure for a negative result of JSONText's skips.
    static func failure(_ result: Int, in text: UnsafeRawBufferPointer) -> Failure {
        let error = JSONScanner.syntaxError(result, in: text)
        return Failure(offset: error.offset, message: error.message)
    }

    /// Walks the members of the object at the cursor, calling `body` with
    /// each name's range (inside the quotes), whether the name has escapes,
    /// and the cursor at the value; `body` must move the cursor past the
    /// value. Leaves the cursor past the closing brace.
    mutating func forEachMember(
        depth: Int,
        _ body: (_ cursor: inout JSONCursor, _ name: Range<Int>, _ nameEscaped: Bool) throws(Failure) -> Void
    ) throws(Failure) {
        guard depth < Self.depthMax else { throw failure("nesting deeper than \(Self.depthMax)") }
        position += 1
        skipSpace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipSpace()
            let (name, escaped) = try memberName()
            try body(&self, name, escaped)
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    /// Like `forEachMember` for the elements of an array.
    mutating func forEachElement(
        depth: Int, _ body: (_ cursor: inout JSONCursor, _ index: Int) throws(Failure) -> Void
    ) throws(Failure) {
        guard depth < Self.depthMax else { throw failure("nesting deeper than \(Self.depthMax)") }
        position += 1
        skipSpace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            skipSpace()
            try body(&self, index)
            index += 1
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    // MARK: Decoding

    /// The decoded bytes of the string whose text (with quotes) is `range`.
    static func decodeString(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        let content = UnsafeRawBufferPointer(rebasing: text[(range.lowerBound + 1)..<(range.upperBound - 1)])
        guard content.contains(UInt8(ascii: "\\")) else { return String(decoding: content, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(content.count)
        unescape(content, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Resolves JSON escapes in string content (no quotes) that JSONText
    /// checked; an escape it would refuse becomes U+FFFD.
    static func unescape(_ content: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let end = content.count
        while index < end {
            guard content[index] == UInt8(ascii: "\\") else {
                output.append(content[index])
                index += 1
                continue
            }
            let scalar: UInt32
            switch JSONEscape.decode(content, at: index, end: end) {
            case .scalar(let value, let length):
                scalar = value
                index += length
            case .unpairedHighSurrogate, .unpairedLowSurrogate:
                scalar = 0xFFFD
                index += 6
            case .invalidEscape, .invalidHex, .truncated:
                scalar = 0xFFFD
                index = end
            }
            let (packed, count) = JSONUTF8.encode(scalar)
            for shift in 0..<count { output.append(UInt8(truncatingIfNeeded: packed >> (8 * UInt32(shift)))) }
        }
    }

    /// The value of number text: an integer when it has no fraction or
    /// exponent and fits Int64, a decimal when it has a fraction and fits
    /// one, else a double. Nil for text that is not a JSON number.
    static func number(_ text: UnsafeRawBufferPointer) -> ExpressionValue? {
        // One pass checks the grammar and tells which kind of number it is.
        guard let (hasFraction, hasExponent) = numberShape(text) else { return nil }
        if !hasFraction && !hasExponent, let value = parseInteger(text) { return .integer(value) }
        if !hasExponent, let decimal = DecimalNumber.parse(text) { return .decimal(decimal) }
        let double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double in
            for index in 0..<text.count { buffer[index] = CChar(bitPattern: text[index]) }
            buffer[text.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return .double(double)
    }

    /// The value of integer text (RFC 8259 grammar, no fraction or
    /// exponent) that fits Int64; nil otherwise.
    static func parseInteger(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard case .number(let end, isInteger: true) = JSONNumberText.scan(text, from: 0, to: text.count),
            end == text.count
        else { return nil }
        return JSONNumberText.int64(text, 0..<text.count)
    }

    /// RFC 8259's number grammar.
    static func isValidNumber(_ text: UnsafeRawBufferPointer) -> Bool {
        numberShape(text) != nil
    }

    /// Whether `text` has a fraction and an exponent, or nil when it is not
    /// a number as RFC 8259 writes it.
    static func numberShape(_ text: UnsafeRawBufferPointer) -> (hasFraction: Bool, hasExponent: Bool)? {
        guard case .number(let end, let isInteger) = JSONNumberText.scan(text, from: 0, to: text.count),
            end == text.count
        else { return nil }
        if isInteger { return (false, false) }
        let hasExponent = text.contains(UInt8(ascii: "e")) || text.contains(UInt8(ascii: "E"))
        return (text.contains(UInt8(ascii: ".")), hasExponent)
    }
}
