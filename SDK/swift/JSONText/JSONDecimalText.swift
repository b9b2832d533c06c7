/// Exact decimals as JSON writes them, `units` × 10^-`scale`: the powers of
/// ten, rescaling and the text, shared by the expressions' `DecimalNumber`
/// and the window's exact sums, so that both write the same number the
/// same way.
package enum JSONDecimalText {
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
    package static func append(_ units: Int64, scale: Int, to output: inout [UInt8]) {
        // At most 20 digits and a leading zero: written backwards on the stack.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            var magnitude = units.magnitude
            var count = 0
            repeat {
                digits[count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count <= scale {
                digits[count] = 0x30
                count += 1
            }
            if units < 0 { output.append(UInt8(ascii: "-")) }
            for index in stride(from: count - 1, through: 0, by: -1) {
                if index == scale - 1 { output.append(UInt8(ascii: ".")) }
                output.append(digits[index])
            }
        }
    }
}
