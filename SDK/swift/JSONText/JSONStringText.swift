/// Writing a JSON string from UTF-8 text: the one escaping routine of the
/// tree, used by the host's serializer (files, admin messages), the plugin
/// kit, the expressions and the columnar encoder, so that the same string
/// is written the same way everywhere.
///
/// The form is the short escape where JSON has one (`\n`, `\t`, ...) and
/// `\u00xx` with lower-case hex digits for the other control characters,
/// as most serializers write them (JavaScript's `JSON.stringify`, Python's
/// `json`, Rust's serde_json); any form is the same string to a reader.
package enum JSONStringText {
    /// Appends `\u00xx` (lower-case hex) for a byte below 0x80: how a control
    /// character without a short escape is written, and how messages about
    /// one say it should be written.
    package static func appendUnicodeEscape(_ byte: UInt8, to output: inout [UInt8]) {
        precondition(byte < 0x80, "a \\u escape of one byte is for ASCII only")
        let digits: StaticString = "0123456789abcdef"
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                   digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 0xF)]])
    }

    /// Appends `text` (UTF-8 bytes) to `output` as a JSON string: quoted,
    /// with `"`, `\` and the control characters escaped (`\n`, `\r`, `\t`,
    /// `\b`, `\f`, the others as `\u00xx`). Other bytes are copied as they
    /// are, in runs.
    package static func appendQuoted(_ text: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if index > runStart { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart..<index])) }
            runStart = index + 1
            let short: UInt8
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): short = byte
            case 0x0A: short = UInt8(ascii: "n")
            case 0x0D: short = UInt8(ascii: "r")
            case 0x09: short = UInt8(ascii: "t")
            case 0x08: short = UInt8(ascii: "b")
            case 0x0C: short = UInt8(ascii: "f")
            default:
                appendUnicodeEscape(byte, to: &output)
                continue
            }
            output.append(UInt8(ascii: "\\"))
            output.append(short)
        }
        if text.count > runStart { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart...])) }
        output.append(UInt8(ascii: "\""))
    }
}
