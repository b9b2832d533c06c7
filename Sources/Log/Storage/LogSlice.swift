/// Whole batches read from a partition: their bytes as stored (Kafka
/// RecordBatch v2, offsets assigned), ready to be sent over the Kafka
/// protocol or decoded.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct LogSlice: Sendable, Equatable {
    /// The batches, back to back. Empty when the read started at the end
    /// of the partition.
    public let bytes: [UInt8]
    /// The base offset of the first batch, which may be below the offset
    /// asked for (a read starts with the batch containing it); the offset
    /// asked for when `bytes` is empty.
    public let firstOffset: Int64
    /// The offset after the last batch: where the next read continues.
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
