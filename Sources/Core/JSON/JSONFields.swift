/// Reads the typed fields of a JSON object in one of the host's own
/// document formats (checkpoint manifests, topic metadata, admin messages,
/// the job service's files and HTTP API bodies, the credentials file):
/// every read names the field it wanted and, when the value is missing or
/// of the wrong type, says so with the field's path ("steps[0].stepID").
///
/// Keys the format does not read are ignored, so that a file written by a
/// newer host with an added optional field still opens (as it did when
/// these formats went through Foundation's Codable); a `null` reads as
/// absent for the optional reads.
///
/// # Thread safety
/// A value type.
public struct JSONFields: Sendable {
    /// The object read.
    public let object: JSONObject
    /// Where it sits in its document, for messages ("" for the top level).
    public let path: String

    /// The fields of `value`, which must be an object.
    public init(_ value: JSONValue, path: String = "") throws(JSONFieldError) {
        guard case .object(let object) = value else {
            throw JSONFieldError(path: path.isEmpty ? "the document" : path,
                                 problem: "is \(Self.article(value.typeName)), expected an object")
        }
        self.object = object
        self.path = path
    }

    /// Parses `bytes` as JSON and reads its top-level object.
    public init(parsing bytes: [UInt8]) throws(JSONFieldError) {
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBytes { buffer throws(JSONParseError) in try JSONValue.parse(bytes: buffer) }
        } catch {
            throw JSONFieldError(path: "the document", problem: "is not valid JSON: \(error)")
        }
        try self.init(value)
    }

    /// The value of `key`, which must be present and not null.
    public func read<Value: JSONFieldValue>(_ key: String) throws(JSONFieldError) -> Value {
        guard let value = try readIfPresent(key) as Value? else {
            throw JSONFieldError(path: fieldPath(key), problem: "is missing")
        }
        return value
    }

    /// The value of `key`, or nil when it is absent or null.
    public func readIfPresent<Value: JSONFieldValue>(_ key: String) throws(JSONFieldError) -> Value? {
        guard let json = object[key], !json.isNull else { return nil }
        guard let value = Value(json: json) else {
            throw JSONFieldError(path: fieldPath(key), problem: "is \(Self.describe(json)), expected \(Value.jsonDescription)")
        }
        return value
    }

    /// A string field read as one of an enumeration's cases.
    public func read<Value: RawRepresentable>(_ key: String) throws(JSONFieldError) -> Value where Value.RawValue == String {
        let raw: String = try read(key)
        guard let value = Value(rawValue: raw) else {
            throw JSONFieldError(path: fieldPath(key), problem: "is \"\(raw)\", which this host does not know")
        }
        return value
    }

    /// A string field, when present and not null, read as one of an
    /// enumeration's cases.
    public func readIfPresent<Value: RawRepresentable>(_ key: String) throws(JSONFieldError) -> Value?
    where Value.RawValue == String {
        guard let raw: String = try readIfPresent(key) else { return nil }
        guard let value = Value(rawValue: raw) else {
            throw JSONFieldError(path: fieldPath(key), problem: "is \"\(raw)\", which this host does not know")
        }
        return value
    }

    /// The array under `key` whose elements are each `Value` or null
    /// (`[3, null, 7]`), null elements read as nil.
    public func readElementsOrNull<Value: JSONFieldValue>(_ key: String) throws(JSONFieldError) -> [Value?] {
        guard let json = object[key], !json.isNull else {
            throw JSONFieldError(path: fieldPath(key), problem: "is missing")
        }
        guard case .array(let elements) = json else {
            throw JSONFieldError(path: fieldPath(key), problem: "is \(Self.describe(json)), expected an array")
        }
        var values: [Value?] = []
        values.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if element.isNull {
                values.append(nil)
            } else if let value = Value(json: element) {
                values.append(value)
            } else {
                throw JSONFieldError(path: "\(fieldPath(key))[\(index)]",
                                     problem: "is \(Self.describe(element)), expected \(Value.jsonDescription) or null")
            }
        }
        return values
    }

    /// The fields of the object under `key`.
    public func object(_ key: String) throws(JSONFieldError) -> JSONFields {
        guard let json = object[key], !json.isNull else {
            throw JSONFieldError(path: fieldPath(key), problem: "is missing")
        }
        return try JSONFields(json, path: fieldPath(key))
    }

    /// The fields of the object under `key`, or nil when it is absent or null.
    public func objectIfPresent(_ key: String) throws(JSONFieldError) -> JSONFields? {
        guard let json = object[key], !json.isNull else { return nil }
        return try JSONFields(json, path: fieldPath(key))
    }

    /// The objects of the array under `key`, each with its index in its path.
    public func objects(_ key: String) throws(JSONFieldError) -> [JSONFields] {
        guard let json = object[key], !json.isNull else {
            throw JSONFieldError(path: fieldPath(key), problem: "is missing")
        }
        guard case .array(let elements) = json else {
            throw JSONFieldError(path: fieldPath(key), problem: "is \(Self.describe(json)), expected an array")
        }
        var fields: [JSONFields] = []
        fields.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            fields.append(try JSONFields(element, path: "\(fieldPath(key))[\(index)]"))
        }
        return fields
    }

    private func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// "a string", "the integer 7": what a value is, for messages.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .int(let integer): "the integer \(integer)"
        case .double(let double): "the number \(double)"
        case .bool(let bool): bool ? "true" : "false"
        default: article(value.typeName)
        }
    }

    private static func article(_ typeName: String) -> String {
        (typeName.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + typeName
    }
}

/// A field of a host document that is missing or has the wrong type.
public struct JSONFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The field, as a path from the document's top ("steps[0].stepID").
    public let path: String
    /// What is wrong with it ("is missing", "is a string, expected an integer").
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { path == "the document" ? "the document \(problem)" : "field '\(path)' \(problem)" }
}

/// A Swift type a JSON field can be read as.
public protocol JSONFieldValue {
    /// The value, or nil when `json` is not of this type or out of its range.
    init?(json: JSONValue)
    /// What the field should have been, for messages: "an integer".
    static var jsonDescription: String { get }
}

extension String: JSONFieldValue {
    public init?(json: JSONValue) {
        guard case .string(let string) = json else { return nil }
        self = string
    }
    public static var jsonDescription: String { "a string" }
}

extension Bool: JSONFieldValue {
    public init?(json: JSONValue) {
        guard case .bool(let bool) = json else { return nil }
        self = bool
    }
    public static var jsonDescription: String { "true or false" }
}

extension Int64: JSONFieldValue {
    /// Integers, also written with a fraction or exponent when the value is
    /// integral ("2.0", "1e3"), as Foundation's decoder read them.
    public init?(json: JSONValue) {
        guard let integer = json.int64Value else { return nil }
        self = integer
    }
    public static var jsonDescription: String { "an integer" }
}

extension Int: JSONFieldValue {
    public init?(json: JSONValue) {
        guard let integer = json.int64Value, let value = Int(exactly: integer) else { return nil }
        self = value
    }
    public static var jsonDescription: String { "an integer" }
}

extension Int32: JSONFieldValue {
    public init?(json: JSONValue) {
        guard let integer = json.int64Value, let value = Int32(exactly: integer) else { return nil }
        self = value
    }
    public static var jsonDescription: String { "an integer from \(Int32.min) to \(Int32.max)" }
}

extension UInt32: JSONFieldValue {
    public init?(json: JSONValue) {
        guard let integer = json.int64Value, let value = UInt32(exactly: integer) else { return nil }
        self = value
    }
    public static var jsonDescription: String { "an integer from 0 to \(UInt32.max)" }
}

extension Double: JSONFieldValue {
    public init?(json: JSONValue) {
        guard let double = json.doubleValue else { return nil }
        self = double
    }
    public static var jsonDescription: String { "a number" }
}

extension Array: JSONFieldValue where Element: JSONFieldValue {
    /// An array whose every element reads as `Element`.
    public init?(json: JSONValue) {
        guard case .array(let elements) = json else { return nil }
        var values: [Element] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let value = Element(json: element) else { return nil }
            values.append(value)
        }
        self = values
    }
    public static var jsonDescription: String { "an array of which each element is \(Element.jsonDescription)" }
}
