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
