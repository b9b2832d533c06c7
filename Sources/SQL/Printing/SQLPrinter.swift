/// Renders a syntax tree back to SQL text that parses to the same tree
/// (positions aside): one statement per paragraph, clauses on their own
/// lines, parentheses wherever precedence needs them, names quoted as they
/// were written.
///
/// For `--explain`, error messages that quote an expression, and the
/// round-trip tests that check the parser against its own output.
public enum SQLPrinter {
    public static func print(_ script: SQLScript) -> String {
        script.statements.map { print($0) + ";\n" }.joined(separator: "\n")
    }

    public static func print(_ statement: SQLStatement) -> String {
        switch statement.kind {
        case .createTable(let table): return createTable(table)
        case .createView(let view):
            let columns = view.columns.isEmpty ? "" : " (" + view.columns.map(identifier).joined(separator: ", ") + ")"
            return "CREATE \(view.temporary ? "TEMPORARY " : "")VIEW \(view.ifNotExists ? "IF NOT EXISTS " : "")"
                + name(view.name) + columns + " AS\n" + print(view.query)
        case .createFunction(let function):
            var text = "CREATE \(function.temporary ? "TEMPORARY " : "")\(function.system ? "SYSTEM " : "")FUNCTION "
                + (function.ifNotExists ? "IF NOT EXISTS " : "") + name(function.name) + " AS " + string(function.symbol.value)
            if let language = function.language { text += " LANGUAGE " + identifier(language) }
            if let resource = function.resource { text += " USING \(resource.kind.rawValue) " + string(resource.path.value) }
            return text
        case .insert(let insert): return self.insert(insert)
        case .statementSet(let inserts):
            return "EXECUTE STATEMENT SET\nBEGIN\n" + inserts.map { self.insert($0) + ";\n" }.joined() + "END"
        case .query(let query): return print(query)
        case .explain(let inner): return "EXPLAIN " + print(inner)
        case .set(let key, let value): return "SET " + string(key.value) + " = " + string(value.value)
        }
    }

    static func insert(_ insert: SQLInsert) -> String {
        let columns = insert.columns.isEmpty ? "" : " (" + insert.columns.map(identifier).joined(separator: ", ") + ")"
        return "INSERT \(insert.overwrite ? "OVERWRITE" : "INTO") " + name(insert.target) + columns + "\n" + print(insert.query)
    }

    static func createTable(_ table: SQLCreateTable) -> String {
        var elements: [String] = table.columns.map { column in
            var text = identifier(column.name)
            switch column.kind {
            case .physical(let type): text += " " + print(type)
            case .computed(let expression): text += " AS " + print(expression)
            case .metadata(let type, let key, let virtual):
                text += " " + print(type) + " METADATA" + (key.map { " FROM " + string($0.value) } ?? "") + (virtual ? " VIRTUAL" : "")
            }
            if let comment = column.comment { text += " COMMENT " + string(comment.value) }
            return text
        }
        if let watermark = table.watermark {
            elements.append("WATERMARK FOR " + name(watermark.column) + " AS " + print(watermark.expression))
        }
        if let key = table.primaryKey {
            elements.append((key.constraintName.map { "CONSTRAINT " + identifier($0) + " " } ?? "") + "PRIMARY KEY ("
                + key.columns.map(identifier).joined(separator: ", ") + ") NOT ENFORCED")
        }
        var text = "CREATE \(table.temporary ? "TEMPORARY " : "")TABLE \(table.ifNotExists ? "IF NOT EXISTS " : "")"
            + name(table.name) + " (\n" + elements.map { "  " + $0 }.joined(separator: ",\n") + "\n)"
        if let comment = table.comment { text += " COMMENT " + string(comment.value) }
        if !table.partitionedBy.isEmpty {
            text += " PARTITIONED BY (" + table.partitionedBy.map(identifier).joined(separator: ", ") + ")"
        }
        if !table.options.isEmpty {
            text += " WITH (\n" + table.options.map { "  " + string($0.key.value) + " = " + string($0.value.value) }
                .joined(separator: ",\n") + "\n)"
        }
        return text
    }

    // MARK: Queries

    public static func print(_ query: SQLQuery) -> String {
        var text = ""
        if !query.with.isEmpty {
            text += "WITH " + query.with.map { cte in
                identifier(cte.name) + (cte.columns.isEmpty ? "" : " (" + cte.columns.map(identifier).joined(separator: ", ") + ")")
                    + " AS (\n" + print(cte.query) + "\n)"
            }.joined(separator: ",\n") + "\n"
        }
        switch query.body {
        case .select(let select): text += self.select(select)
        case .setOperation(let op, let all, let left, let right):
            text += operand(left, of: op, right: false) + "\n" + op.rawValue + (all ? " ALL" : "") + "\n" + operand(right, of: op, right: true)
        case .values(let rows):
            text += "VALUES " + rows.map { "(" + $0.map { print($0) }.joined(separator: ", ") + ")" }.joined(separator: ", ")
        }
        if !query.orderBy.isEmpty { text += "\nORDER BY " + orderItems(query.orderBy) }
        if let limit = query.limit { text += "\nLIMIT " + print(limit) }
        return text
    }

    /// A set operation's operand: bare when the parser would group it the
    /// same way (a SELECT or VALUES; a set operation on the left that binds
    /// at least as tightly, on the right one that binds tighter), in
    /// parentheses otherwise. Bare where possible, because a subquery in
    /// FROM or in an expression must start with `(SELECT`, not `((`.
    static func operand(_ query: SQLQuery, of parent: SQLSetOperator, right: Bool) -> String {
        let binding = { (op: SQLSetOperator) in op == .intersect ? 2 : 1 }
        if query.with.isEmpty, query.orderBy.isEmpty, query.limit == nil {
            guard case .setOperation(let op, _, _, _) = query.body else { return print(query) }
            if right ? binding(op) > binding(parent) : binding(op) >= binding(parent) { return print(query) }
        }
        return "(" + print(query) + ")"
    }

    static func select(_ select: SQLSelect) -> String {
        var text = "SELECT " + (select.distinct ? "DISTINCT " : "") + select.items.map { item in
            switch item.kind {
            case .wildcard(let qualifier): return qualifier.map { name($0) + ".*" } ?? "*"
            case .expression(let expression, let alias): return print(expression) + (alias.map { " AS " + identifier($0) } ?? "")
            }
        }.joined(separator: ", ")
        if let from = select.from { text += "\nFROM " + tableReference(from) }
        if let condition = select.whereClause { text += "\nWHERE " + print(condition) }
        if !select.groupBy.isEmpty { text += "\nGROUP BY " + select.groupBy.map { print($0) }.joined(separator: ", ") }
        if let having = select.having { text += "\nHAVING " + print(having) }
        return text
    }

    static func alias(_ alias: SQLAlias?) -> String {
        guard let alias else { return "" }
        return " AS " + identifier(alias.name) + (alias.columns.isEmpty ? "" : " (" + alias.columns.map(identifier).joined(separator: ", ") + ")")
    }

    static func tableReference(_ reference: SQLTableReference) -> String {
        switch reference.kind {
        case .table(let table, let systemTime, let tableAlias):
            return name(table) + (systemTime.map { " FOR SYSTEM_TIME AS OF " + print($0, above: 6) } ?? "") + alias(tableAlias)
        case .subquery(let query, let tableAlias):
            return "(\n" + print(query) + "\n)" + alias(tableAlias)
        case .tableFunction(let call, let tableAlias):
            return "TABLE(" + self.call(call) + ")" + alias(tableAlias)
        case .join(let kind, let left, let right, let condition):
            // Joins nest to the left; a join on the right keeps its parentheses.
            var rightText = tableReference(right)
            if case .join = right.kind { rightText = "(" + rightText + ")" }
            var text = tableReference(left) + (kind == .comma ? ", " : "\n" + kind.rawValue + " ") + rightText
            switch condition {
            case .on(let expression): text += " ON " + print(expression)
            case .using(let columns): text += " USING (" + columns.map(identifier).joined(separator: ", ") + ")"
            case nil: break
            }
            return text
        }
    }

    static func orderItems(_ items: [SQLOrderItem]) -> String {
        items.map { item in
            print(item.expression) + (item.ascending.map { $0 ? " ASC" : " DESC" } ?? "")
                + (item.nullsFirst.map { $0 ? " NULLS FIRST" : " NULLS LAST" } ?? "")
        }.joined(separator: ", ")
    }

    // MARK: Expressions

    /// How tightly an expression binds as printed: 1 OR, 2 AND, 3 NOT,
    /// 4 comparisons and predicates, 6 `+ -`, 7 `* / % ||`, 8 unary sign,
    /// 9 subscript, 10 primaries.
    static func precedence(_ expression: SQLExpression) -> Int {
        switch expression.kind {
        case .binary(let op, _, _): return op.precedence
        case .unary(.not, _): return 3
        case .unary: return 8
        case .isTest, .between, .like, .inList, .inQuery: return 4
        case .subscript: return 9
        default: return 10
        }
    }

    public static func print(_ expression: SQLExpression) -> String { print(expression, above: 0) }

    /// `expression`, in parentheses when it binds looser than `minimum`.
    static func print(_ expression: SQLExpression, above minimum: Int) -> String {
        let text = bare(expression)
        return precedence(expression) < minimum ? "(" + text + ")" : text
    }

    static func bare(_ expression: SQLExpression) -> String {
        switch expression.kind {
        case .column(let column): return name(column)
        case .number(let text): return text
        case .string(let text): return string(text)
        case .boolean(let value): return value ? "TRUE" : "FALSE"
        case .null: return "NULL"
        case .interval(let interval):
            return "INTERVAL " + (interval.negative ? "-" : "") + string(interval.text) + " " + interval.start.rawValue
                + (interval.startPrecision.map { p in "(\(p)" + (interval.end == nil ? interval.fractionPrecision.map { ", \($0)" } ?? "" : "") + ")" } ?? "")
                + (interval.end.map { end in
                    " TO " + end.rawValue + (interval.fractionPrecision.map { "(\($0))" } ?? "")
                } ?? "")
        case .typedLiteral(let type, let text): return print(type) + " " + string(text)
        case .unary(let op, let operand):
            if op == .not { return "NOT " + print(operand, above: 3) }
            let inner = print(operand, above: 8)
            // `- -1` must not become the comment `--1`.
            return op.rawValue + (inner.hasPrefix("-") || inner.hasPrefix("+") ? " " : "") + inner
        case .binary(let op, let left, let right):
            return print(left, above: op.precedence) + " " + op.rawValue + " " + print(right, above: op.precedence + 1)
        case .isTest(let operand, let test, let negated):
            return print(operand, above: 4) + " IS " + (negated ? "NOT " : "") + test.rawValue
        case .between(let operand, let low, let high, let negated):
            return print(operand, above: 4) + (negated ? " NOT" : "") + " BETWEEN " + print(low, above: 6) + " AND " + print(high, above: 6)
        case .like(let operand, let pattern, let escape, let negated):
            return print(operand, above: 4) + (negated ? " NOT" : "") + " LIKE " + print(pattern, above: 6)
                + (escape.map { " ESCAPE " + print($0, above: 6) } ?? "")
        case .inList(let operand, let items, let negated):
            return print(operand, above: 4) + (negated ? " NOT" : "") + " IN (" + items.map { print($0) }.joined(separator: ", ") + ")"
        case .inQuery(let operand, let query, let negated):
            return print(operand, above: 4) + (negated ? " NOT" : "") + " IN (\n" + print(query) + "\n)"
        case .exists(let query): return "EXISTS (\n" + print(query) + "\n)"
        case .scalarQuery(let query): return "(\n" + print(query) + "\n)"
        case .caseWhen(let operand, let whens, let otherwise):
            return "CASE" + (operand.map { " " + print($0) } ?? "")
                + whens.map { " WHEN " + print($0.condition) + " THEN " + print($0.result) }.joined()
                + (otherwise.map { " ELSE " + print($0) } ?? "") + " END"
        case .cast(let value, let type, let isTry):
            return (isTry ? "TRY_CAST(" : "CAST(") + print(value) + " AS " + print(type) + ")"
        case .extract(let unit, let value): return "EXTRACT(" + unit.rawValue + " FROM " + print(value) + ")"
        case .call(let call): return self.call(call)
        case .namedArgument(let argument, let value): return identifier(argument) + " => " + print(value)
        case .tableArgument(let table, let partitionBy):
            let columns = partitionBy.map(name).joined(separator: ", ")
            return "TABLE " + name(table) + (partitionBy.isEmpty ? "" : partitionBy.count == 1 ? " PARTITION BY " + columns : " PARTITION BY (" + columns + ")")
        case .descriptor(let columns): return "DESCRIPTOR(" + columns.map(identifier).joined(separator: ", ") + ")"
        case .array(let items): return "ARRAY[" + items.map { print($0) }.joined(separator: ", ") + "]"
        case .map(let items): return "MAP[" + items.map { print($0) }.joined(separator: ", ") + "]"
        case .subscript(let base, let index): return print(base, above: 9) + "[" + print(index) + "]"
        }
    }

    static func call(_ call: SQLFunctionCall) -> String {
        let plainName = call.name.parts.count == 1 && !call.name.parts[0].quoted
        if plainName, call.arguments.isEmpty, !call.star, call.filter == nil, call.over == nil,
           SQLFunctionCall.niladicNames.contains(call.name.parts[0].name.uppercased()) {
            return name(call.name)
        }
        var text = name(call.name) + "("
        if call.star {
            text += "*"
        } else {
            text += (call.distinct ? "DISTINCT " : "") + call.arguments.map { print($0) }.joined(separator: ", ")
        }
        text += ")"
        if let filter = call.filter { text += " FILTER (WHERE " + print(filter) + ")" }
        if let over = call.over {
            var parts: [String] = []
            if !over.partitionBy.isEmpty { parts.append("PARTITION BY " + over.partitionBy.map { print($0) }.joined(separator: ", ")) }
            if !over.orderBy.isEmpty { parts.append("ORDER BY " + orderItems(over.orderBy)) }
            if let frame = over.frame {
                parts.append(frame.unit.rawValue + " " + (frame.end.map { "BETWEEN " + bound(frame.start) + " AND " + bound($0) } ?? bound(frame.start)))
            }
            text += " OVER (" + parts.joined(separator: " ") + ")"
        }
        return text
    }

    static func bound(_ bound: SQLWindowFrame.Bound) -> String {
        switch bound {
        case .unboundedPreceding: return "UNBOUNDED PRECEDING"
        case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
        case .currentRow: return "CURRENT ROW"
        case .preceding(let offset): return print(offset, above: 6) + " PRECEDING"
        case .following(let offset): return print(offset, above: 6) + " FOLLOWING"
        }
    }

    // MARK: Types and names

    public static func print(_ type: SQLDataType) -> String {
        let length = { (name: String, value: Int?) in name + (value.map { "(\($0))" } ?? "") }
        var text: String
        switch type.kind {
        case .boolean: text = "BOOLEAN"
        case .tinyint: text = "TINYINT"
        case .smallint: text = "SMALLINT"
        case .int: text = "INT"
        case .bigint: text = "BIGINT"
        case .float: text = "FLOAT"
        case .double: text = "DOUBLE"
        case .decimal(let precision, let scale):
            text = "DECIMAL" + (precision.map { "(\($0)" + (scale.map { ", \($0)" } ?? "") + ")" } ?? "")
        case .char(let value): text = length("CHAR", value)
        case .varchar(let value): text = length("VARCHAR", value)
        case .string: text = "STRING"
        case .binary(let value): text = length("BINARY", value)
        case .varbinary(let value): text = length("VARBINARY", value)
        case .bytes: text = "BYTES"
        case .date: text = "DATE"
        case .time(let precision): text = length("TIME", precision)
        case .timestamp(let precision): text = length("TIMESTAMP", precision)
        case .timestampLocalTimeZone(let precision): text = length("TIMESTAMP_LTZ", precision)
        case .array(let element): text = "ARRAY<" + print(element) + ">"
        case .multiset(let element): text = "MULTISET<" + print(element) + ">"
        case .map(let key, let value): text = "MAP<" + print(key) + ", " + print(value) + ">"
        case .row(let fields) where fields.isEmpty:
            // Not ROW<>: the lexer reads `<>` as one operator.
            text = "ROW()"
        case .row(let fields):
            text = "ROW<" + fields.map { field in
                identifier(field.name) + " " + print(field.type) + (field.comment.map { " COMMENT " + string($0.value) } ?? "")
            }.joined(separator: ", ") + ">"
        }
        return type.nullable ? text : text + " NOT NULL"
    }

    public static func identifier(_ identifier: SQLIdentifier) -> String {
        identifier.quoted ? "`" + identifier.name.split(separator: "`", omittingEmptySubsequences: false).joined(separator: "``") + "`" : identifier.name
    }

    public static func name(_ name: SQLName) -> String { name.parts.map(identifier).joined(separator: ".") }

    public static func string(_ text: String) -> String { "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'" }
}
