/// Types of expressions: columns resolved through the scopes, operators
/// and functions checked against their operands.
extension SQLAnalyzer {
    func type(_ expression: SQLExpression, _ environment: Environment, _ context: Context) throws(SQLError) -> Typed {
        switch expression.kind {
        case .column(let name):
            return try column(name, environment)
        case .number(let text):
            return Typed(try numberType(text, at: expression.position))
        case .string:
            return Typed(.string(length: nil))
        case .boolean:
            return Typed(.boolean)
        case .null:
            return Typed(.null)
        case .interval(let interval):
            return Typed(interval.start == .year || interval.start == .month ? .intervalYearMonth : .intervalDayTime)
        case .typedLiteral(let type, _):
            return Typed(SQLType(type))
        case .unary(let op, let operand):
            let typed = try type(operand, environment, context)
            if op == .not {
                try require(typed.type, [.boolean], operand, "NOT needs a condition (BOOLEAN)")
                return Typed(.boolean)
            }
            try require(typed.type, [.numeric, .interval], operand, "a sign (\(op.rawValue)) needs a number or an interval")
            return Typed(typed.type)
        case .binary(let op, let left, let right):
            return try binary(op, left, right, expression, environment, context)
        case .isTest(let operand, let test, _):
            let typed = try type(operand, environment, context)
            if test != .null { try require(typed.type, [.boolean], operand, "IS \(test.rawValue) needs a condition (BOOLEAN)") }
            return Typed(.boolean)
        case .between(let operand, let low, let high, _):
            let value = try type(operand, environment, context)
            for bound in [low, high] {
                let typed = try type(bound, environment, context)
                guard value.type.fits(typed.type) else {
                    throw fail(.typeMismatch, bound.position, "cannot compare \(quote(operand)) (\(value.type)) with \(quote(bound)) (\(typed.type)) in BETWEEN")
                }
            }
            return Typed(.boolean)
        case .like(let operand, let pattern, let escape, _):
            for part in [operand, pattern] + (escape.map { [$0] } ?? []) {
                try require(try type(part, environment, context).type, [.string], part, "LIKE works on strings")
            }
            return Typed(.boolean)
        case .inList(let operand, let items, _):
            let value = try type(operand, environment, context)
            for item in items {
                let typed = try type(item, environment, context)
                guard value.type.fits(typed.type) else {
                    throw fail(.typeMismatch, item.position, "cannot compare \(quote(operand)) (\(value.type)) with \(quote(item)) (\(typed.type)) in IN")
                }
            }
            return Typed(.boolean)
        case .inQuery(let operand, let query, _):
            let value = try type(operand, environment, context)
            let columns = try self.query(query, environment)
            guard columns.count == 1 else {
                throw fail(.typeMismatch, query.position, "the query of IN must return one column; it returns \(columns.count)")
            }
            guard value.type.fits(columns[0].type) else {
                throw fail(.typeMismatch, operand.position, "cannot compare \(quote(operand)) (\(value.type)) with the query's \(columns[0].name) (\(columns[0].type)) in IN")
            }
            return Typed(.boolean)
        case .exists(let query):
            _ = try self.query(query, environment)
            return Typed(.boolean)
        case .scalarQuery(let query):
            let columns = try self.query(query, environment)
            guard columns.count == 1 else {
                throw fail(.typeMismatch, query.position, "a subquery used as a value must return one column; it returns \(columns.count)")
            }
            return Typed(columns[0].type)
        case .caseWhen(let operand, let whens, let otherwise):
            let subject = try operand.map { (value: SQLExpression) throws(SQLError) in try type(value, environment, context) }
            var result: SQLType = .null
            for when in whens {
                let condition = try type(when.condition, environment, context)
                if let subject, let operand {
                    guard subject.type.fits(condition.type) else {
                        throw fail(.typeMismatch, when.condition.position,
                                   "cannot compare \(quote(operand)) (\(subject.type)) with \(quote(when.condition)) (\(condition.type)) in CASE")
                    }
                } else {
                    try require(condition.type, [.boolean], when.condition, "WHEN needs a condition (BOOLEAN)")
                }
                result = try combine(result, try type(when.result, environment, context).type, when.result)
            }
            if let otherwise { result = try combine(result, try type(otherwise, environment, context).type, otherwise) }
            return Typed(result)
        case .cast(let value, let target, _):
            _ = try type(value, environment, context)
            return Typed(SQLType(target))
        case .extract(_, let value):
            try require(try type(value, environment, context).type, [.timestamp, .date, .time, .interval], value, "EXTRACT needs a date, a time or an interval")
            return Typed(.bigint)
        case .call(let call):
            return try self.call(call, expression, environment, context)
        case .namedArgument(let name, _):
            throw fail(.invalid, name.position, "named arguments (\(name.name) => ...) belong to the window functions in FROM TABLE(...)")
        case .tableArgument, .descriptor:
            throw fail(.invalid, expression.position, "\(quote(expression)) is an argument of a window function in FROM TABLE(...)")
        case .array(let items):
            var element: SQLType = .null
            for item in items { element = try combine(element, try type(item, environment, context).type, item) }
            return Typed(.array(element))
        case .map(let items):
            var key: SQLType = .null
            var value: SQLType = .null
            for (index, item) in items.enumerated() {
                let typed = try type(item, environment, context).type
                if index % 2 == 0 { key = try combine(key, typed, item) } else { value = try combine(value, typed, item) }
            }
            return Typed(.map(key: key, value: value))
        case .subscript(let base, let index):
            let container = try type(base, environment, context).type
            let key = try type(index, environment, context).type
            switch container {
            case .array(let element):
                try require(key, [.numeric], index, "an array's index is a number")
                return Typed(element)
            case .map(let keyType, let valueType):
                guard key.fits(keyType) else { throw fail(.typeMismatch, index.position, "this map's keys are \(keyType); \(quote(index)) is \(key)") }
                return Typed(valueType)
            case .null, .unknown:
                return Typed(.unknown)
            default:
                throw fail(.typeMismatch, base.position, "\(quote(base)) is \(container); only arrays and maps take [...]")
            }
        }
    }

    func require(_ type: SQLType, _ families: [SQLType.Family], _ expression: SQLExpression, _ rule: String) throws(SQLError) {
        guard type.family == .any || families.contains(type.family) else {
            throw fail(.typeMismatch, expression.position, "\(rule); \(quote(expression)) is \(type)")
        }
    }

    /// The type of CASE's or ARRAY's values so far and one more.
    func combine(_ current: SQLType, _ next: SQLType, _ expression: SQLExpression) throws(SQLError) -> SQLType {
        guard current.fits(next) else {
            throw fail(.typeMismatch, expression.position, "\(quote(expression)) is \(next) but the values before it are \(current)")
        }
        if current.family == .any { return next }
        if current.isNumeric, next.isNumeric, next.numericRank > current.numericRank { return next }
        return current
    }

    func numberType(_ text: String, at position: SQLPosition) throws(SQLError) -> SQLType {
        if text.contains("e") || text.contains("E") { return .double }
        let digits = text.filter(\.isASCIIDigit)
        if let dot = text.firstIndex(of: ".") {
            let scale = text[text.index(after: dot)...].count
            guard digits.count <= 38 else { throw fail(.typeMismatch, position, "\(text) has more than 38 digits, the most a DECIMAL holds") }
            return .decimal(precision: max(digits.count, 1), scale: scale)
        }
        if Int32(text) != nil { return .int }
        if Int64(text) != nil { return .bigint }
        guard digits.count <= 38 else { throw fail(.typeMismatch, position, "\(text) has more than 38 digits, the most a DECIMAL holds") }
        return .decimal(precision: digits.count, scale: 0)
    }

    func binary(_ op: SQLBinaryOperator, _ left: SQLExpression, _ right: SQLExpression, _ whole: SQLExpression,
                _ environment: Environment, _ context: Context) throws(SQLError) -> Typed {
        let l = try type(left, environment, context).type
        let r = try type(right, environment, context).type
        let mismatch = { (verb: String) -> SQLError in
            self.fail(.typeMismatch, whole.position, "cannot \(verb) \(self.quote(left)) (\(l)) and \(self.quote(right)) (\(r))")
        }
        switch op {
        case .and, .or:
            try require(l, [.boolean], left, "\(op.rawValue) needs conditions (BOOLEAN)")
            try require(r, [.boolean], right, "\(op.rawValue) needs conditions (BOOLEAN)")
            return Typed(.boolean)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard l.fits(r) else {
                throw fail(.typeMismatch, whole.position, "cannot compare \(quote(left)) (\(l)) with \(quote(right)) (\(r)): \(quote(whole)); CAST one side")
            }
            return Typed(.boolean)
        case .concatenate:
            guard SQLBuiltinFunction.family(l, .string), SQLBuiltinFunction.family(r, .string) else { throw mismatch("concatenate (||)") }
            return Typed(.string(length: nil))
        case .plus, .minus:
            if l.isNumeric, r.isNumeric { return Typed(arithmetic(op, l, r)) }
            if [.timestamp, .date, .time].contains(l.family), r.family == .interval || r.family == .any { return Typed(l) }
            if op == .plus, l.family == .interval, [.timestamp, .date, .time].contains(r.family) { return Typed(r) }
            if l.family == .interval, r.family == .interval { return Typed(l) }
            if l.family == .any || r.family == .any { return Typed(l.family == .any ? r : l) }
            throw mismatch(op == .plus ? "add" : "subtract")
        case .multiply, .divide, .modulo:
            if l.isNumeric, r.isNumeric { return Typed(arithmetic(op, l, r)) }
            if op != .modulo, l.family == .interval, r.isNumeric { return Typed(l) }
            if op == .multiply, l.isNumeric, r.family == .interval { return Typed(r) }
            if l.family == .any || r.family == .any { return Typed(l.family == .any ? r : l) }
            throw mismatch(op == .multiply ? "multiply" : op == .divide ? "divide" : "take the remainder (%) of")
        }
    }

    /// The digits a type holds before and after the point, as a DECIMAL would.
    func decimalShape(_ type: SQLType) -> (precision: Int, scale: Int) {
        switch type {
        case .tinyint: return (3, 0)
        case .smallint: return (5, 0)
        case .int: return (10, 0)
        case .bigint: return (19, 0)
        case .decimal(let precision, let scale): return (precision, scale)
        default: return (38, 0)
        }
    }

    /// The result type of arithmetic on two numbers (Flink's rules for
    /// DECIMAL, the wider type otherwise).
    func arithmetic(_ op: SQLBinaryOperator, _ l: SQLType, _ r: SQLType) -> SQLType {
        let wider = l.numericRank >= r.numericRank ? l : r
        guard case .decimal = wider else {
            return op == .modulo ? r : wider
        }
        if l.family == .numeric, (l == .float || l == .double || r == .float || r == .double) { return .double }
        let (p1, s1) = decimalShape(l)
        let (p2, s2) = decimalShape(r)
        switch op {
        case .plus, .minus:
            let scale = max(s1, s2)
            return .decimal(precision: min(38, max(p1 - s1, p2 - s2) + scale + 1), scale: scale)
        case .multiply:
            return .decimal(precision: min(38, p1 + p2), scale: min(38, s1 + s2))
        case .divide:
            let scale = min(38, max(6, s1 + p2 + 1))
            return .decimal(precision: min(38, p1 - s1 + s2 + scale), scale: scale)
        default:
            return r
        }
    }

    // MARK: Columns

    /// A column, or a field of a ROW column, through the scopes.
    func column(_ name: SQLName, _ environment: Environment) throws(SQLError) -> Typed {
        let parts = name.parts
        for scope in environment.scopes.reversed() {
            if parts.count >= 2, let source = scope.first(where: { $0.alias == parts[0].name }) {
                guard let column = source.columns.first(where: { $0.name == parts[1].name }) else {
                    throw fail(.unknownColumn, parts[1].position,
                               "unknown column \(parts[1].name) in \(parts[0].name); it has \(Self.list(source.columns.map(\.name)))")
                }
                return try fields(column, parts.dropFirst(2))
            }
            let matches = scope.filter { $0.columns.contains { $0.name == parts[0].name } }
            if matches.count > 1 {
                let owners = matches.map { $0.alias ?? "a subquery" }
                throw fail(.invalid, name.position,
                           "column \(parts[0].name) is ambiguous: \(owners.joined(separator: " and ")) both have it; qualify it (\(owners[0]).\(parts[0].name))")
            }
            if let source = matches.first {
                return try fields(source.columns.first { $0.name == parts[0].name }!, parts.dropFirst())
            }
        }
        let inScope = environment.scopes.last ?? []
        let known = inScope.flatMap(\.columns).map(\.name)
        if inScope.isEmpty {
            throw fail(.unknownColumn, name.position, "unknown column \(name.dotted): the query has no FROM")
        }
        throw fail(.unknownColumn, name.position, "unknown column \(name.dotted); the tables in FROM have \(Self.list(known))")
    }

    /// `column.field.field`: the fields of ROW types.
    func fields(_ column: SQLColumn, _ path: ArraySlice<SQLIdentifier>) throws(SQLError) -> Typed {
        var type = column.type
        var described = column.name
        for part in path {
            guard case .row(let rowFields) = type else {
                throw fail(.unknownColumn, part.position, "\(described) is \(type), not a ROW, so it has no field \(part.name)")
            }
            guard let field = rowFields.first(where: { $0.name == part.name }) else {
                throw fail(.unknownColumn, part.position, "\(described) has no field \(part.name); its fields are \(Self.list(rowFields.map(\.name)))")
            }
            type = field.type
            described += "." + part.name
        }
        return Typed(type, path.isEmpty ? column.timeAttribute : nil)
    }

    // MARK: Calls

    func call(_ call: SQLFunctionCall, _ expression: SQLExpression, _ environment: Environment, _ context: Context) throws(SQLError) -> Typed {
        let name = call.name.dotted.uppercased()
        let position = call.name.position
        guard let builtin = SQLBuiltinFunction.table[name] else {
            guard catalog.functions[name] != nil else {
                if SQLAnalyzer.windowParameters[name] != nil, name == "CUMULATE" {
                    throw fail(.invalid, position, "CUMULATE is a window function of FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(time), step, size))")
                }
                throw fail(.unknownFunction, position,
                           "unknown function \(call.name.dotted); the known functions are "
                               + SQLBuiltinFunction.table.keys.sorted().joined(separator: ", ")
                               + "; declare a native one with CREATE FUNCTION \(call.name.dotted) AS 'symbol' LANGUAGE C USING LIBRARY 'library.so'")
            }
            guard call.filter == nil, call.over == nil, !call.distinct, !call.star else {
                throw fail(.invalid, position, "\(call.name.dotted) is a scalar function: no *, DISTINCT, FILTER or OVER")
            }
            for argument in call.arguments { _ = try type(argument, environment, context) }
            return Typed(.unknown)
        }
        switch builtin.kind {
        case .aggregate:
            guard context.aggregates || call.over != nil else {
                throw fail(.invalid, position, "aggregate \(call.name.dotted) is not allowed in \(context.clause)\(context.clause == "WHERE" ? "; filter groups in HAVING" : "")")
            }
            guard !context.insideAggregate else {
                throw fail(.invalid, position, "aggregate \(call.name.dotted) inside another aggregate")
            }
        case .ranking:
            guard call.over != nil else { throw fail(.invalid, position, "\(call.name.dotted) needs OVER (PARTITION BY ... ORDER BY ...)") }
        case .groupWindow:
            guard context.groupWindows else {
                throw fail(.invalid, position, "\(call.name.dotted)(...) groups rows: it belongs in GROUP BY (or use FROM TABLE(\(call.name.dotted)(TABLE t, DESCRIPTOR(time), ...)))")
            }
        case .scalar, .groupWindowProperty:
            break
        }
        if call.star, name != "COUNT" { throw fail(.invalid, position, "only COUNT takes *") }
        if call.distinct, builtin.kind != .aggregate { throw fail(.invalid, position, "DISTINCT is for aggregates; \(call.name.dotted) is not one") }
        if call.filter != nil, builtin.kind != .aggregate { throw fail(.invalid, position, "FILTER is for aggregates; \(call.name.dotted) is not one") }
        if call.over != nil, builtin.kind != .aggregate, builtin.kind != .ranking {
            throw fail(.invalid, position, "OVER is for aggregates and ranking functions; \(call.name.dotted) is neither")
        }
        guard builtin.arity.contains(call.arguments.count) else {
            let range = builtin.arity.lowerBound == builtin.arity.upperBound ? "\(builtin.arity.lowerBound)"
                : "\(builtin.arity.lowerBound) to \(builtin.arity.upperBound)"
            throw fail(.typeMismatch, position, "\(call.name.dotted) takes \(range) argument\(builtin.arity.upperBound == 1 ? "" : "s"), not \(call.arguments.count)")
        }
        var inner = context
        inner.groupWindows = false
        if builtin.kind == .aggregate, call.over == nil { inner.insideAggregate = true }
        var types: [Typed] = []
        for argument in call.arguments { types.append(try type(argument, environment, inner)) }
        if builtin.kind == .groupWindow || builtin.kind == .groupWindowProperty, let time = types.first, time.timeAttribute == nil {
            throw fail(.invalid, call.arguments[0].position,
                       "\(call.name.dotted) needs a time attribute as its first argument, and \(quote(call.arguments[0])) (\(time.type)) is none: declare a WATERMARK for it in its table, or use PROCTIME()")
        }
        if let filter = call.filter { try requireCondition(filter, environment, Context(clause: "FILTER (WHERE ...)")) }
        if let over = call.over {
            let window = Context(clause: "OVER (...)")
            for partition in over.partitionBy { _ = try type(partition, environment, window) }
            for order in over.orderBy { _ = try type(order.expression, environment, window) }
        }
        switch builtin.check(types.map(\.type)) {
        case .result(let type, let attribute):
            return Typed(type, attribute)
        case .mismatch(let index, let expected):
            throw fail(.typeMismatch, call.arguments[index].position,
                       "argument \(index + 1) of \(call.name.dotted) is \(expected); \(quote(call.arguments[index])) is \(types[index].type)")
        }
    }
}
