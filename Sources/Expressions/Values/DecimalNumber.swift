import JSONText

/// An exact decimal: `units` × 10^-`scale`, with at most 18 digits after
/// the point and the units in an Int64 (18 significant digits always fit).
///
/// JSON numbers written with a fraction (`12.34`) and decimal literals
/// (`0.92`) are decimals, so that money-like sums and products come out
/// exact: `0.1 + 0.2 = 0.3`. Addition, subtraction and comparison are exact;
/// a product keeps every digit when it fits and otherwise is rounded half
/// to even to fewer digits after the point; a result whose integer part
/// does not fit is an overflow (the caller reports it). Values are kept
/// normalized (no trailing zeros after the point), so equal numbers have
/// equal representations.
public struct DecimalNumber: Sendable, Hashable {
    /// The most digits kept after the point.
    public static let scaleMax = 18

    public let units: Int64
    public let scale: Int

    static var powersOf10: [Int64] { JSONDecimalText.powersOf10 }

    /// A decimal with trailing zeros removed; `scale` must be 0...18.
    public init(units: Int64, scale: Int) {
        precondition(scale >= 0 && scale <= Self.scaleMax, "decimal scale \(scale) out of 0...18")
        var units = units
        var scale = scale
        while scale > 0, units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        self.units = units
        self.scale = scale
    }

    /// Parses number text with or without a fraction and no exponent
    /// (`-12.340`, `7`): JSONText's one exact-decimal reader with this
    /// type's scale and the language's rule that a number written with an
    /// exponent is a double (`JSONDecimalText`). Nil when it has an
    /// exponent, more than 18 significant digits, more than 18 digits
    /// after the point once trailing zeros are dropped, or is not a number.
    public static func parse(_ text: String) -> DecimalNumber? {
        JSONDecimalText.parse(text, scaleMax: scaleMax, exponent: .refuse).map(DecimalNumber.init(normalized:))
    }

    /// `parse` over record bytes: the same rules, read through a pointer.
    public static func parse(_ text: UnsafeRawBufferPointer) -> DecimalNumber? {
        JSONDecimalText.parse(text, scaleMax: scaleMax, exponent: .refuse).map(DecimalNumber.init(normalized:))
    }

    /// A decimal already normalized by `JSONDecimalText.parse`.
    private init(normalized decimal: (units: Int64, scale: Int)) {
        units = decimal.units
        scale = decimal.scale
    }

    public var doubleValue: Double {
        JSONDecimalText.double(units, scale: scale)
    }

    /// `units` at a larger scale, or nil on overflow.
    static func rescale(_ units: Int64, from scale: Int, to target: Int) -> Int64? {
        JSONDecimalText.rescale(units, from: scale, to: target)
    }

    /// The sum, or nil on overflow.
    public func adding(_ other: DecimalNumber) -> DecimalNumber? {
        let scale = max(self.scale, other.scale)
        guard let left = Self.rescale(units, from: self.scale, to: scale),
              let right = Self.rescale(other.units, from: other.scale, to: scale) else { return nil }
        let (sum, overflow) = left.addingReportingOverflow(right)
        return overflow ? nil : DecimalNumber(units: sum, scale: scale)
    }

    /// The difference, or nil on overflow.
    public func subtracting(_ other: DecimalNumber) -> DecimalNumber? {
        guard other.units != Int64.min else { return nil }
        return adding(DecimalNumber(units: -other.units, scale: other.scale))
    }

    /// The product, rounded half to even when it has more digits than fit;
    /// nil when its integer part does not fit.
    public func multiplying(_ other: DecimalNumber) -> DecimalNumber? {
        let negative = (units < 0) != (other.units < 0)
        let (high, low) = units.magnitude.multipliedFullWidth(by: other.units.magnitude)
        let scale = self.scale + other.scale
        // Drop as few digits after the point as it takes to fit: at least
        // the ones past scaleMax.
        var dropped = max(0, scale - Self.scaleMax)
        while dropped <= scale {
            if dropped == 0 {
                if high == 0, low <= UInt64(Int64.max) {
                    let magnitude = Int64(low)
                    return DecimalNumber(units: negative ? -magnitude : magnitude, scale: scale)
                }
            } else if dropped <= 18 {
                let divisor = UInt64(Self.powersOf10[dropped])
                if high < divisor {
                    var (quotient, remainder) = divisor.dividingFullWidth((high: high, low: low))
                    // Round half to even.
                    let half = divisor / 2
                    if remainder > half || (remainder == half && divisor % 2 == 0 && quotient % 2 == 1) {
                        quotient += 1
                    }
                    if quotient <= UInt64(Int64.max) {
                        let magnitude = Int64(quotient)
                        return DecimalNumber(units: negative ? -magnitude : magnitude, scale: scale - dropped)
                    }
                }
            } else {
                return nil
            }
            dropped += 1
        }
        return nil
    }

    public var negated: DecimalNumber? {
        units == Int64.min ? nil : DecimalNumber(units: -units, scale: scale)
    }

    /// -1, 0 or 1; exact when both fit at a common scale, else by Double.
    public func compare(_ other: DecimalNumber) -> Int {
        let scale = max(self.scale, other.scale)
        if let left = Self.rescale(units, from: self.scale, to: scale),
           let right = Self.rescale(other.units, from: other.scale, to: scale) {
            return left < right ? -1 : (left == right ? 0 : 1)
        }
        let left = doubleValue
        let right = other.doubleValue
        return left < right ? -1 : (left == right ? 0 : 1)
    }

    /// Decimal text: "12.34", "-0.5", "7".
    public func append(to output: inout [UInt8]) {
        JSONDecimalText.append(units, scale: scale, to: &output)
    }

    public var text: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
