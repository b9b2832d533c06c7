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
/// # Thread safety
/// One instance per task thread, as every component.
final class FilterOperator: Operator {
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

    private let condition: String
    private let program: ExpressionProgram
    private let presence: FieldPresenceCheck

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
    }

    func close(context: Context) throws {
        presence.finish(context: context)
    }

    func process(_ batch: Batch, context: Context) throws {
        // Native functions that take whole batches are called once per batch
        // here; the records then read their results.
        let batchCalls = program.hasBatchCalls
        if batchCalls {
            program.prepareBatch(count: batch.count) { row in (batch.value(at: row), batch.timestamp(at: row)) }
        }
        defer { if batchCalls { program.endBatch() } }
        for index in batch.indices {
            let keep: Bool
            do throws(ExpressionRuntimeError) {
                let value = batch.value(at: index)
                try program.load(record: value, timestamp: batch.timestamp(at: index), row: batchCalls ? index : -1)
                if let value { presence.observe(value, context: context) }
                keep = try program.condition(0) == true
            } catch {
                try context.reject(record: batch.record(at: index), reason: "filter where `\(condition)`: \(error.message)")
                continue
            }
            if keep { try context.emit(batch.record(at: index)) }
        }
    }
}
