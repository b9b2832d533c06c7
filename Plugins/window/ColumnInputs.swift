import Columns
import Core
import StreamhostKit

/// The aggregates' inputs read from typed columns (ABI 1.3): the same
/// `AggregateInput` the byte path finds in the record's JSON text, so a
/// window gives the same results, and keeps the same state, in either
/// format.
///
/// "The same" is measured against the text the host writes for a typed
/// row (`ColumnarJSONEncoder`): integers and decimals are read as exact
/// decimals as `JSONDecimalText.parse` reads their text (a decimal's trailing
/// zeros dropped, at most 18 digits and scale 9, else a Double), float64 and
/// the rare cases through their text; first, last and distinct_count keep
/// the value's JSON text. A struct on the path that is null hides the field
/// (missing), as `{"a":null}` hides `a.b` from the byte path.
///
/// # Ownership
/// Views the batch's columns (BORROWED for the process call); the texts
/// handed out in `.text` inputs live in `texts` until the next row.
struct ColumnInputs {
    let values: Column
    /// Per field path: the columns from the record's struct down to the
    /// field; nil when the schema has no such field (always missing).
    private let chains: [[Column]?]

    init(values: Column, paths: [JSONFieldPath]) {
        self.values = values
        chains = paths.map { path -> [Column]? in
            var chain: [Column] = []
            var column = values
            for name in path.segments {
                guard case .struct = column.type, let child = column.child(named: name) else { return nil }
                chain.append(child)
                column = child
            }
            return chain
        }
    }

    enum Found {
        case missing
        /// The field's column and its row there (the column may be null there).
        case present(Column, Int)
    }

    /// Field `pathIndex` of record row `row` (whose value is not null).
    @inline(__always)
    func find(_ pathIndex: Int, row: Int) -> Found {
        guard let chain = chains[pathIndex] else { return .missing }
        var parent = values
        var childRow = row
        for (depth, column) in chain.enumerated() {
            childRow = parent.childRow(childRow)
            if depth < chain.count - 1 && column.isNull(childRow) { return .missing }
            parent = column
        }
        return .present(parent, childRow)
    }
}

extension WindowOperator {
    /// `readInputs` for row `row` of a typed batch: the reason when the
    /// record cannot be aggregated (then no state changes).
    func readInputs(row: Int, of columns: ColumnInputs) -> String? {
        guard !found.isEmpty else { return nil }
        if columns.values.isNull(row) { return "the record's value is null" }
        texts.reset()
        for (index, aggregate) in spec.aggregates.enumerated() {
            guard let pathIndex = pathIndex[index], let path = aggregate.path else {
                inputs[index] = .none
                continue
            }
            let field = columns.find(pathIndex, row: row)
            switch aggregate.function {
            case .count:
                if case .present(let column, let fieldRow) = field, !column.isNull(fieldRow) {
                    inputs[index] = .present
                } else {
                    inputs[index] = .none
                }
            case .sum, .avg, .min, .max:
                guard case .present(let column, let fieldRow) = field, !Self.writesNull(column, fieldRow) else {
                    if case .missing = field {
                        return "field '\(path.description)' is missing; \(aggregate.function.rawValue) needs a number"
                    }
                    return "field '\(path.description)' is null; \(aggregate.function.rawValue) needs a number"
                }
                if let input = Self.number(column, fieldRow) {
                    inputs[index] = input
                    continue
                }
                // Through the value's text, as the byte path reads it.
                scratch.removeAll(keepingCapacity: true)
                ColumnarJSONEncoder.appendValue(row: fieldRow, of: column, to: &scratch)
                let input: AggregateInput? = scratch.withUnsafeBytes { text in
                    guard Self.isNumberType(column.type) else { return nil }
                    return Self.number(text: text)
                }
                guard let input else {
                    return "field '\(path.description)' is not a number (\(String(decoding: scratch.prefix(40), as: UTF8.self)))"
                }
                inputs[index] = input
            case .first, .last, .distinctCount:
                guard case .present(let column, let fieldRow) = field else { return "field '\(path.description)' is missing" }
                inputs[index] = .text(texts.append { ColumnarJSONEncoder.appendValue(row: fieldRow, of: column, to: &$0) })
            }
        }
        return nil
    }

    /// Whether the host writes the value as JSON `null` (a null, or a
    /// float64 that is not finite).
    static func writesNull(_ column: Column, _ row: Int) -> Bool {
        if column.isNull(row) { return true }
        if column.type == .float64 { return !column.double(at: row).isFinite }
        return false
    }

    static func isNumberType(_ type: ColumnType) -> Bool {
        switch type {
        case .int32, .int64, .timestampMs, .float64, .decimal128: return true
        default: return false
        }
    }

    /// The input of an integer or a decimal that fits an Int64, without
    /// text; nil for the other cases.
    @inline(__always)
    static func number(_ column: Column, _ row: Int) -> AggregateInput? {
        let units: Int64
        var scale = 0
        switch column.type {
        case .int64, .timestampMs: units = column.int64(at: row)
        case .int32: units = Int64(column.int32(at: row))
        case .decimal128(_, let decimalScale):
            guard let value = column.decimal(at: row).int64Value else { return nil }
            units = value
            scale = decimalScale
        default:
            return nil
        }
        // JSONDecimalText.parse takes at most 18 significant digits (trailing
        // zeros of the text included), then drops the trailing zeros.
        guard units.magnitude < 1_000_000_000_000_000_000 else { return nil }
        var exact = units
        while scale > 0, exact % 10 == 0, exact != 0 {
            exact /= 10
            scale -= 1
        }
        if exact == 0 { scale = 0 }
        guard scale <= AccumulatorLayout.exactScaleMax, exact.magnitude < 1 << 53 else { return nil }
        return .exact(units: exact, scale: scale, double: Double(exact) / Double(JSONDecimalText.powersOf10[scale]))
    }
}

/// Texts of the current record's values (first, last, distinct_count)
/// read from typed columns.
///
/// # Ownership
/// Owns each text's memory until the next `reset` (or deinit): the
/// buffers `append` returns are valid until then.
final class RecordTexts {
    private var allocations: [UnsafeMutableRawBufferPointer] = []
    private var scratch: [UInt8] = []

    deinit { reset() }

    /// Starts a record: the texts of the previous one are freed.
    func reset() {
        for allocation in allocations { allocation.deallocate() }
        allocations.removeAll(keepingCapacity: true)
    }

    /// Keeps the text `write` appends to an empty buffer.
    func append(_ write: (inout [UInt8]) -> Void) -> UnsafeRawBufferPointer {
        scratch.removeAll(keepingCapacity: true)
        write(&scratch)
        let allocation = UnsafeMutableRawBufferPointer.allocate(byteCount: max(scratch.count, 1), alignment: 1)
        scratch.withUnsafeBytes { allocation.copyMemory(from: $0) }
        allocations.append(allocation)
        return UnsafeRawBufferPointer(rebasing: allocation[0..<scratch.count])
    }
}
