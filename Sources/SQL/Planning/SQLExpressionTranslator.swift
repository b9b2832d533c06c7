/// Translates SQL expressions into the expression language of the
/// `filter` and `map` operators (docs/EXPRESSIONS.md), over the columns
/// of the records at one point of a pipeline.
///
/// Timestamps: a column keeps the text it was read with (a JSON string
/// such as "2026-01-01 10:00:00") when it is only passed on; where a
/// timestamp is computed with (compared, shifted by an interval,
/// formatted) it is taken in ms since the epoch — the record's own
/// timestamp (`event_time()`) for the column the source stamped records
/// from, else the text parsed as `yyyy-MM-dd HH:mm:ss` — and a computed
/// timestamp is written back as Flink's JSON format writes one.
struct SQLExpressionTranslator {
    /// An expression in the expression language.
    struct Translated {
        var text: String
        /// The value is a timestamp in ms since the epoch.
        var millis = false
        /// The value is the record's timestamp (a window's window_time).
        var recordTime = false
        /// The value is a window's start or end (window_start, window_end).
        var windowBound: SQLWindowBound?
    }

    let analyzer: SQLAnalyzer
    let columns: [SQLPlanColumn]
    /// What some expressions already are in the record, by their printed
    /// SQL: after a window, the grouping keys, aggregates and window bounds.
    var substitutions: [String: Translated] = [:]
    /// The clause, for the analyzer's rules (aggregates allowed or not).
    var context: SQLAnalyzer.Context
    /// After a window: `columns` only type expressions; a column that is
    /// not among the substitutions is not in the record any more.
    var opaqueColumns = false

    init(analyzer: SQLAnalyzer, columns: [SQLPlanColumn], context: SQLAnalyzer.Context) {
        self.analyzer = analyzer
        self.columns = columns
        self.context = context
    }

    /// TO_TIMESTAMP's default pattern (Flink's), without the fraction.
    static let timestampPattern = "yyyy-MM-dd HH:mm:ss"

    /// The key of an expression in `substitutions`: its printed SQL.
    static func key(_ expression: SQLExpression) -> String { SQLPrinter.print(expression) }

    func fail(_ position: SQLPosition, _ message: String) -> SQLError {
        analyzer.fail(.unsupported, position, message)
    }

    var environment: SQLAnalyzer.Environment {
        var sources: [SQLAnalyzer.Source] = []
        for column in columns {
            if let index = sources.firstIndex(where: { $0.alias == column.qualifier }) {
                sources[index].columns.append(column.analyzed)
            } else {
                sources.append(SQLAnalyzer.Source(alias: column.qualifier, columns: [column.analyzed]))
            }
        }
        return SQLAnalyzer.Environment(scopes: [sources])
    }

    func type(_ expression: SQLExpression) throws(SQLError) -> SQLType {
        try analyzer.type(expression, environment, context).type
    }

    /// The column a name refers to, and the ROW fields after it.
    func resolve(_ name: SQLName) throws(SQLError) -> (SQLPlanColumn, [String]) {
        let parts = name.parts.map(\.name)
        if opaqueColumns {
            throw analyzer.fail(.invalid, name.position,
                                "\(name.dotted) is neither grouped nor inside an aggregate, so it is not in the window's results")
        }
        if parts.count >= 2, let column = columns.first(where: { $0.qualifier == parts[0] && $0.name == parts[1] }) {
            return (column, Array(parts.dropFirst(2)))
        }
        if let column = columns.first(where: { $0.name == parts[0] }) {
            return (column, Array(parts.dropFirst()))
        }
        throw analyzer.fail(.unknownColumn, name.position,
                            "unknown column \(name.dotted); here the columns are \(SQLAnalyzer.list(columns.map(\.name)))")
    }

    // MARK: Entry points

    /// An expression whose value is written out (a SELECT item): a
    /// computed timestamp as text.
    func value(_ expression: SQLExpression) throws(SQLError) -> String {
        let translated = try translate(expression)
        return translated.millis ? Self.formatMillis(translated.text) : translated.text
    }

    /// PROCTIME() in the expression language.
    static let processingTime = "processing_time()"

    /// An expression that is a timestamp, in ms.
    func millis(_ expression: SQLExpression) throws(SQLError) -> String {
        if case .column(let name) = expression.kind, substitutions[Self.key(expression)] == nil {
            let (column, fields) = try resolve(name)
            if fields.isEmpty, column.isRecordTime { return "event_time()" }
        }
        let translated = try translate(expression)
        if translated.millis { return translated.text }
        return Self.parseMillis(translated.text)
    }

    /// Flink's timestamp text (`yyyy-MM-dd HH:mm:ss`, then `.` and one to
    /// three or more fraction digits, as formatMillis and Flink's JSON
    /// write it) as ms; fraction digits past the third are dropped
    /// (`timestamp_ms`, a byte kernel).
    static func parseMillis(_ text: String) -> String {
        "timestamp_ms(\(text))"
    }

    /// A condition (WHERE, ON, HAVING, FILTER).
    func condition(_ expression: SQLExpression) throws(SQLError) -> String {
        try translate(expression).text
    }

    /// ms as Flink's JSON format writes a TIMESTAMP(3): `yyyy-MM-dd
    /// HH:mm:ss`, with as many fraction digits as the ms need (none when
    /// they are 0) (`timestamp_text`, a byte kernel).
    static func formatMillis(_ text: String) -> String {
        "timestamp_text(\(text))"
    }

    static func quote(_ text: String) -> String { "'" + text.replacing("'", with: "''") + "'" }

    // MARK: Translation

    func translate(_ expression: SQLExpression) throws(SQLError) -> Translated {
        if let known = substitutions[Self.key(expression)] { return known }
        switch expression.kind {
        case .column(let name):
            let (column, fields) = try resolve(name)
            return Translated(text: SQLPlanColumn.expressionPath(column.path + fields), millis: column.millis && fields.isEmpty)
        case .number(let text):
            return Translated(text: text)
        case .string(let text):
            return Translated(text: Self.quote(text))
        case .boolean(let flag):
            return Translated(text: flag ? "true" : "false")
        case .null:
            return Translated(text: "null")
        case .typedLiteral(let type, let text):
            guard case .timestamp = type.kind else {
                throw fail(expression.position, "\(SQLPrinter.print(expression)): only TIMESTAMP literals are supported yet, not DATE or TIME")
            }
            guard let ms = SQLTimestamps.millis(text) else {
                throw analyzer.fail(.typeMismatch, expression.position, "TIMESTAMP '\(text)' is not a timestamp (yyyy-MM-dd HH:mm:ss[.fff])")
            }
            return Translated(text: String(ms), millis: true)
        case .interval:
            throw fail(expression.position, "an interval is supported only added to or subtracted from a timestamp (ts - INTERVAL '5' SECOND)")
        case .unary(let op, let operand):
            let inner = try translate(operand).text
            switch op {
            case .not: return Translated(text: "(not \(inner))")
            case .minus: return Translated(text: "(-\(inner))")
            case .plus: return Translated(text: inner)
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, expression)
        case .isTest(let operand, let test, let negated):
            let inner = try translate(operand).text
            switch test {
            case .null: return Translated(text: "(\(inner) is \(negated ? "not " : "")null)")
            case .unknown: return Translated(text: "(\(inner) is \(negated ? "not " : "")null)")
            case .true: return Translated(text: negated ? "(not coalesce(\(inner), false))" : "coalesce(\(inner), false)")
            case .false: return Translated(text: negated ? "coalesce(\(inner), true)" : "(not coalesce(\(inner), true))")
            }
        case .between(let operand, let low, let high, let negated):
            let timed = try isTimestamp(operand)
            let parts = try [operand, low, high].map { (part: SQLExpression) throws(SQLError) -> String in
                try self.operand(part, timed)
            }
            return Translated(text: "(\(parts[0]) \(negated ? "not " : "")between \(parts[1]) and \(parts[2]))")
        case .like(let operand, let pattern, let escape, let negated):
            guard case .string(let text) = pattern.kind else {
                throw fail(pattern.position, "LIKE needs its pattern as a string literal here")
            }
            var escapeCharacter: Character?
            if let escape {
                guard case .string(let escapeText) = escape.kind, escapeText.count == 1 else {
                    throw analyzer.fail(.typeMismatch, escape.position, "ESCAPE takes one character, as a string literal")
                }
                escapeCharacter = escapeText.first
            }
            let match = "regex_match(\(try translate(operand).text), \(Self.quote(Self.likeRegex(text, escape: escapeCharacter))))"
            return Translated(text: negated ? "(not \(match))" : match)
        case .inList(let operand, let items, let negated):
            let timed = try isTimestamp(operand)
            var parts: [String] = []
            for part in [operand] + items { parts.append(try self.operand(part, timed)) }
            return Translated(text: "(\(parts[0]) \(negated ? "not " : "")in (\(parts.dropFirst().joined(separator: ", "))))")
        case .caseWhen(let operand, let whens, let otherwise):
            // Timestamps stay text unless one of the results is computed in ms.
            var timed = false
            if try isTimestamp(expression) {
                for value in whens.map(\.result) + (otherwise.map { [$0] } ?? []) {
                    if try translate(value).millis { timed = true }
                }
            }
            func result(_ value: SQLExpression) throws(SQLError) -> String { try self.operand(value, timed) }
            var text = "case"
            let subject = try operand.map { (subject: SQLExpression) throws(SQLError) in try translate(subject).text }
            for when in whens {
                let condition = try translate(when.condition).text
                text += " when " + (subject.map { "\($0) = \(condition)" } ?? condition) + " then " + (try result(when.result))
            }
            if let otherwise { text += " else " + (try result(otherwise)) }
            return Translated(text: text + " end", millis: timed)
        case .cast(let operand, let type, let isTry):
            return try cast(operand, type, isTry: isTry, expression)
        case .extract(let unit, let operand):
            return Translated(text: try Self.timePart(unit.rawValue, try millis(operand)))
        case .call(let call):
            return try self.call(call, expression)
        case .inQuery, .exists, .scalarQuery:
            throw fail(expression.position, "subqueries in expressions are not supported yet")
        case .namedArgument, .tableArgument, .descriptor:
            throw fail(expression.position, "\(SQLPrinter.print(expression)) belongs in a window function's arguments")
        case .array, .map, .subscript:
            throw fail(expression.position, "ARRAY, MAP and subscripts are not supported yet")
        }
    }

    /// An operand of a comparison: in ms when the comparison is of timestamps.
    func operand(_ expression: SQLExpression, _ timed: Bool) throws(SQLError) -> String {
        if timed { return try millis(expression) }
        return try translate(expression).text
    }

    func isTimestamp(_ expression: SQLExpression) throws(SQLError) -> Bool {
        if let known = substitutions[Self.key(expression)] { return known.millis }
        return try type(expression).family == .timestamp
    }

    private func binary(_ op: SQLBinaryOperator, _ left: SQLExpression, _ right: SQLExpression,
                        _ whole: SQLExpression) throws(SQLError) -> Translated {
        switch op {
        case .and, .or:
            return Translated(text: "(\(try translate(left).text) \(op == .and ? "and" : "or") \(try translate(right).text))")
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            var timed = try isTimestamp(left)
            if !timed { timed = try isTimestamp(right) }
            let l = try operand(left, timed)
            let r = try operand(right, timed)
            return Translated(text: "(\(l) \(op.rawValue) \(r))")
        case .plus, .minus:
            if case .interval(let interval) = right.kind {
                guard let ms = SQLTimestamps.millis(interval) else {
                    throw fail(right.position, "an interval of months or years cannot be added to a timestamp yet")
                }
                return Translated(text: "(\(try millis(left)) \(op.rawValue) \(ms))", millis: true)
            }
            if case .interval(let interval) = left.kind, op == .plus {
                guard let ms = SQLTimestamps.millis(interval) else {
                    throw fail(left.position, "an interval of months or years cannot be added to a timestamp yet")
                }
                return Translated(text: "(\(ms) + \(try millis(right)))", millis: true)
            }
            let leftTimed = try isTimestamp(left)
            let rightTimed = try isTimestamp(right)
            if leftTimed || rightTimed {
                throw fail(whole.position, "timestamp arithmetic other than ts ± INTERVAL is not supported yet")
            }
            return Translated(text: "(\(try translate(left).text) \(op.rawValue) \(try translate(right).text))")
        case .multiply, .divide, .modulo:
            return Translated(text: "(\(try translate(left).text) \(op.rawValue) \(try translate(right).text))")
        case .concatenate:
            return Translated(text: "(\(try value(left)) || \(try value(right)))")
        }
    }

    private func cast(_ operand: SQLExpression, _ type: SQLDataType, isTry: Bool,
                      _ whole: SQLExpression) throws(SQLError) -> Translated {
        let function = isTry ? "try_cast" : "cast"
        switch type.kind {
        case .tinyint, .smallint, .int, .bigint:
            return Translated(text: "\(function)(\(try translate(operand).text) as integer)")
        case .float, .double:
            return Translated(text: "\(function)(\(try translate(operand).text) as double)")
        case .decimal(let precision, let scale):
            // Flink's defaults, DECIMAL(10, 0); rounded half up to the scale.
            guard (scale ?? 0) <= Self.decimalScaleMax else {
                throw fail(whole.position, "CAST to \(SQLPrinter.print(type)): at most \(Self.decimalScaleMax) digits after the point "
                    + "are supported yet")
            }
            return Translated(text: "\(function)(\(try translate(operand).text) as \(Self.decimal(precision ?? 10, scale ?? 0)))")
        case .boolean:
            return Translated(text: "\(function)(\(try translate(operand).text) as boolean)")
        case .char, .varchar, .string:
            return Translated(text: "\(function)(\(try value(operand)) as string)")
        case .timestamp, .timestampLocalTimeZone:
            if try isTimestamp(operand) { return Translated(text: try millis(operand), millis: true) }
            if try self.type(operand).family == .string {
                return Translated(text: Self.parseMillis(try translate(operand).text), millis: true)
            }
            throw fail(whole.position, "CAST to \(SQLPrinter.print(type)) is supported from strings and timestamps only")
        default:
            throw fail(whole.position, "CAST to \(SQLPrinter.print(type)) is not supported yet")
        }
    }

    /// The most digits after the point a DECIMAL value can have in the
    /// expression language (its decimals hold 18 digits).
    static let decimalScaleMax = 18

    /// The expression language's type for DECIMAL(p, s): values rounded half
    /// up to s digits and written with exactly s (`10.50`).
    static func decimal(_ precision: Int, _ scale: Int) -> String { "decimal(\(precision), \(scale))" }

    /// `HOUR(ts)` and `EXTRACT(HOUR FROM ts)`: a part of a time in ms, as an integer.
    static func timePart(_ unit: String, _ millis: String) throws(SQLError) -> String {
        let letters: [String: String] = [
            "YEAR": "yyyy", "MONTH": "MM", "DAY": "dd", "DAYOFMONTH": "dd", "HOUR": "HH", "MINUTE": "mm", "SECOND": "ss",
        ]
        guard let pattern = letters[unit] else { preconditionFailure("timePart of \(unit) is not mapped") }
        return "cast(format_time(\(millis), '\(pattern)') as integer)"
    }

    /// A LIKE pattern as an anchored POSIX extended regular expression.
    static func likeRegex(_ pattern: String, escape: Character?) -> String {
        var out = "^"
        var escaped = false
        for character in pattern {
            if escaped {
                out += regexLiteral(character)
                escaped = false
            } else if character == escape {
                escaped = true
            } else if character == "%" {
                out += ".*"
            } else if character == "_" {
                out += "."
            } else {
                out += regexLiteral(character)
            }
        }
        return out + "$"
    }

    static func regexLiteral(_ character: Character) -> String {
        // In a bracket expression every character but ^ is literal (] first).
        if character == "^" { return "\\^" }
        return "\\$.|?*+()[]{}".contains(character) ? "[\(character)]" : String(character)
    }
}
