import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The native RocksDB snapshot format: the files of a RocksDB checkpoint
/// (`rocksdb_checkpoint_create`: SST files hard-linked from the live
/// database, and copies of its MANIFEST, CURRENT and OPTIONS), flat in one
/// directory, described by a `StateSnapshotHandle` that lists each file
/// with its size and CRC-32C and the store's states in registration order
/// (RocksDB keys name states by that order, see `RocksDBKeyLayout`).
///
/// Restoring it reads no entry when a RocksDB store of the same key groups
/// is made from it without a transform: the files are hard-linked (SST) or
/// copied (the rest, which RocksDB rewrites) into the store's directory,
/// checked, and the database opened as it is. Otherwise the files are put
/// in a temporary directory the same way, opened read-only in effect, and
/// their entries in the wanted key groups inserted one by one.
enum RocksDBNativeSnapshot {
    static let formatName = "rocksdb-checkpoint"
    static let version = 1

    static func isSSTFile(_ name: String) -> Bool { name.hasSuffix(".sst") }

    /// Puts the files of `source` into `directory` (which exists and holds
    /// none of them), checking each one's presence, size and CRC-32C.
    static func materialize(_ source: StateRestoreSource, into directory: String) throws(StateError) {
        let handle = source.handle
        guard handle.format == .native, handle.formatName == formatName, handle.formatVersion == version else {
            throw .snapshot(path: source.directory, offset: nil,
                            problem: "the handle describes format '\(handle.formatName)' version \(handle.formatVersion); "
                                + "this build reads native snapshots as '\(formatName)' version \(version)")
        }
        guard handle.files.contains(where: { $0.relativePath == "CURRENT" }) else {
            throw .snapshot(path: source.directory, offset: nil,
                            problem: "the handle lists no CURRENT file: it is not a complete RocksDB checkpoint")
        }
        for file in handle.files {
            let name = file.relativePath
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw .snapshot(path: source.directory, offset: nil,
                                problem: "the handle lists a file '\(name)', which is not a plain file name")
            }
            let path = source.directory + "/" + name
            guard let size = SnapshotFiles.size(path) else {
                throw .snapshot(path: path, offset: nil, problem: "the file is missing")
            }
            guard size == file.byteSize else {
                throw .snapshot(path: path, offset: nil,
                                problem: "the file has \(size) bytes, its snapshot handle says \(file.byteSize) "
                                    + "(truncated, or replaced by another file)")
            }
            let target = directory + "/" + name
            // RocksDB never changes an SST file, so the store may share it;
            // it does rewrite the others, which it must therefore not share.
            if isSSTFile(name) {
                try SnapshotFiles.linkOrCopy(path, to: target)
            } else {
                try SnapshotFiles.copy(path, to: target)
            }
            let (_, crc) = try SnapshotFiles.checksum(target)
            guard crc == file.crc32c else {
                throw .snapshot(path: path, offset: nil,
                                problem: "the CRC-32C of the whole file is 0x\(String(crc, radix: 16)), its snapshot "
                                    + "handle says 0x\(String(file.crc32c, radix: 16))")
            }
        }
    }

    /// Calls `body` with every entry and timer of `source` in `range`,
    /// reading a private copy of its files made under `temporaryBase`.
    static func forEachEntry(of source: StateRestoreSource, in range: ClosedRange<Int>, temporaryDirectory temporaryBase: String,
                             _ body: (StateEntry) throws(StateError) -> Void) throws(StateError) {
        let descriptors = try source.handle.descriptors(directory: source.directory)
        try SnapshotFiles.makeDirectories(temporaryBase)
        var template = Array((temporaryBase + "/.restore-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw .storage("cannot create a temporary directory under \(temporaryBase) to read the snapshot in "
                + "\(source.directory): \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        defer { SnapshotFiles.removeTreeIfPossible(directory) }
        try materialize(source, into: directory)

        let configuration = RocksDBStateBackend.Configuration(
            blockCacheBytes: 8 << 20, writeBufferBytesPerStore: 1 << 20, backgroundJobs: 1)
        let cache = rocksdb_cache_create_lru(configuration.blockCacheBytes)!
        defer { rocksdb_cache_destroy(cache) }
        let database = try RocksDBDatabase(path: directory, cache: cache, configuration: configuration,
                                           context: "restoring the snapshot in \(source.directory)", opening: .existing)
        let store = RocksDBKeyedStateStore(database: database, keyGroups: source.handle.keyGroups)
        defer { store.close() }
        try store.registerInOrder(descriptors)
        // Keep every entry: the store restored into decides on expiry.
        store.processingTime = .min
        try store.forEachEntry(in: range, body)
    }
}
