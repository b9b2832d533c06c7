/// A 128-bit two's complement integer as Arrow's decimal128 stores it: the
/// unscaled value, little-endian (`low` first).
public struct Decimal128: Sendable, Hashable {
    public var low: UInt64
    public var high: Int64

    public init(low: UInt64, high: Int64) {
        self.low = low
        self.high = high
    }

    /// The value of an Int64 (sign-extended).
    public init(_ value: Int64) {
        low = UInt64(bitPattern: value)
        high = value < 0 ? -1 : 0
    }

    /// The value as an Int64, or nil when it does not fit.
    public var int64Value: Int64? {
        let value = Int64(bitPattern: low)
        return high == (value < 0 ? -1 : 0) ? value : nil
    }
}
