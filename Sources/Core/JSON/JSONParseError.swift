/// Why a JSON text could not be parsed, and where.
///
/// `message` says what was expected and what was found, for example
/// "expected ':' after object key, got '='"; `description` adds the place:
/// "... at line 3, column 7". Lines and columns are 1-based; a column counts
/// Unicode characters (scalars), not bytes, so it matches what an editor shows
/// for UTF-8 text. `offset` is the 0-based byte offset of the same place.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Byte offset of the offending input, 0-based.
    public let offset: Int
    /// Line of `offset`, 1-based; lines end at "\n".
    public let line: Int
    /// Column of `offset` within its line, 1-based, in Unicode scalars.
    public let column: Int
    /// What is wrong, without the location.
    public let message: String

    public init(offset: Int, line: Int, column: Int, message: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    /// Creates an error for `offset` in `bytes`, working out line and column.
    init(message: String, offset: Int, in bytes: UnsafeRawBufferPointer) {
        precondition(offset >= 0 && offset <= bytes.count, "error offset \(offset) outside the input")
        var line = 1
        var column = 1
        for index in 0..<offset {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0b1100_0000 != 0b1000_0000 {
                // Only lead bytes start a new character; continuation bytes
                // belong to the character before them.
                column += 1
            }
        }
        self.init(offset: offset, line: line, column: column, message: message)
    }

    public var description: String {
        "\(message) at line \(line), column \(column)"
    }
}
