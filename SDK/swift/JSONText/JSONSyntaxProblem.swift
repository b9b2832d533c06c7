/// Why a JSON text was refused: one case per rule of the grammar, so that
/// every reader (host, plugin kit, expressions, plugins) reports the same
/// fault in the same words.
///
/// The scanner carries the problem inside its failure results (see
/// `JSONScanner.Cursor`), which keeps its hot paths free of error values;
/// `message(in:at:)` turns it into text only when a failure is reported.
public enum JSONSyntaxProblem: UInt8, Sendable, CaseIterable {
    /// No value starts here (or the text ended where one should start).
    case expectedValue
    /// `true` is misspelt; the offset is the first wrong byte.
    case expectedTrue
    /// `false` is misspelt; the offset is the first wrong byte.
    case expectedFalse
    /// `null` is misspelt; the offset is the first wrong byte.
    case expectedNull
    /// '-' is not followed by a digit.
    case expectedDigit
    /// '.' is not followed by a digit.
    case expectedDigitAfterPoint
    /// 'e' or 'E' (and an optional sign) is not followed by a digit.
    case expectedExponentDigit
    /// A number starts with '0' followed by another digit.
    case leadingZero
    /// The byte after a backslash does not start an escape.
    case badEscape
    /// A `\u` escape lacks four hex digits.
    case badHexDigit
    /// A `\u` escape names a lone high or low surrogate.
    case unpairedSurrogate
    /// A number is too large for a 64-bit floating-point value (`1e400`).
    case numberOutOfRange
    /// A raw control character (below U+0020) inside a string, or the text
    /// ends inside a string.
    case controlCharacter
    /// A string holds a byte sequence that is not well-formed UTF-8.
    case invalidUTF8
    /// Arrays and objects nest deeper than `JSONLimits.nestingDepthMax`.
    case nestingTooDeep
    /// An object member does not start with a quoted name.
    case expectedMemberName
    /// A member name is not followed by ':'.
    case expectedColon
    /// An object member is followed by neither ',' nor '}'.
    case expectedCommaOrBrace
    /// An array element is followed by neither ',' nor ']'.
    case expectedCommaOrBracket
    /// Something other than whitespace follows the value.
    case textAfterValue

    /// The problem found at `offset` of `bytes`, in words.
    public func message(in bytes: UnsafeRawBufferPointer, at offset: Int) -> String {
        let atEnd = offset >= bytes.count
        switch self {
        case .expectedValue:
            return atEnd ? "expected a value, found the end of the text"
                : "unexpected character \(Self.describe(bytes[offset]))"
        case .expectedTrue: return "expected 'true'"
        case .expectedFalse: return "expected 'false'"
        case .expectedNull: return "expected 'null'"
        case .expectedDigit: return "expected a digit"
        case .expectedDigitAfterPoint: return "expected a digit after '.'"
        case .expectedExponentDigit: return "expected a digit in the exponent"
        case .leadingZero: return "a number starts with '0' followed by a digit"
        case .numberOutOfRange: return "number too large for a 64-bit floating-point value"
        case .badEscape:
            return offset + 1 < bytes.count ? "bad escape '\\\(Self.printable(bytes[offset + 1]))'" : "unterminated string"
        case .badHexDigit: return "incomplete or bad hex digits in a \\u escape"
        case .unpairedSurrogate: return "a \\u escape holds an unpaired surrogate"
        case .controlCharacter: return atEnd ? "unterminated string" : "control character \(bytes[offset]) in a string"
        case .invalidUTF8: return "invalid UTF-8 in a string"
        case .nestingTooDeep: return "nested deeper than \(JSONLimits.nestingDepthMax)"
        case .expectedMemberName: return "expected a member name"
        case .expectedColon: return "expected ':'"
        case .expectedCommaOrBrace: return atEnd ? "unterminated object" : "expected ',' or '}'"
        case .expectedCommaOrBracket: return atEnd ? "unterminated array" : "expected ',' or ']'"
        case .textAfterValue: return "unexpected text after the value"
        }
    }

    private static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + hex(byte)
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(String(UnicodeScalar(byte)))'" : "byte 0x" + hex(byte)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
