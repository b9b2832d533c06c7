/// The type of a column: the Arrow types streamhost reads and writes.
///
/// Each has one Arrow C Data Interface format string (`arrowFormat`), the
/// set listed in SDK/include/streamhost.h under SH_FORMAT_COLUMNS.
public indirect enum ColumnType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case int32
    case int64
    case float64
    /// 128-bit decimal: `precision` digits (1...38), `scale` of them after
    /// the point (0...precision).
    case decimal128(precision: Int, scale: Int)
    case utf8
    case binary
    /// Milliseconds since the Unix epoch, UTC.
    case timestampMs
    /// Days since the Unix epoch.
    case date32
    case list(Field)
    case `struct`([Field])

    /// The largest decimal precision Arrow's decimal128 holds.
    public static let decimalPrecisionMax = 38

    /// Bytes per value in the values buffer for fixed-width types; nil for
    /// bool (bits), variable-width and nested types.
    public var fixedWidth: Int? {
        switch self {
        case .int32, .date32: return 4
        case .int64, .float64, .timestampMs: return 8
        case .decimal128: return 16
        case .bool, .utf8, .binary, .list, .struct: return nil
        }
    }

    var isDecimal: Bool {
        if case .decimal128 = self { return true }
        return false
    }

    var isStruct: Bool {
        if case .struct = self { return true }
        return false
    }

    var isList: Bool {
        if case .list = self { return true }
        return false
    }

    /// Arrow buffers of an array of this type, validity included.
    var bufferCount: Int {
        switch self {
        case .struct: return 1
        case .utf8, .binary: return 3
        case .bool, .int32, .int64, .float64, .decimal128, .timestampMs, .date32, .list: return 2
        }
    }

    /// Whether the values buffer holds Int32 offsets (utf8, binary, list).
    var hasOffsets: Bool {
        switch self {
        case .utf8, .binary, .list: return true
        default: return false
        }
    }

    /// The Arrow C Data Interface format string.
    public var arrowFormat: String {
        switch self {
        case .bool: return "b"
        case .int32: return "i"
        case .int64: return "l"
        case .float64: return "g"
        case .decimal128(let precision, let scale): return "d:\(precision),\(scale)"
        case .utf8: return "u"
        case .binary: return "z"
        case .timestampMs: return "tsm:UTC"
        case .date32: return "tdD"
        case .list: return "+l"
        case .struct: return "+s"
        }
    }

    /// How a job file writes the type (`schema:`) and `validate` prints it.
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float64: return "float64"
        case .decimal128(let precision, let scale): return "decimal(\(precision),\(scale))"
        case .utf8: return "utf8"
        case .binary: return "binary"
        case .timestampMs: return "timestamp"
        case .date32: return "date32"
        case .list(let element): return "list<\(element.type)>"
        case .struct(let fields): return "struct<" + fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ">"
        }
    }

    /// The type of an Arrow format string without children (those of
    /// `list` and `struct` come from the schema's children); nil when
    /// streamhost does not read it.
    static func primitive(arrowFormat format: String) -> ColumnType? {
        switch format {
        case "b": return .bool
        case "i": return .int32
        case "l": return .int64
        case "g": return .float64
        case "u": return .utf8
        case "z": return .binary
        case "tsm:UTC": return .timestampMs
        case "tdD": return .date32
        default:
            guard format.hasPrefix("d:") else { return nil }
            let parts = format.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false)
            // "d:P,S" and "d:P,S,128"; another bit width is not decimal128.
            guard parts.count == 2 || (parts.count == 3 && parts[2] == "128"),
                  let precision = Int(parts[0]), let scale = Int(parts[1]),
                  (1...decimalPrecisionMax).contains(precision), (0...precision).contains(scale)
            else { return nil }
            return .decimal128(precision: precision, scale: scale)
        }
    }
}

/// A named, typed field of a struct (or the element of a list).
public struct Field: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var type: ColumnType
    /// Whether the field may hold nulls (Arrow's ARROW_FLAG_NULLABLE).
    public var isNullable: Bool

    public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = nullable
    }

    public var description: String { "\(name): \(type)\(isNullable ? "" : " not null")" }
}

/// The fields of a record value: the schema of a struct column.
public struct Schema: Sendable, Hashable, CustomStringConvertible {
    public var fields: [Field]

    public init(_ fields: [Field]) { self.fields = fields }

    /// The struct type whose children are the fields.
    public var structType: ColumnType { .struct(fields) }

    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }

    public var description: String { "{" + fields.map(\.description).joined(separator: ", ") + "}" }
}
