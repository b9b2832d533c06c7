import CRocksDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open RocksDB database with the backend's two column families, the
/// options the store reuses on every call, and RocksDB's C errors turned
/// into `StateError.storage` naming the path.
///
/// # Thread safety
/// Used by one store, from one thread at a time; snapshot writers also
/// read it from their own threads, under a lease (`lease()`), which RocksDB
/// allows (reads are thread-safe).
///
/// # Ownership
/// Owns the database and every RocksDB object it creates; `close()` (or
/// deinit) releases them in the order RocksDB needs. While a snapshot
/// writer holds a lease, `close()` only marks the database, and the last
/// lease released closes it.
final class RocksDBDatabase: @unchecked Sendable {
    // @unchecked: the store's thread owns the database; other threads only
    // read through leases, and the lease count is under a mutex.

    /// Whether opening clears what is in the directory.
    enum Opening {
        /// A new, empty database (whatever an earlier run left is destroyed).
        case fresh
        /// The database already in the directory (a restored checkpoint).
        case existing
    }

    let path: String
    /// "step S, instance N", for messages.
    let context: String
    private(set) var db: OpaquePointer?
    /// Column family `default`: state entries and the timer index.
    private(set) var state: OpaquePointer?
    /// Column family `timers`: timers in firing order.
    private(set) var timers: OpaquePointer?
    /// WAL disabled (see `RocksDBStateBackend`).
    let writeOptions: OpaquePointer
    /// Point reads.
    let readOptions: OpaquePointer
    /// Iteration; its upper bound is set per iterator.
    let iterationOptions: OpaquePointer
    let ttlFilter = RocksDBTTLFilter()
    private let compactionFilter: OpaquePointer

    private struct Leases {
        var count = 0
        var closeRequested = false
    }
    private let leases = Mutex(Leases())

    init(path: String, cache: OpaquePointer, configuration: RocksDBStateBackend.Configuration,
         context: String, opening: Opening = .fresh) throws(StateError) {
        self.path = path
        self.context = context
        writeOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_disable_WAL(writeOptions, 1)
        readOptions = rocksdb_readoptions_create()
        iterationOptions = rocksdb_readoptions_create()
        compactionFilter = ttlFilter.makeFilter()

        let table = rocksdb_block_based_options_create()!
        defer { rocksdb_block_based_options_destroy(table) }
        rocksdb_block_based_options_set_block_cache(table, cache)
        // Index and filter blocks live in the shared cache, so table
        // readers stay inside its bound. They are partitioned into
        // metadata-sized blocks: a whole filter of a large table (1.25 MB
        // for a million keys) is bigger than a cache shard, could not stay
        // cached, and was read from the file again on every get. The top
        // levels and level 0's blocks stay pinned, since every read
        // consults them.
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1)
        rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1)
        rocksdb_block_based_options_set_index_type(
            table, Int32(rocksdb_block_based_table_index_type_two_level_index_search))
        rocksdb_block_based_options_set_partition_filters(table, 1)
        rocksdb_block_based_options_set_metadata_block_size(table, 4_096)
        rocksdb_block_based_options_set_pin_top_level_index_and_filter(table, 1)
        let bloom = rocksdb_filterpolicy_create_bloom_full(10)
        rocksdb_block_based_options_set_filter_policy(table, bloom)  // the table options own it now
        rocksdb_block_based_options_set_format_version(table, 5)

        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_create_if_missing(options, opening == .fresh ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(options, opening == .fresh ? 1 : 0)
        rocksdb_options_set_block_based_table_factory(options, table)
        rocksdb_options_set_db_write_buffer_size(options, configuration.writeBufferBytesPerStore)
        rocksdb_options_set_write_buffer_size(options, max(1 << 20, configuration.writeBufferBytesPerStore / 2))
        rocksdb_options_set_max_write_buffer_number(options, 2)
        rocksdb_options_set_max_background_jobs(options, Int32(configuration.backgroundJobs))
        rocksdb_options_set_compression(options, Int32(rocksdb_lz4_compression))
        rocksdb_options_set_level_compaction_dynamic_level_bytes(options, 1)
        // A bloom filter over whole keys in the memtables too, so a get of a
        // key that is not there skips them quickly.
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.02)
        rocksdb_options_set_memtable_whole_key_filtering(options, 1)
        // RocksDB's informational LOG files: warnings only, two files kept.
        rocksdb_options_set_info_log_level(options, 2)
        rocksdb_options_set_keep_log_file_num(options, 2)

        let stateOptions = rocksdb_options_create_copy(options)!
        defer { rocksdb_options_destroy(stateOptions) }
        rocksdb_options_set_compaction_filter(stateOptions, compactionFilter)

        // A fresh store starts empty: destroy what an earlier run left here.
        var error: UnsafeMutablePointer<CChar>?
        if opening == .fresh {
            rocksdb_destroy_db(options, path, &error)
            try check(&error, "cannot clear the old rocksdb state in")
        }

        let nameStorage: [UnsafeMutablePointer<CChar>] = [strdup("default")!, strdup("timers")!]
        defer { nameStorage.forEach { free($0) } }
        var names: [UnsafePointer<CChar>?] = nameStorage.map { UnsafePointer($0) }
        var familyOptions: [OpaquePointer?] = [stateOptions, options]
        var handles: [OpaquePointer?] = [nil, nil]
        let opened = rocksdb_open_column_families(options, path, 2, &names, &familyOptions, &handles, &error)
        // On a throw, deinit releases what init created.
        try check(&error, "cannot open rocksdb state in")
        db = opened
        state = handles[0]
        timers = handles[1]
    }

    deinit { closeNow() }

    private var isReleased = false

    /// Lets a snapshot writer read the database from its own thread until
    /// it calls `releaseLease()`. Called on the store's thread while open.
    func lease() {
        leases.withLock { $0.count += 1 }
    }

    /// Ends a lease; the last one closes a database whose store closed.
    func releaseLease() {
        let closing = leases.withLock { leases -> Bool in
            precondition(leases.count > 0, "rocksdb database lease released twice (\(path))")
            leases.count -= 1
            return leases.count == 0 && leases.closeRequested
        }
        if closing { closeNow() }
    }

    /// Closes the database (its files stay) and releases the options, now
    /// or, while snapshot writers hold leases, when the last is released;
    /// idempotent.
    func close() {
        let now = leases.withLock { leases -> Bool in
            if leases.count > 0 {
                leases.closeRequested = true
                return false
            }
            return true
        }
        if now { closeNow() }
    }

    private func closeNow() {
        guard !isReleased else { return }
        isReleased = true
        if let state { rocksdb_column_family_handle_destroy(state) }
        if let timers { rocksdb_column_family_handle_destroy(timers) }
        if let db { rocksdb_close(db) }
        db = nil
        state = nil
        timers = nil
        // The filter may be destroyed only once the database that uses it is closed.
        rocksdb_compactionfilter_destroy(compactionFilter)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_readoptions_destroy(iterationOptions)
    }

    /// Throws `.storage` with RocksDB's message if `error` is set, and frees it.
    @inline(__always)
    func check(_ error: inout UnsafeMutablePointer<CChar>?, _ action: @autoclosure () -> String) throws(StateError) {
        guard let message = error else { return }
        let text = String(cString: message)
        rocksdb_free(message)
        error = nil
        throw .storage("\(action()) \(path) (\(context)): \(text)")
    }

    /// An integer property of column family `family` (RocksDB's
    /// `GetIntProperty`), 0 when RocksDB does not know it or the database
    /// is closed.
    func property(_ name: String, of family: OpaquePointer?) -> Int {
        guard let db, let family else { return 0 }
        var value: UInt64 = 0
        guard rocksdb_property_int_cf(db, family, name, &value) == 0 else { return 0 }
        return Int(clamping: value)
    }

    /// The database; a closed store is a programmer error.
    @inline(__always)
    var handle: OpaquePointer {
        guard let db else { preconditionFailure("rocksdb state store used after close (\(path), \(context))") }
        return db
    }
}
