extension JSONSchemaNode {
    /// Appends every way `value`, found at `path`, fails this schema.
    ///
    /// A value of the wrong type gets only the type violation: the
    /// keywords for other types would not apply to it anyway, and one clear
    /// message beats several.
    func validate(_ value: JSONValue, at path: String, into violations: inout [JSONSchemaViolation]) {
        func report(_ message: String) {
            violations.append(JSONSchemaViolation(path: path, message: message))
        }
        if acceptsNothing {
            report("no value is allowed here")
            return
        }
        if let types, !Self.matches(value, types.set) {
            report("expected \(Self.list(types.names, conjunction: "or")), got \(JSONSchema.describe(value))")
            return
        }
        if let enumValues, !enumValues.contains(where: { JSONSchema.equal($0, value) }) {
            let allowed = enumValues.map { JSONSchema.shortJSON($0) }.joined(separator: ", ")
            report("must be one of \(allowed), got \(JSONSchema.shortJSON(value))")
        }
        if let constValue, !JSONSchema.equal(constValue, value) {
            report("must be \(JSONSchema.shortJSON(constValue)), got \(JSONSchema.shortJSON(value))")
        }

        switch value {
        case .int, .double:
            checkBound(minimum, value, "must be >=") { $0 >= 0 }
            checkBound(maximum, value, "must be <=") { $0 <= 0 }
            checkBound(exclusiveMinimum, value, "must be >") { $0 > 0 }
            checkBound(exclusiveMaximum, value, "must be <") { $0 < 0 }
        case .string(let string):
            // JSON Schema counts characters as Unicode code points.
            let length = string.unicodeScalars.count
            if let minLength, length < minLength {
                report("must have at least \(Self.counted(minLength, "character")), got \(length)")
            }
            if let maxLength, length > maxLength {
                report("must have at most \(Self.counted(maxLength, "character")), got \(length)")
            }
        case .array(let elements):
            if let minItems, elements.count < minItems {
                report("must have at least \(Self.counted(minItems, "item")), got \(elements.count)")
            }
            if let maxItems, elements.count > maxItems {
                report("must have at most \(Self.counted(maxItems, "item")), got \(elements.count)")
            }
            if let items {
                for (index, element) in elements.enumerated() {
                    items.validate(element, at: "\(path)[\(index)]", into: &violations)
                }
            }
        case .object(let object):
            for name in required where !object.contains(key: name) {
                report("missing required field \(JSONSchema.quotedName(name))")
            }
            for (key, member) in object {
                if let property = properties[key] {
                    property.validate(member, at: JSONSchema.join(path, key), into: &violations)
                } else if let additionalProperties {
                    if additionalProperties.acceptsNothing {
                        let allowed =
                            propertyNames.isEmpty
                            ? "no fields are allowed here" : "allowed: " + propertyNames.joined(separator: ", ")
                        report("unknown field \(JSONSchema.quotedName(key)) (\(allowed))")
                    } else {
                        additionalProperties.validate(member, at: JSONSchema.join(path, key), into: &violations)
                    }
                }
            }
        case .null, .bool:
            break
        }

        func checkBound(_ bound: JSONValue?, _ value: JSONValue, _ relation: String, _ holds: (Int) -> Bool) {
            guard let bound, let order = JSONSchema.compareNumbers(value, bound), !holds(order) else { return }
            report("\(relation) \(JSONSchema.shortJSON(bound)), got \(JSONSchema.shortJSON(value))")
        }
    }

    /// Whether `value` has one of `types`; "integer" takes integral doubles
    /// too, as JSON Schema says (1.0 is an integer).
    static func matches(_ value: JSONValue, _ types: TypeSet) -> Bool {
        switch value {
        case .null: types.contains(.null)
        case .bool: types.contains(.boolean)
        case .int: types.contains(.integer) || types.contains(.number)
        case .double(let double):
            types.contains(.number) || (types.contains(.integer) && JSONNumberText.isIntegral(double))
        case .string: types.contains(.string)
        case .array: types.contains(.array)
        case .object: types.contains(.object)
        }
    }

    /// "a", "a or b", "a, b or c".
    static func list(_ words: [String], conjunction: String) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " \(conjunction) " + words.last!
    }

    /// "1 item", "3 items".
    static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    /// `value` with defaults filled in where this schema declares them.
    func applyingDefaults(to value: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            for name in propertyNames {
                let property = properties[name]!
                if let member = object[name] {
                    object[name] = property.applyingDefaults(to: member)
                } else if let defaultValue = property.defaultValue {
                    object[name] = property.applyingDefaults(to: defaultValue)
                }
            }
            if let additionalProperties, !additionalProperties.acceptsNothing {
                for key in object.keys where properties[key] == nil {
                    object[key] = additionalProperties.applyingDefaults(to: object[key]!)
                }
            }
            return .object(object)
        case .array(let elements):
            guard let items else { return value }
            return .array(elements.map { items.applyingDefaults(to: $0) })
        default:
            return value
        }
    }
}
