import StreamhostABI

/// A read-only batch of records in columns, as the host passes it to
/// `process`.
///
/// `Batch` is a random-access collection of `Record`s: `for record in batch`
/// walks it without allocating. The accessors (`timestamp(at:)`,
/// `key(at:)`, `value(at:)`) read the columns directly.
///
/// # Thread safety
/// Use it only inside the callback that received it, on its thread.
///
/// # Ownership
/// BORROWED: the batch and every buffer obtained from it are valid only
/// until the callback returns. Copy what you keep (`Array(buffer)`).
public struct Batch: RandomAccessCollection {
    public typealias Index = Int
    public typealias Element = Record

    /// The host's batch.
    public let pointer: UnsafePointer<sh_batch>

    /// Wraps a batch pointer; plugin code gets batches from the kit.
    @inlinable
    public init(_ pointer: UnsafePointer<sh_batch>) {
        self.pointer = pointer
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { Int(pointer.pointee.count) }

    /// Which input of the step the batch came from (0 unless it has several).
    @inlinable
    public var input: Int { Int(pointer.pointee.input) }

    /// Record `index`.
    @inlinable
    public subscript(index: Int) -> Record {
        Record(index: index, timestamp: timestamp(at: index), key: key(at: index), value: value(at: index))
    }

    /// The event time of record `index`, ms since the Unix epoch.
    @inlinable
    public func timestamp(at index: Int) -> Int64 {
        checkIndex(index)
        return pointer.pointee.timestamps[index]
    }

    /// The `SH_RECORD_*` flags of record `index`.
    @inlinable
    public func flags(at index: Int) -> UInt8 {
        checkIndex(index)
        guard let flags = pointer.pointee.flags else { return 0 }
        return flags[index]
    }

    /// The key of record `index`, or `nil` for a null key (an empty key is
    /// an empty buffer).
    @inlinable
    public func key(at index: Int) -> UnsafeRawBufferPointer? {
        checkIndex(index)
        let batch = pointer.pointee
        guard let offsets = batch.key_offsets else { return nil }
        if let flags = batch.flags, flags[index] & UInt8(SH_RECORD_KEY_NULL) != 0 { return nil }
        let start = Int(offsets[index])
        return UnsafeRawBufferPointer(start: batch.keys.map { $0 + start }, count: Int(offsets[index + 1]) - start)
    }

    /// The value of record `index`, or `nil` for a null value (a tombstone).
    @inlinable
    public func value(at index: Int) -> UnsafeRawBufferPointer? {
        checkIndex(index)
        let batch = pointer.pointee
        if let flags = batch.flags, flags[index] & UInt8(SH_RECORD_VALUE_NULL) != 0 { return nil }
        let start = Int(batch.value_offsets[index])
        return UnsafeRawBufferPointer(
            start: batch.values.map { $0 + start }, count: Int(batch.value_offsets[index + 1]) - start)
    }

    /// Record `index` as the header's `sh_record`, for `Context.emit(_:)`
    /// and `Context.reject(record:reason:)`; its pointers borrow the batch.
    @inlinable
    public func record(at index: Int) -> sh_record {
        Context.makeRecord(timestamp: timestamp(at: index), key: key(at: index), value: value(at: index))
    }

    /// An index out of range is a programmer error, as for arrays.
    @inlinable
    func checkIndex(_ index: Int) {
        precondition(index >= 0 && index < Int(pointer.pointee.count), "batch index \(index) out of range")
    }
}
