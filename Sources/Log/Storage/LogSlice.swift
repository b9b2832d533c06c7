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
    /// Read-committed reads: the partition's last stable offset when it was
    /// read (the slice holds no batch at or past it); nil for other reads.
    public let lastStableOffset: Int64?
    /// Read-committed reads: the aborted transactions whose batches may be
    /// in the slice (Kafka's FetchResponse `aborted_transactions`).
    public let abortedTransactions: [AbortedTransaction]

    public init(
        bytes: [UInt8], firstOffset: Int64, nextOffset: Int64, batchCount: Int, lastStableOffset: Int64? = nil,
        abortedTransactions: [AbortedTransaction] = []
    ) {
        self.bytes = bytes
        self.firstOffset = firstOffset
        self.nextOffset = nextOffset
        self.batchCount = batchCount
        self.lastStableOffset = lastStableOffset
        self.abortedTransactions = abortedTransactions
    }

    public var isEmpty: Bool { batchCount == 0 }
}

extension LogSlice {
    /// The byte ranges of the batches a reader hands on: every batch but
    /// control batches (commit and abort markers) and batches of the
    /// aborted transactions in `abortedTransactions` (filled by
    /// read-committed reads only), in order.
    public var visibleBatches: [Range<Int>] {
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBytes { raw in
            var position = 0
            while position < raw.count {
                // The partition checked every batch of the slice.
                guard let header = try? RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: raw[position...]))
                else { break }
                let range = position ..< position + header.totalSize
                position = range.upperBound
                if header.isControl { continue }
                if header.isTransactional, abortedTransactions.contains(where: {
                    $0.contains(producerId: header.producerId, offset: header.baseOffset)
                }) { continue }
                ranges.append(range)
            }
        }
        return ranges
    }
}
