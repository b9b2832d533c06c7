import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keyed state in one RocksDB database: the store of one instance of a
/// stateful step on a `RocksDBStateBackend`. The key layout is described in
/// `RocksDBKeyLayout`.
///
/// Reads use pinned gets (`rocksdb_get_pinned_cf`): the returned value
/// points into RocksDB's block cache or memtable without a copy, and stays
/// pinned until the next get on the store. Keys are encoded into a reused
/// buffer, so a get or put allocates nothing in Swift.
///
/// TTL: a TTL state's value starts with its expiry. Reads skip expired
/// entries; the compaction filter (`RocksDBTTLFilter`) drops them from disk
/// as compactions pass over them.
///
/// Timers: the `timers` column family in firing order, plus a small
/// in-memory head per domain (`RocksDBTimerHead`: the earliest few hundred
/// timer keys), so `earliestTimer` and `popTimer` seek only when the head
/// runs out.
///
/// # Thread safety
/// Not thread-safe: one task uses a store at a time (ABI rule 8).
///
/// # Ownership
/// Values returned by `get`/`mapGet` are pinned by the store until the next
/// get on it (and at most until the next call, as the protocol says);
/// buffers passed to visitors are valid during the visit.
public final class RocksDBKeyedStateStore: KeyedStateStore {
    public let keyGroups: ClosedRange<Int>
    public var processingTime: Int64 = 0 {
        didSet { database.ttlFilter.now.store(processingTime, ordering: .relaxed) }
    }

    /// The database's directory.
    public var path: String { database.path }

    let database: RocksDBDatabase
    struct RegisteredState {
        let descriptor: StateDescriptor
        let tag: UInt32
        var hasTTL: Bool { descriptor.ttlMs > 0 }
    }
    var registry = StateRegistry()
    var states: [RegisteredState] = []
    /// Keys are encoded here (and timer keys in `secondKey`).
    let key = RocksDBBuffer()
    let secondKey = RocksDBBuffer()
    /// A TTL state's value with its expiry in front.
    let value = RocksDBBuffer()
    /// An iterator's upper bound.
    let bound = RocksDBBuffer()
    /// The slice the last get returned, pinned until the next get.
    var pinned: OpaquePointer?
    /// Reused for timer writes (two keys per timer).
    let batch: OpaquePointer
    /// [event time, processing time].
    let timerHeads = [RocksDBTimerHead(domain: .eventTime), RocksDBTimerHead(domain: .processingTime)]
    /// The files of the last native snapshot (see `captureSnapshot`).
    let snapshotLineage = RocksDBSnapshotLineage()
    /// Native snapshots captured, for naming their staging directories.
    var snapshotsCaptured = 0
    /// While a restore inserts, entry writes collect here and go to the
    /// database `bulkLoadEntriesMax` at a time (see `beginBulkLoad`).
    var bulkLoad: OpaquePointer?
    var bulkLoadCount = 0
    static let bulkLoadEntriesMax = 4_096

    init(database: RocksDBDatabase, keyGroups: ClosedRange<Int>) {
        self.database = database
        self.keyGroups = keyGroups
        batch = rocksdb_writebatch_create()
    }

    deinit {
        close()
        rocksdb_writebatch_destroy(batch)
        if let bulkLoad { rocksdb_writebatch_destroy(bulkLoad) }
    }

    public func close() {
        releasePinned()
        database.close()
    }

    // MARK: Size

    /// RocksDB's estimates: a few property reads (each takes the
    /// database's mutex briefly), nothing on the write path.
    public var sizeEstimate: KeyedStateSize {
        let families = [database.state, database.timers]
        let bytes = families.reduce(0) { total, family in
            total + database.property("rocksdb.estimate-live-data-size", of: family)
                + database.property("rocksdb.cur-size-all-mem-tables", of: family)
        }
        return KeyedStateSize(entries: database.property("rocksdb.estimate-num-keys", of: database.state), bytes: bytes)
    }

    // MARK: Registration and checks

    public func register(_ descriptor: StateDescriptor) throws(StateError) -> StateID {
        let (id, isNew) = try registry.register(descriptor)
        if isNew {
            guard id <= RocksDBKeyLayout.stateIDMax else {
                registry.unregisterLast()
                throw .invalidDescriptor(name: descriptor.name, reason: "a store holds at most \(RocksDBKeyLayout.stateIDMax) states")
            }
            states.append(RegisteredState(descriptor: descriptor,
                                          tag: RocksDBKeyLayout.tag(for: id, hasTTL: descriptor.ttlMs > 0)))
        }
        return id
    }

    @inline(__always)
    func state(_ id: StateID, kind: StateKind) throws(StateError) -> RegisteredState {
        guard Int(id) < states.count else { throw .unknownState(id) }
        let state = states[Int(id)]
        guard state.descriptor.kind == kind else {
            throw .wrongKind(name: state.descriptor.name, actual: state.descriptor.kind)
        }
        return state
    }

    @inline(__always)
    func checkOwned(_ keyGroup: Int) throws(StateError) {
        guard keyGroups.contains(keyGroup) else { throw .keyGroupNotOwned(keyGroup: keyGroup, owned: keyGroups) }
    }

    @inline(__always)
    func releasePinned() {
        if let pinned {
            rocksdb_pinnableslice_destroy(pinned)
            self.pinned = nil
        }
    }

    @inline(__always)
    func expiry(_ state: RegisteredState) -> Int64 {
        let (sum, overflow) = processingTime.addingReportingOverflow(state.descriptor.ttlMs)
        return overflow ? Int64.max : sum
    }

    // MARK: Reads and writes of one entry

    /// Encodes the entry key of (state, key group, key[, user key]) into `key`.
    @inline(__always)
    func encodeKey(_ state: RegisteredState, keyGroup: Int, key: UnsafeRawBufferPointer,
                   userKey: UnsafeRawBufferPointer?) -> Int {
        let length = RocksDBKeyLayout.stateKeyLength(key: key.count, userKey: userKey?.count ?? 0)
        return RocksDBKeyLayout.writeStateKey(into: self.key.reserve(length), keyGroup: keyGroup, tag: state.tag,
                                              key: key, userKey: userKey)
    }

    func read(_ state: RegisteredState, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer?)
        throws(StateError) -> UnsafeRawBufferPointer?
    {
        let length = encodeKey(state, keyGroup: keyGroup, key: key, userKey: userKey)
        releasePinned()
        var error: UnsafeMutablePointer<CChar>?
        let slice = rocksdb_get_pinned_cf(database.handle, database.readOptions, database.state,
                                          self.key.chars, length, &error)
        try database.check(&error, "cannot read state '\(state.descriptor.name)' from")
        guard let slice else { return nil }
        pinned = slice
        var valueLength = 0
        let bytes = UnsafeRawPointer(rocksdb_pinnableslice_value(slice, &valueLength))
        guard state.hasTTL else { return UnsafeRawBufferPointer(start: bytes, count: valueLength) }
        guard let bytes, valueLength >= RocksDBKeyLayout.ttlPrefixBytes else {
            throw .storage("state '\(state.descriptor.name)' in \(database.path) (\(database.context)) holds a "
                + "value of \(valueLength) bytes without its 8-byte expiry: the database is damaged")
        }
        if RocksDBKeyLayout.loadTime(bytes) <= processingTime { return nil }
        return UnsafeRawBufferPointer(start: bytes + RocksDBKeyLayout.ttlPrefixBytes,
                                      count: valueLength - RocksDBKeyLayout.ttlPrefixBytes)
    }

    func write(_ state: RegisteredState, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer?,
               value: UnsafeRawBufferPointer, expiresAt: Int64) throws(StateError) {
        let length = encodeKey(state, keyGroup: keyGroup, key: key, userKey: userKey)
        var stored = value
        if state.hasTTL {
            let buffer = self.value.reserve(RocksDBKeyLayout.ttlPrefixBytes + value.count)
            RocksDBKeyLayout.storeTime(expiresAt, at: buffer)
            EntryBlock.copy(value, to: buffer + RocksDBKeyLayout.ttlPrefixBytes)
            stored = UnsafeRawBufferPointer(start: buffer, count: RocksDBKeyLayout.ttlPrefixBytes + value.count)
        }
        if let bulkLoad {
            rocksdb_writebatch_put_cf(bulkLoad, database.state, self.key.chars, length,
                                      stored.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(self.key.chars),
                                      stored.count)
            bulkLoadCount += 1
            if bulkLoadCount >= Self.bulkLoadEntriesMax { try flushBulkLoad() }
            return
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_put_cf(database.handle, database.writeOptions, database.state, self.key.chars, length,
                       stored.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(self.key.chars), stored.count, &error)
        try database.check(&error, "cannot write state '\(state.descriptor.name)' to")
    }

    func remove(_ state: RegisteredState, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer?)
        throws(StateError)
    {
        let length = encodeKey(state, keyGroup: keyGroup, key: key, userKey: userKey)
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_delete_cf(database.handle, database.writeOptions, database.state, self.key.chars, length, &error)
        try database.check(&error, "cannot delete from state '\(state.descriptor.name)' in")
    }

    // MARK: Value state

    public func get(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError)
        -> UnsafeRawBufferPointer?
    {
        let state = try self.state(id, kind: .value)
        try checkOwned(keyGroup)
        return try read(state, keyGroup: keyGroup, key: key, userKey: nil)
    }

    public func put(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        throws(StateError)
    {
        let state = try self.state(id, kind: .value)
        try checkOwned(keyGroup)
        try write(state, keyGroup: keyGroup, key: key, userKey: nil, value: value, expiresAt: expiry(state))
    }

    public func delete(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError) {
        let state = try self.state(id, kind: .value)
        try checkOwned(keyGroup)
        try remove(state, keyGroup: keyGroup, key: key, userKey: nil)
    }

    // MARK: Map state

    public func mapGet(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError) -> UnsafeRawBufferPointer?
    {
        let state = try self.state(id, kind: .map)
        try checkOwned(keyGroup)
        return try read(state, keyGroup: keyGroup, key: key, userKey: userKey)
    }

    public func mapPut(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                       value: UnsafeRawBufferPointer) throws(StateError) {
        let state = try self.state(id, kind: .map)
        try checkOwned(keyGroup)
        try write(state, keyGroup: keyGroup, key: key, userKey: userKey, value: value, expiresAt: expiry(state))
    }

    public func mapDelete(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError)
    {
        let state = try self.state(id, kind: .map)
        try checkOwned(keyGroup)
        try remove(state, keyGroup: keyGroup, key: key, userKey: userKey)
    }

    public func mapIterate(_ id: StateID, keyGroup: Int, key: UnsafeRawBufferPointer,
                           _ visit: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)
        throws(StateError)
    {
        let state = try self.state(id, kind: .map)
        try checkOwned(keyGroup)
        let prefixLength = encodeKey(state, keyGroup: keyGroup, key: key, userKey: nil)
        let prefix = UnsafeRawBufferPointer(start: self.key.bytes, count: prefixLength)
        let now = processingTime
        try scan(from: prefix, prefixOnly: true, "cannot iterate state '\(state.descriptor.name)' in") { entryKey, entryValue in
            var value = entryValue
            if state.hasTTL {
                guard value.count >= RocksDBKeyLayout.ttlPrefixBytes,
                      RocksDBKeyLayout.loadTime(value.baseAddress!) > now else { return true }
                value = UnsafeRawBufferPointer(rebasing: value[RocksDBKeyLayout.ttlPrefixBytes...])
            }
            return visit(UnsafeRawBufferPointer(rebasing: entryKey[prefixLength...]), value)
        }
    }

    /// Iterates the `default` column family from `start`: over the keys
    /// that begin with `start` (`prefixOnly`), or up to `end`. `body` returns
    /// false to stop.
    func scan(from start: UnsafeRawBufferPointer, prefixOnly: Bool, end: UnsafeRawBufferPointer? = nil,
              family: OpaquePointer? = nil, _ action: @autoclosure () -> String,
              _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(StateError) -> Bool)
        throws(StateError)
    {
        var boundLength: Int?
        if prefixOnly {
            let buffer = bound.reserve(start.count)
            EntryBlock.copy(start, to: buffer)
            boundLength = RocksDBKeyLayout.prefixSuccessor(buffer, length: start.count)
        } else if let end {
            EntryBlock.copy(end, to: bound.reserve(end.count))
            boundLength = end.count
        }
        if let boundLength {
            rocksdb_readoptions_set_iterate_upper_bound(database.iterationOptions, bound.chars, boundLength)
        } else {
            rocksdb_readoptions_set_iterate_upper_bound(database.iterationOptions, nil, 0)
        }
        let iterator = rocksdb_create_iterator_cf(database.handle, database.iterationOptions, family ?? database.state)
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek(iterator, start.baseAddress?.assumingMemoryBound(to: CChar.self), start.count)
        while rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let keyBytes = UnsafeRawBufferPointer(start: rocksdb_iter_key(iterator, &keyLength), count: keyLength)
            if prefixOnly && (keyLength < start.count || memcmp(keyBytes.baseAddress!, start.baseAddress!, start.count) != 0) {
                break
            }
            let valueBytes = UnsafeRawBufferPointer(start: rocksdb_iter_value(iterator, &valueLength), count: valueLength)
            guard try body(keyBytes, valueBytes) else { return }
            rocksdb_iter_next(iterator)
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        try database.check(&error, action())
    }
}

/// A growable byte buffer for encoding keys and values without allocating
/// per call.
///
/// # Ownership
/// Owns its memory; pointers into it are valid until the next `reserve`.
final class RocksDBBuffer {
    private(set) var bytes: UnsafeMutableRawPointer
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
        bytes = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { bytes.deallocate() }

    /// At least `count` bytes; the contents are not kept when it grows.
    @inline(__always)
    func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if count > capacity {
            bytes.deallocate()
            capacity = max(count, capacity * 2)
            bytes = .allocate(byteCount: capacity, alignment: 8)
        }
        return bytes
    }

    var chars: UnsafeMutablePointer<CChar> { bytes.assumingMemoryBound(to: CChar.self) }
}
