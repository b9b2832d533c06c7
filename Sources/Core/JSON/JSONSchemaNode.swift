/// One checked schema object (or boolean schema), ready to validate.
///
/// Built once by `JSONSchema.init`; immutable afterwards, so it is shared
/// freely between threads.
final class JSONSchemaNode: Sendable {
    /// JSON Schema type names a node may require.
    struct TypeSet: OptionSet, Sendable {
        let rawValue: UInt8
        static let null = TypeSet(rawValue: 1 << 0)
        static let boolean = TypeSet(rawValue: 1 << 1)
        static let integer = TypeSet(rawValue: 1 << 2)
        static let number = TypeSet(rawValue: 1 << 3)
        static let string = TypeSet(rawValue: 1 << 4)
        static let array = TypeSet(rawValue: 1 << 5)
        static let object = TypeSet(rawValue: 1 << 6)

        static let names: [(name: String, type: TypeSet)] = [
            ("null", .null), ("boolean", .boolean), ("integer", .integer), ("number", .number),
            ("string", .string), ("array", .array), ("object", .object),
        ]

        static func named(_ name: String) -> TypeSet? {
            names.first { $0.name == name }?.type
        }
    }

    /// Keywords that only annotate; JSON Schema says validators ignore them.
    static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$comment", "$anchor", "title", "description", "examples", "deprecated",
        "readOnly", "writeOnly", "format", "contentEncoding", "contentMediaType",
    ]

    /// True for the `false` schema, which no value satisfies.
    let acceptsNothing: Bool
    /// Allowed types, with the names as the schema wrote them (for
    /// messages); nil when the schema has no "type".
    let types: (set: TypeSet, names: [String])?
    let propertyNames: [String]
    let properties: [String: JSONSchemaNode]
    let required: [String]
    let additionalProperties: JSONSchemaNode?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let minimum: JSONValue?
    let maximum: JSONValue?
    let exclusiveMinimum: JSONValue?
    let exclusiveMaximum: JSONValue?
    let minLength: Int?
    let maxLength: Int?
    let items: JSONSchemaNode?
    let minItems: Int?
    let maxItems: Int?
    let defaultValue: JSONValue?

    /// Whether this schema describes objects, so that a missing (null) root
    /// value may be treated as `{}` when filling in defaults.
    var describesObjects: Bool {
        types?.set.contains(.object) ?? !propertyNames.isEmpty
    }

    /// Checks `schema` at `path` (a JSON Pointer) and builds its node,
    /// appending keywords it does not implement to `unsupported`.
    init(_ schema: JSONValue, path: String, unsupported: inout [String]) throws(JSONSchemaError) {
        let object: JSONObject
        switch schema {
        case .bool(let accepts):
            object = JSONObject()
            acceptsNothing = !accepts
        case .object(let schemaObject):
            object = schemaObject
            acceptsNothing = false
        default:
            throw JSONSchemaError(
                schemaPath: path, keyword: nil,
                message: "must be a schema (an object or a boolean), got \(JSONSchema.describe(schema))")
        }

        func fail(_ keyword: String, _ message: String) -> JSONSchemaError {
            JSONSchemaError(schemaPath: path, keyword: keyword, message: message)
        }
        func number(_ keyword: String) throws(JSONSchemaError) -> JSONValue? {
            guard let value = object[keyword] else { return nil }
            switch value {
            case .int: return value
            case .double(let double) where double.isFinite: return value
            default: throw fail(keyword, "must be a number, got \(JSONSchema.describe(value))")
            }
        }
        func count(_ keyword: String) throws(JSONSchemaError) -> Int? {
            guard let value = object[keyword] else { return nil }
            guard let integer = value.int64Value, integer >= 0, let count = Int(exactly: integer) else {
                throw fail(keyword, "must be a non-negative integer, got \(JSONSchema.describe(value))")
            }
            return count
        }

        // type
        if let typeValue = object["type"] {
            let typeNames: [JSONValue]
            switch typeValue {
            case .string: typeNames = [typeValue]
            case .array(let elements) where !elements.isEmpty: typeNames = elements
            default:
                throw fail("type", "must be a type name or a non-empty array of them, got \(JSONSchema.describe(typeValue))")
            }
            var set = TypeSet()
            var names: [String] = []
            for element in typeNames {
                guard let name = element.stringValue, let type = TypeSet.named(name) else {
                    let valid = TypeSet.names.map { "\"\($0.name)\"" }.joined(separator: ", ")
                    throw fail("type", "must name types among \(valid), got \(JSONSchema.describe(element))")
                }
                if set.contains(type) { throw fail("type", "lists \"\(name)\" twice") }
                set.insert(type)
                names.append(name)
            }
            types = (set, names)
        } else {
            types = nil
        }

        // properties
        var propertyNames: [String] = []
        var properties: [String: JSONSchemaNode] = [:]
        if let propertiesValue = object["properties"] {
            guard case .object(let propertiesObject) = propertiesValue else {
                throw fail("properties", "must be an object mapping field names to schemas, got \(JSONSchema.describe(propertiesValue))")
            }
            for (name, propertySchema) in propertiesObject {
                let subpath = path + "/properties/" + JSONSchema.pointerEscaped(name)
                properties[name] = try JSONSchemaNode(propertySchema, path: subpath, unsupported: &unsupported)
                propertyNames.append(name)
            }
        }
        self.propertyNames = propertyNames
        self.properties = properties

        // required
        if let requiredValue = object["required"] {
            guard case .array(let elements) = requiredValue else {
                throw fail("required", "must be an array of strings, got \(JSONSchema.describe(requiredValue))")
            }
            var names: [String] = []
            for (index, element) in elements.enumerated() {
                guard let name = element.stringValue else {
                    throw fail("required", "must be an array of strings, but item \(index) is \(JSONSchema.describe(element))")
                }
                if names.contains(name) { throw fail("required", "lists \(JSONSerializer.quoted(name)) twice") }
                names.append(name)
            }
            required = names
        } else {
            required = []
        }

        if let additionalValue = object["additionalProperties"] {
            additionalProperties = try JSONSchemaNode(
                additionalValue, path: path + "/additionalProperties", unsupported: &unsupported)
        } else {
            additionalProperties = nil
        }

        // enum, const
        if let enumValue = object["enum"] {
            guard case .array(let elements) = enumValue, !elements.isEmpty else {
                throw fail("enum", "must be a non-empty array of the allowed values, got \(JSONSchema.describe(enumValue))")
            }
            enumValues = elements
        } else {
            enumValues = nil
        }
        constValue = object["const"]

        minimum = try number("minimum")
        maximum = try number("maximum")
        exclusiveMinimum = try number("exclusiveMinimum")
        exclusiveMaximum = try number("exclusiveMaximum")
        minLength = try count("minLength")
        maxLength = try count("maxLength")
        minItems = try count("minItems")
        maxItems = try count("maxItems")

        if let itemsValue = object["items"] {
            if case .array = itemsValue {
                throw fail(
                    "items",
                    "must be one schema (an object or a boolean) that every item matches, got an array; "
                        + "tuple validation (\"prefixItems\") is not supported")
            }
            items = try JSONSchemaNode(itemsValue, path: path + "/items", unsupported: &unsupported)
        } else {
            items = nil
        }

        defaultValue = object["default"]

        for key in object.keys where !Self.implementedKeywords.contains(key) && !Self.annotationKeywords.contains(key) {
            unsupported.append(path + "/" + JSONSchema.pointerEscaped(key))
        }

        // A default that fails its own schema would surface as a confusing
        // error about a field the user never wrote; catch it here instead.
        if let defaultValue {
            var violations: [JSONSchemaViolation] = []
            validate(defaultValue, at: "", into: &violations)
            if let first = violations.first {
                throw fail("default", "does not match its own schema: \(first.description)")
            }
        }
    }

    static let implementedKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "items", "minItems", "maxItems",
        "default",
    ]
}
