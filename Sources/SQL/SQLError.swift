/// Why SQL text was refused: it does not parse, it is bigger or deeper than
/// the parser accepts, or it names what the catalog does not have or mixes
/// types; with the file, line and column it happened at.
///
/// The one public error type of the SQL front end. It is a value: the
/// library returns it and the command-line tool renders it, as
/// `file.sql:12:8: expected ')' after the arguments of count, found 'FROM'`.
public struct SQLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable, Equatable {
        /// The text is not valid SQL of the accepted dialect: an unexpected
        /// character or token, an unterminated literal, a bad interval.
        case syntax
        /// Longer or deeper than the parser accepts (`SQLLimits`): a bound,
        /// not a mistake in the language; split the statement.
        case limit
        /// A table or view that is not in the catalog.
        case unknownTable
        /// A column (or a ROW's field) that no table in scope has.
        case unknownColumn
        /// A function that is neither built in nor declared with CREATE FUNCTION.
        case unknownFunction
        /// Valid syntax with operands of the wrong type: `amount > 'x'`,
        /// `WHERE price`, an INSERT whose columns do not fit the table.
        case typeMismatch
        /// Valid syntax that means nothing: a name defined twice, an
        /// ambiguous column, an aggregate in WHERE, a window without a time
        /// attribute.
        case invalid
        /// Valid SQL the planner cannot run yet (a GROUP BY without a
        /// window, which needs update streams; an OVER window; a function
        /// with no counterpart in the expression language): the message
        /// names what and, where there is one, what to write instead.
        case unsupported
        /// A table's connector or one of its options that is unknown or
        /// has a value the connector cannot take.
        case connector
    }

    public let kind: Kind
    /// The file name the text came from, as the caller gave it.
    public let file: String
    /// Where in the text, from 1.
    public let position: SQLPosition
    /// What is wrong and, where there is one, what to write instead.
    public let message: String

    public init(_ kind: Kind, file: String, at position: SQLPosition, _ message: String) {
        self.kind = kind
        self.file = file
        self.position = position
        self.message = message
    }

    /// The line, from 1.
    public var line: Int { position.line }
    /// The column, from 1, in Unicode scalars.
    public var column: Int { position.column }

    public var description: String { "\(file):\(position.line):\(position.column): \(message)" }
}
