#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Restores a store entry by entry from snapshots of either format: the
/// path every backend takes except RocksDB's native fast path.
enum StateRestore {
    /// Inserts the entries and timers of `sources` that fall in the store's
    /// key groups, passing value and map entries through `transform`.
    static func insert(_ sources: [StateRestoreSource], into store: any KeyedStateStore,
                       transform: StateEntryTransform?) throws(StateError) {
        let range = store.keyGroups
        let rocks = store as? RocksDBKeyedStateStore
        rocks?.beginBulkLoad()
        do throws(StateError) {
            try insertEach(sources, into: store, range: range, transform: transform)
            try rocks?.endBulkLoad(apply: true)
        } catch {
            try? rocks?.endBulkLoad(apply: false)
            throw error
        }
    }

    private static func insertEach(_ sources: [StateRestoreSource], into store: any KeyedStateStore,
                                   range: ClosedRange<Int>, transform: StateEntryTransform?) throws(StateError) {
        for source in sources {
            let handle = source.handle
            guard handle.keyGroups.overlaps(range) else { continue }
            let body: (StateEntry) throws(StateError) -> Void = { (entry) throws(StateError) in
                if let transform, case .value = entry {
                    guard let transformed = try transform(entry) else { return }
                    try store.insert(transformed)
                } else {
                    try store.insert(entry)
                }
            }
            switch handle.format {
            case .canonical:
                let reader = try canonicalReader(source)
                try reader.forEachEntry(in: range, body)
            case .native:
                try RocksDBNativeSnapshot.forEachEntry(of: source, in: range, temporaryDirectory: temporaryBase(for: store),
                                                       body)
            }
        }
    }

    /// Opens the canonical file of `source`, checking its handle first.
    static func canonicalReader(_ source: StateRestoreSource) throws(StateError) -> CanonicalSnapshotReader {
        let handle = source.handle
        guard handle.formatName == CanonicalSnapshotLayout.formatName,
              handle.formatVersion == Int(CanonicalSnapshotLayout.version),
              handle.files.count == 1 else {
            throw .snapshot(path: source.directory, offset: nil,
                            problem: "the handle describes format '\(handle.formatName)' version \(handle.formatVersion) "
                                + "with \(handle.files.count) files; this build reads canonical snapshots as "
                                + "'\(CanonicalSnapshotLayout.formatName)' version \(CanonicalSnapshotLayout.version), one file")
        }
        let file = handle.files[0]
        let reader = try CanonicalSnapshotReader(path: source.directory + "/" + file.relativePath,
                                                 expectedBytes: file.byteSize)
        guard reader.keyGroups == handle.keyGroups else {
            throw .snapshot(path: reader.path, offset: 16,
                            problem: "the file covers key groups \(reader.keyGroups), its handle says \(handle.keyGroups)")
        }
        return reader
    }

    /// Where a native snapshot is copied to be read: beside a RocksDB
    /// store (the same file system, so files can be hard-linked), else the
    /// system's temporary directory.
    static func temporaryBase(for store: any KeyedStateStore) -> String {
        if let rocks = store as? RocksDBKeyedStateStore { return SnapshotFiles.parentDirectory(rocks.path) }
        if let directory = getenv("TMPDIR") { return String(cString: directory) }
        return "/tmp"
    }
}
