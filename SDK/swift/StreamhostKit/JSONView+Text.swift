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

    /// The decoded text of a string, or `nil` for other kinds. Invalid UTF-8
    /// and lone surrogates become U+FFFD.
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
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: index)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate pairs with a following \uDC00-\uDFFF.
                    if index + 6 <= end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        let low = hex4(at: index + 2)
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            index += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                output.append(contentsOf: UTF8.encode(unicode)!)
            default:
                // \" \\ \/
                output.append(escape)
            }
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
        // strtod needs a terminated copy; JSON numbers are short.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            for index in 0..<bytes.count { buffer[index] = CChar(bitPattern: bytes[index]) }
            buffer[bytes.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// The value of a number written as an integer (no fraction, no
    /// exponent) that fits in `Int64`; `nil` otherwise.
    public var int64Value: Int64? {
        guard kind == .number, !bytes.isEmpty else { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < bytes.count else { return nil }
        var magnitude: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
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
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            }
        }
        if text.count > runStart { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart...])) }
        output.append(UInt8(ascii: "\""))
    }

    /// Whether `text` is a JSON number as RFC 8259 writes it (`-1.5e3`, not
    /// `+1`, `.5`, `01` or `NaN`).
    public static func isNumber(_ text: UnsafeRawBufferPointer) -> Bool {
        guard !text.isEmpty else { return false }
        var scanner = JSONScanner(text)
        do {
            try scanner.scanNumber()
        } catch {
            return false
        }
        return scanner.atEnd
    }

    private func hex4(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 4 | (hexValue(bytes[index + offset]) ?? 0) }
        return value
    }
}
