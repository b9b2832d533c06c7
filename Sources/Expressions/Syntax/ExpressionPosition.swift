/// A place in an expression's text: a byte offset and the line and column
/// (both from 1; columns count Unicode scalars) a person would point at.
public struct ExpressionPosition: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 byte offset from the start of the expression.
    public let offset: Int
    /// Line, from 1.
    public let line: Int
    /// Column, from 1, in Unicode scalars.
    public let column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
