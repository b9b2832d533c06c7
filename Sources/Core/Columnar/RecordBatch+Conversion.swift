import Columns

/// The two conversions of an edge between steps that take different
/// formats (docs/ARCHITECTURE.md, "Records: bytes and typed columns").
/// Both keep only the selected rows, with their timestamps, keys and
/// headers.
extension RecordBatch {
    /// The rows that are records, in order.
    public var selectedRows: [Int] { columnar?.selection.map { $0.map(Int.init) } ?? Array(0..<count) }

    /// The batch with its values as JSON bytes (see ColumnarJSONEncoder); a
    /// null struct row becomes a null value. A byte batch without a
    /// selection is returned as it is.
    public func convertedToBytes(encoder: ColumnarJSONEncoder? = nil) -> RecordBatch {
        guard let typed = columnar, typed.values != nil || typed.selection != nil else { return self }
        let rows = selectedRows
        let out = RecordBatch(recordCapacity: rows.count)
        var scratch: [UInt8] = []
        let values = typed.values
        let encode = values.map { _ in encoder ?? ColumnarJSONEncoder(schema: typed.schema) }
        for row in rows {
            withRecord(at: row) { timestamp, key, byteValue in
                guard let values, let encode else {
                    out.append(timestamp: timestamp, key: key, value: byteValue)
                    return
                }
                scratch.removeAll(keepingCapacity: true)
                if encode.append(row: row, of: values, to: &scratch) {
                    scratch.withUnsafeBytes { out.append(timestamp: timestamp, key: key, value: $0) }
                } else {
                    out.append(timestamp: timestamp, key: key, value: nil)
                }
            }
        }
        if let headers = typed.headers {
            out.columnar = ColumnarValues(schema: Schema([]), values: nil, headers: Self.copy(headers, rows: rows))
        }
        return out
    }

    /// The batch with its values read into typed columns of `decoder`'s
    /// schema; a row whose value does not fit is left out and handed to
    /// `reject` with its row index in this batch and the reason. A batch
    /// already in columns must have that schema and is returned as it is.
    public func convertedToColumns(
        decoder: ColumnarJSONDecoder, reject: (Int, ColumnarJSONDecoder.Failure) -> Void
    ) -> RecordBatch {
        if let typed = columnar, typed.values != nil {
            precondition(typed.schema == decoder.schema, "columns of another schema")
            return self
        }
        let rows = selectedRows
        let values = Column(decoder.schema.structType, capacity: rows.count)
        let out = RecordBatch(recordCapacity: rows.count, valueBytesCapacity: 64)
        var kept: [Int] = []
        kept.reserveCapacity(rows.count)
        for row in rows {
            withRecord(at: row) { timestamp, key, value in
                do throws(ColumnarJSONDecoder.Failure) {
                    try decoder.append(value, to: values)
                    out.append(timestamp: timestamp, key: key, value: UnsafeRawBufferPointer(start: nil, count: 0))
                    kept.append(row)
                } catch {
                    reject(row, error)
                }
            }
        }
        out.columnar = ColumnarValues(schema: decoder.schema, values: values,
                                      headers: columnar?.headers.map { Self.copy($0, rows: kept) })
        return out
    }

    /// The selected rows alone, in the same format (typed values and
    /// headers copied); a batch without a selection is returned as it is.
    public func compacted() -> RecordBatch {
        guard let typed = columnar, typed.selection != nil else { return self }
        let rows = selectedRows
        let out = RecordBatch(recordCapacity: rows.count)
        for row in rows { out.append(recordAt: row, of: self) }
        out.columnar = ColumnarValues(schema: typed.schema, values: typed.values.map { Self.copy($0, rows: rows) },
                                      headers: typed.headers.map { Self.copy($0, rows: rows) })
        return out
    }

    /// Row `row`'s value as bytes (JSON for typed columns), nil when null:
    /// for a dead letter.
    public func valueBytes(at row: Int) -> [UInt8]? {
        if let typed = columnar, let values = typed.values {
            var text: [UInt8] = []
            return ColumnarJSONEncoder(schema: typed.schema).append(row: row, of: values, to: &text) ? text : nil
        }
        return withRecord(at: row) { _, _, value in value.map { Array($0) } }
    }

    /// A copy of `rows` of `column`.
    static func copy(_ column: Column, rows: [Int]) -> Column {
        let copy = Column(column.type, capacity: rows.count)
        for row in rows { copy.appendRow(of: column, at: row) }
        return copy
    }
}
