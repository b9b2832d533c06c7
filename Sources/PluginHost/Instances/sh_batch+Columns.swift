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
    }
}
