/// UTF-8 checks and encoding shared by the parser and the scanner, on raw
/// bytes and without allocation.
package enum JSONUTF8 {
    /// The length of the well-formed UTF-8 sequence starting at `index`, or
    /// nil when it is not well-formed, following Unicode table 3-7: no
    /// overlong forms, no surrogates (U+D800-U+DFFF), nothing past U+10FFFF,
    /// and no truncated sequences.
    package static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let count = bytes.count
        let lead = bytes[index]
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
        }
        switch lead {
        case 0x00...0x7F:
            return 1
        case 0xC2...0xDF:
            return continuation(1) ? 2 : nil
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : nil
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : nil
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : nil
        default:
            return nil
        }
    }

    /// The UTF-8 encoding of `scalar`, packed little-end first into a
    /// `UInt32`, and its length in bytes; lets callers compare or copy the
    /// bytes without building an array.
    @inline(__always)
    package static func encode(_ scalar: UInt32) -> (packed: UInt32, count: Int) {
        switch scalar {
        case 0..<0x80:
            return (scalar, 1)
        case 0x80..<0x800:
            return ((0xC0 | scalar >> 6) | (0x80 | scalar & 0x3F) << 8, 2)
        case 0x800..<0x10000:
            return ((0xE0 | scalar >> 12) | (0x80 | scalar >> 6 & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16, 3)
        default:
            return (
                (0xF0 | scalar >> 18) | (0x80 | scalar >> 12 & 0x3F) << 8 | (0x80 | scalar >> 6 & 0x3F) << 16
                    | (0x80 | scalar & 0x3F) << 24, 4
            )
        }
    }
}
