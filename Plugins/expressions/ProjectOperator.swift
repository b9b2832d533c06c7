import Columns
import Expressions
import StreamhostKit

/// OPERATOR "project": keeps, drops and renames top-level fields, like
/// Kafka Connect's ReplaceField (include, exclude, renames).
///
/// Fields stay in the record's order; a kept field the record lacks is
/// absent from the output. A record that is not a JSON object, or where a
/// rename would make two fields of one name, goes to the dead-letter
/// destination. Tombstones pass through unchanged. Fields inside objects
/// are reached with `map`.
///
/// Typed columns (ABI 1.3) are projected by choosing columns (shared by
/// reference, not copied); a rename that would make two fields of one name is
/// left to the byte path, which rejects each record with its reason.
///
/// # Thread safety
/// One instance per task thread, as every component.
final class ProjectOperator: Operator, SchemaDeriving {
    static let name = "project"
    static let description = "Keeps, drops and renames top-level fields of each record."
    static let configSchema: String? = #"""
        {"type":"object",
         "properties":{
          "keep":{"type":"array","items":{"type":"string","minLength":1},"description":"Only these fields stay (all when absent)."},
          "drop":{"type":"array","items":{"type":"string","minLength":1},"description":"These fields go."},
          "rename":{"type":"object","additionalProperties":{"type":"string","minLength":1},"description":"old name -> new name"}},
         "additionalProperties":false}
        """#

    static var inputFormats: RecordFormats { [.bytes, .columns] }
    static var outputFormats: RecordFormats { [.bytes, .columns] }

    /// The fields kept from a schema, in order, with their output names;
    /// nil: by the byte path.
    struct ColumnarPlan {
        let kept: [Int]
        let schema: Schema
    }

    private let projection: RecordProjection
    private let columnar: ColumnarBatchSupport<ColumnarPlan?>
    // One thread at a time uses an instance: no run-time exclusivity checks.
    @exclusivity(unchecked) private var output: [UInt8] = []

    init(context: Context, config: Config) throws {
        let keep = try config.strings("keep") ?? []
        let drop = try config.strings("drop") ?? []
        var rename: [(from: String, to: String)] = []
        try config.withRawValue("rename") { object in
            object?.forEachMember { name, value in
                if let from = name.stringValue, let to = value.stringValue { rename.append((from, to)) }
            }
        }
        guard !keep.isEmpty || !drop.isEmpty || !rename.isEmpty else {
            throw PluginError.failed("project: give at least one of keep, drop or rename")
        }
        for name in keep + drop + rename.map(\.from) where name.contains(".") {
            throw PluginError.failed("project: '\(name)': project works on top-level fields; "
                + "use map to reach fields inside objects (map: {set: {x: \(name)}})")
        }
        do {
            projection = try RecordProjection(keep: keep, drop: drop, rename: rename)
        } catch {
            throw PluginError.failed("project: \(error)")
        }
        columnar = ColumnarBatchSupport { [rename] schema in
            ProjectOperator.columnarPlan(keep: keep, drop: drop, rename: rename, input: schema)
        }
    }

    /// The columns kept from records of `input` under their output names,
    /// by the rules of RecordProjection: keep (when given), then drop, then
    /// rename; fields stay in their order. nil when two fields would get one
    /// rename target (the byte path rejects each record then).
    static func columnarPlan(keep: [String], drop: [String], rename: [(from: String, to: String)],
                             input: Schema) -> ColumnarPlan? {
        var kept: [Int] = []
        var fields: [Field] = []
        for (index, field) in input.fields.enumerated() {
            if !keep.isEmpty, !keep.contains(field.name) { continue }
            if drop.contains(field.name) { continue }
            var renamed = field
            if let rename = rename.first(where: { $0.from == field.name }) { renamed.name = rename.to }
            kept.append(index)
            fields.append(renamed)
        }
        let targets = Set(rename.map(\.to))
        let written = fields.map(\.name).filter { targets.contains($0) }
        guard Set(written).count == written.count else { return nil }
        return ColumnarPlan(kept: kept, schema: Schema(fields))
    }

    /// The output schema at plan time: the columnar plan's, for an input of
    /// known schema (nil for a config the instance would refuse).
    static func outputSchema(configJSON: String, input: Schema?) -> Schema? {
        guard let input else { return nil }
        return Array(configJSON.utf8).withUnsafeBytes { text -> Schema? in
            guard let config = try? JSONView(parsing: text) else { return nil }
            func strings(_ key: String) -> [String]? {
                guard let list = config.member(key) else { return [] }
                var names: [String] = []
                var readable = list.kind == .array
                list.forEachElement { element in
                    if let name = element.stringValue, !name.contains(".") { names.append(name) } else { readable = false }
                }
                return readable ? names : nil
            }
            guard let keep = strings("keep"), let drop = strings("drop") else { return nil }
            var rename: [(from: String, to: String)] = []
            if let object = config.member("rename") {
                guard object.kind == .object else { return nil }
                object.forEachMember { name, value in
                    if let from = name.stringValue, let to = value.stringValue { rename.append((from, to)) }
                }
            }
            guard !keep.isEmpty || !drop.isEmpty || !rename.isEmpty,
                  !rename.contains(where: { $0.from.contains(".") }) else { return nil }
            return columnarPlan(keep: keep, drop: drop, rename: rename, input: input)?.schema
        }
    }

    func process(_ batch: Batch, context: Context) throws {
        if batch.isColumnar {
            try processColumns(batch, context: context)
            return
        }
        for index in batch.recordRows {
            try projectRecord(batch.value(at: index), of: batch, at: index, context: context)
        }
    }

    /// The byte path for record `index` of `batch`, whose value is `value`
    /// (nil: a tombstone).
    private func projectRecord(_ value: UnsafeRawBufferPointer?, of batch: Batch, at index: Int, context: Context) throws {
        guard let value else {
            try context.emit(Context.makeRecord(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: nil))
            return
        }
        output.removeAll(keepingCapacity: true)
        var reason: String?
        do throws(ExpressionRuntimeError) {
            try projection.project(value, into: &output)
        } catch {
            reason = "project: \(error.message)"
        }
        try emitOrReject(output, reason: reason, value: value, of: batch, at: index, context: context)
    }

    /// Projects a columnar batch: the kept columns, shared by reference, under
    /// their new names; the selection stays.
    private func processColumns(_ batch: Batch, context: Context) throws {
        let (values, found, encoder) = try columnar.prepare(batch)
        guard let plan = found else {
            try ColumnarBatchSupport<ColumnarPlan?>.forEachRecordAsText(batch, values: values, encoder: encoder) { row, value in
                try projectRecord(value, of: batch, at: row, context: context)
            }
            return
        }
        let projected = Column.structOf(plan.schema.fields, children: plan.kept.map { values.passedChild($0) },
                                        length: batch.count, nullsOf: values)
        try context.emit(columns: projected, schema: plan.schema, rowsOf: batch, selection: batch.selection.map(Array.init))
    }
}
