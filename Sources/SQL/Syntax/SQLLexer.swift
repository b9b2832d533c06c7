/// Splits SQL text into tokens, keeping each one's line and column.
///
/// Flink's lexical rules: names are letters, digits, `_` and `$` (not
/// starting with a digit), or anything in backquotes with `` `` `` for a
/// backquote; strings are single-quoted with `''` for a quote; comments
/// are `-- to the end of the line` and `/* ... */`. Double quotes and
/// query hints (`/*+ ... */`) are refused with a message, not skipped.
///
/// # Ownership
/// Copies what it returns out of the text.
struct SQLLexer {
    private let bytes: [UInt8]
    private let file: String
    private var offset = 0
    private var line = 1
    private var column = 1

    init(_ text: String, file: String) {
        bytes = Array(text.utf8)
        self.file = file
    }

    /// Every token, ending with `.end`.
    mutating func tokens() throws(SQLError) -> [SQLToken] {
        var tokens: [SQLToken] = []
        while true {
            let token = try next()
            guard tokens.count < SQLLimits.tokensMax else {
                throw SQLError(.limit, file: file, at: token.position,
                               "the text has more than \(SQLLimits.tokensMax) tokens; split it into several files")
            }
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var position: SQLPosition { SQLPosition(offset: offset, line: line, column: column) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    private mutating func advance() {
        let byte = bytes[offset]
        offset += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            // Continuation bytes belong to the scalar already counted.
            column += 1
        }
    }

    private func fail(_ position: SQLPosition, _ message: String) -> SQLError {
        SQLError(.syntax, file: file, at: position, message)
    }

    /// Skips white space and comments.
    private mutating func skipSpaceAndComments() throws(SQLError) {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                advance()
            } else if byte == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                while let next = peek(), next != 0x0A { advance() }
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let start = position
                if peek(2) == UInt8(ascii: "+") {
                    throw fail(start, "query hints (/*+ ... */) are not supported; remove the hint")
                }
                advance()
                advance()
                while true {
                    guard let next = peek() else {
                        throw fail(start, "unterminated comment: '/*' without a closing '*/'")
                    }
                    if next == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance()
                        advance()
                        break
                    }
                    advance()
                }
            } else {
                return
            }
        }
    }

    private mutating func next() throws(SQLError) -> SQLToken {
        try skipSpaceAndComments()
        let start = position
        guard let byte = peek() else { return SQLToken(kind: .end, position: start, endOffset: offset) }
        let kind: SQLToken.Kind
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            kind = .identifier(identifier())
        case 0x80...:
            guard let scalar = scalarAtOffset(), scalar.properties.isAlphabetic else {
                throw fail(start, "unexpected character '\(scalarAtOffset().map { String($0) } ?? "?")'")
            }
            kind = .identifier(identifier())
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            kind = .number(try number(start))
        case UInt8(ascii: "."):
            if let next = peek(1), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
                kind = .number(try number(start))
            } else {
                advance()
                kind = .symbol(".")
            }
        case UInt8(ascii: "'"):
            kind = .string(try quoted(UInt8(ascii: "'"), start, what: "string literal"))
        case UInt8(ascii: "`"):
            let name = try quoted(UInt8(ascii: "`"), start, what: "quoted name")
            guard !name.isEmpty else { throw fail(start, "an empty quoted name ``") }
            kind = .quotedIdentifier(name)
        case UInt8(ascii: "\""):
            throw fail(start, "double quotes are not part of Flink SQL: write strings in single quotes ('text') and quote names in backquotes (`name`)")
        default:
            kind = .symbol(try symbol(start))
        }
        return SQLToken(kind: kind, position: start, endOffset: offset)
    }

    /// The Unicode scalar starting at `offset`, if the bytes there are one.
    private func scalarAtOffset() -> Unicode.Scalar? {
        var iterator = bytes[offset...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    private mutating func identifier() -> String {
        let first = offset
        while let next = peek() {
            if Self.isIdentifierByte(next) {
                advance()
            } else if next >= 0x80, let scalar = scalarAtOffset(), scalar.properties.isAlphabetic {
                for _ in 0..<String(scalar).utf8.count { advance() }
            } else {
                break
            }
        }
        return String(decoding: bytes[first..<offset], as: UTF8.self)
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"):
            return true
        default:
            return false
        }
    }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Digits, an optional fraction and an optional exponent.
    private mutating func number(_ start: SQLPosition) throws(SQLError) -> String {
        let first = offset
        while Self.isDigit(peek()) { advance() }
        if peek() == UInt8(ascii: "."), Self.isDigit(peek(1)) || offset > first {
            advance()
            while Self.isDigit(peek()) { advance() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let signed = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
            guard Self.isDigit(peek(signed ? 2 : 1)) else {
                throw fail(position, "expected the digits of an exponent after '\(String(decoding: bytes[first...offset], as: UTF8.self))'")
            }
            advance()
            if signed { advance() }
            while Self.isDigit(peek()) { advance() }
        }
        if let next = peek(), Self.isIdentifierByte(next) {
            throw fail(start, "a name cannot start with a digit: '\(String(decoding: bytes[first...offset], as: UTF8.self))...'; quote it in backquotes")
        }
        return String(decoding: bytes[first..<offset], as: UTF8.self)
    }

    /// Text between `quote`s, a doubled quote standing for one.
    private mutating func quoted(_ quote: UInt8, _ start: SQLPosition, what: String) throws(SQLError) -> String {
        advance()
        var content: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw fail(start, "unterminated \(what): the \(String(UnicodeScalar(quote))) opened here is never closed")
            }
            advance()
            if byte == quote {
                if peek() == quote {
                    advance()
                    content.append(quote)
                } else {
                    return String(decoding: content, as: UTF8.self)
                }
            } else {
                content.append(byte)
            }
        }
    }

    /// The longest operator at `offset`.
    private mutating func symbol(_ start: SQLPosition) throws(SQLError) -> String {
        let two = peek(1).map { String(decoding: [bytes[offset], $0], as: UTF8.self) }
        if let two, ["<>", "<=", ">=", "!=", "||", "=>"].contains(two) {
            advance()
            advance()
            return two
        }
        let byte = bytes[offset]
        guard "(),;*+-/%=<>[]:".utf8.contains(byte) else {
            let shown = scalarAtOffset().map { String($0) } ?? "\\x" + String(byte, radix: 16)
            let hint = byte == UInt8(ascii: "$") && peek(1) == UInt8(ascii: "{")
                ? " (a ${...} placeholder must be substituted before parsing)" : ""
            throw fail(start, "unexpected character '\(shown)'\(hint)")
        }
        advance()
        return String(UnicodeScalar(byte))
    }
}
