import StreamhostKit

/// An exact decimal for sums: `units` × 10^-`scale`, or a Double once a
/// value has more digits than an Int64 holds.
///
/// Sums of JSON numbers such as prices must not depend on the order the
/// records arrived in, and binary floating point would make them do so
/// (a + b + c != a + c + b in the last bits). Adding exact decimals is
/// associative, so a window's sum is the same on shuffled and sorted input.
enum ExactDecimal {
    /// The largest scale kept exactly (nanounits).
    static let scaleMax = 9

    static var powersOf10: [Int64] { JSONDecimalText.powersOf10 }

    /// Parses JSON number text into units and scale, or nil if it does not
    /// fit exactly (then the caller falls back to Double).
    static func parse(_ text: UnsafeRawBufferPointer) -> (units: Int64, scale: Int)? {
        var index = 0
        let count = text.count
        var negative = false
        if index < count, text[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var units: Int64 = 0
        var scale = 0
        var sawDot = false
        var digits = 0
        while index < count {
            let byte = text[index]
            if byte >= 0x30 && byte <= 0x39 {
                if digits > 0 || byte != 0x30 { digits += 1 }
                guard digits <= 18 else { return nil }
                units = units * 10 + Int64(byte - 0x30)
                if sawDot { scale += 1 }
            } else if byte == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else {
                break
            }
            index += 1
        }
        if index < count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            while index < count, text[index] >= 0x30 && text[index] <= 0x39 {
                exponent = exponent * 10 + Int(text[index] - 0x30)
                guard exponent < 1000 else { return nil }
                index += 1
            }
            scale += exponentNegative ? exponent : -exponent
        }
        guard index == count else { return nil }
        // Drop trailing zeros of the fraction, then make the scale >= 0.
        while scale > 0, units % 10 == 0, units != 0 {
            units /= 10
            scale -= 1
        }
        if units == 0 { scale = 0 }
        if scale < 0 {
            guard -scale <= 18 else { return nil }
            let (product, overflow) = units.multipliedReportingOverflow(by: powersOf10[-scale])
            guard !overflow else { return nil }
            units = product
            scale = 0
        }
        guard scale <= scaleMax else { return nil }
        return (negative ? -units : units, scale)
    }

    /// `units` rescaled from `scale` to the larger `target`, or nil on overflow.
    static func rescale(_ units: Int64, from scale: Int, to target: Int) -> Int64? {
        JSONDecimalText.rescale(units, from: scale, to: target)
    }

    static func double(_ units: Int64, scale: Int) -> Double {
        JSONDecimalText.double(units, scale: scale)
    }

    /// Decimal text of units × 10^-scale ("12.34", "-0.5", "7"), written as
    /// the expressions write decimals (JSONText's `JSONDecimalText`).
    static func append(_ units: Int64, scale: Int, to output: inout [UInt8]) {
        JSONDecimalText.append(units, scale: scale, to: &output)
    }
}

/// JSON text of a Double: integers without a fraction, null when not finite.
func appendJSON(_ value: Double, to output: inout [UInt8]) {
    guard value.isFinite else {
        output.append(contentsOf: "null".utf8)
        return
    }
    if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
        output.append(contentsOf: String(Int64(value)).utf8)
    } else {
        output.append(contentsOf: "\(value)".utf8)
    }
}

func appendJSON(_ value: Int64, to output: inout [UInt8]) {
    ExactDecimal.append(value, scale: 0, to: &output)
}
