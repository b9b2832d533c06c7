/// Resolves names and checks types in one statement against a catalog.
///
/// Scopes: a query's FROM makes a list of named column sets (a table by
/// its alias or name, a subquery by its alias, a window TVF's columns);
/// a subquery in an expression sees its own FROM first, then the
/// enclosing ones (correlation). Recursion follows the tree, whose depth
/// the parser bounds.
struct SQLAnalyzer {
    let catalog: SQLCatalog
    let file: String

    /// One named set of columns in a FROM clause.
    struct Source {
        var alias: String?
        var columns: [SQLColumn]
    }

    /// What an expression may contain where it stands.
    struct Context {
        var clause: String
        var aggregates = false
        var groupWindows = false
        var insideAggregate = false
    }

    /// An expression's type, and whether it is a time attribute.
    struct Typed {
        var type: SQLType
        var timeAttribute: SQLTimeAttribute?

        init(_ type: SQLType, _ timeAttribute: SQLTimeAttribute? = nil) {
            self.type = type
            self.timeAttribute = timeAttribute
        }
    }

    /// The scopes an expression sees, innermost last, and the WITH queries.
    struct Environment {
        var scopes: [[Source]] = []
        var commonTables: [String: [SQLColumn]] = [:]
    }

    func fail(_ kind: SQLError.Kind, _ position: SQLPosition, _ message: String) -> SQLError {
        SQLError(kind, file: file, at: position, message)
    }

    /// An expression as text for a message, shortened.
    func quote(_ expression: SQLExpression) -> String {
        let text = SQLPrinter.print(expression).split(separator: "\n").joined(separator: " ")
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    static func list(_ names: [String]) -> String {
        names.count > 30 ? names.prefix(30).joined(separator: ", ") + ", ... (\(names.count) in all)" : names.joined(separator: ", ")
    }

    func requireDistinct(_ names: [String], positions: [SQLPosition], of what: String) throws(SQLError) {
        var seen: Set<String> = []
        for (name, position) in zip(names, positions) where !seen.insert(name).inserted {
            throw fail(.invalid, position, "\(what) has two columns named \(name); rename one with AS")
        }
    }

    // MARK: CREATE TABLE

    func table(_ table: SQLCreateTable) throws(SQLError) -> SQLRelation {
        var columns: [SQLColumn] = []
        for column in table.columns {
            switch column.kind {
            case .physical(let type):
                columns.append(SQLColumn(name: column.name.name, type: SQLType(type), origin: .physical, at: column.name.position))
            case .metadata(let type, _, let virtual):
                columns.append(SQLColumn(name: column.name.name, type: SQLType(type), origin: .metadata(virtual: virtual), at: column.name.position))
            case .computed:
                break
            }
        }
        // Computed columns are computed from the others; one that calls
        // PROCTIME() is a processing-time attribute through its type.
        let stored = Environment(scopes: [[Source(alias: table.name.last.name, columns: columns)]])
        var all: [SQLColumn] = []
        for column in table.columns {
            if case .computed(let expression) = column.kind {
                let typed = try type(expression, stored, Context(clause: "a computed column"))
                all.append(SQLColumn(name: column.name.name, type: typed.type, timeAttribute: typed.timeAttribute, origin: .computed, at: column.name.position))
            } else {
                all.append(columns.first { $0.name == column.name.name }!)
            }
        }
        try requireDistinct(all.map(\.name), positions: all.map(\.position), of: "table \(table.name.dotted)")
        let names = all.map(\.name)
        if let watermark = table.watermark {
            guard watermark.column.parts.count == 1, let index = names.firstIndex(of: watermark.column.dotted) else {
                throw fail(.unknownColumn, watermark.column.position,
                           "unknown column \(watermark.column.dotted) in WATERMARK FOR; table \(table.name.dotted) has \(Self.list(names))")
            }
            guard all[index].timeAttribute != .proctime else {
                throw fail(.invalid, watermark.column.position,
                           "WATERMARK FOR \(watermark.column.dotted): \(watermark.column.dotted) is a processing-time attribute (PROCTIME()), "
                               + "and a watermark measures event time; put the watermark on a TIMESTAMP(3) column of the events' time")
            }
            guard all[index].type.family == .timestamp else {
                throw fail(.typeMismatch, watermark.column.position,
                           "WATERMARK FOR needs a TIMESTAMP(3) or TIMESTAMP_LTZ(3) column; \(watermark.column.dotted) is \(all[index].type)")
            }
            let environment = Environment(scopes: [[Source(alias: table.name.last.name, columns: all)]])
            let delay = try type(watermark.expression, environment, Context(clause: "a watermark"))
            guard delay.timeAttribute != .proctime else {
                throw fail(.invalid, watermark.expression.position,
                           "a watermark measures event time, and \(quote(watermark.expression)) is processing time (PROCTIME()); "
                               + "write \(watermark.column.dotted) - INTERVAL 'n' SECOND")
            }
            guard delay.type.family == .timestamp || delay.type.family == .any else {
                throw fail(.typeMismatch, watermark.expression.position,
                           "a watermark is a timestamp (such as \(watermark.column.dotted) - INTERVAL '5' SECOND); \(quote(watermark.expression)) is \(delay.type)")
            }
            all[index].timeAttribute = .rowtime
        }
        if let key = table.primaryKey {
            for column in key.columns where !names.contains(column.name) {
                throw fail(.unknownColumn, column.position, "unknown column \(column.name) in PRIMARY KEY; table \(table.name.dotted) has \(Self.list(names))")
            }
        }
        for column in table.partitionedBy where !names.contains(column.name) {
            throw fail(.unknownColumn, column.position, "unknown column \(column.name) in PARTITIONED BY; table \(table.name.dotted) has \(Self.list(names))")
        }
        return SQLRelation(name: table.name.dotted, columns: all,
                           kind: .table(options: table.options, primaryKey: table.primaryKey?.columns.map(\.name) ?? [], watermark: table.watermark),
                           at: table.name.position)
    }

    // MARK: INSERT

    func insert(_ insert: SQLInsert) throws(SQLError) -> [SQLColumn] {
        guard let target = catalog.relation(insert.target.dotted) else {
            throw unknownTable(insert.target)
        }
        guard case .table = target.kind else {
            throw fail(.invalid, insert.target.position, "cannot INSERT INTO view \(target.name); insert into a table")
        }
        let output = try query(insert.query)
        var targetColumns = target.columns.filter(\.isWritten)
        if !insert.columns.isEmpty {
            targetColumns = []
            for name in insert.columns {
                guard let column = target.columns.first(where: { $0.name == name.name }), column.isWritten else {
                    throw fail(.unknownColumn, name.position,
                               "\(target.name) has no column \(name.name) to write; it has \(Self.list(target.columns.filter(\.isWritten).map(\.name)))")
                }
                targetColumns.append(column)
            }
        }
        guard targetColumns.count == output.count else {
            throw fail(.typeMismatch, insert.query.position,
                       "INSERT INTO \(target.name) needs \(targetColumns.count) columns (\(Self.list(targetColumns.map(\.name)))) but the query gives \(output.count)")
        }
        for (column, value) in zip(targetColumns, output) where !value.type.fits(column.type) {
            throw fail(.typeMismatch, value.position,
                       "column \(column.name) of \(target.name) is \(column.type) but the query gives \(value.type) (\(value.name)); CAST it")
        }
        return output
    }

    func unknownTable(_ name: SQLName, commonTables: [String: [SQLColumn]] = [:]) -> SQLError {
        let known = (Array(catalog.relations.keys) + Array(commonTables.keys)).sorted()
        return fail(.unknownTable, name.position,
                    "unknown table \(name.dotted); " + (known.isEmpty ? "no table or view is defined before it (CREATE TABLE first)" : "the catalog has \(Self.list(known))"))
    }

    // MARK: Queries

    func query(_ query: SQLQuery) throws(SQLError) -> [SQLColumn] {
        try self.query(query, Environment())
    }

    func query(_ query: SQLQuery, _ outer: Environment) throws(SQLError) -> [SQLColumn] {
        var environment = outer
        for common in query.with {
            var columns = try self.query(common.query, environment)
            if !common.columns.isEmpty {
                guard common.columns.count == columns.count else {
                    throw fail(.invalid, common.name.position, "\(common.name.name) names \(common.columns.count) columns but its query has \(columns.count)")
                }
                for (index, name) in common.columns.enumerated() { columns[index].name = name.name }
            }
            environment.commonTables[common.name.name] = columns
        }
        let (output, sources) = try body(query.body, environment)
        if !query.orderBy.isEmpty {
            var ordering = environment
            ordering.scopes.append([Source(alias: nil, columns: output)] + sources)
            for item in query.orderBy {
                if case .number = item.expression.kind { continue }
                _ = try type(item.expression, ordering, Context(clause: "ORDER BY", aggregates: true))
            }
        }
        if let limit = query.limit {
            guard case .number(let text) = limit.kind, Int(text) != nil else {
                throw fail(.typeMismatch, limit.position, "LIMIT takes a whole number of rows")
            }
        }
        return output
    }

    /// A query body's columns, and for a SELECT the sources of its FROM
    /// (ORDER BY may use them).
    func body(_ body: SQLQuery.Body, _ environment: Environment) throws(SQLError) -> ([SQLColumn], [Source]) {
        switch body {
        case .select(let select):
            return try self.select(select, environment)
        case .setOperation(let op, _, let left, let right):
            let leftColumns = try query(left, environment)
            let rightColumns = try query(right, environment)
            guard leftColumns.count == rightColumns.count else {
                throw fail(.typeMismatch, right.position,
                           "the two sides of \(op.rawValue) have \(leftColumns.count) and \(rightColumns.count) columns; they need as many")
            }
            for (index, (l, r)) in zip(leftColumns, rightColumns).enumerated() where !l.type.fits(r.type) {
                throw fail(.typeMismatch, r.position, "column \(index + 1) of \(op.rawValue) is \(l.type) on the left (\(l.name)) but \(r.type) on the right (\(r.name))")
            }
            return (leftColumns.map { var column = $0; column.timeAttribute = nil; return column }, [])
        case .values(let rows):
            var columns: [SQLColumn] = []
            for (rowIndex, row) in rows.enumerated() {
                guard rowIndex == 0 || row.count == columns.count else {
                    throw fail(.typeMismatch, row.first?.position ?? .start, "every row of VALUES needs \(columns.count) values; this one has \(row.count)")
                }
                for (index, value) in row.enumerated() {
                    let typed = try type(value, environment, Context(clause: "VALUES"))
                    if rowIndex == 0 {
                        columns.append(SQLColumn(name: "EXPR$\(index)", type: typed.type, at: value.position))
                    } else if !typed.type.fits(columns[index].type) {
                        throw fail(.typeMismatch, value.position, "\(quote(value)) is \(typed.type) but the first row has \(columns[index].type) in column \(index + 1)")
                    } else if columns[index].type.family == .any {
                        columns[index].type = typed.type
                    }
                }
            }
            return (columns, [])
        }
    }

    func select(_ select: SQLSelect, _ outer: Environment) throws(SQLError) -> ([SQLColumn], [Source]) {
        var sources: [Source] = []
        if let from = select.from { sources = try tableReference(from, outer) }
        var environment = outer
        environment.scopes.append(sources)
        if let condition = select.whereClause {
            try requireCondition(condition, environment, Context(clause: "WHERE"))
        }
        for item in select.groupBy {
            _ = try type(item, environment, Context(clause: "GROUP BY", groupWindows: true))
        }
        let grouped = !select.groupBy.isEmpty
        var output: [SQLColumn] = []
        for (index, item) in select.items.enumerated() {
            switch item.kind {
            case .wildcard(let qualifier):
                if let qualifier {
                    guard let source = sources.first(where: { $0.alias == qualifier.dotted }) else {
                        throw fail(.unknownTable, qualifier.position,
                                   "no table \(qualifier.dotted) in FROM for \(qualifier.dotted).*; FROM has \(Self.list(sources.compactMap(\.alias)))")
                    }
                    output += source.columns.map { $0.placed(at: item.position) }
                } else {
                    guard !sources.isEmpty else { throw fail(.invalid, item.position, "SELECT * needs a FROM") }
                    output += sources.flatMap(\.columns).map { $0.placed(at: item.position) }
                }
            case .expression(let expression, let alias):
                let typed = try type(expression, environment, Context(clause: "SELECT", aggregates: true))
                var name = alias?.name ?? "EXPR$\(index)"
                if alias == nil, case .column(let column) = expression.kind { name = column.last.name }
                let keepsTime = !grouped || isWindowTime(expression)
                output.append(SQLColumn(name: name, type: typed.type, timeAttribute: keepsTime ? typed.timeAttribute : nil, at: expression.position))
            }
        }
        if let having = select.having {
            try requireCondition(having, environment, Context(clause: "HAVING", aggregates: true))
        }
        try checkGrouping(select, sources)
        return (Self.uniquelyNamed(output), sources)
    }

    /// A SELECT list's columns as Flink names them when two share a name
    /// (`SELECT B.dateTime, A.dateTime`, or `*` over a join): Calcite's
    /// rule, in order, each name kept unless an earlier column has it, else
    /// the first of name0, name1, ... no earlier column has (so `x, x, x0`
    /// become `x, x0, x00`). An INSERT takes them by position; a later
    /// step finds each by its name.
    static func uniquelyNamed(_ columns: [SQLColumn]) -> [SQLColumn] {
        var used = Set<String>()
        var named = columns
        for index in named.indices {
            let name = named[index].name
            var unique = name
            var attempt = 0
            while !used.insert(unique).inserted {
                unique = name + String(attempt)
                attempt += 1
            }
            named[index].name = unique
        }
        return named
    }

    /// `window_time` and the *_ROWTIME functions stay time attributes
    /// after grouping; other columns do not.
    func isWindowTime(_ expression: SQLExpression) -> Bool {
        switch expression.kind {
        case .column(let name): return name.last.name == "window_time"
        case .call(let call): return call.name.dotted.uppercased().hasSuffix("_ROWTIME") || call.name.dotted.uppercased().hasSuffix("_PROCTIME")
        default: return false
        }
    }

    func requireCondition(_ expression: SQLExpression, _ environment: Environment, _ context: Context) throws(SQLError) {
        let typed = try type(expression, environment, context)
        guard typed.type.family == .boolean || typed.type.family == .any else {
            throw fail(.typeMismatch, expression.position, "\(context.clause) needs a condition (BOOLEAN); \(quote(expression)) is \(typed.type)")
        }
    }

    // MARK: FROM

    func tableReference(_ reference: SQLTableReference, _ environment: Environment) throws(SQLError) -> [Source] {
        switch reference.kind {
        case .table(let name, let systemTime, let alias):
            let columns = try renamed(try relationColumns(name, environment), alias)
            if let systemTime {
                // FOR SYSTEM_TIME AS OF names a time of the other side of the join.
                let typed = try type(systemTime, environment, Context(clause: "FOR SYSTEM_TIME AS OF"))
                guard typed.type.family == .timestamp || typed.type.family == .any else {
                    throw fail(.typeMismatch, systemTime.position, "FOR SYSTEM_TIME AS OF needs a time attribute; \(quote(systemTime)) is \(typed.type)")
                }
            }
            return [Source(alias: alias?.name.name ?? name.last.name, columns: columns)]
        case .subquery(let query, let alias):
            return [Source(alias: alias?.name.name, columns: try renamed(try self.query(query, environment), alias))]
        case .tableFunction(let call, let alias):
            return [Source(alias: alias?.name.name, columns: try renamed(try windowFunction(call, environment), alias))]
        case .join(_, let left, let right, let condition):
            let leftSources = try tableReference(left, environment)
            // The right side of a temporal join sees the left side's columns.
            var rightEnvironment = environment
            rightEnvironment.scopes.append(leftSources)
            let rightSources = try tableReference(right, rightEnvironment)
            let sources = leftSources + rightSources
            var aliases: Set<String> = []
            for source in sources {
                if let alias = source.alias, !aliases.insert(alias).inserted {
                    throw fail(.invalid, reference.position, "\(alias) appears twice in FROM; give one of them another alias")
                }
            }
            var joined = environment
            joined.scopes.append(sources)
            switch condition {
            case .on(let expression):
                try requireCondition(expression, joined, Context(clause: "ON"))
            case .using(let columns):
                for column in columns {
                    for (side, sourceList) in [("left", leftSources), ("right", rightSources)]
                    where !sourceList.contains(where: { $0.columns.contains { $0.name == column.name } }) {
                        throw fail(.unknownColumn, column.position, "USING column \(column.name) is not on the \(side) side of the join")
                    }
                }
            case nil:
                break
            }
            return sources
        }
    }

    /// The columns of a WITH query, a table or a view, by name (WITH first).
    func relationColumns(_ name: SQLName, _ environment: Environment) throws(SQLError) -> [SQLColumn] {
        if name.parts.count == 1, let common = environment.commonTables[name.dotted] { return common }
        if let relation = catalog.relation(name.dotted) { return relation.columns }
        throw unknownTable(name, commonTables: environment.commonTables)
    }

    func renamed(_ columns: [SQLColumn], _ alias: SQLAlias?) throws(SQLError) -> [SQLColumn] {
        guard let alias, !alias.columns.isEmpty else { return columns }
        guard alias.columns.count == columns.count else {
            throw fail(.invalid, alias.name.position, "alias \(alias.name.name) names \(alias.columns.count) columns but there are \(columns.count)")
        }
        return zip(columns, alias.columns).map { column, name in
            var renamed = column
            renamed.name = name.name
            return renamed
        }
    }

    /// The parameters of each window TVF, in order, and how many are required.
    static let windowParameters: [String: (names: [String], required: Int)] = [
        "TUMBLE": (["DATA", "TIMECOL", "SIZE", "OFFSET"], 3),
        "HOP": (["DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"], 4),
        "CUMULATE": (["DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"], 4),
        "SESSION": (["DATA", "TIMECOL", "GAP"], 3),
    ]

    /// TUMBLE, HOP, CUMULATE and SESSION in `FROM TABLE(...)`: the table's
    /// columns and window_start, window_end, window_time.
    func windowFunction(_ call: SQLFunctionCall, _ environment: Environment) throws(SQLError) -> [SQLColumn] {
        let name = call.name.dotted.uppercased()
        guard let parameters = Self.windowParameters[name] else {
            throw fail(.unknownFunction, call.name.position,
                       "unknown table function \(call.name.dotted); TABLE(...) takes the window functions TUMBLE, HOP, CUMULATE and SESSION")
        }
        var arguments: [String: SQLExpression] = [:]
        for (index, argument) in call.arguments.enumerated() {
            if case .namedArgument(let argumentName, let value) = argument.kind {
                let key = argumentName.name.uppercased()
                guard parameters.names.contains(key), arguments[key] == nil else {
                    throw fail(.invalid, argumentName.position,
                               "\(name) has no parameter \(argumentName.name) (or it is given twice); its parameters are \(parameters.names.joined(separator: ", "))")
                }
                arguments[key] = value
            } else {
                guard index < parameters.names.count, arguments[parameters.names[index]] == nil else {
                    throw fail(.invalid, argument.position, "\(name) takes at most \(parameters.names.count) arguments: \(parameters.names.joined(separator: ", "))")
                }
                arguments[parameters.names[index]] = argument
            }
        }
        for parameter in parameters.names.prefix(parameters.required) where arguments[parameter] == nil {
            throw fail(.invalid, call.name.position, "\(name) needs its \(parameter) argument (\(parameters.names.prefix(parameters.required).joined(separator: ", ")))")
        }
        guard let data = arguments["DATA"], case .tableArgument(let tableName, let partitionBy) = data.kind else {
            throw fail(.typeMismatch, arguments["DATA"]!.position, "the first argument of \(name) is a table: TABLE name")
        }
        var columns = try relationColumns(tableName, environment)
        for column in partitionBy where !columns.contains(where: { $0.name == column.dotted }) {
            throw fail(.unknownColumn, column.position, "unknown column \(column.dotted) in PARTITION BY; \(tableName.dotted) has \(Self.list(columns.map(\.name)))")
        }
        guard let timeArgument = arguments["TIMECOL"], case .descriptor(let descriptor) = timeArgument.kind, descriptor.count == 1 else {
            throw fail(.typeMismatch, arguments["TIMECOL"]!.position, "the time column of \(name) is DESCRIPTOR(column)")
        }
        guard let timeIndex = columns.firstIndex(where: { $0.name == descriptor[0].name }) else {
            throw fail(.unknownColumn, descriptor[0].position,
                       "unknown column \(descriptor[0].name) in DESCRIPTOR; \(tableName.dotted) has \(Self.list(columns.map(\.name)))")
        }
        guard let attribute = columns[timeIndex].timeAttribute else {
            throw fail(.invalid, descriptor[0].position,
                       "\(name) needs a time attribute, and \(descriptor[0].name) (\(columns[timeIndex].type)) is none: declare WATERMARK FOR \(descriptor[0].name) in its table, or use PROCTIME()")
        }
        for parameter in ["SIZE", "SLIDE", "STEP", "GAP", "OFFSET"] {
            guard let value = arguments[parameter] else { continue }
            let typed = try type(value, environment, Context(clause: name))
            guard typed.type.family == .interval || typed.type.family == .any else {
                throw fail(.typeMismatch, value.position, "the \(parameter) of \(name) is an interval (INTERVAL '10' SECOND); \(quote(value)) is \(typed.type)")
            }
        }
        // The window's own time replaces the table's as the time attribute.
        columns[timeIndex].timeAttribute = nil
        let position = call.name.position
        return columns + [
            SQLColumn(name: "window_start", type: .timestamp(precision: 3), at: position),
            SQLColumn(name: "window_end", type: .timestamp(precision: 3), at: position),
            SQLColumn(name: "window_time", type: attribute == .rowtime ? .timestamp(precision: 3) : .timestampLocalTimeZone(precision: 3),
                      timeAttribute: attribute, at: position),
        ]
    }
}
