/// One argument column of a vectorized call: a buffer per parameter, one
/// element per record.
///
/// # Ownership
/// Borrowed for the duration of the call; the callee reads it and keeps
/// nothing. String elements are NUL-terminated UTF-8.
public enum NativeColumn {
    case int32(UnsafeBufferPointer<Int32>)
    case int64(UnsafeBufferPointer<Int64>)
    case double(UnsafeBufferPointer<Double>)
    case float(UnsafeBufferPointer<Float>)
    case bool(UnsafeBufferPointer<Bool>)
    case string(UnsafeBufferPointer<UnsafePointer<CChar>>)

    var type: NativeType {
        switch self {
        case .int32: return .int32
        case .int64: return .int64
        case .double: return .double
        case .float: return .float
        case .bool: return .bool
        case .string: return .borrowedString
        }
    }

    var count: Int {
        switch self {
        case .int32(let buffer): return buffer.count
        case .int64(let buffer): return buffer.count
        case .double(let buffer): return buffer.count
        case .float(let buffer): return buffer.count
        case .bool(let buffer): return buffer.count
        case .string(let buffer): return buffer.count
        }
    }

    var baseAddress: UnsafeRawPointer? {
        switch self {
        case .int32(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        case .int64(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        case .double(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        case .float(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        case .bool(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        case .string(let buffer): return UnsafeRawPointer(buffer.baseAddress)
        }
    }
}

/// Where a vectorized call writes its results: one element per record.
///
/// # Ownership
/// Borrowed for the duration of the call. For strings the host copies each
/// returned string into the buffer (nil for a NULL result) and frees the
/// callee's copy with the declared free function (for `char*` results).
public enum NativeResultColumn {
    case int32(UnsafeMutableBufferPointer<Int32>)
    case int64(UnsafeMutableBufferPointer<Int64>)
    case double(UnsafeMutableBufferPointer<Double>)
    case float(UnsafeMutableBufferPointer<Float>)
    case bool(UnsafeMutableBufferPointer<Bool>)
    /// For `char*` and `const char*` results. The buffer is initialized
    /// (e.g. an `[String?]`'s); its elements are replaced.
    case string(UnsafeMutableBufferPointer<String?>)

    var count: Int {
        switch self {
        case .int32(let buffer): return buffer.count
        case .int64(let buffer): return buffer.count
        case .double(let buffer): return buffer.count
        case .float(let buffer): return buffer.count
        case .bool(let buffer): return buffer.count
        case .string(let buffer): return buffer.count
        }
    }

    func accepts(_ type: NativeType) -> Bool {
        switch (self, type) {
        case (.int32, .int32), (.int64, .int64), (.double, .double), (.float, .float), (.bool, .bool),
             (.string, .ownedString), (.string, .borrowedString):
            return true
        default:
            return false
        }
    }

    var typeName: String {
        switch self {
        case .int32: return "int32"
        case .int64: return "int64"
        case .double: return "double"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        }
    }
}
