/// Compiles a SQL script into a streamhost job over first-party plugins:
/// tables become `file`, `log`, `datagen` sources and `file`, `log`,
/// `blackhole`, `stdout` sinks by their connector; WHERE a `filter`;
/// SELECT lists `map` and `project`; GROUP BY with a window `key_by` and
/// `window`; interval joins `key_by` on both sides and `join`.
///
/// Views and WITH queries are planned where they are used (inlined). What
/// the plugins cannot compute yet (update streams, OVER windows, ...) is
/// an `SQLError` of kind `.unsupported` at the place in the query, never
/// a job that computes something else. docs/SQL.md lists what plans.
public struct SQLPlanner {
    /// Plans `text` (a whole script: CREATE TABLE/VIEW, INSERT, SELECT,
    /// statement sets); `file` names it in errors, `jobName` names the job.
    /// `nativeFunctions` finds the signatures of CREATE FUNCTION ...
    /// LANGUAGE C (`SQLPlanner+NativeFunctions.swift`); without it such a
    /// declaration is an error.
    public static func plan(_ text: String, file: String, jobName: String,
                            nativeFunctions: SQLNativeFunctionLookup? = nil) throws(SQLError) -> SQLJob {
        let script = try SQLParser.parse(text, file: file)
        var catalog = SQLCatalog()
        try catalog.add(script)
        var planner = SQLPlanner(catalog: catalog, file: file, jobName: jobName)
        planner.nativeFunctions = nativeFunctions
        try planner.plan(script)
        planner.job.pruneUnreadFields()
        return planner.job
    }

    /// The job name a SQL file gets: its name without the directory and
    /// `.sql`, with characters a job name cannot have as '-'.
    public static func jobName(file: String) -> String {
        var base = Substring(file.split(separator: "/").last ?? "sql")
        if base.lowercased().hasSuffix(".sql") { base = base.dropLast(4) }
        let name = stepName(String(base))
        return name == "step" ? "sql" : name
    }

    let catalog: SQLCatalog
    let file: String
    var job: SQLJob
    /// Step ids taken so far.
    private var ids: Set<String> = []
    /// Temporary field names handed out (`__sql_3`), unique in the job.
    private var temporaries = 0
    /// WITH queries in scope, innermost last.
    var commonTables: [[String: SQLCommonTableExpression]] = []
    /// `SET 'table.exec.state.ttl'`: how long a regular join keeps a record
    /// (nil or 0: forever, Flink's default).
    var stateTTLMs: Int64?
    /// Where CREATE FUNCTION ... LANGUAGE C finds its signature.
    var nativeFunctions: SQLNativeFunctionLookup?

    init(catalog: SQLCatalog, file: String, jobName: String) {
        self.catalog = catalog
        self.file = file
        job = SQLJob(name: jobName, notes: ["Planned by streamhost sql from \(file)."])
    }

    var analyzer: SQLAnalyzer { SQLAnalyzer(catalog: catalog, file: file) }

    func fail(_ kind: SQLError.Kind, _ position: SQLPosition, _ message: String) -> SQLError {
        SQLError(kind, file: file, at: position, message)
    }

    func unsupported(_ position: SQLPosition, _ message: String) -> SQLError {
        fail(.unsupported, position, message + " (not yet supported)")
    }

    // MARK: Statements

    mutating func plan(_ script: SQLScript) throws(SQLError) {
        var planned = 0
        for statement in script.statements {
            switch statement.kind {
            case .createTable, .createView:
                continue
            case .createFunction(let function):
                try declareFunction(function)
            case .insert(let insert):
                try planInsert(insert)
                planned += 1
            case .statementSet(let inserts):
                for insert in inserts { try planInsert(insert) }
                planned += 1
            case .query(let query):
                let stream = try planQuery(query)
                let output = try analyzer.query(query)
                let shaped = try shape(stream, names: output.map(\.name), id: "select")
                _ = add(.sink, "stdout", id: "print", config: [("format", .string("value"))], after: shaped.tail)
                planned += 1
            case .explain:
                throw unsupported(statement.position, "EXPLAIN inside a script: run `streamhost sql --explain FILE` instead")
            case .set(let key, let value):
                try set(key, value)
            }
        }
        guard planned > 0 else {
            throw fail(.invalid, script.statements.last?.position ?? .start,
                       "the script has no INSERT or SELECT: nothing to run (CREATE statements only define tables and views)")
        }
    }

    /// `SET 'key' = 'value'`: the options that map onto the job file.
    mutating func set(_ key: SQLString, _ value: SQLString) throws(SQLError) {
        switch key.value {
        case "parallelism.default":
            guard let parallelism = Int(value.value), parallelism >= 1, parallelism <= 32768 else {
                throw fail(.invalid, value.position, "parallelism.default is a whole number from 1 to 32768, got '\(value.value)'")
            }
            job.parallelism = parallelism
        case "execution.checkpointing.interval":
            guard let ms = Self.duration(value.value), ms >= 10, ms <= 86_400_000 else {
                throw fail(.invalid, value.position,
                           "execution.checkpointing.interval is a duration from 10 ms to a day ('10 s', '500 ms', '1 min' or ms), got '\(value.value)'")
            }
            job.checkpointIntervalMs = ms
        case "pipeline.name":
            guard Self.isValidName(value.value) else {
                throw fail(.invalid, value.position, "pipeline.name names the job: letters, digits, '-', '_' and '.' only, got '\(value.value)'")
            }
            job.name = value.value
        case "table.exec.state.ttl":
            stateTTLMs = try stateTTL(value)
        default:
            throw fail(.invalid, key.position,
                       "unknown option '\(key.value)' in SET; known: execution.checkpointing.interval, parallelism.default, pipeline.name, "
                           + "table.exec.state.ttl")
        }
    }

    /// A duration as Flink writes one: `10s`, `10 s`, `500 ms`, `1 min`, `2 h`, or plain ms.
    static func duration(_ text: String) -> Int64? {
        let trimmed = text.filter { $0 != " " }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int64(digits) else { return nil }
        let units: [String: Int64] = [
            "": 1, "ms": 1, "milli": 1, "millis": 1, "s": 1000, "sec": 1000, "second": 1000, "seconds": 1000,
            "min": 60_000, "minute": 60_000, "minutes": 60_000, "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
        ]
        guard let unit = units[String(trimmed.dropFirst(digits.count)).lowercased()] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }

    mutating func planInsert(_ insert: SQLInsert) throws(SQLError) {
        guard let target = catalog.relation(insert.target.dotted), case .table = target.kind else {
            throw fail(.unknownTable, insert.target.position, "unknown table \(insert.target.dotted) to INSERT INTO")
        }
        if insert.overwrite { throw unsupported(insert.position, "INSERT OVERWRITE") }
        let written = target.columns.filter(\.isWritten)
        let names = insert.columns.isEmpty ? written.map(\.name) : insert.columns.map(\.name)
        if names.count < written.count {
            // Flink fills the columns the INSERT does not name with NULL.
            throw unsupported(insert.columns.first?.position ?? insert.position,
                              "an INSERT that leaves columns of \(target.name) out (\(written.map(\.name).filter { !names.contains($0) }.joined(separator: ", ")))")
        }
        let stream = try planQuery(insert.query)
        // The target's column order, whatever order the INSERT names them in.
        let ordered = written.map(\.name)
        let types = Dictionary(written.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let shaped = try shape(stream, names: names, order: ordered, types: types, id: Self.stepName(target.name))
        try planSink(target, after: shaped.tail, at: insert.target.position)
    }

    // MARK: Steps

    /// Adds a step after `input` (the step before it in the list unless
    /// `input` says otherwise) and returns its id.
    @discardableResult
    mutating func add(_ kind: SQLJobStep.Kind, _ component: String, id base: String,
                      config: [(String, SQLJobValue)] = [], after input: String?, inputs: [String]? = nil,
                      watermarks: [(String, SQLJobValue)]? = nil, schema: [(String, String)]? = nil) -> String {
        var id = Self.stepName(base)
        var suffix = 2
        while ids.contains(id) {
            id = "\(Self.stepName(base))-\(suffix)"
            suffix += 1
        }
        ids.insert(id)
        var stepInputs = inputs ?? []
        if inputs == nil, let input, job.steps.last?.id != input { stepInputs = [input] }
        job.steps.append(SQLJobStep(id: id, kind: kind, component: component, config: config, inputs: stepInputs,
                                    watermarks: watermarks, schema: schema))
        return id
    }

    /// A field name no record of the job has: planner temporaries.
    mutating func temporary() -> String {
        temporaries += 1
        return "__sql_\(temporaries)"
    }

    /// A step id made from a SQL name: letters, digits, '-', '_', '.'.
    static func stepName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
        return cleaned.isEmpty ? "step" : cleaned
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    // MARK: Output shape

    /// Makes the records exactly `names` (renaming the stream's columns in
    /// order), written in the order of `order` when given (an INSERT's
    /// target columns): one `project`, or a `map` and a `project`.
    ///
    /// A DECIMAL(p, s) column (of `types`, an INSERT's target columns, else
    /// of the stream) is written as Flink's JSON format writes one: rounded
    /// half up to s digits and with exactly s (`10.50`, not `10.5`), by a
    /// `cast(... as decimal(p, s))` in the map. This is where the SQL type
    /// meets the record's text: the records between steps are JSON, whose
    /// numbers carry no scale.
    mutating func shape(_ stream: SQLPlanStream, names: [String], order: [String]? = nil, types: [String: SQLType] = [:],
                        id: String) throws(SQLError) -> SQLPlanStream
    {
        precondition(names.count == stream.columns.count, "shape: \(names.count) names for \(stream.columns.count) columns")
        var items: [(name: String, column: SQLPlanColumn)] = Array(zip(names, stream.columns))
        if let order {
            items = order.compactMap { name in items.first { $0.name == name } }
        }
        let outputs = items.map { item in
            let value = item.column.millis
                ? SQLExpressionTranslator.formatMillis(item.column.expressionPath) : item.column.expressionPath
            let type = types[item.name] ?? item.column.type
            if case .decimal(let precision, let scale) = type, scale <= SQLExpressionTranslator.decimalScaleMax {
                var output = SQLPlanOutput(name: item.name, value: SQLPlanOutput.decimal(value, precision, scale), column: nil,
                                           type: type)
                output.decimalOf = (item.column.millis ? nil : item.column.path, precision, scale)
                return output
            }
            return SQLPlanOutput(name: item.name, value: value, column: item.column.millis ? nil : item.column)
        }
        return try project(stream, outputs, id: id)
    }

    /// The records as `outputs`, in order and nothing else. When every
    /// output is a top-level field of an exactly known record, in the
    /// record's order, a `project` (keep and rename) does it; otherwise a
    /// `map` computes each into a temporary field (appended in order) and
    /// a `project` keeps and renames those.
    mutating func project(_ stream: SQLPlanStream, _ outputs: [SQLPlanOutput], id: String) throws(SQLError) -> SQLPlanStream {
        var columns: [SQLPlanColumn] = []
        for output in outputs {
            var column = output.column ?? SQLPlanColumn(qualifier: nil, name: output.name, type: output.type, path: [])
            column.qualifier = nil
            column.name = output.name
            column.path = [output.name]
            column.millis = false
            if output.column == nil {
                column.type = output.type
                column.timeAttribute = output.timeAttribute
                column.isRecordTime = output.recordTime
                column.windowBound = output.windowBound
            }
            columns.append(column)
        }
        // Already exactly these fields?
        if let fields = stream.exactFields, fields == outputs.map(\.name),
           zip(outputs, fields).allSatisfy({ $0.0.column?.path == [$0.1] }) {
            return SQLPlanStream(tail: stream.tail, columns: columns, exactFields: fields)
        }
        // A keep/rename of top-level fields in the record's order.
        if let fields = stream.exactFields {
            let sources = outputs.map { output -> String? in
                guard let column = output.column, column.path.count == 1 else { return nil }
                return column.path[0]
            }
            let positions = sources.map { source in source.flatMap { fields.firstIndex(of: $0) } }
            if positions.allSatisfy({ $0 != nil }), positions.map({ $0! }) == positions.map({ $0! }).sorted(),
               Set(positions.map { $0! }).count == positions.count {
                let kept = sources.map { $0! }
                var rename: [(String, SQLJobValue)] = []
                for (source, output) in zip(kept, outputs) where source != output.name {
                    rename.append((source, .string(output.name)))
                }
                // A rename of all the fields a project just made: change its renames.
                if Set(outputs.map(\.name)).count == outputs.count, kept == fields,
                   let last = job.steps.last, last.id == stream.tail, last.component == "project",
                   case .list(let previous)? = last.config.first(where: { $0.0 == "keep" })?.1, previous.count == fields.count {
                    var renames: [(String, SQLJobValue)] = []
                    for (original, output) in zip(previous, outputs) {
                        guard case .string(let originalName) = original else { continue }
                        if originalName != output.name { renames.append((originalName, .string(output.name))) }
                    }
                    var config: [(String, SQLJobValue)] = [("keep", .list(previous))]
                    if !renames.isEmpty { config.append(("rename", .object(renames))) }
                    job.steps[job.steps.count - 1].config = config
                    return SQLPlanStream(tail: stream.tail, columns: columns, exactFields: outputs.map(\.name))
                }
                // Distinct output names: no rename can make two fields of one name.
                if Set(outputs.map(\.name)).count == outputs.count {
                    var config: [(String, SQLJobValue)] = [("keep", .list(kept.map(SQLJobValue.string)))]
                    if !rename.isEmpty { config.append(("rename", .object(rename))) }
                    let tail = add(.operator, "project", id: id, config: config, after: stream.tail)
                    return SQLPlanStream(tail: tail, columns: columns, exactFields: outputs.map(\.name))
                }
            }
        }
        if let fused = fuseWithLastMap(stream, outputs, columns: columns) { return fused }
        var set: [(String, SQLJobValue)] = []
        var rename: [(String, SQLJobValue)] = []
        var kept: [SQLJobValue] = []
        for output in outputs {
            let field = temporary()
            set.append((field, .string(output.value)))
            kept.append(.string(field))
            rename.append((field, .string(output.name)))
        }
        let mapped = add(.operator, "map", id: id, config: [("set", .object(set))], after: stream.tail)
        let tail = add(.operator, "project", id: id, config: [("keep", .list(kept)), ("rename", .object(rename))], after: mapped)
        return SQLPlanStream(tail: tail, columns: columns, exactFields: outputs.map(\.name))
    }
}

extension SQLPlanner {
    /// When the stream is the planner's own `map` into temporaries and
    /// `project` keeping and renaming them, and `outputs` only pick those
    /// fields (each at most once), some as a DECIMAL cast: rewrites that map
    /// and project instead of adding two more steps. Nil when it does not apply.
    mutating func fuseWithLastMap(_ stream: SQLPlanStream, _ outputs: [SQLPlanOutput], columns: [SQLPlanColumn])
        -> SQLPlanStream?
    {
        guard let fields = stream.exactFields, job.steps.count >= 2 else { return nil }
        let projectIndex = job.steps.count - 1
        let project = job.steps[projectIndex]
        let map = job.steps[projectIndex - 1]
        guard project.id == stream.tail, project.component == "project", project.inputs.isEmpty, map.component == "map",
              case .list(let keptValues)? = project.config.first(where: { $0.0 == "keep" })?.1,
              case .object(let set)? = map.config.first(where: { $0.0 == "set" })?.1, map.config.count == 1,
              keptValues.count == fields.count, set.count == fields.count else { return nil }
        let kept = keptValues.compactMap { value -> String? in
            if case .string(let name) = value { return name }
            return nil
        }
        guard kept == set.map(\.0) else { return nil }
        var used = Set<Int>()
        var newSet: [(String, SQLJobValue)] = []
        var rename: [(String, SQLJobValue)] = []
        for output in outputs {
            let path = output.column?.path ?? output.decimalOf?.path
            guard let path, path.count == 1, let index = fields.firstIndex(of: path[0]), used.insert(index).inserted,
                  case .string(let expression) = set[index].1 else { return nil }
            var value = expression
            if output.column == nil, let decimal = output.decimalOf {
                value = SQLPlanOutput.decimal(expression, decimal.precision, decimal.scale)
            }
            newSet.append((kept[index], .string(value)))
            if kept[index] != output.name { rename.append((kept[index], .string(output.name))) }
        }
        job.steps[projectIndex - 1].config = [("set", .object(newSet))]
        var config: [(String, SQLJobValue)] = [("keep", .list(newSet.map { SQLJobValue.string($0.0) }))]
        if !rename.isEmpty { config.append(("rename", .object(rename))) }
        job.steps[projectIndex].config = config
        return SQLPlanStream(tail: stream.tail, columns: columns, exactFields: outputs.map(\.name))
    }
}

/// The records at one point of a planned pipeline.
struct SQLPlanStream {
    /// The step that produces them.
    var tail: String
    var columns: [SQLPlanColumn]
    /// When known: the records hold exactly these top-level fields, in
    /// this order (after a projection, or from a source with a schema).
    var exactFields: [String]?
}

/// One field a projection writes: its name and the expression computing it.
struct SQLPlanOutput {
    var name: String
    /// Expression-language text.
    var value: String
    /// The column it copies unchanged, if it does (keeps its time role).
    var column: SQLPlanColumn?
    var type: SQLType = .unknown
    var timeAttribute: SQLTimeAttribute?
    /// Its value is the record's timestamp (a window's window_time).
    var recordTime = false
    /// Its value is a window's start or end (kept through projections).
    var windowBound: SQLWindowBound?
    /// A DECIMAL(p, s) output: the column path it casts (nil when the
    /// value is computed), for `fuseWithLastMap`.
    var decimalOf: (path: [String]?, precision: Int, scale: Int)?

    /// `value` (expression-language text) as SQL's DECIMAL(p, s).
    static func decimal(_ value: String, _ precision: Int, _ scale: Int) -> String {
        "cast(\(value) as \(SQLExpressionTranslator.decimal(precision, scale)))"
    }
}
