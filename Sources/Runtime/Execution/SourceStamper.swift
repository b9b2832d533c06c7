import Columns
import Core
import Expressions
import PluginHost

/// Stamps a source step's records with the event time an expression over
/// their values gives (`watermarks.timestamp` in a job file, docs/JOBS.md
/// "Event time and state"): Flink's computed column with a WATERMARK, whose
/// value is computed in the scan, per row, before anything downstream.
///
/// The records are read into the step's declared `schema:` first (the
/// host's one bytes → columns decoder, so the consumer does not decode
/// them again) and the expression runs as column kernels
/// (`ColumnarProgram`); records a source emits as typed columns are
/// stamped in their own schema; byte records of a step without a schema
/// are stamped by the row evaluator on their JSON text. A record whose
/// value does not fit the schema, or whose timestamp cannot be computed,
/// is null or is negative, goes to the dead letters with the reason; the
/// rest go on with the new timestamps, in order.
///
/// # Thread safety
/// Used by the task that runs its source instance only.
final class SourceStamper {
    let expression: String
    let stepID: String
    let instance: Int
    private let library: any ExpressionFunctionLibrary
    private let decoder: EdgeConversion?
    private let reject: (RejectedRecord) -> Void
    /// The row evaluator, made on the first byte batch.
    private var rowProgram: ExpressionProgram?
    /// Column kernels by schema: a source's schema is fixed, so a few suffice.
    private var columnPrograms: [(schema: Schema, program: ColumnarProgram)] = []
    static let columnProgramsMax = 4
    @exclusivity(unchecked) private var stamps: [Int64] = []
    @exclusivity(unchecked) private var kept: [Int] = []

    /// - Parameters:
    ///   - schema: the step's declared schema; nil: none.
    ///   - reject: receives each record that is not stamped.
    ///
    /// `expression` compiles: the job validator has checked it.
    init(expression: String, schema: Schema?, stepID: String, instance: Int, library: any ExpressionFunctionLibrary,
         reject: @escaping (RejectedRecord) -> Void) {
        self.expression = expression
        self.stepID = stepID
        self.instance = instance
        self.library = library
        self.reject = reject
        decoder = schema.map { EdgeConversion(schema: $0, stepID: stepID, instance: instance, reject: reject) }
    }

    /// `batch` with every record stamped, those that cannot be left out
    /// (sent to the dead letters); nil when none is left.
    func stamp(_ input: RecordBatch) -> RecordBatch? {
        var batch = input
        if !batch.hasColumnValues, let decoder { batch = decoder.decode(batch) }
        if batch.columnar?.selection != nil { batch = batch.compacted() }
        guard batch.count > 0 else { return nil }
        stamps.removeAll(keepingCapacity: true)
        kept.removeAll(keepingCapacity: true)
        if let typed = batch.columnar, let values = typed.values, let program = columnProgram(for: typed.schema) {
            let vector = batch.withColumns { columns in
                program.evaluate(values: values, timestamps: UnsafeBufferPointer(start: columns.timestamps, count: columns.count),
                                 rows: nil, headers: typed.headers)[0]
            }
            for row in 0..<batch.count {
                if let time = vector.integer(at: row), time >= 0 {
                    stamps.append(time)
                    kept.append(row)
                } else if let error = vector.errors[row] {
                    refuse(row, of: batch, "`\(expression)`: \(error.message)")
                } else {
                    take(vector.value(at: row) ?? .null, row: row, of: batch)
                }
            }
        } else {
            stampRows(batch)
        }
        guard !kept.isEmpty else { return nil }
        // Every row has a stamp or was left out: the kept rows' stamps,
        // in place, make the new batch's timestamps.
        var all = [Int64](repeating: 0, count: batch.count)
        for (index, row) in kept.enumerated() { all[row] = stamps[index] }
        return all.withUnsafeBufferPointer { batch.restamped($0, keeping: kept.count == batch.count ? nil : kept) }
    }

    /// The row evaluator over each record's bytes (JSON text; the value
    /// of a typed row as the host writes it as JSON).
    private func stampRows(_ batch: RecordBatch) {
        if rowProgram == nil {
            do throws(ExpressionProgram.Failure) {
                rowProgram = try ExpressionProgram([.init(expression, expecting: .integer)], library: library)
            } catch {
                preconditionFailure("watermarks.timestamp `\(expression)` was checked when the job was planned: \(error)")
            }
        }
        let program = rowProgram!
        let headers = batch.columnar?.headers
        for row in 0..<batch.count {
            var value: ExpressionValue = .null
            var failure: ExpressionRuntimeError?
            func evaluate(_ record: UnsafeRawBufferPointer?, _ timestamp: Int64) {
                do throws(ExpressionRuntimeError) {
                    try program.load(record: record, timestamp: timestamp, row: -1, headers: headers.map { ($0, row) })
                    value = try program.evaluate(0)
                } catch {
                    failure = error
                }
            }
            if batch.hasColumnValues {
                let timestamp = batch.timestamp(at: row)
                if let bytes = batch.valueBytes(at: row) {
                    bytes.withUnsafeBytes { evaluate($0, timestamp) }
                } else {
                    evaluate(nil, timestamp)
                }
            } else {
                batch.withRecord(at: row) { timestamp, _, record in evaluate(record, timestamp) }
            }
            if let failure {
                refuse(row, of: batch, "`\(expression)`: \(failure.message)")
            } else {
                take(value, row: row, of: batch)
            }
        }
    }

    /// Keeps row `row` with `value` as its timestamp, or refuses it saying
    /// why `value` is none.
    private func take(_ value: ExpressionValue, row: Int, of batch: RecordBatch) {
        switch value {
        case .integer(let time) where time >= 0:
            stamps.append(time)
            kept.append(row)
        case .integer(let time):
            refuse(row, of: batch, "`\(expression)` is \(time), a negative timestamp: event time needs one >= 0 (ms since 1970)")
        case .null:
            refuse(row, of: batch, "`\(expression)` is null for this record: event time needs a timestamp")
        default:
            refuse(row, of: batch, "`\(expression)` is \(value.described), not a timestamp (an integer of ms since 1970; "
                + "timestamp_ms(text) or parse_time(text) read one from text)")
        }
    }

    private func refuse(_ row: Int, of batch: RecordBatch, _ reason: String) {
        reject(RejectedRecord(
            stepID: stepID, instance: instance, reason: "watermarks.timestamp " + reason,
            timestamp: batch.timestamp(at: row), key: batch.withRecord(at: row) { _, key, _ in key.map { Array($0) } },
            value: batch.valueBytes(at: row), reasonClass: .timestamp))
    }

    /// The column kernels for `schema`; nil when they cannot be made
    /// (then the row evaluator runs on the values' JSON text).
    private func columnProgram(for schema: Schema) -> ColumnarProgram? {
        if let found = columnPrograms.first(where: { $0.schema == schema }) { return found.program }
        guard let program = try? ColumnarProgram([.init(expression, expecting: .integer)], schema: schema, library: library)
        else { return nil }
        if columnPrograms.count == Self.columnProgramsMax { columnPrograms.removeFirst() }
        columnPrograms.append((schema, program))
        return program
    }
}
