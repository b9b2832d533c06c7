import CRocksDB

/// A RocksDB store's state pinned by a database snapshot at a barrier, read
/// by a canonical snapshot writer on its own thread: the capture costs one
/// `rocksdb_create_snapshot`, and writes to the store after it are not
/// seen by the iterator.
///
/// # Thread safety
/// Read by one writer thread; RocksDB iterators over a snapshot may run
/// while the store's task writes.
///
/// # Ownership
/// Holds a lease on the database and the snapshot until `release()`.
final class RocksDBSnapshotCapture: CanonicalSnapshotSource, @unchecked Sendable {
    // @unchecked: the database is read under a lease (see RocksDBDatabase);
    // the other members are immutable.
    let backendName = "rocksdb"
    let keyGroups: ClosedRange<Int>
    let descriptors: [StateDescriptor]
    /// Entries that expired at or before this time are left out.
    let processingTime: Int64
    private let database: RocksDBDatabase
    private let snapshot: OpaquePointer

    init(store: RocksDBKeyedStateStore) {
        keyGroups = store.keyGroups
        descriptors = store.registry.descriptors
        processingTime = store.processingTime
        database = store.database
        database.lease()
        snapshot = rocksdb_create_snapshot(database.handle)
    }

    func forEachKeyGroup(
        _ body: (_ keyGroup: Int, _ payload: UnsafeRawBufferPointer, _ entryCount: Int, _ timerCount: Int)
            throws(StateError) -> Void
    ) throws(StateError) {
        typealias Layout = RocksDBKeyLayout
        let options = rocksdb_readoptions_create()
        defer { rocksdb_readoptions_destroy(options) }
        rocksdb_readoptions_set_snapshot(options, snapshot)
        // A one-pass scan: keep it out of the block cache the tasks use.
        rocksdb_readoptions_set_fill_cache(options, 0)
        let iterator = rocksdb_create_iterator_cf(database.handle, options, database.state)
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek_to_first(iterator)
        let buffer = SnapshotBuffer(capacity: 1 << 20)
        var currentGroup = -1
        var entries = 0
        var timers = 0
        let path = database.path
        let context = database.context
        func damaged(_ what: String) -> StateError {
            .storage("\(what) in \(path) (\(context)): the database is damaged")
        }
        func flush() throws(StateError) {
            if currentGroup >= 0 && buffer.count > 0 {
                try body(currentGroup, buffer.bytes, entries, timers)
            }
            buffer.removeAll()
            entries = 0
            timers = 0
        }
        while rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let key = UnsafeRawBufferPointer(start: rocksdb_iter_key(iterator, &keyLength), count: keyLength)
            guard keyLength >= Layout.stateKeyHeaderBytes, let base = key.baseAddress else {
                throw damaged("a state key of \(keyLength) bytes")
            }
            let keyGroup = Int(Layout.loadUInt32(base))
            if keyGroup != currentGroup {
                try flush()
                currentGroup = keyGroup
            }
            let tag = Layout.loadUInt32(base + 4)
            if tag == Layout.timerTag {
                guard keyLength >= 17, let domain = Layout.domain(base.load(fromByteOffset: 8, as: UInt8.self)) else {
                    throw damaged("a timer index key of \(keyLength) bytes")
                }
                CanonicalSnapshotLayout.appendTimer(to: buffer, domain: domain, time: Layout.loadTime(base + 9),
                                                    key: UnsafeRawBufferPointer(rebasing: key[17...]))
                timers += 1
            } else {
                let id = Int(tag & ~Layout.ttlFlag)
                guard id < descriptors.count else { throw damaged("an entry of unknown state id \(id)") }
                let descriptor = descriptors[id]
                let keyEnd = Layout.stateKeyHeaderBytes + Int(Layout.loadUInt32(base + 8))
                guard keyEnd <= keyLength, descriptor.kind == .map || keyEnd == keyLength else {
                    throw damaged("a key of state '\(descriptor.name)' with a wrong length")
                }
                var value = UnsafeRawBufferPointer(start: rocksdb_iter_value(iterator, &valueLength), count: valueLength)
                var expiresAt = CanonicalSnapshotLayout.noExpiry
                var live = true
                if descriptor.ttlMs > 0 {
                    guard valueLength >= Layout.ttlPrefixBytes else {
                        throw damaged("a value of state '\(descriptor.name)' without its expiry")
                    }
                    expiresAt = Layout.loadTime(value.baseAddress!)
                    live = expiresAt > processingTime
                    value = UnsafeRawBufferPointer(rebasing: value[Layout.ttlPrefixBytes...])
                }
                if live {
                    let entryKey = UnsafeRawBufferPointer(rebasing: key[Layout.stateKeyHeaderBytes..<keyEnd])
                    if descriptor.kind == .map {
                        CanonicalSnapshotLayout.appendMapEntry(
                            to: buffer, state: UInt32(id), expiresAt: expiresAt, key: entryKey,
                            userKey: UnsafeRawBufferPointer(rebasing: key[keyEnd...]), value: value)
                    } else {
                        CanonicalSnapshotLayout.appendValue(to: buffer, state: UInt32(id), expiresAt: expiresAt,
                                                            key: entryKey, value: value)
                    }
                    entries += 1
                }
            }
            rocksdb_iter_next(iterator)
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        try database.check(&error, "cannot read the snapshot of")
        try flush()
    }

    private var isReleased = false

    func release() {
        guard !isReleased else { return }
        isReleased = true
        rocksdb_release_snapshot(database.handle, snapshot)
        database.releaseLease()
    }
}
