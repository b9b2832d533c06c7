import Columns
import Expressions
import StreamhostKit

/// OPERATOR "filter": forwards the records for which `where` is true.
///
/// A record for which the condition is false or null is dropped (SQL's
/// WHERE). A record the condition cannot be evaluated on (a field of the
/// wrong type, a division by zero, a value that is not a JSON object) goes
/// to the dead-letter destination with the reason. A tombstone (null
/// value) has no fields: they all read as null.
///
/// Typed columns (ABI 1.3) are filtered by column kernels
/// (`ColumnarProgram`), with the same results and reasons, and passed on
/// with a selection of the rows kept: the columns are not copied.
///
/// # Thread safety
/// One instance per task thread, as every component.
final class FilterOperator: Operator, SchemaDeriving {
    static let name = "filter"
    static let description = "Keeps the records for which an expression is true (SQL WHERE)."
    static let configSchema: String? = #"""
        {"type":"object",
         "properties":{
          "where":{"type":"string","minLength":1,"x-streamhost-expression":"boolean",
                   "description":"A condition, such as amount > 100 and category != 'test'. False or null drops the record."},
        """# + FunctionConfig.schemaProperty + #"""
         },
         "required":["where"],"additionalProperties":false}
        """#

    static var inputFormats: RecordFormats { [.bytes, .columns] }
    static var outputFormats: RecordFormats { [.bytes, .columns] }

    private let condition: String
    private let program: ExpressionProgram
    private let presence: FieldPresenceCheck
    /// The condition compiled per input schema, for columnar batches.
    private let columnar: ColumnarBatchSupport<ColumnarProgram>

    init(context: Context, config: Config) throws {
        condition = try config.requiredString("where")
        let library = try FunctionConfig.library(config, component: "filter")
        do {
            program = try ExpressionProgram([.init(condition, expecting: .boolean)],
                                            library: library)
        } catch {
            throw PluginError.failed("filter: where `\(condition)`: \(error.error)")
        }
        presence = FieldPresenceCheck(program: program, labels: ["filter where `\(condition)`"])
        columnar = ColumnarBatchSupport { [condition] schema in
            do throws(ExpressionProgram.Failure) {
                return try ColumnarProgram([.init(condition, expecting: .boolean)], schema: schema, library: library)
            } catch {
                throw PluginError.failed("filter: where `\(condition)`: \(error.error)")
            }
        }
    }

    /// The output schema at plan time: the input's (a filter passes its
    /// records on unchanged).
    static func outputSchema(configJSON: String, input: Schema?) -> Schema? { input }

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
        // The records kept go on as the input batch with a selection, so
        // that their keys, values and headers are passed on as they came.
        var kept: [UInt32] = []
        kept.reserveCapacity(batch.count)
        for index in batch.recordRows {
            let keep: Bool
            do throws(ExpressionRuntimeError) {
                let value = batch.value(at: index)
                try program.load(record: value, timestamp: batch.timestamp(at: index), row: batchCalls ? index : -1,
                                 headers: headers.map { (column: $0, row: index) })
                if let value { presence.observe(value, context: context) }
                keep = try program.condition(0) == true
            } catch {
                try context.reject(record: batch.record(at: index), reason: "filter where `\(condition)`: \(error.message)")
                continue
            }
            if keep { kept.append(UInt32(index)) }
        }
        if batch.selection == nil, kept.count == batch.count {
            try context.emit(batch: batch)
        } else if !kept.isEmpty {
            try context.emit(batch: batch, selection: kept)
        }
    }

    /// Selects the rows of a columnar batch: one kernel pass, the failures
    /// to the dead letters, the input passed on with a selection.
    private func processColumns(_ batch: Batch, context: Context) throws {
        try presence.observe(schema: try batch.schema(), records: batch.selection?.count ?? batch.count, context: context)
        let (values, program, encoder) = try columnar.prepare(batch)
        let (selected, failures) = program.select(0, values: values, timestamps: batch.timestamps, rows: batch.selection,
                                                  headers: try batch.headers())
        for failure in failures {
            try ColumnarBatchSupport<ColumnarProgram>.reject(
                row: failure.row, of: batch, values: values, encoder: encoder,
                reason: "filter where `\(condition)`: \(failure.error.message)", context: context)
        }
        if batch.selection == nil, selected.count == batch.count {
            try context.emit(batch: batch)
        } else if !selected.isEmpty {
            try context.emit(batch: batch, selection: selected)
        }
    }
}
