import Columns

/// What a columnar program reads while it evaluates one batch: the struct
/// column of record values, the rows to evaluate, their timestamps, and
/// the scratch for the parts evaluated a row at a time.
///
/// # Thread safety
/// Belongs to one `ColumnarProgram`, used by one thread at a time.
///
/// # Ownership
/// `timestamps` and `rows` BORROW the caller's memory during `evaluate`.
final class ColumnarFrame {
    @exclusivity(unchecked) var values: Column?
    /// Batch rows to evaluate (row j of every vector is batch row rows[j]);
    /// nil: rows 0..<count.
    @exclusivity(unchecked) var rows: UnsafeBufferPointer<UInt32>?
    @exclusivity(unchecked) var count = 0
    /// Per batch row.
    @exclusivity(unchecked) var timestamps = UnsafeBufferPointer<Int64>(start: nil, count: 0)
    /// The batch's headers column, one row per batch row; nil: none.
    @exclusivity(unchecked) var headers: Column?
    /// Per field slot, how it is read from `values` (made per batch: a
    /// reader holds the batch's columns).
    @exclusivity(unchecked) var readers: [ColumnFieldReader] = []
    /// The frame the row evaluator runs on for one row, its fields' values
    /// filled from the columns.
    let rowFrame: EvaluationFrame

    init(slotCount: Int) {
        rowFrame = EvaluationFrame(slotCount: max(slotCount, 1))
        let fieldValues = UnsafeMutableBufferPointer<ExpressionValue>.allocate(capacity: max(slotCount, 1))
        fieldValues.initialize(repeating: .null)
        rowFrame.fieldValues = fieldValues
    }

    deinit {
        if let fieldValues = rowFrame.fieldValues {
            fieldValues.deinitialize()
            fieldValues.deallocate()
        }
    }

    @inline(__always)
    func batchRow(_ row: Int) -> Int { rows.map { Int($0[row]) } ?? row }
}
