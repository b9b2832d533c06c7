import JSONText

/// A JSON value as parsed from text or built in code.
///
/// Numbers keep the distinction the text made: an integer literal that fits
/// `Int64` is `.int`; anything with a fraction or exponent, or too large for
/// `Int64`, is `.double`. `-0` parses as `.double(-0.0)` so that the sign
/// survives a round trip. Equality is structural and does not unify numbers
/// (`.int(1) != .double(1)`); JSON Schema's numeric equality lives in
/// `JSONSchema`.
///
/// # Thread safety
/// A value type with no shared mutable state.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON Schema name of this value's type: "null", "boolean",
    /// "integer", "number", "string", "array" or "object".
    ///
    /// A `.double` is "number" even when its value is integral; schema
    /// validation accepts integral doubles as integers separately.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, or nil for any other kind of value.
    public var stringValue: String? {
        if case .string(let string) = self { string } else { nil }
    }

    /// The integer, also from a `.double` with an integral value inside the
    /// `Int64` range; nil otherwise.
    public var int64Value: Int64? {
        switch self {
        case .int(let integer): integer
        case .double(let double): JSONNumberText.int64(exactly: double)
        default: nil
        }
    }

    /// The number as a `Double` (an `.int` beyond 2^53 rounds to nearest);
    /// nil for values that are not numbers.
    public var doubleValue: Double? {
        switch self {
        case .int(let integer): Double(integer)
        case .double(let double): double
        default: nil
        }
    }

    /// The Boolean, or nil for any other kind of value.
    public var boolValue: Bool? {
        if case .bool(let bool) = self { bool } else { nil }
    }

    /// The object, or nil for any other kind of value.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { object } else { nil }
    }

    /// The array, or nil for any other kind of value.
    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { array } else { nil }
    }

    /// Whether this is `.null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The value under object key `key`, or nil when this is not an object or
    /// the key is absent.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The value at a dotted path of object keys, such as "customer.id".
    ///
    /// Each segment names a key of an object; the empty path is the value
    /// itself. Returns nil when a key is absent or a value along the way is
    /// not an object. Keys that themselves contain '.' cannot be reached this
    /// way; use `self[key]` for those.
    public func value(atPath path: String) -> JSONValue? {
        if path.isEmpty { return self }
        // The one field-path rule (JSONText's `JSONFieldPath`): a path with
        // an empty segment ("a..b", ".a") names no value.
        guard let fieldPath = try? JSONFieldPath(path) else { return nil }
        var current = self
        for segment in fieldPath.segments {
            guard case .object(let object) = current, let next = object[segment] else { return nil }
            current = next
        }
        return current
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON.
    public var description: String { serialized() }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    /// Creates an object from a literal; a repeated key is a programmer error.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements {
            precondition(!object.contains(key: key), "duplicate key '\(key)' in JSONValue literal")
            object.appendNew(key: key, value: value)
        }
        self = .object(object)
    }
}
