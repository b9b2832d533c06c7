/// Why an expression cannot be compiled: it does not parse, does not
/// type-check, or is too big; with where in its text.
///
/// This is the one public error type of the subsystem for job-start
/// problems; record-time problems are `ExpressionRuntimeError`. A host
/// that knows where the expression sits in a file maps `position` onto
/// the file (see `ExpressionSourceMap`).
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of compile-time failure.
    public enum Kind: String, Sendable, Equatable {
        /// The text is not a valid expression (an unexpected character or token).
        case syntax
        /// The expression is valid syntax but certainly wrong: `lower(5)`,
        /// `1 + 'a'`, a wrong number of arguments, a filter that is not a condition.
        case type
        /// A name that is no function of the library.
        case unknownFunction
        /// Longer or deeper than the compiler accepts (a bound, not a mistake
        /// in the language): split the expression.
        case limit
    }

    public let kind: Kind
    /// Where in the expression text, from 1.
    public let position: ExpressionPosition
    /// What is wrong and, where there is one, what to write instead.
    public let message: String

    public init(_ kind: Kind, at position: ExpressionPosition, _ message: String) {
        self.kind = kind
        self.position = position
        self.message = message
    }

    public var description: String { "\(position): \(message)" }
}
