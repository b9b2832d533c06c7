/// A validator for the subset of JSON Schema (draft 2020-12) that plugin
/// config schemas use.
///
/// Implemented keywords: `type` (a name or an array of names; "integer"
/// accepts integral doubles), `properties`, `required`,
/// `additionalProperties` (boolean or schema), `enum`, `const`, `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`,
/// `maxLength` (in Unicode code points), `items` (one schema), `minItems`,
/// `maxItems` and `default`. Boolean schemas (`true`, `false`) work
/// anywhere a schema does. Annotations (`title`, `description`, `$schema`,
/// `$id`, `examples`, `format`, ...) are ignored, and so, as the
/// specification says, are unknown keywords; those that would constrain
/// values in full JSON Schema (`pattern`, `$ref`, `oneOf`, ...) are listed
/// in `unsupportedKeywords` so that a host can warn about them.
///
/// `enum` and `const` compare as JSON Schema does: numbers by value
/// (`1 == 1.0`), objects regardless of key order.
///
/// # Thread safety
/// Immutable after `init`; validate from any number of threads at once.
public struct JSONSchema: Sendable {
    /// The schema document as given.
    public let source: JSONValue
    /// JSON Pointers to keywords this validator does not implement and
    /// therefore ignores, such as "/properties/name/pattern"; a subschema's
    /// come before its parent's.
    public let unsupportedKeywords: [String]
    private let root: JSONSchemaNode

    /// Checks that `schema` is well-formed for the implemented keywords and
    /// prepares it for validation. The error names the keyword and the
    /// schema location at fault. A `default` that fails its own schema is an
    /// error too.
    public init(_ schema: JSONValue) throws(JSONSchemaError) {
        var unsupported: [String] = []
        root = try JSONSchemaNode(schema, path: "", unsupported: &unsupported)
        unsupportedKeywords = unsupported
        source = schema
    }

    /// Every way `value` fails the schema, in document order; empty when it
    /// is valid.
    public func validate(_ value: JSONValue) -> [JSONSchemaViolation] {
        var violations: [JSONSchemaViolation] = []
        root.validate(value, at: "", into: &violations)
        return violations
    }

    /// `value` with every missing property that has a `default` filled in,
    /// recursively: inside nested objects that are present (or that a
    /// default just supplied) and inside array items. A nested object that
    /// is absent and has no default stays absent. A null root is treated as
    /// `{}` when the schema describes an object, so a component with no
    /// config still gets its defaults. Values that are present are never
    /// replaced, even when invalid: validate the result afterwards.
    public func applyingDefaults(to value: JSONValue) -> JSONValue {
        if value.isNull && root.describesObjects {
            return root.applyingDefaults(to: .object(JSONObject()))
        }
        return root.applyingDefaults(to: value)
    }
}

extension JSONSchema {
    // MARK: Text for messages

    /// Strings longer than this are cut short in messages.
    static let messageValueCharactersMax = 40

    /// A value with its type for messages: `string "abc"`, `integer 5`,
    /// `number 1.5`, `boolean true`, `null`, `array`, `object`.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .array, .object: value.typeName
        default: "\(value.typeName) \(shortJSON(value))"
        }
    }

    /// A value as JSON for messages, with long text cut short.
    static func shortJSON(_ value: JSONValue) -> String {
        let text = value.serialized()
        guard text.count > messageValueCharactersMax + 2 else { return text }
        let cut = String(text.prefix(messageValueCharactersMax))
        if case .string = value { return cut + "...\"" }
        return cut + "..."
    }

    /// A field name in quotes for messages: 'path'.
    static func quotedName(_ name: String) -> String {
        "'\(name)'"
    }

    /// The path of member `key` of the object at `path`: "csv.delimiter";
    /// keys that would read ambiguously go in brackets: `headers["a.b"]`.
    static func join(_ path: String, _ key: String) -> String {
        let plain =
            !key.isEmpty
            && !key.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }
        if !plain { return "\(path)[\(JSONSerializer.quoted(key))]" }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    /// `token` escaped for a JSON Pointer (RFC 6901): "~" as "~0", "/" as "~1".
    static func pointerEscaped(_ token: String) -> String {
        token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    // MARK: JSON Schema's notion of equality and order

    /// Equality as JSON Schema defines it for `enum` and `const`: numbers
    /// by mathematical value, arrays item by item, objects by their sets of
    /// members.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            return compareNumbers(left, right) == 0
        case (.array(let leftElements), .array(let rightElements)):
            return leftElements.count == rightElements.count
                && zip(leftElements, rightElements).allSatisfy { equal($0, $1) }
        case (.object(let leftObject), .object(let rightObject)):
            guard leftObject.count == rightObject.count else { return false }
            return leftObject.allSatisfy { key, value in
                guard let other = rightObject[key] else { return false }
                return equal(value, other)
            }
        default:
            return left == right
        }
    }

    /// -1, 0 or 1 as `left` is less than, equal to or greater than `right`,
    /// exactly, even between an `Int64` and a `Double`; nil when either is
    /// not a number or is NaN.
    static func compareNumbers(_ left: JSONValue, _ right: JSONValue) -> Int? {
        switch (left, right) {
        case (.int(let a), .int(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .int(let b)):
            return compare(a, b)
        case (.int(let a), .double(let b)):
            return compare(b, a).map { -$0 }
        default:
            return nil
        }
    }

    /// Compares a double with an integer without rounding either: converting
    /// the integer to `Double` would round above 2^53.
    private static func compare(_ double: Double, _ integer: Int64) -> Int? {
        if double.isNaN { return nil }
        if double >= 0x1p63 { return 1 }
        if double < -0x1p63 { return -1 }
        let whole = JSONNumberText.floorInt64(double)
        if whole != integer { return whole < integer ? -1 : 1 }
        // Equal integer parts: `double` is greater exactly when it has a
        // fraction. Below 2^53, `Double(whole)` is exact; above, `double` is
        // integral and equals `whole`.
        return double > Double(whole) ? 1 : 0
    }
}
