/// Queries: FROM, WHERE and the SELECT list (windows and joins in their
/// own files).
extension SQLPlanner {
    /// A window table function in FROM, waiting for the GROUP BY that uses it.
    struct WindowFunction {
        var call: SQLFunctionCall
        var name: String
        var arguments: [String: SQLExpression]
        var qualifier: String?
    }

    /// What FROM gives: the records, and a window TVF if FROM is one.
    struct From {
        var stream: SQLPlanStream
        var window: WindowFunction?
        /// WHERE conjuncts a join took as its keys and time bounds.
        var consumed: Set<String> = []
    }

    mutating func planQuery(_ query: SQLQuery) throws(SQLError) -> SQLPlanStream {
        if let item = query.orderBy.first {
            throw unsupported(item.expression.position, "ORDER BY on a stream needs a sort over event time")
        }
        if let limit = query.limit { throw unsupported(limit.position, "LIMIT") }
        var scope: [String: SQLCommonTableExpression] = [:]
        for common in query.with { scope[common.name.name] = common }
        commonTables.append(scope)
        defer { commonTables.removeLast() }
        switch query.body {
        case .select(let select):
            return try planSelect(select, query: query)
        case .setOperation(let op, let all, _, let right):
            throw unsupported(right.position, "\(op.rawValue)\(all ? " ALL" : "") of two queries")
        case .values:
            throw unsupported(query.position, "VALUES as a source")
        }
    }

    /// The columns the analyzer gives a query (names as Flink names them:
    /// the alias, the column's name, or EXPR$n), with WITH queries in scope.
    func outputColumns(_ query: SQLQuery) throws(SQLError) -> [SQLColumn] {
        var environment = SQLAnalyzer.Environment()
        for scope in commonTables {
            for (name, common) in scope {
                var columns = try analyzer.query(common.query, environment)
                for (index, alias) in common.columns.enumerated() where index < columns.count { columns[index].name = alias.name }
                environment.commonTables[name] = columns
            }
        }
        return try analyzer.query(query, environment)
    }

    mutating func planSelect(_ select: SQLSelect, query: SQLQuery) throws(SQLError) -> SQLPlanStream {
        guard let fromClause = select.from else { throw unsupported(select.position, "SELECT without FROM") }
        if select.distinct { throw unsupported(select.position, "SELECT DISTINCT needs update streams") }
        var from = try planFrom(fromClause, whereClause: select.whereClause)
        var stream = from.stream
        // WHERE: what a join did not take.
        let remaining = Self.conjuncts(select.whereClause).filter { !from.consumed.contains(SQLExpressionTranslator.key($0)) }
        if !remaining.isEmpty {
            let translator = SQLExpressionTranslator(analyzer: analyzer, columns: stream.columns, context: .init(clause: "WHERE"))
            var parts: [String] = []
            for conjunct in remaining { parts.append(try translator.condition(conjunct)) }
            let tail = add(.operator, "filter", id: "where", config: [("where", .string(parts.joined(separator: " and ")))],
                           after: stream.tail)
            stream.tail = tail
        }
        from.stream = stream
        let output = try outputColumns(query)
        let grouped = !select.groupBy.isEmpty || select.having != nil
            || select.items.contains { item in
                if case .expression(let expression, _) = item.kind { return analyzer.containsAggregate(expression) }
                return false
            }
        if grouped {
            return try planGroupedSelect(select, from: from, output: output)
        }
        if let window = from.window {
            throw unsupported(window.call.name.position,
                              "a window function in FROM without GROUP BY window_start, window_end (a window aggregation)")
        }
        if let having = select.having { throw unsupported(having.position, "HAVING without GROUP BY") }
        let translator = SQLExpressionTranslator(analyzer: analyzer, columns: stream.columns, context: .init(clause: "SELECT", aggregates: true))
        let outputs = try selectOutputs(select, output: output, stream: stream, translator: translator)
        return try project(stream, outputs, id: "select")
    }

    /// The SELECT list as projection outputs, `*` expanded, each item
    /// translated by `translator`.
    func selectOutputs(_ select: SQLSelect, output: [SQLColumn], stream: SQLPlanStream,
                       translator: SQLExpressionTranslator) throws(SQLError) -> [SQLPlanOutput] {
        var outputs: [SQLPlanOutput] = []
        for item in select.items {
            switch item.kind {
            case .wildcard(let qualifier):
                let columns = stream.columns.filter { qualifier == nil || $0.qualifier == qualifier?.dotted }
                for column in columns {
                    let value = column.millis ? SQLExpressionTranslator.formatMillis(column.expressionPath) : column.expressionPath
                    // The analyzer's name: a duplicate in the list is renamed (`id0`).
                    let name = outputs.count < output.count ? output[outputs.count].name : column.name
                    outputs.append(SQLPlanOutput(name: name, value: value, column: column.millis ? nil : column, type: column.type,
                                                 timeAttribute: column.timeAttribute, recordTime: column.isRecordTime,
                                                 windowBound: column.windowBound))
                }
            case .expression(let expression, _):
                let index = outputs.count
                precondition(index < output.count, "the analyzer gave fewer columns than the SELECT list")
                var copied: SQLPlanColumn?
                // A record-time column held in ms (the nexmark event time)
                // is written as text but stays the records' time.
                var recordTime = false
                // A window bound stays one under any name (`window_start AS starttime`).
                var windowBound: SQLWindowBound?
                if case .column(let name) = expression.kind, !translator.opaqueColumns,
                   translator.substitutions[SQLExpressionTranslator.key(expression)] == nil,
                   let (column, fields) = try? translator.resolve(name), fields.isEmpty {
                    if column.millis {
                        recordTime = column.isRecordTime
                        windowBound = column.windowBound
                    } else {
                        copied = column
                    }
                }
                let substituted = translator.substitutions[SQLExpressionTranslator.key(expression)]
                outputs.append(SQLPlanOutput(name: output[index].name, value: try translator.value(expression), column: copied,
                                             type: output[index].type, timeAttribute: output[index].timeAttribute,
                                             recordTime: substituted?.recordTime ?? recordTime,
                                             windowBound: substituted?.windowBound ?? windowBound))
            }
        }
        precondition(outputs.count == output.count, "the SELECT list and the analyzer's columns differ in number")
        return outputs
    }

    /// The parts of an AND chain.
    static func conjuncts(_ expression: SQLExpression?) -> [SQLExpression] {
        guard let expression else { return [] }
        if case .binary(.and, let left, let right) = expression.kind { return conjuncts(left) + conjuncts(right) }
        return [expression]
    }

    // MARK: FROM

    mutating func planFrom(_ reference: SQLTableReference, whereClause: SQLExpression?) throws(SQLError) -> From {
        switch reference.kind {
        case .table(let name, let systemTime, let alias):
            if let systemTime { throw unsupported(systemTime.position, "FOR SYSTEM_TIME AS OF (temporal joins)") }
            var stream = try planRelation(name)
            stream.columns = try qualified(stream.columns, alias?.name.name ?? name.last.name, alias)
            return From(stream: stream)
        case .subquery(let query, let alias):
            var stream = try planQuery(query)
            stream.columns = try qualified(stream.columns, alias?.name.name, alias)
            return From(stream: stream)
        case .tableFunction(let call, let alias):
            return try planWindowFunction(call, alias: alias)
        case .join(let kind, let left, let right, let condition):
            return try planJoin(kind, left, right, condition, whereClause: whereClause, at: reference.position)
        }
    }

    /// Columns under a new qualifier, renamed by `alias (a, b, ...)`.
    func qualified(_ columns: [SQLPlanColumn], _ qualifier: String?, _ alias: SQLAlias?) throws(SQLError) -> [SQLPlanColumn] {
        var out = columns
        for index in out.indices { out[index].qualifier = qualifier }
        if let alias, !alias.columns.isEmpty {
            guard alias.columns.count == out.count else {
                throw fail(.invalid, alias.name.position, "alias \(alias.name.name) names \(alias.columns.count) columns but there are \(out.count)")
            }
            for (index, name) in alias.columns.enumerated() { out[index].name = name.name }
        }
        return out
    }

    /// A table, a view or a WITH query by name.
    mutating func planRelation(_ name: SQLName) throws(SQLError) -> SQLPlanStream {
        if name.parts.count == 1 {
            for scope in commonTables.reversed() {
                guard let common = scope[name.dotted] else { continue }
                var stream = try planQuery(common.query)
                for (index, alias) in common.columns.enumerated() where index < stream.columns.count {
                    stream.columns[index].name = alias.name
                }
                return stream
            }
        }
        guard let relation = catalog.relation(name.dotted) else {
            throw analyzer.unknownTable(name)
        }
        switch relation.kind {
        case .view(let query):
            // A view is planned where it is used, as if written there.
            let saved = commonTables
            commonTables = []
            defer { commonTables = saved }
            var stream = try planQuery(query)
            for (index, column) in relation.columns.enumerated() where index < stream.columns.count {
                stream.columns[index].name = column.name
            }
            return stream
        case .table(let options, _, let watermark):
            return try planSource(relation, options: options, watermark: watermark, at: name.position)
        }
    }

    // MARK: Sources

    /// A table read by its connector, with its watermark and computed columns.
    mutating func planSource(_ relation: SQLRelation, options: [SQLOption], watermark: SQLWatermark?,
                             at position: SQLPosition) throws(SQLError) -> SQLPlanStream {
        let connector = try SQLConnector(relation: relation, options: options, file: file)
        var timeColumn: SQLColumn?
        var watermarks: [(String, SQLJobValue)]?
        /// A computed column whose value is the record's timestamp (the
        /// nexmark generator's `dateTime`).
        var computedRecordTime: String?
        /// The expression of that column when the host computes it from
        /// the columns the source reads (any connector but nexmark).
        var stampedBy: SQLExpression?
        if let watermark, let column = relation.columns.first(where: { $0.name == watermark.column.dotted }),
           column.origin == .computed, connector.name == "nexmark",
           case .computed(let expression) = createTable(relation.name)?.columns.first(where: { $0.name.name == column.name })?.kind,
           SQLConnector.isNexmarkEventTime(expression) {
            computedRecordTime = column.name
            watermarks = try watermarkStrategy(watermark)
        } else if let watermark, connector.name == "nexmark" {
            throw unsupported(watermark.column.position,
                              "a watermark on \(watermark.column.dotted) with the nexmark connector: its records are stamped with the event's "
                                  + "dateTime, the computed column `dateTime` AS \(SQLConnector.nexmarkEventTime) (ddl_gen.sql's); "
                                  + "put the watermark on that column")
        } else if let watermark, let column = relation.columns.first(where: { $0.name == watermark.column.dotted }),
           column.origin == .computed,
           case .computed(let expression) = createTable(relation.name)?.columns.first(where: { $0.name.name == column.name })?.kind {
            // Flink computes the column in the scan, per row, before the
            // watermark sees it: the host does the same where it takes the
            // source's records (`watermarks.timestamp`, below), and the
            // column then is the record's timestamp.
            computedRecordTime = column.name
            stampedBy = expression
            watermarks = try watermarkStrategy(watermark)
        } else if let watermark {
            let column = relation.columns.first { $0.name == watermark.column.dotted }!
            timeColumn = column
            watermarks = try watermarkStrategy(watermark)
        }
        let physical = relation.columns.filter { $0.origin == .physical }
        let source = try connector.source(physical: physical.map(\.name), timeColumn: timeColumn, watermark: watermark)
        job.notes += source.notes
        // JSON values are read into typed columns against the table's
        // schema where they leave the source (the host's one decoder), so
        // no step after it parses or casts text.
        let schema = source.readsJSON ? Self.readSchema(physical) : nil
        var columns: [SQLPlanColumn] = physical.map { column in
            SQLPlanColumn(qualifier: relation.name, name: column.name, type: column.type, timeAttribute: column.timeAttribute,
                          path: [column.name], isRecordTime: column.name == timeColumn?.name,
                          millis: source.millisColumns.contains(column.name))
        }
        if let stampedBy, let column = computedRecordTime {
            // The expression reads the record as the source gives it: CSV's
            // c0, c1, ... are renamed only after the source.
            guard source.rename == nil else {
                throw unsupported(watermark!.column.position,
                                  "a watermark on the computed column \(column) of a CSV table (its fields are named only after "
                                      + "the source reads them); declare the table with 'format' = 'json'")
            }
            let translator = SQLExpressionTranslator(analyzer: analyzer, columns: columns,
                                                     context: .init(clause: "the computed column \(column) of the watermark"))
            watermarks?.append(("timestamp", .string(try translator.millis(stampedBy))))
        }
        var tail = add(.source, source.component, id: relation.name, config: source.config, after: nil, inputs: [],
                       watermarks: watermarks, schema: schema)
        if let rename = source.rename {
            tail = add(.operator, "project", id: relation.name + "-columns", config: [("rename", .object(rename))], after: tail)
        }
        // Numbers and booleans read as text (JSON, CSV) are checked against
        // their column's type where they are read, as Flink's formats do: a
        // row that does not fit goes to the dead letters naming the column
        // and why, a DECIMAL(p, s) is rounded half up to s there, a "7"
        // becomes 7. The schema's decoder does it for JSON (`field
        // 'customer_id': expected int64, found a string`), a cast in a map
        // for the rest (`cast(customer_id as integer)`: cannot cast ...).
        let checks = source.checksTypes && schema == nil ? physical.compactMap { column -> (String, SQLJobValue)? in
            guard let type = SQLPlanner.readType(column.type) else { return nil }
            return (column.name, .string("cast(\(SQLPlanColumn.expressionName(column.name)) as \(type))"))
        } : []
        // Computed and metadata columns, in the table's order.
        var set: [(String, SQLJobValue)] = []
        let translator = SQLExpressionTranslator(analyzer: analyzer, columns: columns, context: .init(clause: "a computed column"))
        var definitions: [String: SQLColumnDefinition] = [:]
        if case .table = relation.kind, let created = createTable(relation.name) {
            for definition in created.columns { definitions[definition.name.name] = definition }
        }
        var ordered: [SQLPlanColumn] = []
        for column in relation.columns {
            if column.origin == .physical {
                ordered.append(columns.first { $0.name == column.name }!)
                continue
            }
            guard let definition = definitions[column.name] else { continue }
            switch definition.kind {
            case .computed(let expression):
                // The column the records are stamped with (the nexmark
                // event time, or one the host computed at the source) is
                // the record's timestamp (ms), in columns or JSON lines.
                set.append((column.name, .string(column.name == computedRecordTime ? "event_time()" : try translator.value(expression))))
            case .metadata(_, let key, _):
                let metadataKey = key?.value ?? column.name
                guard connector.name == "kafka", metadataKey == "timestamp" else {
                    throw unsupported(definition.name.position,
                                      "metadata column \(column.name) (only the kafka connector's 'timestamp' is supported)")
                }
                set.append((column.name, .string(SQLExpressionTranslator.formatMillis("event_time()"))))
            case .physical:
                continue
            }
            ordered.append(SQLPlanColumn(qualifier: relation.name, name: column.name, type: column.type,
                                         timeAttribute: column.timeAttribute, path: [column.name],
                                         isRecordTime: column.name == timeColumn?.name || column.name == computedRecordTime || {
                                             if case .metadata = definition.kind { return true }
                                             return false
                                         }(), millis: column.name == computedRecordTime))
        }
        if !set.isEmpty || !checks.isEmpty {
            tail = add(.operator, "map", id: relation.name + (set.isEmpty ? "-types" : "-computed"),
                       config: [("set", .object(checks + set))], after: tail)
        }
        columns = ordered
        return SQLPlanStream(tail: tail, columns: columns, exactFields: set.isEmpty ? source.exactFields : nil)
    }

    /// The source's `schema:` for a JSON table's physical columns, or nil
    /// when a column has a type the schema cannot declare as the planner's
    /// expressions read it (then a map casts the columns instead). A
    /// TIMESTAMP stays text: expressions read timestamps as Flink's text.
    static func readSchema(_ columns: [SQLColumn]) -> [(String, String)]? {
        var fields: [(String, String)] = []
        func declare(_ path: String, _ type: SQLType) -> Bool {
            switch type {
            case .boolean: fields.append((path, "bool"))
            case .tinyint, .smallint, .int: fields.append((path, "int32"))
            case .bigint: fields.append((path, "int64"))
            case .float, .double: fields.append((path, "float64"))
            case .decimal(let precision, let scale) where scale <= SQLExpressionTranslator.decimalScaleMax:
                fields.append((path, "decimal(\(precision),\(scale))"))
            case .string, .timestamp: fields.append((path, "utf8"))
            case .row(let members):
                guard !members.isEmpty else { return false }
                for member in members where member.name.contains(".") || !declare(path + "." + member.name, member.type) {
                    return false
                }
            default: return false
            }
            return true
        }
        // A dot in a name would read as nesting.
        for column in columns where column.name.contains(".") || !declare(column.name, column.type) { return nil }
        return fields
    }

    /// The expression language's type a column of `type` is read as from
    /// text, when it is checked (numbers and booleans); nil: taken as read.
    static func readType(_ type: SQLType) -> String? {
        switch type {
        case .tinyint, .smallint, .int, .bigint: return "integer"
        case .float, .double: return "double"
        case .boolean: return "boolean"
        case .decimal(let precision, let scale) where scale <= SQLExpressionTranslator.decimalScaleMax:
            return SQLExpressionTranslator.decimal(precision, scale)
        default: return nil
        }
    }

    /// The CREATE TABLE statement of a table (for its column definitions).
    func createTable(_ name: String) -> SQLCreateTable? {
        guard let relation = catalog.relation(name), case .table = relation.kind else { return nil }
        return catalog.createStatements[name]
    }

    /// The source's `watermarks:` for `WATERMARK FOR ts AS ts [- INTERVAL ...]`.
    func watermarkStrategy(_ watermark: SQLWatermark) throws(SQLError) -> [(String, SQLJobValue)] {
        let delay = try watermarkDelay(watermark)
        // Flink's watermark is the largest time minus the delay; the
        // host's bounded strategy takes 1 ms more off, so give it 1 ms less.
        return delay == 0
            ? [("strategy", .string("ascending"))]
            : [("strategy", .string("bounded_out_of_orderness")), ("max_out_of_orderness_ms", .integer(delay - 1))]
    }

    /// The delay of `WATERMARK FOR ts AS ts [- INTERVAL ...]`, in ms.
    func watermarkDelay(_ watermark: SQLWatermark) throws(SQLError) -> Int64 {
        let expression = watermark.expression
        switch expression.kind {
        case .column(let name) where name.dotted == watermark.column.dotted:
            return 0
        case .binary(.minus, let left, let right):
            if case .column(let name) = left.kind, name.dotted == watermark.column.dotted, case .interval(let interval) = right.kind,
               let ms = SQLTimestamps.millis(interval), ms >= 0 {
                return ms
            }
        default:
            break
        }
        throw unsupported(expression.position,
                          "a watermark other than \(watermark.column.dotted) or \(watermark.column.dotted) - INTERVAL 'n' unit")
    }
}

extension SQLPlanner {
    /// The sink of an INSERT's target table, after `input`.
    mutating func planSink(_ target: SQLRelation, after input: String, at position: SQLPosition) throws(SQLError) {
        guard case .table(let options, _, _) = target.kind else { preconditionFailure("planSink of a view") }
        let connector = try SQLConnector(relation: target, options: options, file: file)
        let sink = try connector.sink(columns: target.columns.filter(\.isWritten).map(\.name))
        job.notes += sink.notes
        add(.sink, sink.component, id: target.name + "-sink", config: sink.config, after: input)
    }
}
