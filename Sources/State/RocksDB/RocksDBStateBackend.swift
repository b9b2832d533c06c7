import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps keyed state in RocksDB (Debian's librocksdb 7.8), on disk, so state
/// may be larger than memory.
///
/// Each store is its own database in `<directory>/<stepID>-<instance>`
/// (Flink's model: one per task instance), so a store's files are its own
/// and its compactions never touch another's keys. A store starts empty:
/// whatever an earlier run left in its directory is destroyed when it
/// opens, unless it is made from a native snapshot of the same key groups
/// (`makeStore(…restoringFrom:…)`, which links the snapshot's files in).
///
/// Memory: all stores share one LRU block cache (`blockCacheBytes`), which
/// also holds index and filter blocks, so table readers do not grow outside
/// it. Memtables are bounded per store (`writeBufferBytesPerStore`, RocksDB's
/// `db_write_buffer_size`): the C API of RocksDB 7.8 has no write-buffer
/// manager that could share one bound across databases or charge memtables
/// to the cache. A backend with `n` open stores therefore holds at most
/// about `blockCacheBytes + n × writeBufferBytesPerStore` in RocksDB's own
/// structures (plus iterators and the allocator's overhead).
///
/// Durability: the write-ahead log is disabled. A crash loses the store's
/// contents, which is what the design wants: checkpoints (native
/// snapshots, see `captureSnapshot`) make state durable, and a restart
/// restores from the latest one.
///
/// # Thread safety
/// Thread-safe: stores may be made on any thread; RocksDB's cache and
/// background threads are shared by all stores.
public final class RocksDBStateBackend: StateBackend, @unchecked Sendable {
    // @unchecked: `cache` is a RocksDB LRU cache, which is thread-safe; the
    // other members are immutable.

    /// Sizes of what the backend's RocksDB databases keep in memory.
    public struct Configuration: Sendable, Hashable {
        /// The LRU cache all stores share for data, index and filter blocks.
        public var blockCacheBytes: Int
        /// The bound on one store's memtables (all column families).
        public var writeBufferBytesPerStore: Int
        /// Background flush and compaction threads (shared by all stores).
        public var backgroundJobs: Int

        public init(blockCacheBytes: Int = 64 << 20, writeBufferBytesPerStore: Int = 16 << 20,
                    backgroundJobs: Int = 2) {
            self.blockCacheBytes = blockCacheBytes
            self.writeBufferBytesPerStore = writeBufferBytesPerStore
            self.backgroundJobs = backgroundJobs
        }
    }

    public let name = "rocksdb"
    /// The directory holding one database per store.
    public let directory: String
    public let configuration: Configuration
    let cache: OpaquePointer

    public init(directory: String, configuration: Configuration = Configuration()) {
        precondition(configuration.blockCacheBytes > 0 && configuration.writeBufferBytesPerStore > 0
                     && configuration.backgroundJobs > 0, "RocksDB sizes must be positive: \(configuration)")
        self.directory = directory
        self.configuration = configuration
        cache = rocksdb_cache_create_lru(configuration.blockCacheBytes)
    }

    deinit {
        // Databases hold their own references to the cache.
        rocksdb_cache_destroy(cache)
    }

    /// The bytes in the shared block cache now.
    public var blockCacheUsageBytes: Int { rocksdb_cache_get_usage(cache) }

    /// The directory of one store's database.
    public func storePath(stepID: String, instance: Int) -> String {
        directory + "/" + Self.fileNameComponent(stepID) + "-" + String(instance)
    }

    public func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>) throws(StateError)
        -> any KeyedStateStore
    {
        precondition(keyGroups.lowerBound >= 0 && keyGroups.upperBound <= Int(UInt32.max),
                     "key groups must fit in 32 bits, got \(keyGroups)")
        let path = storePath(stepID: stepID, instance: instance)
        try SnapshotFiles.makeDirectories(directory, purpose: "the rocksdb state backend's directory")
        let database = try RocksDBDatabase(
            path: path, cache: cache, configuration: configuration,
            context: "step \(stepID), instance \(instance)")
        return RocksDBKeyedStateStore(database: database, keyGroups: keyGroups)
    }

    /// `stepID` as one path component: letters, digits, `.`, `_` and `-`
    /// stay, every other byte becomes `%XX`.
    static func fileNameComponent(_ stepID: String) -> String {
        var out = ""
        for byte in stepID.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: ".") where !out.isEmpty:
                out.append(".")
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out.isEmpty ? "%" : out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
