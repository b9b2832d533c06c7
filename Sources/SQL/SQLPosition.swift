/// A place in SQL text: a byte offset and the line and column (both from
/// 1; columns count Unicode scalars) a person would point at.
public struct SQLPosition: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 byte offset from the start of the text.
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

    /// The start of a text.
    public static let start = SQLPosition(offset: 0, line: 1, column: 1)

    public var description: String { "\(line):\(column)" }
}
