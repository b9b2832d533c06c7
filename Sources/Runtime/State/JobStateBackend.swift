#if canImport(Glibc)
import Glibc
#endif
import Foundation
import State

/// The state backend a job's `state:` asks for, for one run.
///
/// Keyed state lives only as long as a run until checkpoints exist, so the
/// RocksDB backend works in a fresh directory per run
/// (`<directory>/run-<pid>-<ms>`, by default under
/// `<data dir>/state/<job>`) and `close()` removes it; a directory the user
/// named is never emptied, only the run's own subdirectory.
public final class JobStateBackend: Sendable {
    public let backend: any StateBackend
    /// The run's RocksDB directory, removed by `close()`.
    public let runDirectory: String?

    private init(backend: any StateBackend, runDirectory: String?) {
        self.backend = backend
        self.runDirectory = runDirectory
    }

    /// A memory backend (nothing to remove afterwards).
    public convenience init(memory: MemoryStateBackend) {
        self.init(backend: memory, runDirectory: nil)
    }

    public static func make(_ spec: StateSpec, jobName: String, dataDirectory: String) throws(JobFailure) -> JobStateBackend {
        switch spec.backend {
        case .memory:
            return JobStateBackend(backend: MemoryStateBackend(memoryBytesMax: spec.memoryBytesMax), runDirectory: nil)
        case .rocksdb:
            let base = spec.directory ?? "\(dataDirectory)/state/\(jobName)"
            let run = "\(base)/run-\(getpid())-\(Int64(Date().timeIntervalSince1970 * 1000))"
            do {
                try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
            } catch {
                throw .state("the rocksdb state backend cannot create its directory \(run): \(error.localizedDescription) "
                    + "(set state.directory in the job file to a writable place)")
            }
            return JobStateBackend(backend: RocksDBStateBackend(directory: run), runDirectory: run)
        }
    }

    /// Removes the run's RocksDB files (after every store was closed).
    public func close() {
        guard let runDirectory else { return }
        try? FileManager.default.removeItem(atPath: runDirectory)
    }
}
