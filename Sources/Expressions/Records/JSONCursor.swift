#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    static let depthMax = 512

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
    /// backslash escape.
    @discardableResult
    @inline(__always)
    mutating func skipString() throws(Failure) -> Bool {
        // Locals rather than `position`, so that the loop runs in registers.
        let base = text.baseAddress!
        let end = text.count
        var index = position + 1
        var escaped = false
        while index < end {
            #if _endian(little)
            // Eight bytes at a time while none is a quote, a backslash or a
            // control character (the usual bit tricks: a byte of v is zero
            // iff its high bit survives (v - 1) & ~v).
            if index + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let quotes = word ^ (ones &* 0x22)
                let backslashes = word ^ (ones &* 0x5C)
                let special = ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (word &- ones &* 0x20) & ~word) & highs
                if special == 0 {
                    index += 8
                    continue
                }
                // The lowest flagged byte is exact (borrows only run upwards).
                index += special.trailingZeroBitCount >> 3
            }
            #endif
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return escaped
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            if byte < 0x20 {
                position = index
                throw failure("a control character in a string")
            }
            index += 1
        }
        position = end
        throw failure("an unterminated string")
    }

    /// Past the number characters at the cursor (the caller saw a digit
    /// or '-' there).
    @inline(__always)
    mutating func skipNumber() {
        let base = text.baseAddress!
        var index = position + 1
        let end = text.count
        while index < end {
            switch base.load(fromByteOffset: index, as: UInt8.self) {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                index += 1
            default:
                position = index
                return
            }
        }
        position = index
    }

    /// Past one value at the cursor (no space before it), taking the
    /// common scalars inline; returns its kind.
    @inline(__always)
    mutating func skipValueFast(depth: Int) throws(Failure) -> Kind {
        let byte = peek
        if byte == UInt8(ascii: "\"") {
            try skipString()
            return .string
        }
        if isDigit(byte) || byte == UInt8(ascii: "-") {
            skipNumber()
            return .number
        }
        return try skipValue(depth: depth)
    }

    /// Past one value (after optional space); returns its kind.
    @discardableResult
    mutating func skipValue(depth: Int = 0) throws(Failure) -> Kind {
        skipSpace()
        guard depth < Self.depthMax else { throw failure("nesting deeper than \(Self.depthMax)") }
        guard let kind = kindAhead else {
            throw failure(atEnd ? "a value is missing at the end" : "unexpected character '\(Unicode.Scalar(peek))'")
        }
        switch kind {
        case .string:
            try skipString()
        case .object, .array:
            let close = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            skipSpace()
            if peek == close {
                position += 1
                return kind
            }
            while true {
                skipSpace()
                if kind == .object { _ = try memberName() }
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek == close {
                    position += 1
                    return kind
                }
                guard peek == UInt8(ascii: ",") else {
                    throw failure(kind == .object ? "expected ',' or '}'" : "expected ',' or ']'")
                }
                position += 1
            }
        case .number:
            let start = position
            let base = text.baseAddress!
            var index = position
            let end = text.count
            while index < end {
                switch base.load(fromByteOffset: index, as: UInt8.self) {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                     UInt8(ascii: "e"), UInt8(ascii: "E"):
                    index += 1
                default:
                    position = index
                    guard position > start else { throw failure("expected a number") }
                    return kind
                }
            }
            position = index
        case .boolean, .null:
            let word: StaticString = peek == UInt8(ascii: "t") ? "true" : peek == UInt8(ascii: "f") ? "false" : "null"
            let count = word.utf8CodeUnitCount
            guard position + count <= text.count else { throw failure("expected \(word)") }
            for offset in 0..<count where text[position + offset] != word.utf8Start[offset] {
                throw failure("expected \(word)")
            }
            position += count
        case .missing:
            break
        }
        return kind
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

    /// Resolves JSON escapes in string content (no quotes); lone surrogates
    /// become U+FFFD.
    static func unescape(_ content: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let end = content.count
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= end else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = content[at + offset]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < end {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < end else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = content[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(index) ?? 0xFFFD
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    if index + 6 <= end, content[index] == UInt8(ascii: "\\"), content[index + 1] == UInt8(ascii: "u"),
                       let low = hex4(index + 2), (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                output.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}")!)
            default:
                output.append(escape)
            }
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

    static func parseInteger(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard !text.isEmpty else { return nil }
        var index = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        // JSON forbids leading zeros ("01").
        if text.count - index > 1, text[index] == UInt8(ascii: "0") { return nil }
        var magnitude: UInt64 = 0
        guard index < text.count else { return nil }
        while index < text.count {
            let byte = text[index]
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// RFC 8259's number grammar.
    static func isValidNumber(_ text: UnsafeRawBufferPointer) -> Bool {
        numberShape(text) != nil
    }

    /// Whether `text` has a fraction and an exponent, or nil when it is not
    /// a number as RFC 8259 writes it.
    static func numberShape(_ text: UnsafeRawBufferPointer) -> (hasFraction: Bool, hasExponent: Bool)? {
        var index = 0
        let count = text.count
        var hasFraction = false
        var hasExponent = false
        if index < count, text[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count else { return nil }
        if text[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard isDigit(text[index]) else { return nil }
            while index < count, isDigit(text[index]) { index += 1 }
        }
        if index < count, text[index] == UInt8(ascii: ".") {
            hasFraction = true
            index += 1
            guard index < count, isDigit(text[index]) else { return nil }
            while index < count, isDigit(text[index]) { index += 1 }
        }
        if index < count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, isDigit(text[index]) else { return nil }
            while index < count, isDigit(text[index]) { index += 1 }
        }
        return index == count ? (hasFraction, hasExponent) : nil
    }
}
