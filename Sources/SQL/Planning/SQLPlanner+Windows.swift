/// GROUP BY with a window: the legacy group windows (`GROUP BY
/// TUMBLE(ts, INTERVAL '1' HOUR)` with TUMBLE_START ...) and the window
/// TVFs (`FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...)) GROUP BY
/// window_start, window_end`) become `key_by` + `window`.
///
/// The window operator keys records by one field and aggregates dotted
/// fields, so a `map` before it computes what is not a plain column: the
/// key of several grouping columns (each value's text, joined), the
/// aggregates' arguments and their FILTERs. The grouping values come back
/// through `first` aggregates (the key's text, for one string or integer
/// column); a `map` after it computes the SELECT list from the results.
extension SQLPlanner {
    /// The window of a GROUP BY, as the window step's config.
    struct WindowShape {
        var config: [(String, SQLJobValue)]
        /// The time column's name (the DESCRIPTOR's or the group window's
        /// first argument); nil for a cascading window aggregation, which
        /// runs on the stamps of the window before it.
        var timeColumn: SQLExpression?
        /// TUMBLE, HOP or SESSION: the prefix of the _START/_END functions.
        var function: String
        /// The legacy group window's arguments, printed, to match _START/_END calls.
        var legacyArguments: [String]?
        /// A cascading window aggregation: the window (`SQLWindowBound.window`)
        /// whose bounds it groups by.
        var cascadeOf: Int?
    }

    /// The length of the window a cascading window aggregation runs: its
    /// input rows of one upstream window [start, end) all carry the stamp
    /// end - 1 and are keyed by the bounds, so the tumbling window
    /// [end - 1, end) of each key holds exactly them and fires when the
    /// watermark passes end - 1, after the upstream window emitted them
    /// all; whatever that window's kind (tumble, hop, cumulate, session).
    static let cascadingWindowSizeMs: Int64 = 1

    mutating func planWindowFunction(_ call: SQLFunctionCall, alias: SQLAlias?) throws(SQLError) -> From {
        let name = call.name.dotted.uppercased()
        guard let parameters = SQLAnalyzer.windowParameters[name] else {
            throw fail(.unknownFunction, call.name.position, "unknown table function \(call.name.dotted)")
        }
        var arguments: [String: SQLExpression] = [:]
        for (index, argument) in call.arguments.enumerated() {
            if case .namedArgument(let argumentName, let value) = argument.kind {
                arguments[argumentName.name.uppercased()] = value
            } else if index < parameters.names.count {
                arguments[parameters.names[index]] = argument
            }
        }
        guard let data = arguments["DATA"], case .tableArgument(let tableName, _) = data.kind else {
            throw fail(.invalid, call.name.position, "the first argument of \(name) is a table: TABLE name")
        }
        var stream = try planRelation(tableName)
        let qualifier = alias?.name.name
        stream.columns = try qualified(stream.columns, qualifier, nil)
        for bound in ["window_start", "window_end", "window_time"] {
            stream.columns.append(SQLPlanColumn(qualifier: qualifier, name: bound, type: .timestamp(precision: 3),
                                                timeAttribute: bound == "window_time" ? .rowtime : nil, path: [bound], millis: true))
        }
        stream.columns = try qualified(stream.columns, qualifier, alias)
        return From(stream: stream, window: WindowFunction(call: call, name: name, arguments: arguments, qualifier: qualifier))
    }

    /// An interval argument in ms (> 0).
    func intervalMillis(_ expression: SQLExpression?, _ what: String, at position: SQLPosition) throws(SQLError) -> Int64 {
        guard let expression else { throw fail(.invalid, position, "the window needs its \(what)") }
        guard case .interval(let interval) = expression.kind, let ms = SQLTimestamps.millis(interval) else {
            throw unsupported(expression.position, "a window \(what) other than a day-time INTERVAL literal")
        }
        guard ms > 0 else { throw fail(.invalid, expression.position, "the window's \(what) must be positive") }
        return ms
    }

    /// The window of a TVF or of a legacy group window in GROUP BY, and the
    /// grouping keys besides it.
    func windowShape(_ select: SQLSelect, _ from: From) throws(SQLError) -> (WindowShape, [SQLExpression]) {
        if let tvf = from.window {
            let at = tvf.call.name.position
            if let offset = tvf.arguments["OFFSET"] { throw unsupported(offset.position, "a window OFFSET") }
            guard case .descriptor(let names)? = tvf.arguments["TIMECOL"]?.kind, let time = names.first else {
                throw fail(.invalid, at, "\(tvf.name) needs DESCRIPTOR(time column)")
            }
            var config: [(String, SQLJobValue)]
            switch tvf.name {
            case "TUMBLE":
                config = [("kind", .string("tumbling")), ("size_ms", .integer(try intervalMillis(tvf.arguments["SIZE"], "size", at: at)))]
            case "HOP":
                config = [("kind", .string("sliding")), ("size_ms", .integer(try intervalMillis(tvf.arguments["SIZE"], "size", at: at))),
                          ("slide_ms", .integer(try intervalMillis(tvf.arguments["SLIDE"], "slide", at: at)))]
            case "SESSION":
                config = [("kind", .string("session")), ("gap_ms", .integer(try intervalMillis(tvf.arguments["GAP"], "gap", at: at)))]
            default:
                throw unsupported(at, "the \(tvf.name) window (the window operator has tumbling, sliding (HOP) and session windows)")
            }
            // GROUP BY window_start, window_end, keys.
            var keys: [SQLExpression] = []
            var bounds: Set<String> = []
            for item in select.groupBy {
                if case .column(let name) = item.kind, ["window_start", "window_end"].contains(name.last.name),
                   name.parts.count == 1 || name.parts.first?.name == tvf.qualifier {
                    bounds.insert(name.last.name)
                } else {
                    keys.append(item)
                }
            }
            guard bounds.count == 2 else {
                throw unsupported(select.groupBy.first?.position ?? select.position,
                                  "a GROUP BY over \(tvf.name)(...) without both window_start and window_end (a window aggregation groups by them)")
            }
            let timeExpression = SQLExpression(.column(SQLName([time])), at: time.position)
            return (WindowShape(config: config, timeColumn: timeExpression, function: tvf.name, legacyArguments: nil), keys)
        }
        var window: (SQLFunctionCall, SQLExpression)?
        var keys: [SQLExpression] = []
        for item in select.groupBy {
            if case .call(let call) = item.kind, SQLBuiltinFunction.table[call.name.dotted.uppercased()]?.kind == .groupWindow {
                guard window == nil else { throw unsupported(item.position, "two group windows in one GROUP BY") }
                window = (call, item)
            } else {
                keys.append(item)
            }
        }
        guard let (call, item) = window else {
            if let cascade = try cascadingWindow(select, from) { return (cascade, select.groupBy) }
            throw unsupported(select.groupBy.first?.position ?? select.position,
                              "a GROUP BY without a window (TUMBLE, HOP or SESSION): its results are an update stream, "
                                  + "which needs changelog support")
        }
        let name = call.name.dotted.uppercased()
        let at = item.position
        var config: [(String, SQLJobValue)]
        switch name {
        case "TUMBLE":
            if call.arguments.count > 2 { throw unsupported(call.arguments[2].position, "a window offset") }
            config = [("kind", .string("tumbling")), ("size_ms", .integer(try intervalMillis(call.arguments[1], "size", at: at)))]
        case "HOP":
            if call.arguments.count > 3 { throw unsupported(call.arguments[3].position, "a window offset") }
            config = [("kind", .string("sliding")), ("size_ms", .integer(try intervalMillis(call.arguments[2], "size", at: at))),
                      ("slide_ms", .integer(try intervalMillis(call.arguments[1], "slide", at: at)))]
        default:
            config = [("kind", .string("session")), ("gap_ms", .integer(try intervalMillis(call.arguments[1], "gap", at: at)))]
        }
        return (WindowShape(config: config, timeColumn: call.arguments[0], function: name,
                            legacyArguments: call.arguments.map { SQLPrinter.print($0) }), keys)
    }

    /// A GROUP BY of the window_start and window_end of one window
    /// aggregation's results (under any name, through projections and
    /// subqueries) is a window aggregation too, as Flink plans it
    /// ("cascading window aggregation"): its window is the upstream one's,
    /// its output append-only. Nil when the GROUP BY is not one.
    func cascadingWindow(_ select: SQLSelect, _ from: From) throws(SQLError) -> WindowShape? {
        let before = SQLExpressionTranslator(analyzer: analyzer, columns: from.stream.columns, context: .init(clause: "GROUP BY"))
        var edges: [Int: Set<SQLWindowBound.Edge>] = [:]
        for item in select.groupBy {
            guard case .column(let name) = item.kind, let (column, fields) = try? before.resolve(name), fields.isEmpty,
                  let bound = column.windowBound else { continue }
            edges[bound.window, default: []].insert(bound.edge)
        }
        guard let window = edges.filter({ $0.value.count == 2 }).keys.min() else { return nil }
        return WindowShape(config: [("kind", .string("tumbling")), ("size_ms", .integer(Self.cascadingWindowSizeMs))],
                           timeColumn: nil, function: "", legacyArguments: nil, cascadeOf: window)
    }

    mutating func planGroupedSelect(_ select: SQLSelect, from: From, output: [SQLColumn]) throws(SQLError) -> SQLPlanStream {
        let stream = from.stream
        let (shape, keys) = try windowShape(select, from)
        let before = SQLExpressionTranslator(analyzer: analyzer, columns: stream.columns, context: .init(clause: "GROUP BY"))
        // The window runs on the records' timestamps: its time column must
        // be them (a cascading one runs on the upstream window's stamps).
        // A PROCTIME() column: the window step windows by its own clock
        // (processing time) and reads no field for it.
        var processingTime = false
        var timeName: SQLName?
        if let timeExpression = shape.timeColumn {
            guard case .column(let name) = timeExpression.kind else {
                throw unsupported(timeExpression.position, "a window over an expression (name a time attribute column)")
            }
            timeName = name
            let (timeColumn, timeFields) = try before.resolve(name)
            processingTime = timeFields.isEmpty && timeColumn.timeAttribute == .proctime
            guard timeFields.isEmpty, timeColumn.isRecordTime || processingTime else {
                throw unsupported(timeExpression.position,
                                  "a window on \(name.dotted), which is not the time the records are stamped with here "
                                      + "(the table's WATERMARK column when the source reads it, before any join or other window)")
            }
        }
        /// This window among the job's: its bounds name it (`SQLWindowBound`).
        let windowNumber = job.steps.filter { $0.component == "window" }.count

        var preSet: [(String, SQLJobValue)] = []
        var aggregates: [SQLJobValue] = []
        var substitutions: [String: SQLExpressionTranslator.Translated] = [:]
        let keyName = temporary()
        var keyField = keyName

        // Grouping keys.
        func register(_ expression: SQLExpression, _ translated: SQLExpressionTranslator.Translated) {
            substitutions[SQLExpressionTranslator.key(expression)] = translated
            if case .column(let name) = expression.kind, let (column, fields) = try? before.resolve(name) {
                let tail = ([column.name] + fields).joined(separator: ".")
                for form in [tail] + (column.qualifier.map { ["\($0).\(tail)"] } ?? []) {
                    substitutions[SQLExpressionTranslator.key(SQLExpression(.column(SQLName(form.split(separator: ".").map {
                        SQLIdentifier(String($0), at: .start)
                    })), at: .start))] = translated
                }
            }
        }
        if keys.count == 1, case .column(let name) = keys[0].kind, let (column, fields) = try? before.resolve(name), fields.isEmpty,
           !column.millis, let path = column.dottedPath,
           [SQLType.tinyint, .smallint, .int, .bigint, .string(length: nil)].contains(column.type.unbounded) {
            keyField = path
            let text = column.type.family == .string ? keyName : "cast(\(keyName) as integer)"
            register(keys[0], .init(text: text))
        } else {
            var values: [String] = []
            for key in keys {
                let value = try before.value(key)
                values.append(value)
                var field: String
                if case .column(let name) = key.kind, let (column, fields) = try? before.resolve(name), let path = column.dottedPath {
                    field = ([path] + fields).joined(separator: ".")
                } else {
                    field = temporary()
                    preSet.append((field, .string(value)))
                }
                let recovered = temporary()
                aggregates.append(.object([("fn", .string("first")), ("field", .string(field)), ("name", .string(recovered))]))
                var millis = try before.isTimestamp(key)
                if millis { millis = try before.translate(key).millis }
                // A cascading window's bounds are its input's, and its
                // results carry the same stamps (end - 1): they stay bounds.
                var bound: SQLWindowBound?
                if let upstream = shape.cascadeOf, case .column(let name) = key.kind, let (column, fields) = try? before.resolve(name),
                   fields.isEmpty, let keyBound = column.windowBound, keyBound.window == upstream {
                    bound = SQLWindowBound(edge: keyBound.edge, window: windowNumber)
                }
                register(key, .init(text: recovered, millis: millis, windowBound: bound))
            }
            preSet.append((keyName, .string(Self.compositeKey(values))))
        }

        // Aggregates, each once.
        var calls: [(String, SQLFunctionCall, SQLExpression)] = []
        for item in select.items {
            if case .expression(let expression, _) = item.kind { collectAggregates(expression, into: &calls) }
        }
        if let having = select.having { collectAggregates(having, into: &calls) }
        for (key, call, expression) in calls {
            let (config, recovery) = try aggregate(call, expression, before, preSet: &preSet)
            aggregates.append(config)
            substitutions[key] = .init(text: recovery)
        }
        if aggregates.isEmpty {
            // The window needs one aggregate; a count nobody reads.
            aggregates.append(.object([("fn", .string("count")), ("name", .string(temporary()))]))
        }

        // Window bounds.
        // Only the window TVFs' bounds are window properties in Flink (the
        // legacy group windows' _START and _END are plain timestamps).
        let tvf = from.window != nil
        let end = SQLExpressionTranslator.Translated(text: "window_end", millis: true,
                                                     windowBound: tvf ? SQLWindowBound(edge: .end, window: windowNumber) : nil)
        let start = SQLExpressionTranslator.Translated(text: "window_start", millis: true,
                                                       windowBound: tvf ? SQLWindowBound(edge: .start, window: windowNumber) : nil)
        let time = SQLExpressionTranslator.Translated(text: "(window_end - 1)", millis: true, recordTime: true)
        if let legacy = shape.legacyArguments {
            var problem: SQLError?
            for item in select.items {
                guard case .expression(let expression, _) = item.kind else { continue }
                visitCalls(expression) { call, whole in
                    let name = call.name.dotted.uppercased()
                    guard SQLBuiltinFunction.table[name]?.kind == .groupWindowProperty else { return }
                    guard name.hasPrefix(shape.function + "_"), call.arguments.map({ SQLPrinter.print($0) }) == legacy else {
                        problem = problem ?? fail(.invalid, whole.position,
                                                  "\(call.name.dotted)(...) must repeat the GROUP BY's \(shape.function)(\(legacy.joined(separator: ", ")))")
                        return
                    }
                    switch name.dropFirst(shape.function.count + 1) {
                    case "START": substitutions[SQLExpressionTranslator.key(whole)] = start
                    case "END": substitutions[SQLExpressionTranslator.key(whole)] = end
                    case "ROWTIME" where processingTime:
                        problem = problem ?? fail(.invalid, whole.position,
                                                  "\(call.name.dotted) is the event time of a window, and this one windows by "
                                                      + "processing time (\(timeName?.dotted ?? "its time column") is PROCTIME()); use \(shape.function)_START or _END")
                    case "ROWTIME": substitutions[SQLExpressionTranslator.key(whole)] = time
                    default: problem = problem ?? unsupported(whole.position, "\(call.name.dotted): processing time")
                    }
                }
            }
            if let problem { throw problem }
        } else if tvf {
            let qualifier = from.window?.qualifier
            for (name, value) in [("window_start", start), ("window_end", end), ("window_time", time)] {
                for form in [name] + (qualifier.map { ["\($0).\(name)"] } ?? []) {
                    substitutions[SQLExpressionTranslator.key(SQLExpression(.column(SQLName(form.split(separator: ".").map {
                        SQLIdentifier(String($0), at: .start)
                    })), at: .start))] = value
                }
            }
        }

        // The steps.
        var tail = stream.tail
        if !preSet.isEmpty {
            tail = add(.operator, "map", id: "group-key", config: [("set", .object(preSet))], after: tail)
        }
        tail = add(.keyBy, keyField, id: "by-key", after: tail)
        tail = add(.operator, "window", id: "window",
                   config: shape.config + (processingTime ? [("time", .string("processing"))] : [])
                       + [("key_name", .string(keyName)), ("aggregates", .list(aggregates))], after: tail)

        var after = SQLExpressionTranslator(analyzer: analyzer, columns: stream.columns,
                                            context: .init(clause: "SELECT", aggregates: true, groupWindows: true))
        after.substitutions = substitutions
        after.opaqueColumns = true
        if let having = select.having {
            var having_ = after
            having_.context = .init(clause: "HAVING", aggregates: true)
            tail = add(.operator, "filter", id: "having", config: [("where", .string(try having_.condition(having)))], after: tail)
        }
        let windowed = SQLPlanStream(tail: tail, columns: stream.columns, exactFields: nil)
        let outputs = try selectOutputs(select, output: output, stream: windowed, translator: after)
        return try project(windowed, outputs, id: "select")
    }

    /// An aggregate call as the window's aggregate config, and the
    /// expression that reads its result from the window's output.
    mutating func aggregate(_ call: SQLFunctionCall, _ expression: SQLExpression, _ before: SQLExpressionTranslator,
                            preSet: inout [(String, SQLJobValue)]) throws(SQLError) -> (SQLJobValue, String) {
        let name = call.name.dotted.uppercased()
        let output = temporary()
        var config: [(String, SQLJobValue)] = []
        /// The field holding `value` in the input: a plain column's path, or a computed temporary.
        func field(_ argument: SQLExpression, value: String?) throws(SQLError) -> String {
            if value == nil, case .column(let columnName) = argument.kind, let (column, fields) = try? before.resolve(columnName),
               let path = column.dottedPath, !column.millis {
                return ([path] + fields).joined(separator: ".")
            }
            let temporary = "\(output)_in"
            if let value {
                preSet.append((temporary, .string(value)))
            } else {
                preSet.append((temporary, .string(try before.value(argument))))
            }
            return temporary
        }
        let resultType = try before.analyzer.type(expression, before.environment, .init(clause: "SELECT", aggregates: true)).type
        switch name {
        case "COUNT":
            let argument = call.arguments.first
            let constant = argument.map { argument -> Bool in
                switch argument.kind {
                case .number, .string, .boolean: return true
                default: return false
                }
            } ?? true
            if call.distinct {
                guard let argument, call.filter == nil else {
                    throw unsupported(expression.position, "COUNT(DISTINCT ...) with FILTER")
                }
                config = [("fn", .string("distinct_count")), ("field", .string(try field(argument, value: nil)))]
            } else if let filter = call.filter {
                let condition = try before.condition(filter)
                var value = "1"
                if !call.star, !constant, let argument { value = try before.value(argument) }
                config = [("fn", .string("count")), ("field", .string(try field(expression, value: "case when \(condition) then \(value) end")))]
            } else if call.star || constant {
                config = [("fn", .string("count"))]
            } else {
                config = [("fn", .string("count")), ("field", .string(try field(argument!, value: nil)))]
            }
            config.append(("name", .string(output)))
            return (.object(config), output)
        case "SUM", "AVG", "MIN", "MAX":
            guard !call.distinct else { throw unsupported(expression.position, "\(name)(DISTINCT ...)") }
            if let filter = call.filter { throw unsupported(filter.position, "FILTER on \(name) (only COUNT takes FILTER yet)") }
            let argument = call.arguments[0]
            guard try before.type(argument).isNumeric else {
                throw unsupported(argument.position, "\(name) of \(try before.type(argument)) (the window operator aggregates numbers)")
            }
            config = [("fn", .string(name.lowercased())), ("field", .string(try field(argument, value: nil))), ("name", .string(output))]
            var recovery = output
            let integral = [SQLType.tinyint, .smallint, .int, .bigint].contains(resultType)
            if (name == "AVG" || name == "MIN" || name == "MAX"), integral {
                // Flink's AVG of integers is an integer (truncated); MIN and MAX keep the type.
                recovery = "cast(\(output) as integer)"
            } else if name == "MIN" || name == "MAX", case .decimal = resultType {
                recovery = "cast(\(output) as decimal)"
            }
            return (.object(config), recovery)
        default:
            throw unsupported(call.name.position, "the aggregate \(call.name.dotted) (COUNT, COUNT(DISTINCT), SUM, AVG, MIN and MAX are)")
        }
    }

    /// One key text of several values: each value's text marked present
    /// ('=' first) or null ('~'), joined by the unit separator, so that
    /// different tuples never give one text; '*' for no value at all.
    static func compositeKey(_ values: [String]) -> String {
        let parts = values.map { "coalesce(concat('=', cast(\($0) as string)), '~')" }
        if parts.isEmpty { return "'*'" }
        return parts.count == 1 ? parts[0] : "concat(" + parts.joined(separator: ", '\u{1F}', ") + ")"
    }

    /// Aggregate calls in an expression, outermost, each once by its text.
    func collectAggregates(_ expression: SQLExpression, into calls: inout [(String, SQLFunctionCall, SQLExpression)]) {
        if case .call(let call) = expression.kind, call.over == nil,
           SQLBuiltinFunction.table[call.name.dotted.uppercased()]?.kind == .aggregate {
            let key = SQLExpressionTranslator.key(expression)
            if !calls.contains(where: { $0.0 == key }) { calls.append((key, call, expression)) }
            return
        }
        for child in expression.children { collectAggregates(child, into: &calls) }
    }

    /// Calls every function call in an expression, outermost first.
    func visitCalls(_ expression: SQLExpression, _ visit: (SQLFunctionCall, SQLExpression) -> Void) {
        if case .call(let call) = expression.kind { visit(call, expression) }
        for child in expression.children { visitCalls(child, visit) }
    }
}

extension SQLType {
    /// The type with string lengths dropped, to compare kinds.
    var unbounded: SQLType {
        if case .string = self { return .string(length: nil) }
        return self
    }
}
