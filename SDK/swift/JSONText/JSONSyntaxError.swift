/// Text that is not valid JSON (RFC 8259), with where and why.
public struct JSONSyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The byte offset in the text where the problem was found.
    public let offset: Int
    /// What was expected or found there.
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
