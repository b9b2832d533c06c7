import Columns
import Core
import StreamhostABI

extension sh_batch {
    /// An `sh_batch` viewing `columns`: the pointers are the columns' own,
    /// so it is valid exactly as long as they are.
    public init(_ columns: RecordBatch.Columns, input: Int = 0) {
        self.init()
        struct_size = UInt32(MemoryLayout<sh_batch>.size)
        count = UInt32(columns.count)
        timestamps = columns.timestamps
        key_offsets = columns.keyOffsets
        keys = columns.keys
        value_offsets = columns.valueOffsets
        values = columns.values
        flags = columns.flags
        self.input = UInt32(input)
        format = UInt32(SH_FORMAT_BYTES)
    }
}

extension RecordBatch {
    /// Calls `body` with an `sh_batch` of the whole batch, ABI 1.3 members
    /// included (typed columns, selection, headers), valid inside the call.
    public func withABIBatch<R>(input: Int, _ body: (UnsafePointer<sh_batch>) -> R) -> R {
        withColumns { columns in
            var raw = sh_batch(columns, input: input)
            guard let typed = columnar else { return body(&raw) }
            let arrow = typed.arrow
            raw.headers = arrow.headers
            if let values = arrow.values {
                raw.format = UInt32(SH_FORMAT_COLUMNS)
                raw.schema = arrow.schema
                raw.columns = values
                raw.value_offsets = nil
                raw.values = nil
            }
            guard let selection = typed.selection else { return withExtendedLifetime(typed) { body(&raw) } }
            return selection.withUnsafeBufferPointer { rows in
                raw.selection = rows.baseAddress ?? UnsafePointer(HostAPI.emptyRows)
                raw.selection_count = UInt32(rows.count)
                return withExtendedLifetime(typed) { body(&raw) }
            }
        }
    }
}

extension ColumnarValues {
    /// A copy of a plugin's headers array (`sh_batch.headers`, BORROWED)
    /// for a batch of `rows` rows, checked first: its type, its length, and
    /// no header without a key (Kafka's header keys are never null).
    static func copyingHeaders(_ array: UnsafePointer<ArrowArray>, rows: Int) throws(ColumnsError) -> Column {
        let view = try Column.viewing(array, type: headersType)
        guard view.length == rows else {
            throw ColumnsError(path: "headers", "\(view.length) rows, the batch has \(rows)")
        }
        let pairs = view.children[0]
        let keys = pairs.children[0]
        if keys.nullCount > 0 {
            for row in 0..<rows where !view.isNull(row) {
                for entry in view.listRange(at: row) where keys.isNull(pairs.childRow(entry)) {
                    throw ColumnsError(path: "headers[].key",
                                       "row \(row) has a header with a null key; a header key is text, never null")
                }
            }
        }
        let copy = Column(view.type, capacity: rows)
        for row in 0..<rows { copy.appendRow(of: view, at: row) }
        return copy
    }
}
