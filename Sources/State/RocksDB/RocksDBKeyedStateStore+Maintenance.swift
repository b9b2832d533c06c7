import CRocksDB

extension RocksDBKeyedStateStore {
    /// Flushes the memtables and compacts both column families completely
    /// (so the TTL filter sees every entry), waiting until done. Slow; for
    /// tests, tools and benchmarks that want no compaction running.
    public func compactAll() throws(StateError) {
        let flush = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(flush) }
        rocksdb_flushoptions_set_wait(flush, 1)
        var error: UnsafeMutablePointer<CChar>?
        for family in [database.state, database.timers] {
            rocksdb_flush_cf(database.handle, flush, family, &error)
            try database.check(&error, "cannot flush")
            rocksdb_compact_range_cf(database.handle, family, nil, 0, nil, 0)
        }
    }

    /// Keys in the `default` column family, expired or not (entries and
    /// timer index keys); scans everything. For tests.
    func rawEntryCount() throws(StateError) -> Int {
        var count = 0
        try scan(from: UnsafeRawBufferPointer(start: nil, count: 0), prefixOnly: false, "cannot count entries in") { _, _ in
            count += 1
            return true
        }
        return count
    }
}
