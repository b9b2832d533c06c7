/// Splits expression text into tokens, keeping each one's line and column.
///
/// Strings are single-quoted with `''` for a quote, as in SQL; names that
/// are not plain identifiers (spaces, dashes, keywords) go in backquotes:
/// `` `order-id` ``.
///
/// # Ownership
/// Copies what it returns out of the text.
struct ExpressionLexer {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// Every token, ending with `.end`.
    mutating func tokens() throws(ExpressionError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var position: ExpressionPosition { ExpressionPosition(offset: offset, line: line, column: column) }

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

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
    }

    private mutating func next() throws(ExpressionError) -> ExpressionToken {
        skipSpace()
        let start = position
        guard let byte = peek() else { return ExpressionToken(kind: .end, position: start, endOffset: offset) }
        let kind: ExpressionToken.Kind
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            let first = offset
            while let next = peek(), Self.isIdentifierByte(next) { advance() }
            kind = .identifier(String(decoding: bytes[first..<offset], as: UTF8.self))
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            kind = .number(try number(start))
        case UInt8(ascii: "'"):
            kind = .string(try quoted(UInt8(ascii: "'"), start, what: "string"))
        case UInt8(ascii: "`"):
            let name = try quoted(UInt8(ascii: "`"), start, what: "quoted name")
            guard !name.isEmpty else { throw ExpressionError(.syntax, at: start, "an empty quoted name ``") }
            kind = .quotedIdentifier(name)
        case UInt8(ascii: "\""):
            throw ExpressionError(.syntax, at: start, "strings use single quotes ('text'); double quotes are not part of the language")
        default:
            kind = .symbol(try symbol(start))
        }
        return ExpressionToken(kind: kind, position: start, endOffset: offset)
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

    private mutating func number(_ start: ExpressionPosition) throws(ExpressionError) -> String {
        let first = offset
        while let byte = peek(), isDigit(byte) { advance() }
        if peek() == UInt8(ascii: "."), let after = peek(1), isDigit(after) {
            advance()
            while let byte = peek(), isDigit(byte) { advance() }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            advance()
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { advance() }
            guard let digit = peek(), isDigit(digit) else {
                throw ExpressionError(.syntax, at: position, "expected a digit in the number's exponent")
            }
            while let byte = peek(), isDigit(byte) { advance() }
        }
        if let byte = peek(), Self.isIdentifierByte(byte) {
            throw ExpressionError(.syntax, at: start, "a name cannot start with a digit; quote it with backquotes")
        }
        return String(decoding: bytes[first..<offset], as: UTF8.self)
    }

    private mutating func quoted(_ quote: UInt8, _ start: ExpressionPosition, what: String) throws(ExpressionError) -> String {
        advance()
        var content: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw ExpressionError(.syntax, at: start, "unterminated \(what): add the closing \(Unicode.Scalar(quote))")
            }
            advance()
            if byte == quote {
                // A doubled quote is one quote character.
                if peek() == quote {
                    advance()
                    content.append(quote)
                    continue
                }
                return String(decoding: content, as: UTF8.self)
            }
            content.append(byte)
        }
    }

    private mutating func symbol(_ start: ExpressionPosition) throws(ExpressionError) -> String {
        let byte = peek()!
        let two = peek(1).map { String(decoding: [byte, $0], as: UTF8.self) }
        if let two, ["==", "!=", "<>", "<=", ">=", "||"].contains(two) {
            advance()
            advance()
            return two
        }
        let one = String(decoding: [byte], as: UTF8.self)
        if "+-*/%=<>(),.[]".contains(one) {
            advance()
            return one
        }
        let scalar = String(decoding: bytes[offset..<min(bytes.count, offset + 4)], as: UTF8.self).unicodeScalars.first
        let shown = scalar.map { "'\($0)'" } ?? "byte \(byte)"
        var hint = ""
        if byte == UInt8(ascii: "!") { hint = " (write 'not' or '!=')" }
        if byte == UInt8(ascii: "&") { hint = " (write 'and')" }
        if byte == UInt8(ascii: "|") { hint = " (write 'or'; '||' joins strings)" }
        throw ExpressionError(.syntax, at: start, "unexpected character \(shown)\(hint)")
    }
}

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
