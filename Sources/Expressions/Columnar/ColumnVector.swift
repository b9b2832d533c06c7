import Columns

/// The values of one expression node over the rows a `ColumnarProgram`
/// evaluates: one typed array (by `kind`), which rows are null, and which
/// failed and why.
///
/// A failed row is also marked null, so that a kernel skips it; every
/// consumer looks at `errors` first, as the row evaluator stops at the
/// first failure.
public struct ColumnVector: Sendable {
    /// What the values are; `generic` holds `ExpressionValue`s (nulls
    /// included), the others a typed array and `nulls`.
    public enum Kind: Sendable, Equatable { case integer, decimal, double, boolean, generic }

    public internal(set) var kind: Kind
    /// Rows evaluated.
    public internal(set) var count: Int
    /// One value for every row (an expression without fields).
    var isConstant = false
    var integers: [Int64] = []
    var decimals: [DecimalNumber] = []
    var doubles: [Double] = []
    var booleans: [Bool] = []
    var generic: [ExpressionValue] = []
    /// true: the row is null (or failed); empty: no row is.
    var nulls: [Bool] = []
    /// The rows that could not be evaluated, with the row evaluator's error.
    public internal(set) var errors: [Int: ExpressionRuntimeError] = [:]

    init(kind: Kind, count: Int) {
        self.kind = kind
        self.count = count
    }

    /// Row `row`'s index into the arrays (0 for a constant).
    @inline(__always)
    func at(_ row: Int) -> Int { isConstant ? 0 : row }

    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        if kind == .generic { return generic[at(row)].isNull }
        return !nulls.isEmpty && nulls[at(row)]
    }

    /// Marks row `row` failed (and null, so that kernels skip it).
    mutating func fail(_ row: Int, _ error: ExpressionRuntimeError) {
        errors[row] = error
        if kind == .generic {
            generic[row] = .null
        } else {
            if nulls.isEmpty { nulls = [Bool](repeating: false, count: count) }
            nulls[row] = true
        }
    }

    /// Row `row`'s value, as the row evaluator would give it (nil when the
    /// row failed: see `errors`).
    public func value(at row: Int) -> ExpressionValue? {
        if errors[row] != nil { return nil }
        if isNull(row) { return .null }
        let index = at(row)
        switch kind {
        case .integer: return .integer(integers[index])
        case .decimal: return .decimal(decimals[index])
        case .double: return .double(doubles[index])
        case .boolean: return .boolean(booleans[index])
        case .generic: return generic[index]
        }
    }

    /// Row `row` as a condition: true, false or nil (null), as
    /// `ExpressionProgram.condition` reads a value; a value that is not a
    /// boolean is the same error.
    func condition(_ row: Int) throws(ExpressionRuntimeError) -> Bool? {
        if let error = errors[row] { throw error }
        if kind == .boolean { return isNull(row) ? nil : booleans[at(row)] }
        switch generic[at(row)] {
        case .boolean(let flag): return flag
        case .null: return nil
        case let other: throw ExpressionRuntimeError(message: "the condition is \(other.described), not a boolean")
        }
    }

    // MARK: Numbers widened, as ValueOperations widens them

    /// The values as doubles (integers and decimals converted).
    func asDoubles() -> [Double] {
        switch kind {
        case .double: return doubles
        case .integer: return integers.map { Double($0) }
        case .decimal: return decimals.map(\.doubleValue)
        default: preconditionFailure("asDoubles on a \(kind) vector")
        }
    }

    /// The values as decimals (integers converted).
    func asDecimals() -> [DecimalNumber] {
        switch kind {
        case .decimal: return decimals
        case .integer: return integers.map { DecimalNumber(units: $0, scale: 0) }
        default: preconditionFailure("asDecimals on a \(kind) vector")
        }
    }
}
