/// A JSON schema that is not well-formed, and where.
///
/// `schemaPath` is a JSON Pointer (RFC 6901) to the schema object holding
/// the mistake, "" for the root; `keyword` is the keyword at fault, nil when
/// the schema object itself is the wrong kind of value. `description` reads:
/// `invalid JSON schema: 'required' in /properties/csv must be an array of
/// strings, got string "path"`.
public struct JSONSchemaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// JSON Pointer to the schema object at fault; "" is the root schema.
    public let schemaPath: String
    /// The keyword at fault, or nil when the schema itself is wrong.
    public let keyword: String?
    /// What is wrong, such as "must be an array of strings, got string \"path\"".
    public let message: String

    public init(schemaPath: String, keyword: String?, message: String) {
        self.schemaPath = schemaPath
        self.keyword = keyword
        self.message = message
    }

    public var description: String {
        let location = schemaPath.isEmpty ? "the root schema" : schemaPath
        if let keyword {
            return "invalid JSON schema: '\(keyword)' in \(location) \(message)"
        }
        return "invalid JSON schema: \(location) \(message)"
    }
}
