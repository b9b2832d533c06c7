/// The static type of an expression, as the type checker knows it at job
/// start.
///
/// Fields of a record are JSON and have no declared type: they are `any`
/// until cast, and their values are checked when a record is evaluated.
/// Literals, operators and functions have static types, so mistakes that
/// are certain (`lower(5)`, `1 + 'a'`) are reported before any record flows.
public enum ExpressionType: String, Sendable, Hashable, CustomStringConvertible {
    /// Unknown until run time (a field, or a function of one).
    case any
    /// Only null (the literal `null`).
    case null
    case boolean
    /// A whole number, Int64; overflow is a run-time error.
    case integer
    /// An exact decimal (`12.34`): at most 18 digits, at most 18 after the point.
    case decimal
    /// A binary floating-point number (`1e3`, or a cast).
    case double
    /// Some number, which kind known at run time only (`amount * 2`).
    case number
    case string
    /// A list of values (`split(...)`), or a JSON array.
    case array
    /// A JSON object.
    case object

    public var description: String { rawValue }

    /// The name with its article, for messages: "an integer", "a string".
    public var withArticle: String {
        switch self {
        case .any: "a value of any type"
        case .integer, .array, .object: "an \(rawValue)"
        default: "a \(rawValue)"
        }
    }

    /// Whether a value of this type may be a number at run time.
    var mayBeNumber: Bool {
        switch self {
        case .any, .null, .integer, .decimal, .double, .number: true
        default: false
        }
    }

    var isNumeric: Bool { self == .integer || self == .decimal || self == .double || self == .number }

    /// Whether a value of this type may be of type `other` at run time (the
    /// check for arguments and operands: `any` and `null` fit anywhere).
    func mayBe(_ other: ExpressionType) -> Bool {
        if self == .any || self == .null || other == .any || self == other { return true }
        if other == .number { return isNumeric }
        if self == .number { return other.isNumeric }
        // An integer or a decimal is accepted where a double is wanted.
        if other == .double { return isNumeric }
        if other == .decimal { return self == .integer }
        return false
    }

    /// The type named in a cast: `cast(x as integer)`.
    static func named(_ name: String) -> ExpressionType? {
        switch name.lowercased() {
        case "boolean", "bool": .boolean
        case "integer", "int", "bigint": .integer
        case "decimal", "numeric": .decimal
        case "double", "float", "real": .double
        case "string", "varchar", "text": .string
        default: nil
        }
    }
}
