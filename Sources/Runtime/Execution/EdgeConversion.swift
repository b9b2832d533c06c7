import Columns
import Core
import PluginHost

/// Reads byte values into typed columns for a step that takes columns,
/// sending each record that does not fit the schema to the dead letters
/// with the field and the reason: the host's one bytes → columns edge.
/// (Columns → bytes needs no schema and cannot fail: `ComponentInstance`
/// and a hash exchange whose key the columns cannot give call
/// `RecordBatch.convertedToBytes` directly.)
///
/// # Thread safety
/// Used by the task that runs its instance only.
public final class EdgeConversion {
    let decoder: ColumnarJSONDecoder
    let stepID: String
    let instance: Int
    /// Where records that do not fit go (the job's dead letters).
    let reject: (RejectedRecord) -> Void

    /// - Parameter reject: receives each record that does not fit `schema`.
    public init(schema: Schema, stepID: String, instance: Int, reject: @escaping (RejectedRecord) -> Void) {
        decoder = ColumnarJSONDecoder(schema: schema)
        self.stepID = stepID
        self.instance = instance
        self.reject = reject
    }

    public func decode(_ batch: RecordBatch) -> RecordBatch {
        batch.convertedToColumns(decoder: decoder) { row, failure in
            batch.withRecord(at: row) { timestamp, key, value in
                reject(RejectedRecord(
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
                                            instance: instance.context.instance, reject: { deadLetters.write($0) })
            instance.decodeInput = { conversion.decode($0) }
        }
        if formats.inputChecks.contains(where: { $0 != nil }) {
            let checks = formats.inputChecks.map { schema in
                schema.map {
                    EdgeConversion(schema: $0, stepID: instance.context.stepID, instance: instance.context.instance,
                                   reject: { deadLetters.write($0) })
                }
            }
            instance.checkInput = { batch, input in
                guard checks.indices.contains(input), let check = checks[input] else { return batch }
                return check.decode(batch)
            }
        }
    }
}
