#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an operation on two values failed; the compiler turns it into a
/// message naming the operand.
enum OperationFailure: Error {
    case leftOperand(String)
    case rightOperand(String)
    case overflow
    case divisionByZero
    case notFinite
}

/// Arithmetic, comparison and casts on run-time values.
///
/// Numbers: integer with integer stays integer (overflow is an error;
/// `/` truncates toward zero, as SQL); with a decimal, exact decimal
/// (`/` and `%` give a double); with a double, double. Division by zero
/// is an error for every kind.
enum ValueOperations {
    static func arithmetic(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionValue,
                           _ right: ExpressionValue) throws(OperationFailure) -> ExpressionValue {
        switch (left, right) {
        case (.integer(let a), .integer(let b)):
            let result: (Int64, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                guard b != 0 else { throw .divisionByZero }
                result = a.dividedReportingOverflow(by: b)
            default:
                guard b != 0 else { throw .divisionByZero }
                result = a.remainderReportingOverflow(dividingBy: b)
            }
            guard !result.1 else { throw .overflow }
            return .integer(result.0)
        case (.double, _), (_, .double):
            guard let a = double(left) else { throw .leftOperand("a number") }
            guard let b = double(right) else { throw .rightOperand("a number") }
            let value: Double
            switch op {
            case .add: value = a + b
            case .subtract: value = a - b
            case .multiply: value = a * b
            case .divide:
                guard b != 0 else { throw .divisionByZero }
                value = a / b
            default:
                guard b != 0 else { throw .divisionByZero }
                value = fmod(a, b)
            }
            guard value.isFinite else { throw .notFinite }
            return .double(value)
        default:
            guard let a = decimal(left) else { throw .leftOperand("a number") }
            guard let b = decimal(right) else { throw .rightOperand("a number") }
            switch op {
            case .add:
                guard let sum = a.adding(b) else { throw .overflow }
                return .decimal(sum)
            case .subtract:
                guard let difference = a.subtracting(b) else { throw .overflow }
                return .decimal(difference)
            case .multiply:
                guard let product = a.multiplying(b) else { throw .overflow }
                return .decimal(product)
            default:
                guard b.units != 0 else { throw .divisionByZero }
                let value = op == .divide ? a.doubleValue / b.doubleValue : fmod(a.doubleValue, b.doubleValue)
                guard value.isFinite else { throw .notFinite }
                return .double(value)
            }
        }
    }

    static func double(_ value: ExpressionValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .decimal(let number): number.doubleValue
        case .double(let number): number
        default: nil
        }
    }

    static func decimal(_ value: ExpressionValue) -> DecimalNumber? {
        switch value {
        case .integer(let number): DecimalNumber(units: number, scale: 0)
        case .decimal(let number): number
        default: nil
        }
    }

    static func isNumber(_ value: ExpressionValue) -> Bool {
        switch value {
        case .integer, .decimal, .double: true
        default: false
        }
    }

    /// -1, 0 or 1 for two non-null values of comparable kinds.
    static func compare(_ left: ExpressionValue, _ right: ExpressionValue) throws(OperationFailure) -> Int {
        switch (left, right) {
        case (.integer(let a), .integer(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)): return a == b ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
        case (.boolean(let a), .boolean(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.double, _), (_, .double):
            guard let a = double(left) else { throw .leftOperand(isNumber(right) ? "a number" : right.type.rawValue) }
            guard let b = double(right) else { throw .rightOperand("a number") }
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            if let a = decimal(left) {
                guard let b = decimal(right) else { throw .rightOperand("a number") }
                return a.compare(b)
            }
            switch left {
            case .string: throw .rightOperand("a string")
            case .boolean: throw .rightOperand("a boolean")
            default: throw .leftOperand("a number, a string or a boolean")
            }
        }
    }

    // MARK: Casts

    /// `value` as `type`, or nil when it cannot be (the caller fails or,
    /// for try_cast, gives null).
    static func cast(_ value: ExpressionValue, to type: ExpressionType) -> ExpressionValue? {
        if case .null = value { return .null }
        switch type {
        case .boolean:
            switch value {
            case .boolean: return value
            case .integer(let number): return .boolean(number != 0)
            case .decimal(let number): return .boolean(number.units != 0)
            case .double(let number): return .boolean(number != 0)
            case .string(let text):
                switch text.lowercased() {
                case "true": return .boolean(true)
                case "false": return .boolean(false)
                default: return nil
                }
            default: return nil
            }
        case .integer:
            switch value {
            case .integer: return value
            case .boolean(let flag): return .integer(flag ? 1 : 0)
            case .decimal(let number): return .integer(number.units / DecimalNumber.powersOf10[number.scale])
            case .double(let number):
                guard number.isFinite, number >= -9.223372036854775808e18, number < 9.223372036854775808e18 else { return nil }
                return .integer(Int64(number))
            case .string(let text):
                let trimmed = text.trimmingSpaces
                if let number = Int64(trimmed) { return .integer(number) }
                guard let parsed = number(trimmed) else { return nil }
                return cast(parsed, to: .integer)
            default: return nil
            }
        case .decimal:
            switch value {
            case .integer(let number): return .decimal(DecimalNumber(units: number, scale: 0))
            case .decimal: return value
            case .double(let number):
                guard number.isFinite else { return nil }
                return decimalFromDouble(number).map(ExpressionValue.decimal)
            case .string(let text):
                guard let parsed = number(text.trimmingSpaces) else { return nil }
                return cast(parsed, to: .decimal)
            default: return nil
            }
        case .double:
            switch value {
            case .integer, .decimal, .double: return double(value).map(ExpressionValue.double)
            case .string(let text):
                guard let parsed = number(text.trimmingSpaces) else { return nil }
                return double(parsed).map(ExpressionValue.double)
            default: return nil
            }
        case .string:
            switch value {
            case .string: return value
            case .boolean(let flag): return .string(flag ? "true" : "false")
            case .json(let text): return .string(text)
            default:
                var bytes: [UInt8] = []
                guard (try? ExpressionValueWriter.append(value, to: &bytes)) != nil else { return nil }
                return .string(String(decoding: bytes, as: UTF8.self))
            }
        default:
            return value
        }
    }

    /// `cast(value as decimal(precision, scale))`: the value as an exact
    /// decimal rounded half up (ties away from zero) to `scale` digits
    /// after the point, or why it cannot be; null stays null.
    static func cast(_ value: ExpressionValue, to precision: Int, scale: Int) -> Result<ExpressionValue, DecimalCastProblem> {
        if case .null = value { return .success(.null) }
        guard case .decimal(let number)? = cast(value, to: .decimal) else {
            if case .double = value { return .failure(.notFinite) }
            return .failure(.notANumber)
        }
        var units = number.units
        if number.scale > scale {
            let divisor = DecimalNumber.powersOf10[number.scale - scale]
            let remainder = units % divisor
            units /= divisor
            if remainder.magnitude * 2 >= divisor.magnitude { units += remainder < 0 ? -1 : 1 }
        } else if let rescaled = DecimalNumber.rescale(units, from: number.scale, to: scale) {
            units = rescaled
        } else {
            return .failure(.tooManyDigits)
        }
        // At most `precision` digits in all: |units| < 10^precision.
        guard precision > DecimalNumber.scaleMax || units.magnitude < UInt64(DecimalNumber.powersOf10[precision]) else {
            return .failure(.tooManyDigits)
        }
        return .success(.decimal(DecimalNumber(units: units, scale: scale)))
    }

    /// Why a value cannot be cast to decimal(p, s).
    enum DecimalCastProblem: Error, CustomStringConvertible {
        case notANumber, notFinite, tooManyDigits
        var description: String {
            switch self {
            case .notANumber: "it is not a number"
            case .notFinite: "it is not a finite number"
            case .tooManyDigits: "it has more digits before the point than the precision leaves"
            }
        }
    }

    /// A JSON number's value from text.
    static func number(_ text: String) -> ExpressionValue? {
        var text = text
        return text.withUTF8 { JSONCursor.number(UnsafeRawBufferPointer($0)) }
    }

    /// The decimal of a double's shortest text, rounded to 18 digits after
    /// the point; nil if its integer part does not fit.
    static func decimalFromDouble(_ number: Double) -> DecimalNumber? {
        if let exact = DecimalNumber.parse(number.description) { return exact }
        guard abs(number) < 9e17 else { return nil }
        // Small numbers written with an exponent: round to scaleMax digits.
        let scaled = (number * 1e18).rounded()
        guard abs(scaled) < 9.2e18 else {
            let units = (number * 1e9).rounded()
            return DecimalNumber(units: Int64(units), scale: 9)
        }
        return DecimalNumber(units: Int64(scaled), scale: 18)
    }

    /// Coerces an argument to a parameter type: numbers widen (integer to
    /// decimal or double, decimal to double); nil when it does not fit.
    @inline(__always)
    static func argument(_ value: ExpressionValue, as type: ExpressionType) -> ExpressionValue? {
        switch (type, value) {
        case (.any, _), (_, .null): return value
        case (.string, .string), (.boolean, .boolean), (.integer, .integer), (.decimal, .decimal), (.double, .double):
            return value
        case (.number, .integer), (.number, .decimal), (.number, .double): return value
        case (.double, .integer), (.double, .decimal): return double(value).map(ExpressionValue.double)
        case (.decimal, .integer): return decimal(value).map(ExpressionValue.decimal)
        case (.array, .array): return value
        case (.array, .json(let text)) where text.utf8.first == UInt8(ascii: "["): return value
        case (.object, .json(let text)) where text.utf8.first == UInt8(ascii: "{"): return value
        default: return nil
        }
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
