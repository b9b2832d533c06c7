/// A resolved SQL type: a column's, an expression's; `SQLDataType` as the
/// catalog understands it (defaults filled in, STRING and VARCHAR one type).
public indirect enum SQLType: Sendable, Equatable, CustomStringConvertible {
    case boolean
    case tinyint, smallint, int, bigint
    case float, double
    case decimal(precision: Int, scale: Int)
    /// CHAR, VARCHAR and STRING (`length` nil: unbounded).
    case string(length: Int?)
    /// BINARY, VARBINARY and BYTES.
    case bytes(length: Int?)
    case date
    case time(precision: Int)
    case timestamp(precision: Int)
    case timestampLocalTimeZone(precision: Int)
    /// INTERVAL ... YEAR/MONTH, and ... DAY to SECOND.
    case intervalYearMonth, intervalDayTime
    case array(SQLType)
    case multiset(SQLType)
    case map(key: SQLType, value: SQLType)
    case row([SQLField])
    /// The type of `NULL`: fits wherever a value does.
    case null
    /// A native function's result, known only when its library is loaded:
    /// fits anywhere until the planner checks it.
    case unknown

    /// One field of a ROW.
    public struct SQLField: Sendable, Equatable {
        public var name: String
        public var type: SQLType

        public init(name: String, type: SQLType) {
            self.name = name
            self.type = type
        }
    }

    /// Flink's defaults: DECIMAL(10, 0), TIME(0), TIMESTAMP(6).
    public init(_ type: SQLDataType) {
        switch type.kind {
        case .boolean: self = .boolean
        case .tinyint: self = .tinyint
        case .smallint: self = .smallint
        case .int: self = .int
        case .bigint: self = .bigint
        case .float: self = .float
        case .double: self = .double
        case .decimal(let precision, let scale): self = .decimal(precision: precision ?? 10, scale: scale ?? 0)
        case .char(let length): self = .string(length: length ?? 1)
        case .varchar(let length): self = .string(length: length)
        case .string: self = .string(length: nil)
        case .binary(let length): self = .bytes(length: length ?? 1)
        case .varbinary(let length): self = .bytes(length: length)
        case .bytes: self = .bytes(length: nil)
        case .date: self = .date
        case .time(let precision): self = .time(precision: precision ?? 0)
        case .timestamp(let precision): self = .timestamp(precision: precision ?? 6)
        case .timestampLocalTimeZone(let precision): self = .timestampLocalTimeZone(precision: precision ?? 6)
        case .array(let element): self = .array(SQLType(element))
        case .multiset(let element): self = .multiset(SQLType(element))
        case .map(let key, let value): self = .map(key: SQLType(key), value: SQLType(value))
        case .row(let fields): self = .row(fields.map { SQLField(name: $0.name.name, type: SQLType($0.type)) })
        }
    }

    /// The kinds of value that compare with each other.
    public enum Family: String, Sendable {
        case boolean, numeric, string, bytes, date, time, timestamp, interval, collection, row, any
    }

    public var family: Family {
        switch self {
        case .boolean: return .boolean
        case .tinyint, .smallint, .int, .bigint, .float, .double, .decimal: return .numeric
        case .string: return .string
        case .bytes: return .bytes
        case .date: return .date
        case .time: return .time
        case .timestamp, .timestampLocalTimeZone: return .timestamp
        case .intervalYearMonth, .intervalDayTime: return .interval
        case .array, .multiset, .map: return .collection
        case .row: return .row
        case .null, .unknown: return .any
        }
    }

    /// Whether values of the two types may be compared or mixed in one
    /// CASE, IN list or INSERT column.
    public func fits(_ other: SQLType) -> Bool {
        family == .any || other.family == .any || (family == other.family && family != .collection && family != .row)
            || self == other
    }

    public var isNumeric: Bool { family == .numeric }

    /// Order of the numeric types, narrow to wide, for the result of arithmetic.
    var numericRank: Int {
        switch self {
        case .tinyint: return 1
        case .smallint: return 2
        case .int: return 3
        case .bigint: return 4
        case .decimal: return 5
        case .float: return 6
        case .double: return 7
        default: return 0
        }
    }

    public var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .tinyint: return "TINYINT"
        case .smallint: return "SMALLINT"
        case .int: return "INT"
        case .bigint: return "BIGINT"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .decimal(let precision, let scale): return "DECIMAL(\(precision), \(scale))"
        case .string(let length): return length.map { "VARCHAR(\($0))" } ?? "STRING"
        case .bytes(let length): return length.map { "VARBINARY(\($0))" } ?? "BYTES"
        case .date: return "DATE"
        case .time(let precision): return "TIME(\(precision))"
        case .timestamp(let precision): return "TIMESTAMP(\(precision))"
        case .timestampLocalTimeZone(let precision): return "TIMESTAMP_LTZ(\(precision))"
        case .intervalYearMonth: return "INTERVAL YEAR TO MONTH"
        case .intervalDayTime: return "INTERVAL DAY TO SECOND"
        case .array(let element): return "ARRAY<\(element)>"
        case .multiset(let element): return "MULTISET<\(element)>"
        case .map(let key, let value): return "MAP<\(key), \(value)>"
        case .row(let fields): return "ROW<" + fields.map { "\($0.name) \($0.type)" }.joined(separator: ", ") + ">"
        case .null: return "NULL"
        case .unknown: return "the result of a native function"
        }
    }
}
