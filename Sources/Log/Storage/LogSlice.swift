/// Whole batches read from a partition: their bytes as stored (Kafka
/// RecordBatch v2, offsets assigned), ready to be sent over the Kafka
/// protocol or decoded.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct LogSlice: Sendable, Equatable {
    /// The batches, back to back. Empty when no batch holds an offset at or
    /// after the one asked for: the read started at the end of the
    /// partition, or compaction removed every offset from there to the end.
    public let bytes: [UInt8]
    /// The base offset of the first batch, which may be below the offset
    /// asked for (a read starts with the batch containing it) or above it
    /// (compaction removed the offsets between); the offset asked for when
    /// `bytes` is empty.
    public let firstOffset: Int64
    /// The offset after the last batch (the partition's end offset when
    /// `bytes` is empty): where the next read continues.
    public let nextOffset: Int64
    /// How many batches `bytes` holds.
    public let batchCount: Int

    public init(bytes: [UInt8], firstOffset: Int64, nextOffset: Int64, batchCount: Int) {
        self.bytes = bytes
        self.firstOffset = firstOffset
        self.nextOffset = nextOffset
        self.batchCount = batchCount
    }

    public var isEmpty: Bool { batchCount == 0 }
}
