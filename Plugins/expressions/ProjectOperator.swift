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
/// # Thread safety
/// One instance per task thread, as every component.
final class ProjectOperator: Operator {
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

    private let projection: RecordProjection
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
    }

    func process(_ batch: Batch, context: Context) throws {
        for index in batch.indices {
            guard let value = batch.value(at: index) else {
                try context.emit(batch.record(at: index))
                continue
            }
            output.removeAll(keepingCapacity: true)
            do throws(ExpressionRuntimeError) {
                try projection.project(value, into: &output)
            } catch {
                try context.reject(record: batch.record(at: index), reason: "project: \(error.message)")
                continue
            }
            try output.withUnsafeBytes { bytes in
                try context.emit(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: bytes)
            }
        }
    }
}
