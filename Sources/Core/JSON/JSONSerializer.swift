import JSONText

/// Writes `JSONValue`s as compact RFC 8259 text.
///
/// - Object keys come out in insertion order.
/// - Strings escape '"', '\\' and the control characters U+0000-U+001F
///   (`\n`, `\t`, ... where JSON has a short escape, else `\u00xx`), with
///   JSONText's one routine; everything else, '/' and non-ASCII included, is
///   written as is.
/// - Doubles print round-trippably: the shortest digits that read back as the
///   same `Double`. An integral double below 1e21 prints in plain digits with
///   ".0" (`3.0`, `18446744073709552000.0`), never in exponent form, and the
///   ".0" makes it parse back as a double, not an integer. Larger or
///   fractional values use the shortest form, which may have an exponent
///   (`1e+21`, `1e-07`). NaN and infinities, which JSON cannot express and
///   the parser never produces, print as `null`.
/// - With `pretty`, each array element and object member goes on a line of
///   its own, indented two spaces per level, with " : " after a key (the
///   layout of Foundation's pretty-printed JSON, which the host's files had
///   before); empty arrays and objects stay `[]` and `{}`.
struct JSONSerializer {
    private(set) var output: [UInt8] = []
    /// Lines and indentation for people to read (files they may edit).
    var pretty = false
    /// Nesting of the value being written, for the indentation.
    private var depth = 0

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case .bool(let bool):
            append(bool ? "true" : "false")
        case .int(let integer):
            writeInteger(integer)
        case .double(let double):
            writeDouble(double)
        case .string(let string):
            writeString(string)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            depth += 1
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newLine()
                write(element)
            }
            depth -= 1
            if !elements.isEmpty { newLine() }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            depth += 1
            for (index, (key, member)) in object.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newLine()
                writeString(key)
                if pretty { append(" : ") } else { output.append(UInt8(ascii: ":")) }
                write(member)
            }
            depth -= 1
            if !object.isEmpty { newLine() }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// In pretty output, ends the line and indents the next to `depth`.
    private mutating func newLine() {
        guard pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    private mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func writeInteger(_ integer: Int64) {
        if integer < 0 { output.append(UInt8(ascii: "-")) }
        writeDigits(integer.magnitude)
    }

    private mutating func writeDigits(_ magnitude: UInt64) {
        // 20 digits hold UInt64.max; fill from the right, then copy.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            var remaining = magnitude
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
        }
        withUnsafeBytes(of: &digits) { buffer in
            output.append(contentsOf: buffer[(24 - count)...])
        }
    }

    private mutating func writeDouble(_ double: Double) {
        guard double.isFinite else {
            append("null")
            return
        }
        guard JSONNumberText.isIntegral(double), double.magnitude < 1e21 else {
            output.append(contentsOf: double.description.utf8)
            return
        }
        if double.sign == .minus { output.append(UInt8(ascii: "-")) }
        if double.magnitude < 0x1p64 {
            writeDigits(UInt64(double.magnitude))
        } else {
            // Between 2^64 and 1e21 the shortest digits are fewer than the
            // integer's digits: expand "d.ddde+XX" with trailing zeros.
            writeExpanded(double.magnitude.description)
        }
        append(".0")
    }

    /// Writes the integral value of a description such as
    /// "1.8446744073709552e+19" in plain digits.
    private mutating func writeExpanded(_ description: String) {
        let parts = description.split(separator: "e")
        precondition(parts.count == 2, "expected exponent form, got \(description)")
        let mantissa = parts[0].filter { $0 != "." }
        let exponent = Int(parts[1])!  // "+19" parses as 19.
        let integerDigits = exponent + 1
        precondition(integerDigits >= mantissa.count, "\(description) is not integral")
        output.append(contentsOf: mantissa.utf8)
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: integerDigits - mantissa.count))
    }

    /// Writes `string` quoted and escaped by JSONText's one escaping
    /// routine (`JSONStringText`).
    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { JSONStringText.appendQuoted(UnsafeRawBufferPointer($0), to: &output) }
    }

    /// `string` as a JSON string literal, for messages.
    static func quoted(_ string: String) -> String {
        var serializer = JSONSerializer()
        serializer.writeString(string)
        return String(decoding: serializer.output, as: UTF8.self)
    }
}
