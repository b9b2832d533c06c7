/// Writing a JSON string from UTF-8 text, as the plugin kit and the
/// expressions write record values.
package enum JSONStringText {
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
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            default:
                let digits: StaticString = "0123456789abcdef"
                output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 0xF)]])
            }
        }
        if text.count > runStart { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart...])) }
        output.append(UInt8(ascii: "\""))
    }
}
