/// The functions the analyzer knows, under their SQL names, with the types
/// they take and give. The planner maps each onto the expression kernels;
/// a name that is not here is an error unless CREATE FUNCTION declares it.
struct SQLBuiltinFunction: Sendable {
    enum Kind: Sendable, Equatable {
        case scalar
        /// COUNT, SUM, ...: allowed in SELECT and HAVING, with FILTER and OVER.
        case aggregate
        /// ROW_NUMBER, RANK, DENSE_RANK: only with OVER.
        case ranking
        /// TUMBLE, HOP, SESSION in GROUP BY (the legacy group windows).
        case groupWindow
        /// TUMBLE_START, HOP_END, SESSION_ROWTIME, ...: a group window's bounds.
        case groupWindowProperty
    }

    /// What a check of the arguments found.
    enum Outcome: Sendable {
        case result(SQLType, SQLTimeAttribute?)
        /// Argument `index` has the wrong type; `expected` says what fits.
        case mismatch(index: Int, expected: String)
    }

    let kind: Kind
    let arity: ClosedRange<Int>
    let check: @Sendable ([SQLType]) -> Outcome

    static func family(_ type: SQLType, _ families: SQLType.Family...) -> Bool {
        type.family == .any || families.contains(type.family)
    }

    /// A function whose arguments each belong to one of the given families
    /// (the last entry repeats), with a fixed result.
    static func simple(kind: Kind = .scalar, _ arity: ClosedRange<Int>, _ arguments: [[SQLType.Family]], _ names: [String],
                       result: @escaping @Sendable ([SQLType]) -> SQLType) -> SQLBuiltinFunction {
        SQLBuiltinFunction(kind: kind, arity: arity) { types in
            for (index, type) in types.enumerated() {
                let allowed = arguments.isEmpty ? [] : arguments[min(index, arguments.count - 1)]
                guard allowed.isEmpty || type.family == .any || allowed.contains(type.family) else {
                    return .mismatch(index: index, expected: names[min(index, names.count - 1)])
                }
            }
            return .result(result(types), nil)
        }
    }

    static let numeric: [SQLType.Family] = [.numeric]
    static let text: [SQLType.Family] = [.string]
    static let temporal: [SQLType.Family] = [.timestamp, .date, .time]
    static let any: [SQLType.Family] = []

    static let timeAttributeWindows: Set<String> = ["TUMBLE", "HOP", "SESSION"]

    static let table: [String: SQLBuiltinFunction] = {
        var table: [String: SQLBuiltinFunction] = [:]
        let first: @Sendable ([SQLType]) -> SQLType = { types in types.first ?? .null }
        let last: @Sendable ([SQLType]) -> SQLType = { types in types.last ?? .null }
        table["COUNT"] = simple(kind: .aggregate, 0...1, [any], ["a value"]) { _ in .bigint }
        // Flink's result types: SUM of DECIMAL(p, s) is DECIMAL(38, s), AVG
        // of it DECIMAL(38, max(6, s)) (LogicalTypeMerging.findSumAggType,
        // findAvgAggType); other numbers keep their type.
        table["SUM"] = simple(kind: .aggregate, 1...1, [numeric], ["a number"]) { types in
            guard case .decimal(_, let scale)? = types.first else { return types.first ?? .null }
            return .decimal(precision: 38, scale: scale)
        }
        table["AVG"] = simple(kind: .aggregate, 1...1, [numeric], ["a number"]) { types in
            guard case .decimal(_, let scale)? = types.first else { return types.first ?? .null }
            return .decimal(precision: 38, scale: max(6, scale))
        }
        for name in ["MIN", "MAX", "FIRST_VALUE", "LAST_VALUE"] {
            table[name] = simple(kind: .aggregate, 1...1, [[.numeric, .string, .timestamp, .date, .time, .boolean, .interval]],
                                 ["a value that orders"], result: first)
        }
        for name in ["ROW_NUMBER", "RANK", "DENSE_RANK"] {
            table[name] = simple(kind: .ranking, 0...0, [], []) { _ in .bigint }
        }
        // The legacy group windows: TUMBLE(time, size), HOP(time, slide, size), SESSION(time, gap).
        let windowArity: [String: ClosedRange<Int>] = ["TUMBLE": 2...3, "HOP": 3...4, "SESSION": 2...2]
        for (window, arity) in windowArity {
            let shape = simple(kind: .groupWindow, arity, [[.timestamp], [.interval]], ["a time attribute", "an interval"]) { _ in .timestamp(precision: 3) }
            table[window] = shape
            for property in ["START", "END"] {
                table[window + "_" + property] = SQLBuiltinFunction(kind: .groupWindowProperty, arity: arity) { types in
                    if case .mismatch(let index, let expected) = shape.check(types) { return .mismatch(index: index, expected: expected) }
                    return .result(.timestamp(precision: 3), nil)
                }
            }
            table[window + "_ROWTIME"] = SQLBuiltinFunction(kind: .groupWindowProperty, arity: arity) { types in
                if case .mismatch(let index, let expected) = shape.check(types) { return .mismatch(index: index, expected: expected) }
                return .result(.timestamp(precision: 3), .rowtime)
            }
            table[window + "_PROCTIME"] = SQLBuiltinFunction(kind: .groupWindowProperty, arity: arity) { types in
                if case .mismatch(let index, let expected) = shape.check(types) { return .mismatch(index: index, expected: expected) }
                return .result(.timestampLocalTimeZone(precision: 3), .proctime)
            }
        }
        table["DATE_FORMAT"] = simple(2...2, [[.timestamp, .string], text], ["a timestamp", "a format string"]) { _ in .string(length: nil) }
        for name in ["YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK", "HOUR", "MINUTE", "SECOND"] {
            table[name] = simple(1...1, [temporal], ["a date or a time"]) { _ in .bigint }
        }
        table["MOD"] = simple(2...2, [numeric], ["a number"], result: last)
        for name in ["ABS", "FLOOR", "CEIL", "CEILING"] {
            table[name] = simple(1...1, [numeric], ["a number"], result: first)
        }
        table["ROUND"] = simple(1...2, [numeric], ["a number"], result: first)
        table["POWER"] = simple(2...2, [numeric], ["a number"]) { _ in .double }
        for name in ["SQRT", "LN", "LOG10", "EXP", "RAND"] {
            table[name] = simple(name == "RAND" ? 0...1 : 1...1, [numeric], ["a number"]) { _ in .double }
        }
        table["REGEXP_EXTRACT"] = simple(2...3, [text, text, numeric], ["a string", "a regular expression", "a group number"]) { _ in .string(length: nil) }
        table["REGEXP_REPLACE"] = simple(3...3, [text], ["a string"]) { _ in .string(length: nil) }
        table["REGEXP"] = simple(2...2, [text], ["a string"]) { _ in .boolean }
        table["SPLIT_INDEX"] = simple(3...3, [text, text, numeric], ["a string", "a separator", "an index"]) { _ in .string(length: nil) }
        for name in ["CHAR_LENGTH", "CHARACTER_LENGTH"] {
            table[name] = simple(1...1, [text], ["a string"]) { _ in .int }
        }
        for name in ["UPPER", "LOWER", "TRIM", "LTRIM", "RTRIM", "INITCAP", "MD5", "REVERSE"] {
            table[name] = simple(1...1, [text], ["a string"]) { _ in .string(length: nil) }
        }
        table["CONCAT"] = simple(1...254, [text], ["a string"]) { _ in .string(length: nil) }
        table["CONCAT_WS"] = simple(2...254, [text], ["a string"]) { _ in .string(length: nil) }
        for name in ["SUBSTRING", "SUBSTR"] {
            table[name] = simple(2...3, [text, numeric], ["a string", "a position"]) { _ in .string(length: nil) }
        }
        table["REPLACE"] = simple(3...3, [text], ["a string"]) { _ in .string(length: nil) }
        table["TO_TIMESTAMP"] = simple(1...2, [text], ["a string"]) { _ in .timestamp(precision: 3) }
        table["TO_TIMESTAMP_LTZ"] = simple(2...2, [numeric], ["a number"]) { _ in .timestampLocalTimeZone(precision: 3) }
        table["UNIX_TIMESTAMP"] = simple(0...2, [text], ["a string"]) { _ in .bigint }
        table["FROM_UNIXTIME"] = simple(1...2, [numeric, text], ["a number", "a format string"]) { _ in .string(length: nil) }
        table["CURRENT_TIMESTAMP"] = simple(0...0, [], []) { _ in .timestampLocalTimeZone(precision: 3) }
        table["NOW"] = table["CURRENT_TIMESTAMP"]
        table["LOCALTIMESTAMP"] = simple(0...0, [], []) { _ in .timestamp(precision: 3) }
        table["CURRENT_DATE"] = simple(0...0, [], []) { _ in .date }
        table["CURRENT_TIME"] = simple(0...0, [], []) { _ in .time(precision: 0) }
        table["LOCALTIME"] = table["CURRENT_TIME"]
        table["PROCTIME"] = SQLBuiltinFunction(kind: .scalar, arity: 0...0) { _ in .result(.timestampLocalTimeZone(precision: 3), .proctime) }
        table["CARDINALITY"] = simple(1...1, [[.collection]], ["an array, a multiset or a map"]) { _ in .int }
        for name in ["COALESCE", "IFNULL", "NULLIF"] {
            let arity: ClosedRange<Int> = name == "COALESCE" ? 1...254 : 2...2
            table[name] = SQLBuiltinFunction(kind: .scalar, arity: arity) { types in
                let known = types.first { $0.family != .any } ?? .null
                if let index = types.firstIndex(where: { !$0.fits(known) }) {
                    return .mismatch(index: index, expected: "a value of the first argument's kind (\(known))")
                }
                return .result(known, nil)
            }
        }
        table["IF"] = SQLBuiltinFunction(kind: .scalar, arity: 3...3) { types in
            guard family(types[0], .boolean) else { return .mismatch(index: 0, expected: "a condition (BOOLEAN)") }
            guard types[1].fits(types[2]) else { return .mismatch(index: 2, expected: "a value of the same kind as the second (\(types[1]))") }
            return .result(types[1].family == .any ? types[2] : types[1], nil)
        }
        table["ROW"] = SQLBuiltinFunction(kind: .scalar, arity: 1...254) { types in
            .result(.row(types.enumerated().map { .init(name: "EXPR$\($0.offset)", type: $0.element) }), nil)
        }
        return table
    }()
}
