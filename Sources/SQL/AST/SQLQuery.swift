/// A query: a SELECT, a set operation or VALUES, with its WITH, ORDER BY
/// and LIMIT.
public struct SQLQuery: Sendable, Equatable {
    public indirect enum Body: Sendable, Equatable {
        case select(SQLSelect)
        /// `left UNION [ALL] right`, also INTERSECT and EXCEPT.
        case setOperation(SQLSetOperator, all: Bool, SQLQuery, SQLQuery)
        /// `VALUES (a, b), (c, d)`.
        case values([[SQLExpression]])
    }

    /// `WITH name AS (query), ...` before the body.
    public var with: [SQLCommonTableExpression]
    public var body: Body
    public var orderBy: [SQLOrderItem]
    public var limit: SQLExpression?
    public var position: SQLPosition

    public init(with: [SQLCommonTableExpression] = [], body: Body, orderBy: [SQLOrderItem] = [],
                limit: SQLExpression? = nil, at position: SQLPosition) {
        self.with = with
        self.body = body
        self.orderBy = orderBy
        self.limit = limit
        self.position = position
    }

    /// The SELECT, when the body is one.
    public var select: SQLSelect? {
        if case .select(let select) = body { return select }
        return nil
    }
}

public enum SQLSetOperator: String, Sendable, Equatable {
    case union = "UNION"
    case intersect = "INTERSECT"
    case except = "EXCEPT"
}

/// `name [(columns)] AS (query)` in a WITH clause.
public struct SQLCommonTableExpression: Sendable, Equatable {
    public var name: SQLIdentifier
    public var columns: [SQLIdentifier]
    public var query: SQLQuery

    public init(name: SQLIdentifier, columns: [SQLIdentifier], query: SQLQuery) {
        self.name = name
        self.columns = columns
        self.query = query
    }
}

/// `SELECT [DISTINCT] items [FROM ...] [WHERE ...] [GROUP BY ...] [HAVING ...]`.
public struct SQLSelect: Sendable, Equatable {
    public var distinct: Bool
    public var items: [SQLSelectItem]
    public var from: SQLTableReference?
    public var whereClause: SQLExpression?
    public var groupBy: [SQLExpression]
    public var having: SQLExpression?
    public var position: SQLPosition

    public init(distinct: Bool = false, items: [SQLSelectItem], from: SQLTableReference?, whereClause: SQLExpression? = nil,
                groupBy: [SQLExpression] = [], having: SQLExpression? = nil, at position: SQLPosition) {
        self.distinct = distinct
        self.items = items
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
        self.position = position
    }
}

/// One item of a SELECT list.
public struct SQLSelectItem: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `expression [[AS] alias]`.
        case expression(SQLExpression, alias: SQLIdentifier?)
        /// `*`, or `qualifier.*`.
        case wildcard(qualifier: SQLName?)
    }

    public var kind: Kind
    public var position: SQLPosition

    public init(_ kind: Kind, at position: SQLPosition) {
        self.kind = kind
        self.position = position
    }
}

/// `[AS] name [(column, ...)]` after a table reference.
public struct SQLAlias: Sendable, Equatable {
    public var name: SQLIdentifier
    public var columns: [SQLIdentifier]

    public init(name: SQLIdentifier, columns: [SQLIdentifier] = []) {
        self.name = name
        self.columns = columns
    }
}

/// What FROM reads: a table, a subquery, a table function, or a join of two.
public struct SQLTableReference: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        /// `name [FOR SYSTEM_TIME AS OF e] [[AS] alias]`.
        case table(SQLName, systemTimeAsOf: SQLExpression?, alias: SQLAlias?)
        /// `(query) [[AS] alias]`.
        case subquery(SQLQuery, alias: SQLAlias?)
        /// `TABLE(call) [[AS] alias]`, the window TVFs among others.
        case tableFunction(SQLFunctionCall, alias: SQLAlias?)
        /// `left [kind] JOIN right [ON ... | USING (...)]`; `a, b` is a comma join.
        case join(SQLJoinKind, SQLTableReference, SQLTableReference, SQLJoinCondition?)
    }

    public var kind: Kind
    public var position: SQLPosition

    public init(_ kind: Kind, at position: SQLPosition) {
        self.kind = kind
        self.position = position
    }
}

public enum SQLJoinKind: String, Sendable, Equatable {
    /// `a, b`: a cross join whose condition is in WHERE.
    case comma = ","
    case inner = "JOIN"
    case left = "LEFT JOIN"
    case right = "RIGHT JOIN"
    case full = "FULL JOIN"
    case cross = "CROSS JOIN"
}

public enum SQLJoinCondition: Sendable, Equatable {
    case on(SQLExpression)
    case using([SQLIdentifier])
}
