/// A scalar expression, with where it starts.
///
/// Parentheses leave no node: the tree is the grouping (the printer puts
/// back the parentheses precedence needs).
public struct SQLExpression: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        /// A column or a field path: `price`, `B.price`, `person.name`.
        case column(SQLName)
        /// A number as written (`10`, `0.908`, `1e3`); exact, never rounded.
        case number(String)
        case string(String)
        case boolean(Bool)
        case null
        /// `INTERVAL '10' SECOND`, `INTERVAL '10:00' MINUTE TO SECOND`.
        case interval(SQLInterval)
        /// `DATE '2024-01-31'`, `TIME '...'`, `TIMESTAMP '...'`.
        case typedLiteral(SQLDataType, String)
        case unary(SQLUnaryOperator, SQLExpression)
        case binary(SQLBinaryOperator, SQLExpression, SQLExpression)
        /// `e IS [NOT] NULL|TRUE|FALSE|UNKNOWN`.
        case isTest(SQLExpression, SQLIsTest, negated: Bool)
        /// `e [NOT] BETWEEN low AND high`.
        case between(SQLExpression, low: SQLExpression, high: SQLExpression, negated: Bool)
        /// `e [NOT] LIKE pattern [ESCAPE 'c']`.
        case like(SQLExpression, pattern: SQLExpression, escape: SQLExpression?, negated: Bool)
        /// `e [NOT] IN (a, b, ...)`.
        case inList(SQLExpression, [SQLExpression], negated: Bool)
        /// `e [NOT] IN (SELECT ...)`.
        case inQuery(SQLExpression, SQLQuery, negated: Bool)
        /// `EXISTS (SELECT ...)`.
        case exists(SQLQuery)
        /// `(SELECT ...)` where a value is expected.
        case scalarQuery(SQLQuery)
        /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
        case caseWhen(operand: SQLExpression?, [SQLWhenClause], otherwise: SQLExpression?)
        /// `CAST(e AS type)`, `TRY_CAST(e AS type)`.
        case cast(SQLExpression, SQLDataType, isTry: Bool)
        /// `EXTRACT(unit FROM e)`.
        case extract(SQLTimeUnit, SQLExpression)
        /// A call: `count(*)`, `SUM(price) FILTER (WHERE ...)`, `TUMBLE(...)`,
        /// `ROW_NUMBER() OVER (...)`, `CURRENT_TIMESTAMP`.
        case call(SQLFunctionCall)
        /// `name => value`, only as a call's argument (window TVFs).
        case namedArgument(SQLIdentifier, SQLExpression)
        /// `TABLE name [PARTITION BY columns]`, only as a call's argument
        /// (window TVFs; SESSION takes PARTITION BY).
        case tableArgument(SQLName, partitionBy: [SQLName])
        /// `DESCRIPTOR(col, ...)`, only as a call's argument (window TVFs).
        case descriptor([SQLIdentifier])
        /// `ARRAY[a, b]`.
        case array([SQLExpression])
        /// `MAP[k1, v1, k2, v2]`.
        case map([SQLExpression])
        /// `e[index]`.
        case `subscript`(SQLExpression, SQLExpression)
    }

    public var kind: Kind
    public var position: SQLPosition

    public init(_ kind: Kind, at position: SQLPosition) {
        self.kind = kind
        self.position = position
    }
}

public enum SQLUnaryOperator: String, Sendable, Equatable {
    case minus = "-"
    case plus = "+"
    case not = "NOT"
}

public enum SQLBinaryOperator: String, Sendable, Equatable, CaseIterable {
    case or = "OR"
    case and = "AND"
    case equal = "="
    case notEqual = "<>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case plus = "+"
    case minus = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case concatenate = "||"

    /// Binding strength, higher binds tighter (Calcite's order: OR, AND,
    /// comparisons, `+ -`, `* / % ||`).
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return 4
        case .plus, .minus: return 6
        case .multiply, .divide, .modulo, .concatenate: return 7
        }
    }
}

public enum SQLIsTest: String, Sendable, Equatable {
    case null = "NULL"
    case `true` = "TRUE"
    case `false` = "FALSE"
    case unknown = "UNKNOWN"
}

/// One `WHEN condition THEN result`.
public struct SQLWhenClause: Sendable, Equatable {
    public var condition: SQLExpression
    public var result: SQLExpression
    public var position: SQLPosition

    public init(condition: SQLExpression, result: SQLExpression, at position: SQLPosition) {
        self.condition = condition
        self.result = result
        self.position = position
    }
}

/// A function call with the clauses an aggregate or a window function may carry.
public struct SQLFunctionCall: Sendable, Equatable {
    public var name: SQLName
    public var arguments: [SQLExpression]
    /// `COUNT(*)`: no arguments, a star.
    public var star: Bool
    /// `COUNT(DISTINCT x)`.
    public var distinct: Bool
    /// `FILTER (WHERE condition)` after an aggregate.
    public var filter: SQLExpression?
    /// `OVER (...)` after an aggregate or a ranking function.
    public var over: SQLWindowSpecification?

    public init(name: SQLName, arguments: [SQLExpression], star: Bool = false, distinct: Bool = false,
                filter: SQLExpression? = nil, over: SQLWindowSpecification? = nil) {
        self.name = name
        self.arguments = arguments
        self.star = star
        self.distinct = distinct
        self.filter = filter
        self.over = over
    }

    /// Functions SQL calls without parentheses.
    public static let niladicNames: Set<String> = [
        "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME",
    ]
}

/// `OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE ...)`.
public struct SQLWindowSpecification: Sendable, Equatable {
    public var partitionBy: [SQLExpression]
    public var orderBy: [SQLOrderItem]
    public var frame: SQLWindowFrame?
    public var position: SQLPosition

    public init(partitionBy: [SQLExpression], orderBy: [SQLOrderItem], frame: SQLWindowFrame?, at position: SQLPosition) {
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
        self.position = position
    }
}

/// `ROWS|RANGE BETWEEN start AND end`, or `ROWS|RANGE start` (end: current row).
public struct SQLWindowFrame: Sendable, Equatable {
    public enum Unit: String, Sendable, Equatable {
        case rows = "ROWS"
        case range = "RANGE"
    }

    public enum Bound: Sendable, Equatable {
        case unboundedPreceding
        case preceding(SQLExpression)
        case currentRow
        case following(SQLExpression)
        case unboundedFollowing
    }

    public var unit: Unit
    public var start: Bound
    /// Nil when written without BETWEEN.
    public var end: Bound?
    public var position: SQLPosition

    public init(unit: Unit, start: Bound, end: Bound?, at position: SQLPosition) {
        self.unit = unit
        self.start = start
        self.end = end
        self.position = position
    }
}

/// One `ORDER BY` item.
public struct SQLOrderItem: Sendable, Equatable {
    public var expression: SQLExpression
    /// Nil when neither ASC nor DESC was written (ascending).
    public var ascending: Bool?
    /// `NULLS FIRST` (true) or `NULLS LAST` (false); nil when not written.
    public var nullsFirst: Bool?

    public init(expression: SQLExpression, ascending: Bool?, nullsFirst: Bool?) {
        self.expression = expression
        self.ascending = ascending
        self.nullsFirst = nullsFirst
    }
}

extension SQLExpression {
    /// The expressions directly inside this one, in written order; not
    /// those inside subqueries, which have their own scope.
    public var children: [SQLExpression] {
        switch kind {
        case .column, .number, .string, .boolean, .null, .interval, .typedLiteral, .tableArgument, .descriptor, .exists, .scalarQuery:
            return []
        case .unary(_, let operand), .isTest(let operand, _, _), .cast(let operand, _, _), .extract(_, let operand),
             .namedArgument(_, let operand), .inQuery(let operand, _, _):
            return [operand]
        case .binary(_, let left, let right), .subscript(let left, let right):
            return [left, right]
        case .between(let operand, let low, let high, _):
            return [operand, low, high]
        case .like(let operand, let pattern, let escape, _):
            return [operand, pattern] + (escape.map { [$0] } ?? [])
        case .inList(let operand, let items, _):
            return [operand] + items
        case .caseWhen(let operand, let whens, let otherwise):
            return (operand.map { [$0] } ?? []) + whens.flatMap { [$0.condition, $0.result] } + (otherwise.map { [$0] } ?? [])
        case .call(let call):
            return call.arguments + (call.filter.map { [$0] } ?? [])
                + (call.over.map { $0.partitionBy + $0.orderBy.map(\.expression) } ?? [])
        case .array(let items), .map(let items):
            return items
        }
    }
}
