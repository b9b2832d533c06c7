import Columns
import StreamhostKit

/// The slice path's reading of a typed batch's aggregate inputs in the
/// common shape (count, and sum, avg, min and max of top-level integer or
/// decimal fields), planned once per batch: each aggregate's column is
/// found once, and a row's inputs go from the columns straight into the
/// accumulator, without `readInputs`' per-row walk over the aggregate
/// specs and its `AggregateInput` array (a debug profile of the windowed
/// benchmark had ~30 % of its time there).
///
/// The values are `readInputs(row:of:)`'s: the same `ColumnInputs.number`
/// reading; a row this plan cannot read as that would (a null value or
/// field, a decimal beyond 18 digits or scale 9) makes `read` return false
/// and the caller takes the general path for that row, reasons included.
///
/// # Ownership
/// Views the batch's columns: valid for the process call it was made in.
final class SliceInputs {
    /// Each step's column unretained (`columns` owns them): a step read
    /// per row retained and released its column per row otherwise.
    private enum Step {
        /// count(field): the slot counts rows whose field is not null.
        case countField(Unmanaged<Column>, slot: Int)
        /// sum or avg: an exact sum in the slot.
        case sum(Unmanaged<Column>, slot: Int)
        /// min or max of the field's double.
        case extreme(Unmanaged<Column>, slot: Int, isMin: Bool)
    }

    private let values: Column
    /// The steps' columns, owned while the steps refer to them.
    private let columns: [Column]
    private let steps: UnsafeMutableBufferPointer<Step>
    /// The current row's numbers, per step (`read` fills, `add` uses).
    private let units: UnsafeMutablePointer<Int64>
    private let scales: UnsafeMutablePointer<Int>
    private let doubles: UnsafeMutablePointer<Double>
    /// Per step: whether count(field) counts the current row.
    private let present: UnsafeMutablePointer<Bool>

    /// nil when an aggregate is not of this shape (the general path reads
    /// the batch).
    init?(values: Column, aggregates: [AggregateSpec], layout: AccumulatorLayout) {
        var steps: [Step] = []
        var columns: [Column] = []
        for (index, aggregate) in aggregates.enumerated() {
            guard let path = aggregate.path else {
                // count of records: the header's record count only.
                guard aggregate.function == .count else { return nil }
                continue
            }
            guard path.segments.count == 1, case .struct = values.type,
                  let column = values.child(named: path.segments[0]) else { return nil }
            let slot = layout.slot(index)
            columns.append(column)
            let unretained = Unmanaged.passUnretained(column)
            switch aggregate.function {
            case .count:
                steps.append(.countField(unretained, slot: slot))
            case .sum, .avg, .min, .max:
                switch column.type {
                case .int64, .timestampMs, .int32, .decimal128: break
                default: return nil
                }
                steps.append(aggregate.function == .sum || aggregate.function == .avg
                    ? .sum(unretained, slot: slot) : .extreme(unretained, slot: slot, isMin: aggregate.function == .min))
            case .first, .last, .distinctCount:
                return nil
            }
        }
        self.values = values
        self.columns = columns
        self.steps = .allocate(capacity: steps.count)
        _ = self.steps.initialize(from: steps)
        let count = max(steps.count, 1)
        units = .allocate(capacity: count)
        scales = .allocate(capacity: count)
        doubles = .allocate(capacity: count)
        present = .allocate(capacity: count)
    }

    deinit {
        steps.deallocate()
        units.deallocate()
        scales.deallocate()
        doubles.deallocate()
        present.deallocate()
    }

    /// Reads record `row`'s inputs; false when the general path must read
    /// it (nothing read then counts).
    @inline(__always)
    func read(row: Int) -> Bool {
        if values.isNull(row) { return false }
        let fieldRow = values.childRow(row)
        for index in 0..<steps.count {
            switch steps[index] {
            case .countField(let column, _):
                present[index] = column._withUnsafeGuaranteedRef { !$0.isNull(fieldRow) }
            case .sum(let column, _), .extreme(let column, _, _):
                guard case .exact(let units, let scale, let double)? = column._withUnsafeGuaranteedRef({ column in
                    column.isNull(fieldRow) ? nil : WindowOperator.number(column, fieldRow)
                }) else {
                    return false
                }
                self.units[index] = units
                scales[index] = scale
                doubles[index] = double
            }
        }
        return true
    }

    /// Adds the inputs `read` found to the fixed part of `accumulator`,
    /// as `AccumulatorLayout.addFixed` adds them.
    @inline(__always)
    func add(to accumulator: UnsafeMutableRawPointer) {
        accumulator.storeInt64(accumulator.loadInt64(at: 0) + 1, at: 0)
        for index in 0..<steps.count {
            switch steps[index] {
            case .countField(_, let slot):
                if present[index] { (accumulator + slot).storeInt64((accumulator + slot).loadInt64(at: 0) + 1, at: 0) }
            case .sum(_, let slot):
                AccumulatorLayout.addExact(units: units[index], scale: scales[index], double: doubles[index],
                                           slot: accumulator + slot)
            case .extreme(_, let slot, let isMin):
                AccumulatorLayout.offerExtreme(doubles[index], isMin: isMin, slot: accumulator + slot)
            }
        }
    }
}
