/// Why an Arrow array or schema handed over the C Data Interface could not
/// be read: the one error type of the Columns module.
public struct ColumnsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the nested type it happened, as a dotted field path ("" for
    /// the top).
    public let path: String
    /// What is wrong, and what the producer must do instead.
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "field '\(path)': \(message)" }
}
