import Columns

extension RecordBatch {
    /// A copy of the batch whose row i has timestamp `timestamps[i]`,
    /// keeping only `rows` (ascending; nil: every row): keys, values and
    /// headers as they are, typed values shared when every row is kept (a
    /// `ColumnarValues` is immutable) and copied otherwise. What a source
    /// step stamped from an expression over its records emits
    /// (`watermarks.timestamp`, docs/JOBS.md); a sealed batch is never
    /// written, so the new timestamps go into a new one.
    ///
    /// # Ownership
    /// `timestamps` is BORROWED for the call; the result owns its buffers.
    public func restamped(_ timestamps: UnsafeBufferPointer<Int64>, keeping rows: [Int]? = nil) -> RecordBatch {
        precondition(timestamps.count == count, "one timestamp per row")
        precondition(columnar?.selection == nil, "restamping a batch with a selection")
        let kept = rows ?? Array(0..<count)
        let out = RecordBatch(recordCapacity: max(kept.count, 1),
                              valueBytesCapacity: hasColumnValues ? 64 : max(valueBytesCount, 64))
        withColumns { columns in
            // One bulk copy per run of consecutive kept rows.
            var index = 0
            while index < kept.count {
                let first = kept[index]
                var end = index + 1
                while end < kept.count, kept[end] == kept[end - 1] + 1 { end += 1 }
                out.append(count: end - index, timestamps: timestamps.baseAddress! + first,
                           keyOffsets: columns.keyOffsets.map { $0 + first }, keys: columns.keys,
                           valueOffsets: columns.valueOffsets + first, values: columns.values,
                           flags: columns.flags.map { $0 + first })
                index = end
            }
        }
        if let typed = columnar {
            if rows == nil || kept.count == count {
                out.columnar = typed
            } else {
                out.columnar = ColumnarValues(schema: typed.schema, values: typed.values.map { Self.copy($0, rows: kept) },
                                              headers: typed.headers.map { Self.copy($0, rows: kept) })
            }
        }
        return out
    }
}
