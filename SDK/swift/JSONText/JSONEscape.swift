/// Decoding of one backslash escape in a JSON string (RFC 8259 section 7),
/// shared by the parser and the scanner; no allocation.
package enum JSONEscape {
    /// The outcome of decoding the escape at a backslash.
    package enum Decoded: Equatable {
        /// A Unicode scalar value and the escape's length in bytes
        /// (2 for "\n", 6 for "\u00e9", 12 for a surrogate pair).
        case scalar(UInt32, length: Int)
        /// The byte after the backslash does not start a valid escape.
        case invalidEscape
        /// "\u" is not followed by four hex digits.
        case invalidHex
        /// A high surrogate not followed by an escaped low surrogate.
        case unpairedHighSurrogate(UInt16)
        /// A low surrogate without a high surrogate before it.
        case unpairedLowSurrogate(UInt16)
        /// The input ends inside the escape.
        case truncated
    }

    /// Decodes the escape whose backslash is at `backslash`, reading no
    /// further than `end`.
    package static func decode(_ bytes: UnsafeRawBufferPointer, at backslash: Int, end: Int) -> Decoded {
        assert(bytes[backslash] == UInt8(ascii: "\\"))
        guard backslash + 1 < end else { return .truncated }
        switch bytes[backslash + 1] {
        case UInt8(ascii: "\""): return .scalar(0x22, length: 2)
        case UInt8(ascii: "\\"): return .scalar(0x5C, length: 2)
        case UInt8(ascii: "/"): return .scalar(0x2F, length: 2)
        case UInt8(ascii: "b"): return .scalar(0x08, length: 2)
        case UInt8(ascii: "f"): return .scalar(0x0C, length: 2)
        case UInt8(ascii: "n"): return .scalar(0x0A, length: 2)
        case UInt8(ascii: "r"): return .scalar(0x0D, length: 2)
        case UInt8(ascii: "t"): return .scalar(0x09, length: 2)
        case UInt8(ascii: "u"):
            guard let unit = hexQuad(bytes, at: backslash + 2, end: end) else { return .invalidHex }
            switch unit {
            case 0xD800...0xDBFF:
                guard backslash + 7 < end, bytes[backslash + 6] == UInt8(ascii: "\\"),
                    bytes[backslash + 7] == UInt8(ascii: "u"),
                    let low = hexQuad(bytes, at: backslash + 8, end: end), (0xDC00...0xDFFF).contains(low)
                else { return .unpairedHighSurrogate(unit) }
                let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                return .scalar(scalar, length: 12)
            case 0xDC00...0xDFFF:
                return .unpairedLowSurrogate(unit)
            default:
                return .scalar(UInt32(unit), length: 6)
            }
        default:
            return .invalidEscape
        }
    }

    @inline(__always)
    private static func hexQuad(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> UInt16? {
        guard start + 4 <= end else { return nil }
        var unit: UInt16 = 0
        for index in start..<start + 4 {
            guard let digit = hexValue(bytes[index]) else { return nil }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    @inline(__always)
    package static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
