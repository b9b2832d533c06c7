import StreamhostABI

/// One record of a `Batch`: what `for record in batch` yields.
///
/// # Ownership
/// BORROWED from the batch: `key` and `value` are valid only until the
/// callback that received the batch returns.
public struct Record {
    /// The record's position in its batch.
    public let index: Int
    /// Event time, ms since the Unix epoch.
    public let timestamp: Int64
    /// The key bytes, or `nil` for a null key.
    public let key: UnsafeRawBufferPointer?
    /// The value bytes, or `nil` for a null value (a tombstone).
    public let value: UnsafeRawBufferPointer?

    @inlinable
    public init(index: Int, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) {
        self.index = index
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    /// The record as the header's `sh_record` (same borrowed pointers).
    @inlinable
    public var cRecord: sh_record {
        Context.makeRecord(timestamp: timestamp, key: key, value: value)
    }
}
