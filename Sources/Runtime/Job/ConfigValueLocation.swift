/// Where a scalar of a step's config was written, precisely enough to
/// point into it: expressions in configs are reported at the line and
/// column of the mistake inside the string, not just the field.
public struct ConfigValueLocation: Sendable, Hashable {
    /// How the scalar was written, which decides where its text starts.
    public enum Style: Sendable, Hashable {
        /// `where: amount > 1`: the text starts at the location.
        case plain
        /// `where: "amount > 1"` or single quotes: one column later.
        /// (Escapes inside make later columns approximate.)
        case quoted
        /// `where: |` (or `>`): the text starts on the next line, indented
        /// by `indentation` columns. (Folded lines make later lines
        /// approximate.)
        case block(indentation: Int)
    }

    /// The scalar's own position (its first character, or the `|`).
    public let location: SourceLocation
    public let style: Style

    public init(location: SourceLocation, style: Style) {
        self.location = location
        self.style = style
    }

    /// The place in the file of line `line`, column `column` (both from 1)
    /// of the scalar's text.
    public func fileLocation(line: Int, column: Int) -> SourceLocation {
        switch style {
        case .plain, .quoted:
            let first = location.column + (style == .quoted ? 1 : 0)
            return line == 1
                ? SourceLocation(line: location.line, column: first + column - 1)
                : SourceLocation(line: location.line + line - 1, column: column)
        case .block(let indentation):
            return SourceLocation(line: location.line + line, column: indentation + column)
        }
    }
}
