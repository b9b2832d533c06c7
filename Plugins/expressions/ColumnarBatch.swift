import Columns
import Core
import Expressions
import StreamhostKit

/// What filter, map and project share for typed-column batches (ABI 1.3):
/// one compiled state per input schema, and the JSON text of a row for the
/// dead letters and for configs that only the byte path handles.
///
/// # Thread safety
/// One per operator instance, used by its task thread.
final class ColumnarBatchSupport<Plan> {
    /// Plans kept, by schema: a step's input schema changes rarely (a
    /// source's schema is fixed), so a few suffice.
    static var plansMax: Int { 8 }

    private var plans: [(schema: Schema, plan: Plan, encoder: ColumnarJSONEncoder)] = []
    private let make: (Schema) throws -> Plan

    init(make: @escaping (Schema) throws -> Plan) {
        self.make = make
    }

    /// The plan for `schema`, made on first use, and the schema's encoder.
    func plan(for schema: Schema) throws -> (Plan, ColumnarJSONEncoder) {
        if let found = plans.first(where: { $0.schema == schema }) { return (found.plan, found.encoder) }
        let made = (schema: schema, plan: try make(schema), encoder: ColumnarJSONEncoder(schema: schema))
        if plans.count == Self.plansMax { plans.removeFirst() }
        plans.append(made)
        return (made.plan, made.encoder)
    }

    /// The values of a columnar batch with the plan and encoder of its
    /// schema.
    func prepare(_ batch: Batch) throws -> (values: Column, plan: Plan, encoder: ColumnarJSONEncoder) {
        let schema = try batch.schema()
        let (plan, encoder) = try self.plan(for: schema)
        return (try batch.columns(schema: schema), plan, encoder)
    }

    /// Row `row`'s value as JSON text (nil for a tombstone).
    static func text(row: Int, of values: Column, encoder: ColumnarJSONEncoder, into output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        return encoder.append(row: row, of: values, to: &output)
    }

    /// Sends row `row` of a columnar batch to the dead letters, as JSON text.
    static func reject(row: Int, of batch: Batch, values: Column, encoder: ColumnarJSONEncoder, reason: String,
                       context: Context) throws {
        var json: [UInt8] = []
        let isRecord = Self.text(row: row, of: values, encoder: encoder, into: &json)
        try json.withUnsafeBytes { bytes in
            try context.reject(timestamp: batch.timestamp(at: row), key: batch.key(at: row),
                               value: isRecord ? bytes : nil, reason: reason)
        }
    }

    /// Runs `body` on each record of a columnar batch as JSON text: the
    /// byte path of an operator, for a config the columns cannot express.
    static func forEachRecordAsText(_ batch: Batch, values: Column, encoder: ColumnarJSONEncoder,
                                    _ body: (Int, UnsafeRawBufferPointer?) throws -> Void) throws {
        var text: [UInt8] = []
        for row in batch.recordRows {
            let isRecord = Self.text(row: row, of: values, encoder: encoder, into: &text)
            try text.withUnsafeBytes { try body(row, isRecord ? $0 : nil) }
        }
    }
}

/// The end of an operator's byte path for record `index` of `batch`:
/// rejects `value` with `reason` when there is one, else emits `output`
/// as the record's new value.
func emitOrReject(_ output: [UInt8], reason: String?, value: UnsafeRawBufferPointer, of batch: Batch, at index: Int,
                  context: Context) throws {
    if let reason {
        try context.reject(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: value, reason: reason)
        return
    }
    try output.withUnsafeBytes { bytes in
        try context.emit(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: bytes)
    }
}

extension Column {
    /// Struct field `field` as a column of its own, one row per row of
    /// this struct column: the child itself, shared by reference, when its
    /// rows are the struct's; a copy only when the struct starts at an
    /// offset into its children or a child is longer or offset. A shared
    /// child of the input batch may go into `emit(columns:)` of the same
    /// process call: the host keeps the input alive until it releases the
    /// emitted columns (streamhost.h, `sh_batch`), and nobody writes a
    /// column once it is shared.
    func passedChild(_ field: Int) -> Column {
        let child = children[field]
        if offset == 0, child.offset == 0, child.length == length { return child }
        if offset == 0 { return child.take(nil) }
        let rows = (0..<length).map { UInt32(childRow($0)) }
        return rows.withUnsafeBufferPointer { child.take($0) }
    }
}
