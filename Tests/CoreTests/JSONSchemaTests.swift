import Core
import Testing

@Suite("JSON schema")
struct JSONSchemaTests {
    /// Builds a schema from JSON text.
    func schema(_ text: String) throws -> JSONSchema {
        try JSONSchema(JSONValue.parse(text))
    }

    /// The violations of `value` (JSON text) against `schemaText`, as
    /// "path: message" lines.
    func violations(_ schemaText: String, _ valueText: String) throws -> [String] {
        try schema(schemaText).validate(JSONValue.parse(valueText)).map(\.description)
    }

    static let datagen = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://example.com/datagen.json",
          "title": "datagen",
          "description": "Generates records.",
          "examples": [{"count": 1}],
          "type": "object",
          "properties": {
            "count": {"type": "integer", "minimum": 0, "default": 100, "description": "records to make"},
            "rate": {"type": "number", "exclusiveMinimum": 0, "default": 1.5},
            "seed": {"type": ["integer", "null"]}
          },
          "required": ["count"],
          "additionalProperties": false
        }
        """#

    // MARK: A realistic plugin schema

    @Test("a valid config has no violations and annotations are ignored")
    func validConfig() throws {
        let datagen = try schema(Self.datagen)
        #expect(datagen.validate(["count": 5, "rate": 0.5, "seed": nil]).isEmpty)
        #expect(datagen.validate(["count": 5.0]).isEmpty, "integral doubles are integers")
        #expect(datagen.unsupportedKeywords.isEmpty)
    }

    @Test("an invalid config gets every violation, in document order, with a path")
    func everyViolation() throws {
        let found = try violations(Self.datagen, #"{"cnt": 5, "rate": -1, "seed": "abc"}"#)
        #expect(
            found == [
                "missing required field 'count'",
                "unknown field 'cnt' (allowed: count, rate, seed)",
                "rate: must be > 0, got -1",
                "seed: expected integer or null, got string \"abc\"",
            ])
    }

    // MARK: type

    @Test(
        "type: each name accepts its values and refuses others with a message",
        arguments: [
            ("null", "null", "1", "expected null, got integer 1"),
            ("boolean", "false", "\"true\"", "expected boolean, got string \"true\""),
            ("integer", "-3", "\"abc\"", "expected integer, got string \"abc\""),
            ("integer", "3.0", "3.5", "expected integer, got number 3.5"),
            ("number", "3", "null", "expected number, got null"),
            ("number", "2.5e10", "true", "expected number, got boolean true"),
            ("string", "\"\"", "{}", "expected string, got object"),
            ("array", "[1]", "{\"a\":1}", "expected array, got object"),
            ("object", "{}", "[]", "expected object, got array"),
        ])
    func typeKeyword(type: String, passing: String, failing: String, message: String) throws {
        let schemaText = "{\"type\": \"\(type)\"}"
        #expect(try violations(schemaText, passing) == [])
        #expect(try violations(schemaText, failing) == [message])
    }

    @Test("type: an array of names accepts any of them and lists them all when none fits")
    func typeArray() throws {
        let schemaText = #"{"type": ["string", "integer", "null"]}"#
        for passing in ["\"a\"", "1", "null", "2.0"] {
            #expect(try violations(schemaText, passing) == [])
        }
        #expect(try violations(schemaText, "[1]") == ["expected string, integer or null, got array"])
        #expect(try violations(schemaText, "1.5") == ["expected string, integer or null, got number 1.5"])
    }

    @Test("a type mismatch is the only violation reported for that value")
    func typeMismatchAlone() throws {
        #expect(try violations(#"{"type": "integer", "minimum": 10, "enum": [10, 11]}"#, "\"x\"") == [
            "expected integer, got string \"x\""
        ])
    }

    // MARK: properties, required, additionalProperties

    @Test("properties: nested values are checked, with dotted paths")
    func nestedProperties() throws {
        let schemaText = #"""
            {"properties": {"csv": {"type": "object", "properties": {
              "delimiter": {"type": "string", "maxLength": 1},
              "quote": {"properties": {"char": {"type": "string"}}}}}}}
            """#
        #expect(try violations(schemaText, #"{"csv": {"delimiter": ";", "quote": {"char": "'"}}}"#) == [])
        #expect(
            try violations(schemaText, #"{"csv": {"delimiter": ";;", "quote": {"char": 1}}}"#) == [
                "csv.delimiter: must have at most 1 character, got 2",
                "csv.quote.char: expected string, got integer 1",
            ])
        #expect(try violations(schemaText, #"{"csv": 5}"#) == ["csv: expected object, got integer 5"])
    }

    @Test("required: each missing field is named at the object that lacks it")
    func requiredFields() throws {
        let schemaText = #"""
            {"required": ["path", "format"], "properties": {"csv": {"required": ["delimiter"]}}}
            """#
        #expect(try violations(schemaText, #"{"path": "/x", "format": "csv", "csv": {"delimiter": ","}}"#) == [])
        #expect(try violations(schemaText, #"{"format": null}"#) == ["missing required field 'path'"])
        #expect(
            try violations(schemaText, #"{"csv": {}}"#) == [
                "missing required field 'path'", "missing required field 'format'",
                "csv: missing required field 'delimiter'",
            ])
        #expect(try violations(schemaText, "[]") == [], "required applies to objects only")
    }

    @Test("additionalProperties false names the unknown field and the allowed ones")
    func additionalPropertiesFalse() throws {
        let schemaText = #"{"properties": {"count": {}, "rate": {}, "seed": {}}, "additionalProperties": false}"#
        #expect(try violations(schemaText, #"{"count": 1, "seed": 2}"#) == [])
        #expect(
            try violations(schemaText, #"{"cnt": 1, "rate": 2, "x": 3}"#) == [
                "unknown field 'cnt' (allowed: count, rate, seed)",
                "unknown field 'x' (allowed: count, rate, seed)",
            ])
        #expect(
            try violations(#"{"additionalProperties": false}"#, #"{"a": 1}"#) == [
                "unknown field 'a' (no fields are allowed here)"
            ])
    }

    @Test("additionalProperties as a schema checks every extra field; true or absent allows them")
    func additionalPropertiesSchema() throws {
        let schemaText = #"{"properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"#
        #expect(try violations(schemaText, #"{"name": "n", "a": 1, "b": 2}"#) == [])
        #expect(try violations(schemaText, #"{"name": "n", "a": "1"}"#) == ["a: expected integer, got string \"1\""])
        #expect(try violations(#"{"additionalProperties": true}"#, #"{"anything": [1]}"#) == [])
        #expect(try violations(#"{"properties": {"a": {}}}"#, #"{"other": 1}"#) == [])
    }

    @Test("a false property schema forbids that field")
    func falsePropertySchema() throws {
        #expect(try violations(#"{"properties": {"legacy": false}}"#, #"{"legacy": 1}"#) == [
            "legacy: no value is allowed here"
        ])
        #expect(try violations(#"{"properties": {"legacy": false}}"#, #"{}"#) == [])
    }

    @Test("boolean root schemas accept everything or nothing")
    func booleanSchemas() throws {
        let accepting = try JSONSchema(true)
        let refusing = try JSONSchema(false)
        for value: JSONValue in [nil, 1, "s", [1], ["a": 1]] {
            #expect(accepting.validate(value).isEmpty)
            #expect(refusing.validate(value).map(\.description) == ["no value is allowed here"])
        }
    }

    @Test("keys that would read ambiguously in a path are bracketed")
    func bracketedPaths() throws {
        let schemaText = #"{"additionalProperties": {"type": "integer"}}"#
        #expect(
            try violations(schemaText, #"{"a.b": "x", "": "y", "c": "z"}"#) == [
                #"["a.b"]: expected integer, got string "x""#,
                #"[""]: expected integer, got string "y""#,
                #"c: expected integer, got string "z""#,
            ])
    }

    // MARK: enum, const

    @Test("enum lists the allowed values when the value is not among them")
    func enumKeyword() throws {
        let schemaText = #"{"enum": ["jsonl", "csv"]}"#
        #expect(try violations(schemaText, "\"csv\"") == [])
        #expect(try violations(schemaText, "\"xml\"") == [#"must be one of "jsonl", "csv", got "xml""#])
        #expect(try violations(schemaText, "1") == [#"must be one of "jsonl", "csv", got 1"#])
    }

    @Test("enum and const compare numbers by value and objects regardless of key order")
    func schemaEquality() throws {
        #expect(try violations(#"{"enum": [1, 2.5]}"#, "1.0") == [])
        #expect(try violations(#"{"enum": [1, 2.5]}"#, "2.50") == [])
        #expect(try violations(#"{"enum": [1, 2.5]}"#, "2") == ["must be one of 1, 2.5, got 2"])
        #expect(try violations(#"{"const": {"a": 1, "b": [1.0]}}"#, #"{"b": [1], "a": 1.0}"#) == [])
        #expect(
            try violations(#"{"const": {"a": 1}}"#, #"{"a": 1, "b": 2}"#) == [#"must be {"a":1}, got {"a":1,"b":2}"#])
        #expect(try violations(#"{"const": [1, 2]}"#, "[2, 1]") == ["must be [1,2], got [2,1]"])
        #expect(try violations(#"{"const": null}"#, "false") == ["must be null, got false"])
        #expect(try violations(#"{"const": true}"#, "1") == ["must be true, got 1"])
    }

    @Test("const requires exactly one value")
    func constKeyword() throws {
        #expect(try violations(#"{"const": "v1"}"#, "\"v1\"") == [])
        #expect(try violations(#"{"const": "v1"}"#, "\"v2\"") == [#"must be "v1", got "v2""#])
    }

    @Test("long values are cut short in messages")
    func longValuesCut() throws {
        let long = String(repeating: "x", count: 100)
        #expect(
            try violations(#"{"type": "integer"}"#, "\"\(long)\"") == [
                "expected integer, got string \"\(String(repeating: "x", count: 39))...\""
            ])
    }

    // MARK: Numbers

    @Test(
        "numeric bounds: passing at the boundary, failing past it",
        arguments: [
            ("minimum", "0", "0", "-3", "must be >= 0, got -3"),
            ("maximum", "10", "10", "11", "must be <= 10, got 11"),
            ("exclusiveMinimum", "0", "0.001", "0", "must be > 0, got 0"),
            ("exclusiveMaximum", "1", "0.999", "1", "must be < 1, got 1"),
            ("minimum", "0.5", "0.5", "0.25", "must be >= 0.5, got 0.25"),
            ("minimum", "0.5", "1", "0", "must be >= 0.5, got 0"),
            ("maximum", "-1.5", "-2", "-1", "must be <= -1.5, got -1"),
            ("exclusiveMaximum", "2.0", "1", "2", "must be < 2.0, got 2"),
        ])
    func numericBounds(keyword: String, bound: String, passing: String, failing: String, message: String) throws {
        let schemaText = "{\"\(keyword)\": \(bound)}"
        #expect(try violations(schemaText, passing) == [])
        #expect(try violations(schemaText, failing) == [message])
        #expect(try violations(schemaText, "\"not a number\"") == [], "bounds apply to numbers only")
    }

    @Test("bounds compare integers and doubles exactly, beyond 2^53")
    func exactComparison() throws {
        let schemaText = #"{"maximum": 9007199254740992}"#
        #expect(try violations(schemaText, "9007199254740992") == [])
        #expect(try violations(schemaText, "9007199254740993") == [
            "must be <= 9007199254740992, got 9007199254740993"
        ])
        #expect(try violations(#"{"minimum": 9223372036854775807}"#, "9223372036854775808") == [])
        #expect(try violations(#"{"maximum": -9223372036854775808}"#, "-9223372036854775809") == [])
        #expect(try violations(#"{"exclusiveMinimum": 9223372036854775807}"#, "9.2233720368547758e18") == [])
    }

    // MARK: Strings and arrays

    @Test("minLength and maxLength count Unicode code points")
    func stringLengths() throws {
        let schemaText = #"{"minLength": 2, "maxLength": 3}"#
        #expect(try violations(schemaText, "\"ab\"") == [])
        #expect(try violations(schemaText, "\"😀😀😀\"") == [], "three code points, twelve bytes")
        #expect(try violations(schemaText, "\"a\"") == ["must have at least 2 characters, got 1"])
        #expect(try violations(schemaText, "\"abcd\"") == ["must have at most 3 characters, got 4"])
        #expect(try violations(#"{"minLength": 1}"#, "\"\"") == ["must have at least 1 character, got 0"])
        #expect(try violations(#"{"maxLength": 1}"#, "\"e\\u0301\"") == ["must have at most 1 character, got 2"])
        #expect(try violations(schemaText, "5") == [], "lengths apply to strings only")
    }

    @Test("items checks every element with its index in the path")
    func itemsKeyword() throws {
        let schemaText = #"{"properties": {"items": {"items": {"type": "integer"}}}}"#
        #expect(try violations(schemaText, #"{"items": [1, 2, 3]}"#) == [])
        #expect(
            try violations(schemaText, #"{"items": [1, 2, "x", null]}"#) == [
                "items[2]: expected integer, got string \"x\"", "items[3]: expected integer, got null",
            ])
        #expect(try violations(#"{"items": {"items": {"minimum": 0}}}"#, "[[0], [1, -1]]") == [
            "[1][1]: must be >= 0, got -1"
        ])
    }

    @Test("minItems and maxItems bound the array length")
    func arrayLengths() throws {
        let schemaText = #"{"minItems": 1, "maxItems": 2}"#
        #expect(try violations(schemaText, "[1]") == [])
        #expect(try violations(schemaText, "[1, 2]") == [])
        #expect(try violations(schemaText, "[]") == ["must have at least 1 item, got 0"])
        #expect(try violations(schemaText, "[1, 2, 3]") == ["must have at most 2 items, got 3"])
        #expect(try violations(#"{"minItems": 3}"#, "[1]") == ["must have at least 3 items, got 1"])
        #expect(try violations(schemaText, "{}") == [], "item counts apply to arrays only")
    }

    @Test("violations carry path and message separately")
    func violationFields() throws {
        let found = try schema(Self.datagen).validate(["count": "abc"])
        #expect(found == [JSONSchemaViolation(path: "count", message: "expected integer, got string \"abc\"")])
        #expect(found.first?.description == "count: expected integer, got string \"abc\"")
    }

    // MARK: Defaults

    @Test("defaults fill missing properties, after the ones present")
    func defaultsFill() throws {
        let datagen = try schema(Self.datagen)
        let filled = datagen.applyingDefaults(to: ["seed": 7])
        #expect(filled == ["seed": 7, "count": 100, "rate": 1.5])
        #expect(filled.objectValue?.keys == ["seed", "count", "rate"])
        #expect(datagen.applyingDefaults(to: ["count": 3]) == ["count": 3, "rate": 1.5])
        #expect(datagen.applyingDefaults(to: ["count": "bad"]) == ["count": "bad", "rate": 1.5])
    }

    @Test("a null root is treated as an empty object when the schema describes objects")
    func defaultsForNullRoot() throws {
        #expect(try schema(Self.datagen).applyingDefaults(to: nil) == ["count": 100, "rate": 1.5])
        #expect(try schema(#"{"properties": {"a": {"default": 1}}}"#).applyingDefaults(to: nil) == ["a": 1])
        #expect(try schema(#"{"type": ["integer", "null"], "default": 1}"#).applyingDefaults(to: nil) == nil)
    }

    @Test("defaults are filled recursively in nested objects, defaults and array items")
    func defaultsRecursive() throws {
        let settings = try schema(
            #"""
            {"type": "object", "properties": {
              "csv": {"type": "object", "properties": {
                "delimiter": {"type": "string", "default": ","},
                "quote": {"type": "object", "default": {}, "properties": {"char": {"default": "\""}}}}},
              "tls": {"type": "object", "properties": {"verify": {"default": true}}},
              "columns": {"type": "array", "items": {"type": "object", "properties": {
                "nullable": {"default": false}}}},
              "labels": {"type": "object", "additionalProperties": {"properties": {"color": {"default": "red"}}}}}}
            """#)
        let filled = settings.applyingDefaults(
            to: ["csv": [:], "columns": [["name": "a"], ["name": "b", "nullable": true], 3], "labels": ["x": [:]]])
        #expect(
            filled == [
                "csv": ["delimiter": ",", "quote": ["char": "\""]],
                "columns": [["name": "a", "nullable": false], ["name": "b", "nullable": true], 3],
                "labels": ["x": ["color": "red"]],
            ])
        #expect(filled["tls"] == nil, "an absent object without a default stays absent")
        #expect(
            settings.validate(filled).map(\.description) == ["columns[2]: expected object, got integer 3"],
            "defaults never hide an invalid value")
    }

    // MARK: Schema well-formedness

    /// A schema that must be refused, with where and why.
    struct Malformed: CustomTestStringConvertible, Sendable {
        let schema: String
        let schemaPath: String
        let keyword: String?
        let message: String
        var testDescription: String { schema }
    }

    static let malformed: [Malformed] = [
        Malformed(
            schema: #""string""#, schemaPath: "", keyword: nil,
            message: #"must be a schema (an object or a boolean), got string "string""#),
        Malformed(
            schema: #"{"type": "int"}"#, schemaPath: "", keyword: "type",
            message: #"must name types among "null", "boolean", "integer", "number", "string", "array", "object", got string "int""#
        ),
        Malformed(
            schema: #"{"type": ["string", 1]}"#, schemaPath: "", keyword: "type",
            message: #"must name types among "null", "boolean", "integer", "number", "string", "array", "object", got integer 1"#
        ),
        Malformed(
            schema: #"{"type": []}"#, schemaPath: "", keyword: "type",
            message: "must be a type name or a non-empty array of them, got array"),
        Malformed(
            schema: #"{"type": 5}"#, schemaPath: "", keyword: "type",
            message: "must be a type name or a non-empty array of them, got integer 5"),
        Malformed(
            schema: #"{"type": ["string", "string"]}"#, schemaPath: "", keyword: "type",
            message: #"lists "string" twice"#),
        Malformed(
            schema: #"{"properties": []}"#, schemaPath: "", keyword: "properties",
            message: "must be an object mapping field names to schemas, got array"),
        Malformed(
            schema: #"{"properties": {"x": "int"}}"#, schemaPath: "/properties/x", keyword: nil,
            message: #"must be a schema (an object or a boolean), got string "int""#),
        Malformed(
            schema: #"{"properties": {"csv": {"properties": {"delimiter": {"type": "char"}}}}}"#,
            schemaPath: "/properties/csv/properties/delimiter", keyword: "type",
            message: #"must name types among "null", "boolean", "integer", "number", "string", "array", "object", got string "char""#
        ),
        Malformed(
            schema: #"{"properties": {"a/b~c": {"minimum": "x"}}}"#, schemaPath: "/properties/a~1b~0c",
            keyword: "minimum", message: #"must be a number, got string "x""#),
        Malformed(
            schema: #"{"required": "path"}"#, schemaPath: "", keyword: "required",
            message: #"must be an array of strings, got string "path""#),
        Malformed(
            schema: #"{"required": ["a", 3]}"#, schemaPath: "", keyword: "required",
            message: "must be an array of strings, but item 1 is integer 3"),
        Malformed(
            schema: #"{"required": ["a", "a"]}"#, schemaPath: "", keyword: "required",
            message: #"lists "a" twice"#),
        Malformed(
            schema: #"{"additionalProperties": "no"}"#, schemaPath: "/additionalProperties", keyword: nil,
            message: #"must be a schema (an object or a boolean), got string "no""#),
        Malformed(
            schema: #"{"additionalProperties": {"type": "nope"}}"#, schemaPath: "/additionalProperties",
            keyword: "type",
            message: #"must name types among "null", "boolean", "integer", "number", "string", "array", "object", got string "nope""#
        ),
        Malformed(
            schema: #"{"enum": []}"#, schemaPath: "", keyword: "enum",
            message: "must be a non-empty array of the allowed values, got array"),
        Malformed(
            schema: #"{"enum": "a"}"#, schemaPath: "", keyword: "enum",
            message: #"must be a non-empty array of the allowed values, got string "a""#),
        Malformed(
            schema: #"{"minimum": "0"}"#, schemaPath: "", keyword: "minimum",
            message: #"must be a number, got string "0""#),
        Malformed(
            schema: #"{"maximum": null}"#, schemaPath: "", keyword: "maximum", message: "must be a number, got null"),
        Malformed(
            schema: #"{"exclusiveMinimum": true}"#, schemaPath: "", keyword: "exclusiveMinimum",
            message: "must be a number, got boolean true"),
        Malformed(
            schema: #"{"exclusiveMaximum": [1]}"#, schemaPath: "", keyword: "exclusiveMaximum",
            message: "must be a number, got array"),
        Malformed(
            schema: #"{"minLength": -1}"#, schemaPath: "", keyword: "minLength",
            message: "must be a non-negative integer, got integer -1"),
        Malformed(
            schema: #"{"maxLength": "3"}"#, schemaPath: "", keyword: "maxLength",
            message: #"must be a non-negative integer, got string "3""#),
        Malformed(
            schema: #"{"minItems": 1.5}"#, schemaPath: "", keyword: "minItems",
            message: "must be a non-negative integer, got number 1.5"),
        Malformed(
            schema: #"{"maxItems": {}}"#, schemaPath: "", keyword: "maxItems",
            message: "must be a non-negative integer, got object"),
        Malformed(
            schema: #"{"items": [{}]}"#, schemaPath: "", keyword: "items",
            message:
                #"must be one schema (an object or a boolean) that every item matches, got an array; tuple validation ("prefixItems") is not supported"#
        ),
        Malformed(
            schema: #"{"items": 3}"#, schemaPath: "/items", keyword: nil,
            message: "must be a schema (an object or a boolean), got integer 3"),
        Malformed(
            schema: #"{"items": {"maxItems": -2}}"#, schemaPath: "/items", keyword: "maxItems",
            message: "must be a non-negative integer, got integer -2"),
        Malformed(
            schema: #"{"type": "integer", "default": "x"}"#, schemaPath: "", keyword: "default",
            message: #"does not match its own schema: expected integer, got string "x""#),
        Malformed(
            schema: #"{"properties": {"n": {"type": "object", "properties": {"a": {"type": "integer"}}, "default": {"a": "x"}}}}"#,
            schemaPath: "/properties/n", keyword: "default",
            message: #"does not match its own schema: a: expected integer, got string "x""#),
    ]

    @Test("a malformed schema is refused, naming the keyword and where it is", arguments: malformed)
    func malformedSchemas(malformed: Malformed) throws {
        let value = try JSONValue.parse(malformed.schema)
        do {
            _ = try JSONSchema(value)
            Issue.record("accepted \(malformed.schema)")
        } catch {
            #expect(error.schemaPath == malformed.schemaPath)
            #expect(error.keyword == malformed.keyword)
            #expect(error.message == malformed.message)
        }
    }

    @Test("schema errors read as one sentence with their location")
    func schemaErrorDescription() throws {
        #expect(
            throws: JSONSchemaError(
                schemaPath: "/properties/csv", keyword: "required",
                message: #"must be an array of strings, got string "path""#)
        ) { try schema(#"{"properties": {"csv": {"required": "path"}}}"#) }
        let error = JSONSchemaError(schemaPath: "/properties/csv", keyword: "required", message: "must be an array")
        #expect(error.description == "invalid JSON schema: 'required' in /properties/csv must be an array")
        let rootError = JSONSchemaError(schemaPath: "", keyword: nil, message: "must be a schema")
        #expect(rootError.description == "invalid JSON schema: the root schema must be a schema")
    }

    @Test("well-formed edge cases are accepted")
    func wellFormedEdges() throws {
        _ = try schema(#"{"minItems": 2.0, "maxLength": 0, "minimum": -1.5e3, "enum": [null], "const": {}}"#)
        _ = try schema(#"{"type": "object", "default": {}, "properties": {}, "required": []}"#)
        _ = try schema("{}")
    }

    @Test("unknown keywords are ignored, and the ones that constrain are listed")
    func unknownKeywords() throws {
        let withExtras = try schema(
            #"""
            {"type": "object", "x-ui": {"widget": "slider"}, "format": "whatever",
             "properties": {"name": {"type": "string", "pattern": "^[a-z]+$", "$comment": "no"}},
             "oneOf": [{"required": ["name"]}], "deprecated": true}
            """#)
        #expect(withExtras.unsupportedKeywords == ["/properties/name/pattern", "/x-ui", "/oneOf"])
        #expect(withExtras.validate(["name": "UPPER 123"]).isEmpty, "pattern is not implemented")
        #expect(withExtras.validate([:]).isEmpty, "oneOf is not implemented")
        #expect(withExtras.validate(["name": 1]).map(\.description) == ["name: expected string, got integer 1"])
    }

    @Test("the source schema is kept as given")
    func sourceKept() throws {
        let value = try JSONValue.parse(Self.datagen)
        #expect(try JSONSchema(value).source == value)
    }
}
