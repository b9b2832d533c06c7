/// A mistake in a job file: where (file, line, column, field) and what.
public struct JobFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int?
    public let column: Int?
    /// The field at fault, as a path: `pipeline[2].config.count`.
    public let field: String?
    public let message: String

    public init(file: String, location: SourceLocation?, field: String?, message: String) {
        self.file = file
        self.line = location?.line
        self.column = location?.column
        self.field = field
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        if let field, !field.isEmpty { return "\(place): \(field): \(message)" }
        return "\(place): \(message)"
    }
}
