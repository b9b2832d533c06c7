import SQL
import Testing

/// Small accessors that fail the test, naming what was expected, when a
/// node is of another kind; they keep the structural checks readable.
struct UnexpectedNode: Error, CustomStringConvertible {
    let description: String
}

func expectedNode(_ what: String, _ node: Any) -> UnexpectedNode {
    UnexpectedNode(description: "expected \(what), found \(shape(node))")
}

extension SQLStatement {
    func createTable() throws -> SQLCreateTable {
        guard case .createTable(let table) = kind else { throw expectedNode("CREATE TABLE", self) }
        return table
    }

    func createView() throws -> SQLCreateView {
        guard case .createView(let view) = kind else { throw expectedNode("CREATE VIEW", self) }
        return view
    }

    func insert() throws -> SQLInsert {
        guard case .insert(let insert) = kind else { throw expectedNode("INSERT", self) }
        return insert
    }

    func query() throws -> SQLQuery {
        guard case .query(let query) = kind else { throw expectedNode("a query", self) }
        return query
    }
}

extension SQLQuery {
    func selectBody() throws -> SQLSelect {
        guard let select else { throw expectedNode("SELECT", self) }
        return select
    }
}

extension SQLSelect {
    /// The select items that are expressions, with their aliases.
    func expressions() throws -> [(SQLExpression, SQLIdentifier?)] {
        try items.map { item in
            guard case .expression(let expression, let alias) = item.kind else { throw expectedNode("an expression item", item) }
            return (expression, alias)
        }
    }
}

extension SQLTableReference {
    func join() throws -> (kind: SQLJoinKind, left: SQLTableReference, right: SQLTableReference, condition: SQLJoinCondition?) {
        guard case .join(let kind, let left, let right, let condition) = self.kind else { throw expectedNode("a join", self) }
        return (kind, left, right, condition)
    }

    func subquery() throws -> (query: SQLQuery, alias: SQLAlias?) {
        guard case .subquery(let query, let alias) = kind else { throw expectedNode("a subquery", self) }
        return (query, alias)
    }

    func table() throws -> (name: SQLName, alias: SQLAlias?) {
        guard case .table(let name, _, let alias) = kind else { throw expectedNode("a table", self) }
        return (name, alias)
    }

    func tableFunction() throws -> SQLFunctionCall {
        guard case .tableFunction(let call, _) = kind else { throw expectedNode("TABLE(...)", self) }
        return call
    }
}

extension SQLExpression {
    /// The dotted name of a column reference.
    func columnName() throws -> String {
        guard case .column(let name) = kind else { throw expectedNode("a column", self) }
        return name.dotted
    }

    func call() throws -> SQLFunctionCall {
        guard case .call(let call) = kind else { throw expectedNode("a call", self) }
        return call
    }

    func interval() throws -> SQLInterval {
        guard case .interval(let interval) = kind else { throw expectedNode("an interval", self) }
        return interval
    }

    func binary() throws -> (op: SQLBinaryOperator, left: SQLExpression, right: SQLExpression) {
        guard case .binary(let op, let left, let right) = kind else { throw expectedNode("a binary operation", self) }
        return (op, left, right)
    }
}

/// A position written as line and column.
func at(_ line: Int, _ column: Int) -> String { "\(line):\(column)" }
