#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TimeText

extension JSONView {
    // MARK: Scalars

    /// The instant a time field names, in milliseconds since the epoch: a
    /// number is milliseconds (a fraction is dropped); a string follows
    /// `TimeText.rule` (epoch milliseconds, or ISO 8601 / RFC 3339 where no
    /// zone means UTC). `nil` for anything else.
    public var epochMilliseconds: Int64? {
        switch kind {
        case .number:
            if let integer = int64Value { return integer }
            guard let number = doubleValue, number.isFinite, number >= -9.2e18, number <= 9.2e18 else { return nil }
            return Int64(number)
        case .string:
            var content: [UInt8] = []
            appendStringContent(to: &content)
            return TimeText.epochMilliseconds(content)
        default:
            return nil
        }
    }

    /// `TimeText.rule`, for the reason of a record whose time field breaks it.
    public static let timeRule = TimeText.rule

    /// The decoded text of a string, or `nil` for other kinds.
    public var stringValue: String? {
        guard kind == .string else { return nil }
        let content = UnsafeRawBufferPointer(rebasing: bytes.dropFirst().dropLast())
        if content.firstIndex(of: UInt8(ascii: "\\")) == nil {
            return String(decoding: content, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(content.count)
        appendStringContent(to: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Appends the decoded UTF-8 bytes of a string (escapes resolved, no
    /// quotes) to `output`; returns `false` and appends nothing for other
    /// kinds.
    @discardableResult
    public func appendStringContent(to output: inout [UInt8]) -> Bool {
        guard kind == .string else { return false }
        var index = 1
        let end = bytes.count - 1
        while index < end {
            // Copy the run up to the next backslash in one go.
            var runEnd = index
            while runEnd < end && bytes[runEnd] != UInt8(ascii: "\\") { runEnd += 1 }
            if runEnd > index { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<runEnd])) }
            index = runEnd
            guard index < end else { break }
            // The view was validated: every escape is complete and pairs
            // its surrogates.
            guard case .scalar(let scalar, let length) = JSONEscape.decode(bytes, at: index, end: end) else {
                preconditionFailure("a validated JSON string holds a bad escape at byte \(index)")
            }
            let (packed, count) = JSONUTF8.encode(scalar)
            for shift in 0..<count { output.append(UInt8(truncatingIfNeeded: packed >> (8 * UInt32(shift)))) }
            index += length
        }
        return true
    }

    /// Whether this string decodes to exactly the UTF-8 bytes `text`.
    public func stringEquals(utf8 text: UnsafeRawBufferPointer) -> Bool {
        guard kind == .string else { return false }
        let content = UnsafeRawBufferPointer(rebasing: bytes.dropFirst().dropLast())
        if content.firstIndex(of: UInt8(ascii: "\\")) == nil {
            return content.count == text.count && (content.count == 0 || memcmp(content.baseAddress!, text.baseAddress!, content.count) == 0)
        }
        var decoded: [UInt8] = []
        appendStringContent(to: &decoded)
        return decoded.elementsEqual(text)
    }

    /// `true` or `false` for a boolean, `nil` for other kinds.
    public var boolValue: Bool? {
        guard kind == .bool else { return nil }
        return bytes.first == UInt8(ascii: "t")
    }

    /// The value of a number as a `Double` (the nearest one), `nil` for
    /// other kinds.
    public var doubleValue: Double? {
        guard kind == .number else { return nil }
        // Beyond the range of `Double` the nearest value is an infinity, as
        // strtod gives.
        return JSONNumberText.double(bytes, 0..<bytes.count)
            ?? (bytes.first == UInt8(ascii: "-") ? -Double.infinity : Double.infinity)
    }

    /// The value of a number written as an integer (no fraction, no
    /// exponent) that fits in `Int64`; `nil` otherwise.
    public var int64Value: Int64? {
        guard kind == .number, case .number(let end, isInteger: true) = JSONNumberText.scan(bytes, from: 0, to: bytes.count),
            end == bytes.count
        else { return nil }
        return JSONNumberText.int64(bytes, 0..<bytes.count)
    }

    // MARK: Writing

    /// Appends the value's text to `output` without insignificant
    /// whitespace (strings are kept as written).
    public func appendCompact(to output: inout [UInt8]) {
        switch kind {
        case .object, .array:
            var inString = false
            var escaped = false
            for byte in bytes {
                if inString {
                    output.append(byte)
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D: continue
                case UInt8(ascii: "\""):
                    inString = true
                    output.append(byte)
                default:
                    output.append(byte)
                }
            }
        default:
            output.append(contentsOf: bytes)
        }
    }

    /// Appends `text` (UTF-8 bytes) to `output` as a JSON string: quoted,
    /// with `"`, `\` and control characters escaped. Other bytes are copied
    /// as they are.
    public static func appendQuoted(_ text: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        JSONStringText.appendQuoted(text, to: &output)
    }

    /// Whether `text` is a JSON number as RFC 8259 writes it (`-1.5e3`, not
    /// `+1`, `.5`, `01` or `NaN`).
    public static func isNumber(_ text: UnsafeRawBufferPointer) -> Bool {
        guard case .number(let end, _) = JSONNumberText.scan(text, from: 0, to: text.count) else { return false }
        return end == text.count
    }
}
