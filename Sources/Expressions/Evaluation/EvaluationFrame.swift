import Columns

/// What a compiled expression reads while it evaluates one record: the
/// record's text, its event time, its Kafka headers, and where its fields
/// are.
///
/// # Thread safety
/// Belongs to one `ExpressionProgram`, used by one thread at a time.
///
/// # Ownership
/// `record` BORROWS the caller's bytes between `load` and the last
/// evaluation of that record.
final class EvaluationFrame {
    // Exclusivity is checked at compile time only: these are written by
    // `load` and read by evaluation, never both at once, and the run-time
    // checks cost more than the evaluation of a small expression.
    @exclusivity(unchecked) var record = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) var timestamp: Int64 = 0
    /// The record's row in the batch `ExpressionProgram.prepareBatch`
    /// prepared, or -1: batch call sites read their results by it.
    @exclusivity(unchecked) var row = -1
    /// The record's headers: row `row` of a batch's headers column
    /// (`ColumnarValues.headersType`); nil: the record has none.
    @exclusivity(unchecked) var headers: (column: Column, row: Int)?
    let slots: UnsafeMutableBufferPointer<RecordFieldScanner.Slot>
    /// The fields' values by slot when the record is a row of typed
    /// columns (`ColumnarProgram` fills them); nil when it is JSON text,
    /// read through `slots`.
    @exclusivity(unchecked) var fieldValues: UnsafeMutableBufferPointer<ExpressionValue>?

    init(slotCount: Int) {
        slots = .allocate(capacity: max(slotCount, 1))
        slots.initialize(repeating: RecordFieldScanner.Slot())
    }

    deinit {
        slots.deallocate()
    }
}

/// One compiled node: computes its value from the frame.
typealias Evaluator = (EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue

/// Argument scratch for one call site, so that calls allocate nothing.
final class ArgumentBuffer {
    let values: UnsafeMutableBufferPointer<ExpressionValue>

    init(count: Int) {
        values = .allocate(capacity: max(count, 1))
        values.initialize(repeating: .null)
    }

    deinit {
        values.deinitialize()
        values.deallocate()
    }
}
