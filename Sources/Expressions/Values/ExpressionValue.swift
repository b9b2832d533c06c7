/// A value an expression computes: a JSON scalar, an exact decimal, a
/// list, or a JSON object or array taken whole from the record.
///
/// # Ownership
/// A value owns its payload (copied out of the record).
public enum ExpressionValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case decimal(DecimalNumber)
    case double(Double)
    case string(String)
    /// A list made by the expression (`split(...)`).
    case array([ExpressionValue])
    /// A JSON object or array from the record, as its text.
    case json(String)

    /// The value's static type (`.array` or `.object` for `.json`, by its
    /// first character).
    public var type: ExpressionType {
        switch self {
        case .null: .null
        case .boolean: .boolean
        case .integer: .integer
        case .decimal: .decimal
        case .double: .double
        case .string: .string
        case .array: .array
        case .json(let text): text.utf8.first == UInt8(ascii: "[") ? .array : .object
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// How a message shows the value: its kind and a short rendering.
    public var described: String {
        var text: [UInt8] = []
        try? ExpressionValueWriter.append(self, to: &text)
        var shown = String(decoding: text.prefix(40), as: UTF8.self)
        if text.count > 40 { shown += "..." }
        switch self {
        case .null: return "null"
        case .json: return "\(type == .array ? "an array" : "an object") \(shown)"
        case .array: return "a list \(shown)"
        case .boolean: return "a boolean \(shown)"
        case .integer: return "an integer \(shown)"
        case .decimal: return "a decimal \(shown)"
        case .double: return "a double \(shown)"
        case .string: return "a string \(shown)"
        }
    }
}
