/// Why one record could not be evaluated: a value of the wrong type at run
/// time, an overflow, a division by zero, a failed cast, a record that is
/// not a JSON object.
///
/// The operators send such a record to the dead-letter destination with
/// `message` as the reason; the job goes on. Messages name the expression,
/// where in it, and the operand or field at fault.
public struct ExpressionRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
