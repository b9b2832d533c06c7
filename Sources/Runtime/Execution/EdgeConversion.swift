import Columns
import Core
import PluginHost

/// Reads byte values into typed columns for a step that takes columns,
/// sending each record that does not fit the schema to the dead letters
/// with the field and the reason: the host's one bytes → columns edge.
/// (Columns → bytes needs no schema and cannot fail: `ComponentInstance`
/// and the hash exchange call `RecordBatch.convertedToBytes` directly.)
///
/// # Thread safety
/// Used by the task that runs its instance only.
final class EdgeConversion {
    let decoder: ColumnarJSONDecoder
    let stepID: String
    let instance: Int
    let deadLetters: DeadLetterWriter

    init(schema: Schema, stepID: String, instance: Int, deadLetters: DeadLetterWriter) {
        decoder = ColumnarJSONDecoder(schema: schema)
        self.stepID = stepID
        self.instance = instance
        self.deadLetters = deadLetters
    }

    func decode(_ batch: RecordBatch) -> RecordBatch {
        batch.convertedToColumns(decoder: decoder) { row, failure in
            batch.withRecord(at: row) { timestamp, key, value in
                deadLetters.write(RejectedRecord(
                    stepID: stepID, instance: instance,
                    reason: "the value does not fit the input schema of step '\(stepID)': \(failure)",
                    timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) },
                    reasonClass: .conversion))
            }
        }
    }

    /// Gives `instance` its formats from the plan, and a conversion when it
    /// reads columns that may arrive as bytes.
    static func configure(_ instance: ComponentInstance, formats: StepFormats?, deadLetters: DeadLetterWriter) {
        guard let formats else { return }
        instance.inputFormat = formats.input ?? .bytes
        instance.outputFormat = formats.output ?? .bytes
        if formats.input == .columns, let schema = formats.inputSchema {
            let conversion = EdgeConversion(schema: schema, stepID: instance.context.stepID,
                                            instance: instance.context.instance, deadLetters: deadLetters)
            instance.decodeInput = { conversion.decode($0) }
        }
    }
}
