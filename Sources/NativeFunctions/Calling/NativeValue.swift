/// One argument to, or result of, a scalar native-function call.
///
/// Arguments are converted to the declared parameter type where nothing is
/// lost: an `.int64` fits an `int32` parameter if it is in range, any
/// integer fits a `double`, a `.double` fits a `float`. A `.null` argument
/// is refused: the caller decides what a null input means (the convention
/// is SQL's: a null argument gives a null result without calling).
public enum NativeValue: Sendable, Hashable, CustomStringConvertible {
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case float(Float)
    case bool(Bool)
    case string(String)
    /// A `char*` or `const char*` result that was NULL.
    case null

    public var description: String {
        switch self {
        case .int32(let value): return "\(value) (int32)"
        case .int64(let value): return "\(value) (int64)"
        case .double(let value): return "\(value) (double)"
        case .float(let value): return "\(value) (float)"
        case .bool(let value): return "\(value) (bool)"
        case .string(let value): return "\"\(value)\" (string)"
        case .null: return "null"
        }
    }
}
