/// Interval joins: `a JOIN b ON a.id = b.id AND a.ts BETWEEN b.ts -
/// INTERVAL '1' HOUR AND b.ts` (or the same in WHERE after `FROM a, b`)
/// become `key_by` on both sides and the `join` operator, whose records
/// are `{"left": A, "right": B}`.
///
/// The equalities between the two sides are the key; the comparisons of
/// the two time attributes (each ± an interval) the bounds of
/// `right.ts - left.ts`; every other condition a `filter` after the join.
/// A join with no time condition is a regular inner join
/// (`SQLPlanner+RegularJoin.swift`); one with a bound on one side only is
/// refused as not yet supported.
extension SQLPlanner {
    enum JoinSide { case left, right }

    mutating func planJoin(_ kind: SQLJoinKind, _ left: SQLTableReference, _ right: SQLTableReference,
                           _ condition: SQLJoinCondition?, whereClause: SQLExpression?, at position: SQLPosition) throws(SQLError) -> From {
        switch kind {
        case .inner, .comma:
            break
        case .cross:
            throw unsupported(position, "CROSS JOIN (a join needs an equality of the two sides and time bounds)")
        case .left, .right, .full:
            throw unsupported(position, "\(kind.rawValue) (outer joins give update streams)")
        }
        for side in [left, right] {
            if case .join = side.kind { throw unsupported(side.position, "a join of more than two inputs") }
        }
        let leftFrom = try planFrom(left, whereClause: nil)
        let rightFrom = try planFrom(right, whereClause: nil)
        for from in [leftFrom, rightFrom] {
            if let window = from.window { throw unsupported(window.call.name.position, "a window function as an input of a join") }
        }
        let leftTranslator = SQLExpressionTranslator(analyzer: analyzer, columns: leftFrom.stream.columns, context: .init(clause: "ON"))
        let rightTranslator = SQLExpressionTranslator(analyzer: analyzer, columns: rightFrom.stream.columns, context: .init(clause: "ON"))

        // The conditions: ON's, or WHERE's for a comma join.
        var conditions: [SQLExpression] = []
        var fromWhere = false
        switch condition {
        case .on(let expression):
            conditions = Self.conjuncts(expression)
        case .using(let names):
            for name in names {
                let l = SQLExpression(.column(SQLName([SQLIdentifier(leftFrom.stream.columns.first?.qualifier ?? "", at: name.position), name])),
                                      at: name.position)
                let r = SQLExpression(.column(SQLName([SQLIdentifier(rightFrom.stream.columns.first?.qualifier ?? "", at: name.position), name])),
                                      at: name.position)
                conditions.append(SQLExpression(.binary(.equal, l, r), at: name.position))
            }
        case nil:
            conditions = Self.conjuncts(whereClause)
            fromWhere = true
        }

        /// Which sides an expression's columns come from.
        func sides(_ expression: SQLExpression) -> Set<JoinSide> {
            var found: Set<JoinSide> = []
            func walk(_ expression: SQLExpression) {
                if case .column(let name) = expression.kind {
                    if (try? leftTranslator.resolve(name)) != nil { found.insert(.left) }
                    if (try? rightTranslator.resolve(name)) != nil { found.insert(.right) }
                }
                for child in expression.children { walk(child) }
            }
            walk(expression)
            return found
        }
        /// A side's record time plus a constant, or nil.
        func linear(_ expression: SQLExpression) -> (JoinSide, Int64)? {
            switch expression.kind {
            case .column(let name):
                let inLeft = try? leftTranslator.resolve(name)
                let inRight = try? rightTranslator.resolve(name)
                if let (column, fields) = inLeft, inRight == nil, fields.isEmpty, column.isRecordTime { return (.left, 0) }
                if let (column, fields) = inRight, inLeft == nil, fields.isEmpty, column.isRecordTime { return (.right, 0) }
                return nil
            case .binary(let op, let base, let shift) where op == .plus || op == .minus:
                if case .interval(let interval) = shift.kind, let ms = SQLTimestamps.millis(interval), let (side, offset) = linear(base) {
                    return (side, op == .plus ? offset + ms : offset - ms)
                }
                if op == .plus, case .interval(let interval) = base.kind, let ms = SQLTimestamps.millis(interval),
                   let (side, offset) = linear(shift) {
                    return (side, offset + ms)
                }
                return nil
            default:
                return nil
            }
        }

        var keys: [(SQLExpression, SQLExpression)] = []
        var lower: Int64?
        var upper: Int64?
        var residual: [SQLExpression] = []
        var consumed: Set<String> = []
        /// `a op b` as bounds of right.ts - left.ts, if it is one.
        func bound(_ a: SQLExpression, _ op: SQLBinaryOperator, _ b: SQLExpression) -> Bool {
            guard let (sideA, offsetA) = linear(a), let (sideB, offsetB) = linear(b), sideA != sideB else { return false }
            // As left + x op right + y.
            var op = op
            var (x, y) = (offsetA, offsetB)
            if sideA == .right {
                (x, y) = (offsetB, offsetA)
                switch op {
                case .less: op = .greater
                case .lessOrEqual: op = .greaterOrEqual
                case .greater: op = .less
                case .greaterOrEqual: op = .lessOrEqual
                default: break
                }
            }
            let difference = x - y
            func raiseLower(_ value: Int64) { lower = Swift.max(lower ?? value, value) }
            func dropUpper(_ value: Int64) { upper = Swift.min(upper ?? value, value) }
            switch op {
            case .lessOrEqual: raiseLower(difference)
            case .less: raiseLower(difference + 1)
            case .greaterOrEqual: dropUpper(difference)
            case .greater: dropUpper(difference - 1)
            case .equal: raiseLower(difference); dropUpper(difference)
            default: return false
            }
            return true
        }
        /// A side's PROCTIME() column (plus a constant), or nil.
        func processingTime(_ expression: SQLExpression) -> JoinSide? {
            switch expression.kind {
            case .column(let name):
                if let (column, fields) = try? leftTranslator.resolve(name), fields.isEmpty, column.timeAttribute == .proctime { return .left }
                if let (column, fields) = try? rightTranslator.resolve(name), fields.isEmpty, column.timeAttribute == .proctime { return .right }
                return nil
            case .binary(let op, let base, let shift) where op == .plus || op == .minus:
                if case .interval = shift.kind { return processingTime(base) }
                return nil
            default:
                return nil
            }
        }
        for condition in conditions {
            // Time bounds between the two sides' PROCTIME() columns would
            // make a processing-time interval join, which the join operator
            // (bounds on event time) is not.
            var operands: [SQLExpression] = []
            switch condition.kind {
            case .binary(let op, let a, let b) where [SQLBinaryOperator.equal, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op):
                operands = [a, b]
            case .between(let operand, let low, let high, _):
                operands = [operand, low, high]
            default:
                break
            }
            if Set(operands.compactMap(processingTime)).count == 2 {
                throw unsupported(condition.position,
                                  "a join bounded by processing time (PROCTIME() columns of both sides): the join operator bounds "
                                      + "event time; bound the join by the tables' WATERMARK columns")
            }
            var taken = false
            switch condition.kind {
            case .binary(.equal, let a, let b):
                let (sa, sb) = (sides(a), sides(b))
                if sa == [.left], sb == [.right], linear(a) == nil {
                    keys.append((a, b))
                    taken = true
                } else if sa == [.right], sb == [.left], linear(a) == nil {
                    keys.append((b, a))
                    taken = true
                } else {
                    taken = bound(a, .equal, b)
                }
            case .binary(let op, let a, let b) where [SQLBinaryOperator.less, .lessOrEqual, .greater, .greaterOrEqual].contains(op):
                taken = bound(a, op, b)
            case .between(let operand, let low, let high, false):
                if linear(operand) != nil, linear(low) != nil, linear(high) != nil {
                    taken = bound(operand, .greaterOrEqual, low) && bound(operand, .lessOrEqual, high)
                }
            default:
                break
            }
            if taken {
                consumed.insert(SQLExpressionTranslator.key(condition))
            } else if !fromWhere {
                residual.append(condition)
            }
        }
        guard !keys.isEmpty else {
            throw unsupported(position, "a join without an equality between a column of each side (the join is keyed by it)")
        }
        if lower == nil, upper == nil {
            // A regular inner join of two append-only inputs (see
            // `regularJoinBounds`).
            (lower, upper) = regularJoinBounds()
        }
        guard let lowerBound = lower, let upperBound = upper else {
            throw unsupported(position,
                              "a join with a bound on only one side of right.ts - left.ts (a.ts BETWEEN b.ts - INTERVAL ... AND b.ts + ... "
                                  + "bounds both; a join with no time condition is a regular join)")
        }
        guard lowerBound <= upperBound else {
            throw fail(.invalid, position, "the join's time bounds leave nothing: right - left time must be in [\(lowerBound), \(upperBound)] ms")
        }

        // Key both sides alike.
        var tails: [String] = []
        let simple = keys.count == 1 && [keys[0].0, keys[0].1].allSatisfy { expression in
            guard case .column(let name) = expression.kind else { return false }
            let translator = sides(expression) == [.left] ? leftTranslator : rightTranslator
            guard let (column, fields) = try? translator.resolve(name), fields.isEmpty, column.dottedPath != nil, !column.millis else { return false }
            return column.type.isNumeric ? [SQLType.tinyint, .smallint, .int, .bigint].contains(column.type) : column.type.family == .string
        }
        for (index, from) in [leftFrom, rightFrom].enumerated() {
            let translator = index == 0 ? leftTranslator : rightTranslator
            let expressions = keys.map { index == 0 ? $0.0 : $0.1 }
            var tail = from.stream.tail
            let keyField: String
            if simple, case .column(let name) = expressions[0].kind, let (column, _) = try? translator.resolve(name) {
                keyField = column.dottedPath!
            } else {
                keyField = temporary()
                var values: [String] = []
                for expression in expressions { values.append(try translator.value(expression)) }
                tail = add(.operator, "map", id: "join-key", config: [("set", .object([(keyField, .string(Self.compositeKey(values)))]))],
                           after: tail)
            }
            tails.append(add(.keyBy, keyField, id: "by-join-key", after: tail))
        }
        var tail = add(.operator, "join", id: "join", config: [("lower_ms", .integer(lowerBound)), ("upper_ms", .integer(upperBound))],
                       after: nil, inputs: tails)
        var columns: [SQLPlanColumn] = []
        for column in leftFrom.stream.columns {
            var joined = column
            joined.path = ["left"] + column.path
            joined.isRecordTime = false
            // The join stamps its records anew: no longer a window's results.
            joined.windowBound = nil
            columns.append(joined)
        }
        for column in rightFrom.stream.columns {
            var joined = column
            joined.path = ["right"] + column.path
            joined.isRecordTime = false
            // The join stamps its records anew: no longer a window's results.
            joined.windowBound = nil
            columns.append(joined)
        }
        if !residual.isEmpty {
            let translator = SQLExpressionTranslator(analyzer: analyzer, columns: columns, context: .init(clause: "ON"))
            var parts: [String] = []
            for condition in residual { parts.append(try translator.condition(condition)) }
            tail = add(.operator, "filter", id: "on", config: [("where", .string(parts.joined(separator: " and ")))], after: tail)
        }
        return From(stream: SQLPlanStream(tail: tail, columns: columns), window: nil, consumed: consumed)
    }
}
