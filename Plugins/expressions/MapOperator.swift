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
/// # Thread safety
/// One instance per task thread, as every component.
///
/// # Ownership
/// Keeps its output buffers between batches, so that records allocate nothing.
final class MapOperator: Operator {
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

    private let fields: [String]
    private let program: ExpressionProgram
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
        for entry in entries where entry.field.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw PluginError.failed("map: set '\(entry.field)': a field path is names joined by dots, none of them empty")
        }
        fields = entries.map(\.field)
        let library = try FunctionConfig.library(config, component: "map")
        let targets = fields.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        do {
            // Top-level targets are located in the same pass that reads the
            // fields, so that the results are spliced in without a second walk.
            let locating = targets.allSatisfy { $0.count == 1 } ? targets.map { FieldPath($0.map(FieldPath.Segment.member)) } : []
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
            guard let value = batch.value(at: index) else {
                try context.emit(batch.record(at: index))
                continue
            }
            var failure: ExpressionRuntimeError?
            valueBytes.removeAll(keepingCapacity: true)
            output.removeAll(keepingCapacity: true)
            do throws(ExpressionRuntimeError) {
                try program.load(record: value, timestamp: batch.timestamp(at: index), row: batchCalls ? index : -1)
                presence.observe(value, context: context)
                for field in 0..<fields.count {
                    let start = valueBytes.count
                    do throws(ExpressionRuntimeError) {
                        try program.evaluate(field).appendJSON(to: &valueBytes)
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
            if let failure {
                try context.reject(record: batch.record(at: index), reason: "map: \(failure.message)")
                continue
            }
            try output.withUnsafeBytes { bytes in
                try context.emit(timestamp: batch.timestamp(at: index), key: batch.key(at: index), value: bytes)
            }
        }
    }
}
