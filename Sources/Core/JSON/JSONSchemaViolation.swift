/// One way a value fails a `JSONSchema`.
///
/// `path` names the offending value inside the validated document:
/// "count", "csv.delimiter", "items[2]"; it is "" for the document itself.
/// Keys that would be ambiguous in dotted form (containing '.', '[', ']' or
/// empty) are written in brackets: `headers["content.type"]`. Violations of
/// `required` and of `additionalProperties: false` are reported at the
/// object that is missing or has the field.
public struct JSONSchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where the offending value is; "" for the root.
    public let path: String
    /// What is wrong, such as `expected integer, got string "abc"`.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// "path: message", or just the message at the root.
    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
