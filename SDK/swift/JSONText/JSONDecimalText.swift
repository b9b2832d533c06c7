/// Exact decimals in JSON number text, `units` × 10^-`scale`: reading them,
/// the powers of ten, rescaling and writing them, shared by the
/// expressions' `DecimalNumber` and the window's exact sums, so that both
/// read and write the same number the same way.
///
/// Both users read with one routine, `parse`, and differ only where their
/// meaning differs, through its two options:
/// - `scaleMax`: the window keeps at most 9 digits after the point
///   (nanounits), leaving an integer part up to 9.2e9 for sums of many
///   values before they overflow to Double; the expressions keep 18, the
///   precision of a decimal literal or field on its own.
/// - `exponent`: the window folds an exponent into the scale (`1.5e2` is
///   the exact 150), since any number it can sum exactly should be summed
///   exactly; the expression language refuses it, because there a number
///   written with an exponent is a double by the language's typing rule
///   (as in SQL), not a decimal.
package enum JSONDecimalText {
    /// What `parse` does with an exponent (`e`/`E`).
    package enum Exponent: Sendable {
        /// The text is not a decimal (nil).
        case refuse
        /// The exponent moves the point: `1.5e2` is 150, `25e-3` is 0.025.
        case fold
    }

    /// The most significant digits read: 18 always fit in an `Int64`.
    package static let significantDigitsMax = 18
    /// The largest exponent magnitude read before giving up (the value
    /// then cannot fit anyway unless it is zero, which has no digits).
    package static let exponentMax = 999

    /// Reads decimal number text (`-12.340`, `7`, with `.fold` also
    /// `1.5e-3`) as normalized `units` × 10^-`scale`: trailing zeros after
    /// the point removed, so equal numbers read equal, and `scale` in
    /// 0...`scaleMax`. Nil when the text is not such a number or does not
    /// fit exactly: more than 18 significant digits, more than `scaleMax`
    /// digits after the point once normalized, or an integer part that
    /// overflows. The caller then falls back to a double.
    ///
    /// The grammar is JSON's number with two leniencies that the
    /// expression lexer's literals rely on: leading zeros and a point
    /// without digits after it (`1.`). A point needs a digit before it.
    package static func parse(
        _ text: UnsafeRawBufferPointer, scaleMax: Int, exponent exponentRule: Exponent
    ) -> (units: Int64, scale: Int)? {
        precondition(scaleMax >= 0 && scaleMax <= 18, "decimal scaleMax \(scaleMax) out of 0...18")
        let count = text.count
        var index = 0
        let negative = count > 0 && text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var units: Int64 = 0
        var scale = 0
        var digits = 0
        var sawPoint = false
        var sawDigit = false
        while index < count {
            let byte = text[index]
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                sawDigit = true
                if digits > 0 || digit != 0 { digits += 1 }
                guard digits <= significantDigitsMax else { return nil }
                units = units &* 10 &+ Int64(digit)
                if sawPoint { scale += 1 }
            } else if byte == UInt8(ascii: "."), !sawPoint, sawDigit {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        if index < count, text[index] | 0x20 == UInt8(ascii: "e") {
            guard exponentRule == .fold else { return nil }
            index += 1
            var exponentNegative = false
            if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            var sawExponentDigit = false
            while index < count, text[index] &- UInt8(ascii: "0") < 10 {
                exponent = exponent * 10 + Int(text[index] &- UInt8(ascii: "0"))
                guard exponent <= exponentMax else { return nil }
                sawExponentDigit = true
                index += 1
            }
            guard sawExponentDigit else { return nil }
            scale += exponentNegative ? exponent : -exponent
        }
        guard index == count else { return nil }
        // Drop trailing zeros after the point, then make the scale >= 0.
        while scale > 0, units % 10 == 0, units != 0 {
            units /= 10
            scale -= 1
        }
        if units == 0 { scale = 0 }
        if scale < 0 {
            guard -scale <= significantDigitsMax else { return nil }
            let (product, overflow) = units.multipliedReportingOverflow(by: powersOf10[-scale])
            guard !overflow else { return nil }
            units = product
            scale = 0
        }
        guard scale <= scaleMax else { return nil }
        return (negative ? -units : units, scale)
    }

    /// `parse` of a string's UTF-8 (literals, a double's description).
    package static func parse(
        _ text: String, scaleMax: Int, exponent exponentRule: Exponent
    ) -> (units: Int64, scale: Int)? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0), scaleMax: scaleMax, exponent: exponentRule) }
    }

    /// 10^0 ... 10^18, every power of ten an `Int64` holds.
    package static let powersOf10: [Int64] = (0...18).map { power in
        (0..<power).reduce(Int64(1)) { result, _ in result * 10 }
    }

    /// `units` rescaled from `scale` to the larger `target` (both 0...18),
    /// or nil on overflow.
    package static func rescale(_ units: Int64, from scale: Int, to target: Int) -> Int64? {
        guard target > scale else { return units }
        let (product, overflow) = units.multipliedReportingOverflow(by: powersOf10[target - scale])
        return overflow ? nil : product
    }

    /// The nearest double: dividing by an exact power of ten rounds once.
    package static func double(_ units: Int64, scale: Int) -> Double {
        Double(units) / Double(powersOf10[scale])
    }

    /// Appends the decimal text of units × 10^-scale ("12.34", "-0.5",
    /// "7", "0.05"); `scale` is 0...18.
    /// The most bytes an Int64's text takes (`-9223372036854775808`).
    package static let integerBytesMax = 20

    /// Appends the text of `count` integers (`value(0)`, `value(1)`, ...)
    /// to `output`, one after another, and each one's end offset in
    /// `output` to `ends`: the bulk form of `append(_:scale: 0)` for an
    /// integer key column. The text is written in place into room made
    /// once, not copied per value: the per-value stack buffer and append
    /// were ~28 % of a keyed exchange's CPU (Benchmark 15).
    package static func appendIntegers(count: Int, _ value: (Int) -> Int64, to output: inout [UInt8],
                                       ends: inout [UInt32]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count * integerBytesMax))
        ends.reserveCapacity(ends.count + count)
        var position = start
        output.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<count {
                let number = value(index)
                var magnitude = number.magnitude
                if number < 0 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                var digits = 1
                while digits < powersOfTen.count, magnitude >= powersOfTen[digits] { digits += 1 }
                var at = position + digits
                position = at
                while magnitude >= 10 {
                    let (quotient, pair) = magnitude.quotientAndRemainder(dividingBy: 100)
                    at -= 2
                    buffer[at] = UInt8(truncatingIfNeeded: pair / 10) &+ 0x30
                    buffer[at + 1] = UInt8(truncatingIfNeeded: pair % 10) &+ 0x30
                    magnitude = quotient
                }
                if at > position - digits {  // an odd number of digits: the first
                    at -= 1
                    buffer[at] = UInt8(truncatingIfNeeded: magnitude) &+ 0x30
                }
                ends.append(UInt32(truncatingIfNeeded: position))
            }
        }
        output.removeLast(output.count - position)
    }

    /// 10^0 ... 10^19, the digit counts' thresholds of a UInt64.
    private static let powersOfTen: [UInt64] = (0...19).map { exponent in
        var power: UInt64 = 1
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    package static func append(_ units: Int64, scale: Int, to output: inout [UInt8]) {
        precondition((0...18).contains(scale), "scale \(scale) is outside 0...18")
        // Written backwards into a stack buffer, then one bulk append: a
        // per-byte `output.append` checked capacity and uniqueness each
        // time and was ~12 % of a keyed exchange's CPU (Benchmark 15).
        // At most a sign, 20 digits, a point and a leading zero.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var position = buffer.count
            var magnitude = units.magnitude
            if scale > 0 {
                for _ in 0..<scale {
                    let (quotient, digit) = magnitude.quotientAndRemainder(dividingBy: 10)
                    position -= 1
                    buffer[position] = UInt8(truncatingIfNeeded: digit) &+ 0x30
                    magnitude = quotient
                }
                position -= 1
                buffer[position] = UInt8(ascii: ".")
            }
            repeat {
                let (quotient, pair) = magnitude.quotientAndRemainder(dividingBy: 100)
                if quotient == 0 && pair < 10 {
                    position -= 1
                    buffer[position] = UInt8(truncatingIfNeeded: pair) &+ 0x30
                } else {
                    position -= 2
                    buffer[position] = UInt8(truncatingIfNeeded: pair / 10) &+ 0x30
                    buffer[position + 1] = UInt8(truncatingIfNeeded: pair % 10) &+ 0x30
                }
                magnitude = quotient
            } while magnitude > 0
            if units < 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
        }
    }
}
