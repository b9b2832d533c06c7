import Columns

/// A growable batch of records stored in columns, the unit data moves in.
///
/// Record `i` has a timestamp (event time, ms since the Unix epoch), a key
/// and a value, each stored as a slice of one byte buffer addressed by an
/// offsets array, Arrow style: key `i` is `keys[keyOffsets[i] ..<
/// keyOffsets[i + 1]]`. A key or a value may be null (no key; a tombstone),
/// which is not the same as empty; nulls are tracked in a flags column that is
/// only allocated once a null appears. The layout is exactly what
/// `sh_batch` in streamhost.h describes, so a batch crosses the plugin ABI
/// without copying.
///
/// # Thread safety
/// A batch is owned by one task at a time. Once handed to a channel it is
/// never written again (`seal()` makes that checkable), so several
/// consumers may read a sealed batch at once.
///
/// # Ownership
/// The batch owns its buffers and frees them on deinit. Pointers handed out
/// by the `withColumns` family are valid only inside the closure.
///
/// # Performance
/// The stored properties are `@exclusivity(unchecked)`: a batch has one
/// writer at a time by design (above), and Swift's dynamic exclusivity
/// checks on them made a per-record append six times slower (see
/// docs/BENCHMARKS.md, "Dynamic exclusivity checks").
public final class RecordBatch: @unchecked Sendable {
    /// Bits of the flags column, equal to `SH_RECORD_*` in streamhost.h.
    public static let keyNullFlag: UInt8 = 1 << 0
    public static let valueNullFlag: UInt8 = 1 << 1

    @exclusivity(unchecked) public private(set) var count: Int = 0
    @exclusivity(unchecked) public private(set) var isSealed = false

    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var timestampStorage: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private var keyOffsetStorage: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var valueOffsetStorage: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var flagStorage: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) private var keyStorage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var keyCapacity: Int
    @exclusivity(unchecked) private var valueStorage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var valueCapacity: Int

    /// Whether any record has a non-null key.
    @exclusivity(unchecked) public private(set) var hasKeys = false

    /// ABI 1.3: the values as typed columns (then the value column holds
    /// nothing: row i's value is row i of `columnar.values`), a selection
    /// of the rows that are records, and headers; nil for a byte batch.
    /// Set once, before the batch is sealed.
    @exclusivity(unchecked) public var columnar: ColumnarValues? {
        willSet { precondition(!isSealed, "columnar set on a sealed RecordBatch") }
    }

    /// Whether the values are typed columns.
    public var hasColumnValues: Bool { columnar?.values != nil }

    /// Records in the batch: the selected rows, or every row.
    public var recordCount: Int { columnar?.recordCount(rows: count) ?? count }

    public init(recordCapacity: Int = 1024, valueBytesCapacity: Int = 64 * 1024) {
        capacity = max(recordCapacity, 1)
        timestampStorage = .allocate(capacity: capacity)
        keyOffsetStorage = .allocate(capacity: capacity + 1)
        valueOffsetStorage = .allocate(capacity: capacity + 1)
        keyOffsetStorage[0] = 0
        valueOffsetStorage[0] = 0
        keyCapacity = 256
        keyStorage = .allocate(capacity: keyCapacity)
        valueCapacity = max(valueBytesCapacity, 64)
        valueStorage = .allocate(capacity: valueCapacity)
    }

    deinit {
        timestampStorage.deallocate()
        keyOffsetStorage.deallocate()
        valueOffsetStorage.deallocate()
        flagStorage?.deallocate()
        keyStorage.deallocate()
        valueStorage.deallocate()
    }

    /// Bytes of keys and values held.
    public var byteCount: Int { Int(keyOffsetStorage[count]) + Int(valueOffsetStorage[count]) }

    public var keyBytesCount: Int { Int(keyOffsetStorage[count]) }
    public var valueBytesCount: Int { Int(valueOffsetStorage[count]) }

    /// Marks the batch read-only; appending afterwards is a programmer error.
    public func seal() { isSealed = true }

    /// Empties the batch, keeping its buffers, so it can be reused.
    public func removeAll() {
        count = 0
        hasKeys = false
        isSealed = false
        columnar = nil
        if let flags = flagStorage {
            flags.deallocate()
            flagStorage = nil
        }
    }

    // MARK: Appending

    /// Appends one record; `key` or `value` nil means null.
    @inline(__always)
    public func append(timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) {
        precondition(!isSealed, "append to a sealed RecordBatch")
        precondition(columnar == nil, "a byte record appended to a batch of typed columns")
        if count == capacity { growRecords(to: capacity * 2) }
        let keyLength = key?.count ?? 0
        let valueLength = value?.count ?? 0
        let keyStart = Int(keyOffsetStorage[count])
        let valueStart = Int(valueOffsetStorage[count])
        if keyStart + keyLength > keyCapacity { growKeys(toAtLeast: keyStart + keyLength) }
        if valueStart + valueLength > valueCapacity { growValues(toAtLeast: valueStart + valueLength) }
        if let key, keyLength > 0 {
            (keyStorage + keyStart).update(from: key.baseAddress!.assumingMemoryBound(to: UInt8.self), count: keyLength)
        }
        if let value, valueLength > 0 {
            (valueStorage + valueStart).update(
                from: value.baseAddress!.assumingMemoryBound(to: UInt8.self), count: valueLength)
        }
        precondition(keyStart + keyLength <= Int(UInt32.max) && valueStart + valueLength <= Int(UInt32.max),
                     "RecordBatch larger than 4 GiB")
        timestampStorage[count] = timestamp
        keyOffsetStorage[count + 1] = UInt32(keyStart + keyLength)
        valueOffsetStorage[count + 1] = UInt32(valueStart + valueLength)
        var flags: UInt8 = 0
        if key == nil { flags |= Self.keyNullFlag } else { hasKeys = true }
        if value == nil { flags |= Self.valueNullFlag }
        if flags != 0 || flagStorage != nil { setFlags(flags, at: count) }
        count += 1
    }

    /// Appends records given as raw columns (the shape of `sh_batch`):
    /// `keyOffsets`/`keys` may be nil when every key is null;
    /// `valueOffsets` nil: the values are not bytes (typed columns, set as
    /// `columnar` next), every value's bytes empty. `flagMask` keeps only
    /// those bits of `flags` (a typed-column batch keeps the key-null bit
    /// alone: a null value is a null struct row there).
    public func append(
        count appended: Int, timestamps: UnsafePointer<Int64>,
        keyOffsets: UnsafePointer<UInt32>?, keys: UnsafePointer<UInt8>?,
        valueOffsets: UnsafePointer<UInt32>?, values: UnsafePointer<UInt8>?,
        flags: UnsafePointer<UInt8>?, flagMask: UInt8 = 0xff
    ) {
        precondition(!isSealed, "append to a sealed RecordBatch")
        precondition(columnar == nil, "byte records appended to a batch of typed columns")
        guard appended > 0 else { return }
        if count + appended > capacity { growRecords(to: max(capacity * 2, count + appended)) }
        let valueStart = Int(valueOffsetStorage[count])
        if let valueOffsets {
            let valueBase = valueOffsets[0]
            let valueLength = Int(valueOffsets[appended] - valueBase)
            if valueStart + valueLength > valueCapacity { growValues(toAtLeast: valueStart + valueLength) }
            if valueLength > 0, let values {
                (valueStorage + valueStart).update(from: values + Int(valueBase), count: valueLength)
            }
            let valueShift = Int64(valueStart) - Int64(valueBase)
            for i in 1...appended {
                valueOffsetStorage[count + i] = UInt32(Int64(valueOffsets[i]) + valueShift)
            }
        } else {
            // One fill, not an offsets array of zeros read back (a
            // typed-column emit allocated and copied one per batch).
            (valueOffsetStorage + count + 1).update(repeating: UInt32(valueStart), count: appended)
        }
        let keyStart = Int(keyOffsetStorage[count])
        var keyLength = 0
        if let keyOffsets {
            let keyBase = keyOffsets[0]
            keyLength = Int(keyOffsets[appended] - keyBase)
            if keyStart + keyLength > keyCapacity { growKeys(toAtLeast: keyStart + keyLength) }
            if keyLength > 0, let keys {
                (keyStorage + keyStart).update(from: keys + Int(keyBase), count: keyLength)
            }
            let keyShift = Int64(keyStart) - Int64(keyBase)
            for i in 1...appended {
                keyOffsetStorage[count + i] = UInt32(Int64(keyOffsets[i]) + keyShift)
            }
        } else {
            (keyOffsetStorage + count + 1).update(repeating: UInt32(keyStart), count: appended)
        }
        (timestampStorage + count).update(from: timestamps, count: appended)
        // Merge the flags: a batch without key columns has only null keys.
        // Without per-record flags all records share one: set in one pass
        // (a typed-column emit has no keys, and a per-record loop here was
        // 8 % of the columnar stateless job's CPU).
        if let flags {
            let implicitFlags: UInt8 = keyOffsets == nil ? Self.keyNullFlag : 0
            for i in 0..<appended {
                let recordFlags = (flags[i] & flagMask) | implicitFlags
                if recordFlags != 0 || flagStorage != nil { setFlags(recordFlags, at: count + i) }
                if recordFlags & Self.keyNullFlag == 0 { hasKeys = true }
            }
        } else if keyOffsets == nil {
            (flagStorageAllocated() + count).update(repeating: Self.keyNullFlag, count: appended)
        } else {
            hasKeys = true
            if let flagStorage { (flagStorage + count).update(repeating: 0, count: appended) }
        }
        count += appended
    }

    /// Appends record `index` of `other`.
    public func append(recordAt index: Int, of other: RecordBatch) {
        other.withRecord(at: index) { timestamp, key, value in
            append(timestamp: timestamp, key: key, value: value)
        }
    }

    /// Appends every record of `other`.
    public func append(contentsOf other: RecordBatch) {
        append(contentsOf: other, range: 0..<other.count)
    }

    /// Appends records `range` of `other`, in one copy per column. Typed
    /// values (of a batch without a selection) are copied too, into a new
    /// column holding this batch's rows and then `range`: a rare path
    /// (splitting a source's output at a watermark), not the hot one.
    public func append(contentsOf other: RecordBatch, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= other.count, "record range out of bounds")
        guard !range.isEmpty else { return }
        if let typed = other.columnar {
            precondition(typed.selection == nil, "slicing a batch with a selection")
            precondition(count == 0 || (columnar?.schema == typed.schema && (columnar?.values == nil) == (typed.values == nil)),
                         "typed columns appended to another kind of batch")
            func merged(_ mine: Column?, _ theirs: Column?) -> Column? {
                guard let theirs else { return nil }
                let merged = Column(theirs.type, capacity: count + range.count)
                for row in 0..<count {
                    if let mine { merged.appendRow(of: mine, at: row) } else { merged.appendNull() }
                }
                for row in range { merged.appendRow(of: theirs, at: row) }
                return merged
            }
            let values = merged(columnar?.values, typed.values)
            let headers = merged(columnar?.headers, typed.headers)
            columnar = nil
            appendRowColumns(of: other, range: range)
            columnar = ColumnarValues(schema: typed.schema, values: values, headers: headers)
            return
        }
        precondition(columnar == nil, "byte records appended to a batch of typed columns")
        appendRowColumns(of: other, range: range)
    }

    private func appendRowColumns(of other: RecordBatch, range: Range<Int>) {
        other.withColumns { columns in
            let first = range.lowerBound
            append(count: range.count, timestamps: columns.timestamps + first,
                   keyOffsets: columns.keyOffsets.map { $0 + first }, keys: columns.keys,
                   valueOffsets: columns.valueOffsets + first, values: columns.values,
                   flags: columns.flags.map { $0 + first })
        }
    }

    // MARK: Reading

    @inline(__always)
    public func timestamp(at index: Int) -> Int64 {
        precondition(index >= 0 && index < count, "record index out of range")
        return timestampStorage[index]
    }

    @inline(__always)
    public func flags(at index: Int) -> UInt8 { flagStorage?[index] ?? 0 }

    /// Calls `body` with record `index`; nil key or value means null.
    @inline(__always)
    public func withRecord<R>(
        at index: Int,
        _ body: (Int64, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        precondition(index >= 0 && index < count, "record index out of range")
        let flags = self.flags(at: index)
        let key: UnsafeRawBufferPointer? = flags & Self.keyNullFlag != 0 ? nil : UnsafeRawBufferPointer(
            start: keyStorage + Int(keyOffsetStorage[index]),
            count: Int(keyOffsetStorage[index + 1] - keyOffsetStorage[index]))
        let value: UnsafeRawBufferPointer? = flags & Self.valueNullFlag != 0 ? nil : UnsafeRawBufferPointer(
            start: valueStorage + Int(valueOffsetStorage[index]),
            count: Int(valueOffsetStorage[index + 1] - valueOffsetStorage[index]))
        return try body(timestampStorage[index], key, value)
    }

    /// The columns as raw pointers, laid out like `sh_batch`.
    public struct Columns {
        public let count: Int
        public let timestamps: UnsafePointer<Int64>
        /// nil when no record has a key.
        public let keyOffsets: UnsafePointer<UInt32>?
        public let keys: UnsafePointer<UInt8>?
        public let valueOffsets: UnsafePointer<UInt32>
        public let values: UnsafePointer<UInt8>
        /// nil when no record has a flag.
        public let flags: UnsafePointer<UInt8>?
    }

    /// The columns as raw pointers, valid until the batch is next appended
    /// to, emptied or freed: for handing a batch the caller keeps alive to C.
    public var unsafeColumns: Columns {
        Columns(
            count: count, timestamps: timestampStorage,
            keyOffsets: hasKeys ? UnsafePointer(keyOffsetStorage) : nil,
            keys: hasKeys ? UnsafePointer(keyStorage) : nil,
            valueOffsets: valueOffsetStorage, values: valueStorage,
            flags: flagStorage.map { UnsafePointer($0) })
    }

    /// Calls `body` with pointers to the columns, valid inside the closure.
    @inline(__always)
    public func withColumns<R>(_ body: (Columns) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(unsafeColumns) }
    }

    // MARK: Growth

    private func setFlags(_ flags: UInt8, at index: Int) {
        flagStorageAllocated()[index] = flags
    }

    /// The flags, allocated (all clear) on first use.
    private func flagStorageAllocated() -> UnsafeMutablePointer<UInt8> {
        if let flagStorage { return flagStorage }
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        storage.initialize(repeating: 0, count: capacity)
        flagStorage = storage
        return storage
    }

    private func growRecords(to newCapacity: Int) {
        let timestamps = UnsafeMutablePointer<Int64>.allocate(capacity: newCapacity)
        timestamps.update(from: timestampStorage, count: count)
        timestampStorage.deallocate()
        timestampStorage = timestamps
        for keyPath in [\RecordBatch.keyOffsetStorage, \RecordBatch.valueOffsetStorage] {
            let offsets = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity + 1)
            offsets.update(from: self[keyPath: keyPath], count: count + 1)
            self[keyPath: keyPath].deallocate()
            self[keyPath: keyPath] = offsets
        }
        if let flags = flagStorage {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.initialize(repeating: 0, count: newCapacity)
            grown.update(from: flags, count: count)
            flags.deallocate()
            flagStorage = grown
        }
        capacity = newCapacity
    }

    private func growKeys(toAtLeast needed: Int) {
        Self.grow(&keyStorage, capacity: &keyCapacity, used: Int(keyOffsetStorage[count]), needed: needed)
    }

    private func growValues(toAtLeast needed: Int) {
        Self.grow(&valueStorage, capacity: &valueCapacity, used: Int(valueOffsetStorage[count]), needed: needed)
    }

    /// Doubles a byte buffer until it holds `needed`, keeping its first `used` bytes.
    private static func grow(
        _ storage: inout UnsafeMutablePointer<UInt8>, capacity: inout Int, used: Int, needed: Int
    ) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: storage, count: used)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }
}
