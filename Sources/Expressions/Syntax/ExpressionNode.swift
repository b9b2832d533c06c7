/// A node of a parsed expression, with where it was written.
///
/// Nodes are numbered in parse order (`id`), so that later passes keep
/// what they learn about a node (its type, its function) in arrays.
public struct ExpressionNode: Sendable {
    /// Binary operators, from the loosest binding to the tightest.
    public enum BinaryOperator: String, Sendable {
        case or, and
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case concatenate = "||"
        case add = "+", subtract = "-"
        case multiply = "*", divide = "/", remainder = "%"

        var isComparison: Bool {
            switch self {
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
            default: false
            }
        }

        var isArithmetic: Bool {
            switch self {
            case .add, .subtract, .multiply, .divide, .remainder: true
            default: false
            }
        }
    }

    public enum UnaryOperator: String, Sendable {
        case not, negate = "-"
    }

    public indirect enum Kind: Sendable {
        case literal(ExpressionValue)
        case field(FieldPath)
        case unary(UnaryOperator, ExpressionNode)
        case binary(BinaryOperator, ExpressionNode, ExpressionNode)
        /// `x is null` (`negated`: `x is not null`).
        case isNull(ExpressionNode, negated: Bool)
        /// `x in (a, b)` (`negated`: `not in`).
        case inList(ExpressionNode, [ExpressionNode], negated: Bool)
        /// `case when c then r ... else e end` (`else` absent: null).
        case caseWhen([(condition: ExpressionNode, result: ExpressionNode)], otherwise: ExpressionNode?)
        /// `cast(x as T)`; `isTry`: `try_cast`, null instead of an error.
        case cast(ExpressionNode, ExpressionType, isTry: Bool)
        /// `cast(x as decimal(p, s))`: x as an exact decimal rounded half up
        /// (ties away from zero, SQL's HALF_UP) to `scale` digits after the
        /// point, with at most `precision` digits in all; a `map` writes its
        /// result with exactly `scale` digits (`10.50`), as SQL's DECIMAL(p, s).
        case castDecimal(ExpressionNode, precision: Int, scale: Int, isTry: Bool)
        /// A function call; `name` lowercased.
        case call(name: String, arguments: [ExpressionNode])
        /// `value[index]` on something that is not a field path.
        case index(ExpressionNode, ExpressionNode)
    }

    public let id: Int
    public let kind: Kind
    /// Where the node starts.
    public let position: ExpressionPosition
    /// Its text's byte range in the expression.
    public let range: Range<Int>
    /// 1 for a leaf; 1 + the deepest child otherwise.
    public let depth: Int

    /// The node's children, in order.
    public var children: [ExpressionNode] {
        switch kind {
        case .literal, .field: return []
        case .unary(_, let operand): return [operand]
        case .binary(_, let left, let right): return [left, right]
        case .isNull(let operand, _): return [operand]
        case .inList(let operand, let list, _): return [operand] + list
        case .caseWhen(let branches, let otherwise):
            return branches.flatMap { [$0.condition, $0.result] } + (otherwise.map { [$0] } ?? [])
        case .cast(let operand, _, _), .castDecimal(let operand, _, _, _): return [operand]
        case .call(_, let arguments): return arguments
        case .index(let value, let index): return [value, index]
        }
    }

    /// The precision and scale of a `cast(x as decimal(p, s))` at the top
    /// of the expression: its result has exactly that many digits.
    public var fixedDecimal: (precision: Int, scale: Int)? {
        if case .castDecimal(_, let precision, let scale, _) = kind { return (precision, scale) }
        return nil
    }
}
