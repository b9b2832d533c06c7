/// A C type a native function takes or returns, as signature strings spell
/// it.
///
/// Parameters may be `int32`, `int64`, `double`, `float`, `bool` and
/// `const char*`. Results may be any of those but `const char*` means a
/// borrowed string the host copies, and `char*` means a string the callee
/// allocated, which the host copies and then frees with the function's
/// declared free function.
public enum NativeType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `int32_t`.
    case int32
    /// `int64_t`.
    case int64
    /// `double`.
    case double
    /// `float`.
    case float
    /// C's `bool` (`_Bool`, one byte).
    case bool
    /// `const char*`: a NUL-terminated UTF-8 string the callee only reads (a
    /// parameter), or a string that stays owned by the callee (a result).
    case borrowedString = "const char*"
    /// `char*` (results only): a NUL-terminated UTF-8 string the callee
    /// allocated; the host copies it and frees it with the free function.
    case ownedString = "char*"

    /// The canonical spelling in signature strings.
    public var description: String { rawValue }

    /// The C type a parameter or result of this type has.
    public var cSpelling: String {
        switch self {
        case .int32: return "int32_t"
        case .int64: return "int64_t"
        case .double: return "double"
        case .float: return "float"
        case .bool: return "bool"
        case .borrowedString: return "const char *"
        case .ownedString: return "char *"
        }
    }

    /// Whether values of this type are strings.
    public var isString: Bool { self == .borrowedString || self == .ownedString }

    /// Types a parameter may have.
    public static let parameterTypes: [NativeType] = [.int32, .int64, .double, .float, .bool, .borrowedString]

    /// Types a result may have.
    public static let resultTypes: [NativeType] = [.int32, .int64, .double, .float, .bool, .ownedString, .borrowedString]
}
