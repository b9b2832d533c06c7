import StreamhostKit

/// Window results gathered into one byte batch and handed to the host with
/// one `emit_batch` per `recordsMax` results (or `valueBytesMax` bytes of
/// values), instead of one `emit` each: the windows that fire together at
/// a watermark (~63,000 per window in the windowed benchmark) cost one host
/// call per batch. The records, their order and their bytes are those of
/// one `emit` per result.
///
/// # Ownership
/// Owns its buffers; `flush` hands the host a batch it copies before
/// returning. Results appended and not flushed are not emitted: a callback
/// that appends flushes before it returns.
final class ResultBatch {
    /// Results per emitted batch.
    static let recordsMax = 1024
    /// Value bytes per emitted batch (offsets are UInt32; far below).
    static let valueBytesMax = 1 << 20

    private var timestamps: [Int64] = []
    private var keyOffsets: [UInt32] = [0]
    private var keys: [UInt8] = []
    private var valueOffsets: [UInt32] = [0]
    private var values: [UInt8] = []

    init() {
        timestamps.reserveCapacity(Self.recordsMax)
        keyOffsets.reserveCapacity(Self.recordsMax + 1)
        valueOffsets.reserveCapacity(Self.recordsMax + 1)
        values.reserveCapacity(128 * Self.recordsMax)
    }

    /// Adds a result with a non-null key and the value `write` appends,
    /// emitting the batch when it is full.
    func append(timestamp: Int64, key: UnsafeRawBufferPointer, context: Context,
                value write: (inout [UInt8]) -> Void) throws {
        timestamps.append(timestamp)
        keys.append(contentsOf: key)
        keyOffsets.append(UInt32(keys.count))
        write(&values)
        valueOffsets.append(UInt32(values.count))
        if timestamps.count >= Self.recordsMax || values.count >= Self.valueBytesMax || keys.count >= Self.valueBytesMax {
            try flush(context: context)
        }
    }

    /// Emits the gathered results (if any) as one batch.
    func flush(context: Context) throws {
        guard !timestamps.isEmpty else { return }
        defer {
            timestamps.removeAll(keepingCapacity: true)
            keyOffsets.removeAll(keepingCapacity: true)
            keyOffsets.append(0)
            keys.removeAll(keepingCapacity: true)
            valueOffsets.removeAll(keepingCapacity: true)
            valueOffsets.append(0)
            values.removeAll(keepingCapacity: true)
        }
        var batch = sh_batch()
        batch.struct_size = UInt32(MemoryLayout<sh_batch>.size)
        batch.count = UInt32(timestamps.count)
        try timestamps.withUnsafeBufferPointer { timestamps in
            try keyOffsets.withUnsafeBufferPointer { keyOffsets in
                try keys.withUnsafeBufferPointer { keys in
                    try valueOffsets.withUnsafeBufferPointer { valueOffsets in
                        try values.withUnsafeBufferPointer { values in
                            batch.timestamps = timestamps.baseAddress
                            batch.key_offsets = keyOffsets.baseAddress
                            // An empty key is not a null key: keys must not be NULL.
                            batch.keys = keys.baseAddress ?? UnsafePointer(bitPattern: 8)
                            batch.value_offsets = valueOffsets.baseAddress
                            batch.values = values.baseAddress ?? UnsafePointer(bitPattern: 8)
                            try withUnsafePointer(to: &batch) { try context.emit(batch: Batch($0)) }
                        }
                    }
                }
            }
        }
    }
}
