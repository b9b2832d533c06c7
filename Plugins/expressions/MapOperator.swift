import Columns
import Expressions
import StreamhostKit

/// OPERATOR "map": sets fields of each record from expressions.
///
/// `set` maps a field path (`amount_eur`, `customer.name`) to an
/// expression. Every expression reads the input record: a later entry does
/// not see what an earlier one set (as in a SQL SELECT list), so the order
/// only decides where new fields go. Existing fields are replaced in place;
/// new ones are appended to their object. A null result sets the field to
/// null. A record an expression cannot be evaluated on goes to the
/// dead-letter destination with the reason, and none of its fields is set.
/// Tombstones pass through unchanged.
///
/// Typed columns (ABI 1.3) are computed by column kernels
/// (`ColumnarProgram`): the input's columns are passed on by reference
/// (shared, not copied; the host keeps the input alive for them), a set
/// field replaces its column (or is appended as a new one) with the type
/// of its results (decimals at the most digits after the point they
/// can have), and the rows that fail go to the dead letters with the byte
/// path's reasons. A config the columns cannot hold (a target inside an
/// object, a result without one type, such as a JSON value) is run by the
/// byte path on each row's JSON text, emitting bytes.
///
/// # Thread safety
/// One instance per task thread, as every component.
///
/// # Ownership
/// Keeps its output buffers between batches, so that records allocate nothing.
final class MapOperator: Operator, SchemaDeriving {
    static let name = "map"
    static let description = "Sets or replaces fields of each record with values computed by expressions."
    static let configSchema: String? = #"""
        {"type":"object",
         "properties":{
          "set":{"type":"object","description":"field path -> expression, such as amount_eur: amount * 0.92",
                 "additionalProperties":{"type":"string","minLength":1,"x-streamhost-expression":true}},
        """# + FunctionConfig.schemaProperty + #"""
         },
         "required":["set"],"additionalProperties":false}
        """#

    static var inputFormats: RecordFormats { [.bytes, .columns] }
    static var outputFormats: RecordFormats { [.bytes, .columns] }

    /// How a batch of one schema is mapped in columns: the program, the
    /// output schema, and per output field the input field it copies or
    /// the expression it holds; nil: by the byte path.
    struct ColumnarPlan {
        enum Source { case input(Int), expression(Int) }
        let program: ColumnarProgram
        let schema: Schema
        let sources: [Source]
    }

    private let fields: [String]
    private let program: ExpressionProgram
    private let columnar: ColumnarBatchSupport<ColumnarPlan?>
    private let rewriter: RecordRewriter
    private let presence: FieldPresenceCheck
    // One thread at a time uses an instance (rule 8), and these buffers are
    // never accessed overlappingly: skip the run-time exclusivity checks,
    // which would cost more per record than the work.
    @exclusivity(unchecked) private var valueBytes: [UInt8] = []
    @exclusivity(unchecked) private var valueRanges: [Range<Int>]
    @exclusivity(unchecked) private var output: [UInt8] = []
    /// Where each target is in the current record (top-level targets only).
    @exclusivity(unchecked) private var found: [Range<Int>?]

    init(context: Context, config: Config) throws {
        var entries: [(field: String, expression: String)] = []
        try config.withRawValue("set") { set in
            guard let set, set.kind == .object else { throw PluginError.invalidConfig(key: "set", expected: "a mapping of field to expression") }
            var failure: PluginError?
            set.forEachMember { name, value in
                guard let field = name.stringValue, let text = value.stringValue else {
                    failure = .invalidConfig(key: "set", expected: "expressions written as strings")
                    return
                }
                entries.append((field, text))
            }
            if let failure { throw failure }
        }
        guard !entries.isEmpty else { throw PluginError.invalidConfig(key: "set", expected: "at least one field") }
        var paths: [JSONFieldPath] = []
        for entry in entries {
            do throws(JSONFieldPathError) {
                paths.append(try JSONFieldPath(entry.field))
            } catch {
                throw PluginError.failed("map: " + error.described(at: "set"))
            }
        }
        fields = entries.map(\.field)
        let library = try FunctionConfig.library(config, component: "map")
        let targets = paths.map(\.segments)
        do {
            // Top-level targets are located in the same pass that reads the
            // fields, so that the results are spliced in without a second walk.
            let locating = targets.allSatisfy { $0.count == 1 } ? paths.map(FieldPath.init) : []
            program = try ExpressionProgram(entries.map { .init($0.expression) }, library: library, locating: locating)
        } catch {
            throw PluginError.failed("map: set \(entries[error.index].field) = `\(entries[error.index].expression)`: \(error.error)")
        }
        do {
            rewriter = try RecordRewriter(targets: targets)
        } catch {
            throw PluginError.failed("map: \(error)")
        }
        valueRanges = [Range<Int>](repeating: 0..<0, count: entries.count)
        found = [Range<Int>?](repeating: nil, count: entries.count)
        presence = FieldPresenceCheck(program: program, labels: entries.map { "map set \($0.field) = `\($0.expression)`" })
        columnar = ColumnarBatchSupport { schema in
            do throws(ExpressionProgram.Failure) {
                return try MapOperator.columnarPlan(entries, input: schema, library: library)
            } catch {
                throw PluginError.failed("map: set \(entries[error.index].field) = `\(entries[error.index].expression)`: \(error.error)")
            }
        }
    }

    /// How records of `input` are mapped in columns: the output schema has
    /// the input's fields, each set field replaced in place (every member
    /// of that name) or appended, typed by the type checker and the column
    /// kernels (`ColumnarProgram.resultTypes`); nil when the columns cannot
    /// hold the config (a target inside an object, a result without one
    /// type), which the byte path then runs.
    static func columnarPlan(_ entries: [(field: String, expression: String)], input: Schema,
                             library: any ExpressionFunctionLibrary) throws(ExpressionProgram.Failure) -> ColumnarPlan? {
        guard entries.allSatisfy({ !$0.field.contains(".") }) else { return nil }
        let program = try ColumnarProgram(entries.map { .init($0.expression) }, schema: input, library: library)
        guard program.resultTypes.allSatisfy({ $0 != nil }) else { return nil }
        var fields = input.fields
        var sources = fields.indices.map { ColumnarPlan.Source.input($0) }
        for (index, entry) in entries.enumerated() {
            let field = Field(entry.field, program.resultTypes[index]!)
            // Every member of that name is set, as the byte path does.
            let existing = fields.indices.filter { fields[$0].name == entry.field }
            for at in existing {
                fields[at] = field
                sources[at] = .expression(index)
            }
            if existing.isEmpty {
                fields.append(field)
                sources.append(.expression(index))
            }
        }
        return ColumnarPlan(program: program, schema: Schema(fields), sources: sources)
    }

    /// The output schema at plan time: the columnar plan's, for an input of
    /// known schema. Typed with the built-in functions only: a config that
    /// calls the job's native functions (the `functions` key, filled by the
    /// host) has no schema here, as it would need their libraries loaded.
    static func outputSchema(configJSON: String, input: Schema?) -> Schema? {
        guard let input else { return nil }
        return Array(configJSON.utf8).withUnsafeBytes { text -> Schema? in
            guard let config = try? JSONView(parsing: text), let set = config.member("set"), set.kind == .object else {
                return nil
            }
            if let functions = config.member("functions"), functions.kind == .array {
                var declared = false
                functions.forEachElement { _ in declared = true }
                if declared { return nil }
            }
            var entries: [(field: String, expression: String)] = []
            var readable = true
            set.forEachMember { name, value in
                guard let field = name.stringValue, let text = value.stringValue else {
                    readable = false
                    return
                }
                entries.append((field, text))
            }
            guard readable, !entries.isEmpty else { return nil }
            return (try? columnarPlan(entries, input: input, library: BuiltinFunctions()))?.schema
        }
    }

    func close(context: Context) throws {
        presence.finish(context: context)
    }

    func process(_ batch: Batch, context: Context) throws {
        if batch.isColumnar {
            try processColumns(batch, context: context)
            return
        }
        // Native functions that take whole batches are called once per batch
        // here; the records then read their results.
        let batchCalls = program.hasBatchCalls
        let headers = try batch.headers()
        if batchCalls {
            program.prepareBatch(count: batch.count, headers: headers) { row in (batch.value(at: row), batch.timestamp(at: row)) }
        }
        defer { if batchCalls { program.endBatch() } }
        for index in batch.recordRows {
            try mapRecord(batch.value(at: index), row: batchCalls ? index : -1, of: batch, at: index, headers: headers,
                          context: context)
        }
    }

    /// The byte path for one record: `value` (nil: a tombstone) is the
    /// value of row `index` of `batch`; `row` is its row for prepared batch
    /// calls, or -1.
    private func mapRecord(_ value: UnsafeRawBufferPointer?, row: Int, of batch: Batch, at index: Int,
                           headers: Column?, context: Context) throws {
        guard let value else {
            try context.emit(Context.makeRecord(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: nil))
            return
        }
        var failure: ExpressionRuntimeError?
        valueBytes.removeAll(keepingCapacity: true)
        output.removeAll(keepingCapacity: true)
        do throws(ExpressionRuntimeError) {
            try program.load(record: value, timestamp: batch.timestamp(at: index), row: row,
                             headers: headers.map { (column: $0, row: index) })
            presence.observe(value, context: context)
            for field in 0..<fields.count {
                let start = valueBytes.count
                do throws(ExpressionRuntimeError) {
                    try program.appendResult(field, to: &valueBytes)
                } catch {
                    throw ExpressionRuntimeError(message: "set \(fields[field]) = `\(program.sources[field].text)`: \(error.message)")
                }
                valueRanges[field] = start..<valueBytes.count
            }
            var spliceFailure: ExpressionRuntimeError?
            // Top-level targets were located by the scan: splice directly,
            // unless a target occurs twice (then every occurrence is set
            // by the full walk).
            var repeated = !rewriter.isTopLevelOnly
            if rewriter.isTopLevelOnly {
                for target in 0..<fields.count {
                    let location = program.location(of: target)
                    found[target] = location?.range
                    repeated = repeated || location?.repeated == true
                }
            }
            found.withUnsafeBufferPointer { found in
                valueRanges.withUnsafeBufferPointer { ranges in
                    valueBytes.withUnsafeBytes { bytes in
                        if !repeated {
                            rewriter.rewriteTopLevel(value, found: found, values: ranges, valueBytes: bytes, into: &output)
                            return
                        }
                        do throws(ExpressionRuntimeError) {
                            try rewriter.rewrite(value, values: ranges, valueBytes: bytes, into: &output)
                        } catch {
                            spliceFailure = error
                        }
                    }
                }
            }
            if let spliceFailure { throw spliceFailure }
        } catch {
            failure = error
        }
        try emitOrReject(output, reason: failure.map { "map: \($0.message)" }, value: value, of: batch, at: index,
                         context: context)
    }

    /// Maps a columnar batch: kernels over the selected rows, the other
    /// columns passed on by reference, one `emit_columns` with the rows
    /// that did not fail as its selection.
    private func processColumns(_ batch: Batch, context: Context) throws {
        let (values, found, encoder) = try columnar.prepare(batch)
        let headers = try batch.headers()
        guard let plan = found else {
            // The byte path, which samples the records' text itself.
            try ColumnarBatchSupport<ColumnarPlan?>.forEachRecordAsText(batch, values: values, encoder: encoder) { row, value in
                try mapRecord(value, row: -1, of: batch, at: row, headers: headers, context: context)
            }
            return
        }
        try presence.observe(schema: try batch.schema(), records: batch.selection?.count ?? batch.count, context: context)
        let selection = batch.selection
        let vectors = plan.program.evaluate(values: values, timestamps: batch.timestamps, rows: selection, headers: headers)
        // The first failing expression of a row names the reason, as the
        // byte path stops at it; a tombstone is passed on, not evaluated.
        var reasons: [Int: String] = [:]
        var results: [Column] = []
        for (index, vector) in vectors.enumerated() {
            let (column, failures) = vector.column(type: plan.program.resultTypes[index]!, length: batch.count, rows: selection)
            results.append(column)
            for failure in failures where reasons[failure.row] == nil && !values.isNull(failure.row) {
                reasons[failure.row] = "set \(fields[index]) = `\(plan.program.sources[index].text)`: \(failure.error.message)"
            }
        }
        for row in reasons.keys.sorted() {
            try ColumnarBatchSupport<ColumnarPlan?>.reject(row: row, of: batch, values: values, encoder: encoder,
                                                           reason: "map: \(reasons[row]!)", context: context)
        }
        let children = plan.sources.map { source -> Column in
            switch source {
            case .input(let field): return values.passedChild(field)
            case .expression(let index): return results[index]
            }
        }
        let mapped = Column.structOf(plan.schema.fields, children: children, length: batch.count, nullsOf: values)
        var kept: [UInt32]?
        if !reasons.isEmpty {
            kept = batch.recordRows.filter { reasons[$0] == nil }.map(UInt32.init)
        } else if let selection {
            kept = Array(selection)
        }
        if let kept, kept.isEmpty { return }
        try context.emit(columns: mapped, schema: plan.schema, rowsOf: batch, selection: kept)
    }
}
