import TimeText

/// SQL functions under their Flink names, mapped onto the expression
/// language's (docs/SQL.md lists them).
extension SQLExpressionTranslator {
    /// SQL name -> expression-language function taking the same arguments.
    static let sameArguments: [String: String] = [
        "UPPER": "upper", "LOWER": "lower", "TRIM": "trim", "CHAR_LENGTH": "length", "CHARACTER_LENGTH": "length",
        "CONCAT": "concat", "SUBSTRING": "substring", "SUBSTR": "substring", "REPLACE": "replace",
        "REGEXP_EXTRACT": "regex_extract", "REGEXP_REPLACE": "regex_replace", "ABS": "abs", "ROUND": "round",
        "FLOOR": "floor", "CEIL": "ceil", "CEILING": "ceil", "COALESCE": "coalesce", "IF": "if",
    ]

    /// The SQL functions a query may call, for docs and messages.
    static var mappedFunctions: [String] {
        (Array(sameArguments.keys) + ["PROCTIME", "CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP", "MOD", "IFNULL", "NULLIF",
                                      "REGEXP", "SPLIT_INDEX", "DATE_FORMAT", "TO_TIMESTAMP",
                                      "YEAR", "MONTH", "DAYOFMONTH", "HOUR", "MINUTE", "SECOND"]).sorted()
    }

    func call(_ call: SQLFunctionCall, _ expression: SQLExpression) throws(SQLError) -> Translated {
        let name = call.name.dotted.uppercased()
        if call.over != nil {
            throw fail(expression.position, "\(call.name.dotted)(...) OVER (...) is not supported yet (OVER windows need update streams or row-by-row state)")
        }
        if let builtin = SQLBuiltinFunction.table[name], builtin.kind != .scalar {
            switch builtin.kind {
            case .aggregate:
                throw fail(expression.position, "the aggregate \(call.name.dotted) is supported only in a GROUP BY with a window (TUMBLE, HOP, SESSION or a window TVF)")
            case .groupWindowProperty:
                throw fail(expression.position, "\(call.name.dotted) must name the window of this query's GROUP BY")
            default:
                throw fail(expression.position, "\(call.name.dotted) is not supported here")
            }
        }
        func arguments() throws(SQLError) -> [String] {
            var out: [String] = []
            for argument in call.arguments { out.append(try translate(argument).text) }
            return out
        }
        if let mapped = Self.sameArguments[name] {
            var timed = false
            if name == "COALESCE" || name == "IF", try isTimestamp(expression) {
                for (index, argument) in call.arguments.enumerated() where !(name == "IF" && index == 0) {
                    if try translate(argument).millis { timed = true }
                }
            }
            if timed {
                var parts: [String] = []
                for (index, argument) in call.arguments.enumerated() {
                    parts.append(try operand(argument, !(name == "IF" && index == 0)))
                }
                return Translated(text: "\(mapped)(\(parts.joined(separator: ", ")))", millis: true)
            }
            return Translated(text: "\(mapped)(\(try arguments().joined(separator: ", ")))")
        }
        switch name {
        case "PROCTIME", "CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP":
            // The wall clock when the row is computed; a window over a
            // PROCTIME() column windows by the window step's own clock. In
            // a streaming query Flink evaluates the other three per row too
            // (UTC: the session time zone here); they are no time attribute.
            return Translated(text: Self.processingTime, millis: true)
        case "MOD":
            let parts = try arguments()
            return Translated(text: "(\(parts[0]) % \(parts[1]))")
        case "IFNULL":
            return Translated(text: "coalesce(\(try arguments().joined(separator: ", ")))")
        case "NULLIF":
            let parts = try arguments()
            return Translated(text: "case when \(parts[0]) = \(parts[1]) then null else \(parts[0]) end")
        case "REGEXP":
            return Translated(text: "regex_match(\(try arguments().joined(separator: ", ")))")
        case "SPLIT_INDEX":
            // Flink's index is 0-based; a missing part is null.
            guard case .number(let digits) = call.arguments[2].kind, let index = Int(digits) else {
                throw fail(call.arguments[2].position, "SPLIT_INDEX needs its index as a whole-number literal here")
            }
            let parts = try arguments()
            return Translated(text: "split(\(parts[0]), \(parts[1]))[\(index)]")
        case "DATE_FORMAT":
            guard case .string(let pattern) = call.arguments[1].kind else {
                throw fail(call.arguments[1].position, "DATE_FORMAT needs its format as a string literal here")
            }
            for letter in pattern where letter.isLetter && !"yMdHmsS".contains(letter) {
                throw fail(call.arguments[1].position,
                           "DATE_FORMAT: the pattern letter \(letter) is not supported (yyyy MM dd HH mm ss SSS are)")
            }
            let time = try millis(call.arguments[0])
            return Translated(text: "format_time(\(time), \(Self.quote(pattern)))")
        case "TO_TIMESTAMP":
            let parts = try arguments()
            let pattern = parts.count > 1 ? parts[1] : Self.quote(Self.timestampPattern)
            return Translated(text: "parse_time(\(parts[0]), \(pattern))", millis: true)
        case "YEAR", "MONTH", "DAYOFMONTH", "HOUR", "MINUTE", "SECOND":
            return Translated(text: try Self.timePart(name, try millis(call.arguments[0])))
        default:
            if SQLBuiltinFunction.table[name] != nil {
                throw fail(call.name.position, "the function \(call.name.dotted) is not supported yet; supported: \(Self.mappedFunctions.joined(separator: ", "))")
            }
            guard let function = analyzer.catalog.functions[name] else {
                preconditionFailure("the analyzer let through an undeclared function \(call.name.dotted)")
            }
            return try declaredCall(call, function)
        }
    }
}

/// Timestamps and intervals of SQL text, in ms since the epoch (UTC).
enum SQLTimestamps {
    /// `yyyy-MM-dd HH:mm:ss[.fff]` (a `T` instead of the space too), UTC.
    static func millis(_ text: String) -> Int64? {
        guard let ms = TimeText.epochMilliseconds(text), text.contains("-") else { return nil }
        return ms
    }

    /// A day-time interval's length in ms (`INTERVAL '1' HOUR` = 3600000);
    /// nil for year-month intervals, whose length depends on the date.
    static func millis(_ interval: SQLInterval) -> Int64? {
        let start = interval.start
        guard start != .year, start != .month else { return nil }
        var text = Substring(interval.text)
        var negative = interval.negative
        if text.first == "-" { negative.toggle(); text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        // Fields from the start unit down, split at ' ' and ':'.
        let units: [SQLTimeUnit] = [.day, .hour, .minute, .second]
        let first = units.firstIndex(of: start)!
        let last = units.firstIndex(of: interval.end ?? start)!
        let fields = text.split(whereSeparator: { $0 == " " || $0 == ":" })
        guard fields.count == last - first + 1 else { return nil }
        let unitMs: [Int64] = [86_400_000, 3_600_000, 60_000, 1000]
        var total: Int64 = 0
        for (offset, field) in fields.enumerated() {
            let unit = first + offset
            if units[unit] == .second, let dot = field.firstIndex(of: ".") {
                guard let whole = Int64(field[..<dot]) else { return nil }
                let fraction = String(field[field.index(after: dot)...].prefix(3))
                let padded = fraction + String(repeating: "0", count: 3 - fraction.count)
                guard let ms = Int64(padded) else { return nil }
                total += whole * 1000 + ms
            } else {
                guard let value = Int64(field) else { return nil }
                let (product, overflow) = value.multipliedReportingOverflow(by: unitMs[unit])
                guard !overflow else { return nil }
                total += product
            }
        }
        return negative ? -total : total
    }
}
