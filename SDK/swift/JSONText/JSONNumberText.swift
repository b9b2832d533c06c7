/// The JSON number grammar and its conversion to `Int64` and `Double`,
/// shared by the parser and the scanner; no Foundation, no allocation on the
/// common paths.
///
/// Grammar (RFC 8259 section 6):
/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`
package enum JSONNumberText {
    /// What is wrong with a number, for the parser's error messages.
    package enum Problem: Equatable {
        case digitAfterMinus
        case leadingZero
        case digitAfterDecimalPoint
        case digitInExponent
    }

    /// The result of scanning a number.
    package enum Scan: Equatable {
        /// A number ending before `end`; `isInteger` when it has neither
        /// fraction nor exponent.
        case number(end: Int, isInteger: Bool)
        /// The number is malformed at `offset`.
        case invalid(offset: Int, problem: Problem)
    }

    @inline(__always)
    package static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Scans the longest number starting at `start`, which must be '-' or a
    /// digit for the result to be a number. Stops at the first byte that
    /// cannot continue the number; the caller judges what follows.
    package static func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Scan {
        var index = start
        if index < end && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, isDigit(bytes[index]) else {
            return .invalid(offset: index, problem: .digitAfterMinus)
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < end && isDigit(bytes[index]) {
                return .invalid(offset: index - 1, problem: .leadingZero)
            }
        } else {
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
        var isInteger = true
        if index < end && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < end, isDigit(bytes[index]) else {
                return .invalid(offset: index, problem: .digitAfterDecimalPoint)
            }
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
        if index < end && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard index < end, isDigit(bytes[index]) else {
                return .invalid(offset: index, problem: .digitInExponent)
            }
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
        return .number(end: index, isInteger: isInteger)
    }

    /// The value of an integer literal (no fraction, no exponent) in `range`,
    /// or nil when it does not fit `Int64`. Requires valid integer grammar.
    package static func int64(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var magnitude: UInt64 = 0
        while index < range.upperBound {
            let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
            assert(digit < 10, "int64(_:_:) called on text that is not an integer")
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return -Int64(magnitude) }
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    // The helpers below avoid `rounded()` and `Int64(exactly:)` on purpose:
    // those call libm (`trunc`, `floor`, `round`), which a program linking
    // Core without Foundation would then fail to link.

    /// Whether `double` is finite and has no fractional part.
    package static func isIntegral(_ double: Double) -> Bool {
        guard double.isFinite else { return false }
        // From 2^52 up every double is an integer; below, truncating to an
        // integer and back is exact and changes only fractional values.
        return double.magnitude >= 0x1p52 || Double(Int64(double)) == double
    }

    /// The `Int64` equal to `double`, or nil when it has a fractional part or
    /// lies outside the `Int64` range.
    package static func int64(exactly double: Double) -> Int64? {
        guard double >= -0x1p63 && double < 0x1p63 && isIntegral(double) else { return nil }
        return Int64(double)
    }

    /// The greatest integer not above `double`, which must be finite and in
    /// [-2^63, 2^63).
    package static func floorInt64(_ double: Double) -> Int64 {
        precondition(double >= -0x1p63 && double < 0x1p63, "\(double) is outside the Int64 range")
        let truncated = Int64(double)  // Rounds toward zero.
        return Double(truncated) > double ? truncated - 1 : truncated
    }

    /// Powers of ten that a `Double` holds exactly.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Significant digits that fit a `UInt64` without overflow.
    private static let mantissaDigitsMax = 19

    /// The correctly rounded `Double` for the number in `range`, or nil when
    /// its magnitude is too large for a `Double` (it would be infinite).
    /// Requires valid number grammar. Numbers too small round to zero, as
    /// IEEE 754 says.
    ///
    /// Most numbers in records (up to 15 or so significant digits, modest
    /// exponents) take an exact fast path: the digits as an integer below
    /// 2^53, times or divided by an exact power of ten, is one correctly
    /// rounded IEEE operation. The rest go through the standard library's
    /// conversion, which is correctly rounded too but slower.
    package static func double(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Double? {
        var index = range.lowerBound
        let end = range.upperBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var mantissaDigits = 0
        var exponent = 0
        var truncated = false
        while index < end, isDigit(bytes[index]) {
            let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
            if mantissa == 0 && digit == 0 {
                // A leading zero adds nothing.
            } else if mantissaDigits < mantissaDigitsMax {
                mantissa = mantissa * 10 + digit
                mantissaDigits += 1
            } else {
                truncated = true
                exponent += 1
            }
            index += 1
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, isDigit(bytes[index]) {
                let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
                if mantissa == 0 && digit == 0 {
                    exponent -= 1
                } else if mantissaDigits < mantissaDigitsMax {
                    mantissa = mantissa * 10 + digit
                    mantissaDigits += 1
                    exponent -= 1
                } else {
                    truncated = true
                }
                index += 1
            }
        }
        if index < end && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if bytes[index] == UInt8(ascii: "+") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "-") {
                exponentNegative = true
                index += 1
            }
            var written = 0
            while index < end, isDigit(bytes[index]) {
                // Clamp: anything this large is zero or infinite anyway, and
                // clamping keeps the arithmetic from overflowing.
                if written < 100_000 { written = written * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        assert(index == end, "double(_:_:) called on text that is not a number")
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if !truncated && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 {
                value /= exactPowersOfTen[-exponent]
            } else {
                value *= exactPowersOfTen[exponent]
            }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
