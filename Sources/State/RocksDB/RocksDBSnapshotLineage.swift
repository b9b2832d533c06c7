import Synchronization

/// The files of a RocksDB store's last written native snapshot, so the
/// next one knows which of its files are new (and skips checksumming the
/// immutable SST files it already checksummed).
///
/// # Thread safety
/// Thread-safe: snapshot writers update it from their own threads.
final class RocksDBSnapshotLineage: Sendable {
    struct File: Sendable {
        let byteSize: Int
        let crc32c: UInt32
    }

    private struct Latest {
        var files: [String: File] = [:]
        /// Counts `record` calls, so `forget` drops only what it recorded.
        var generation = 0
    }
    private let latest = Mutex(Latest())

    /// The file named `name` in the last snapshot, if it had one.
    func file(named name: String) -> File? {
        latest.withLock { $0.files[name] }
    }

    /// Records the files of a snapshot just written (or restored from);
    /// returns its generation, for `forget`.
    @discardableResult
    func record(_ handle: StateSnapshotHandle) -> Int {
        var files: [String: File] = [:]
        for file in handle.files {
            files[file.relativePath] = File(byteSize: file.byteSize, crc32c: file.crc32c)
        }
        return latest.withLock { latest in
            latest.generation += 1
            latest.files = files
            return latest.generation
        }
    }

    /// Forgets the snapshot of `generation` if it is still the latest (it
    /// was discarded): the next snapshot then counts all its files as new,
    /// and never claims to share a file with a snapshot that is gone.
    func forget(generation: Int) {
        latest.withLock { latest in
            if latest.generation == generation { latest.files = [:] }
        }
    }
}
