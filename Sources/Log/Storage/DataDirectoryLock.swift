#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import DurableFiles

/// The exclusive lock on a data directory: `flock` on `<data>/lock`, a
/// file that also holds the holder's process id so a refused opener can say
/// who holds it.
///
/// `flock` belongs to the open file, so the kernel releases it when the
/// holder exits, even by SIGKILL; a stale pid in the file is harmless. Two
/// opens within one process conflict as well (each has its own open file).
///
/// # Thread safety
/// Not thread-safe: owned by one `DataDirectory`, under its lock.
///
/// # Ownership
/// Holds the lock file's descriptor until `release()`.
final class DataDirectoryLock {
    static let fileName = "lock"

    let directory: String
    let path: String
    private var file: DurableFile?
    /// A reader's lock: it wrote no pid, so it empties none.
    private let shared: Bool

    private init(directory: String, path: String, file: DurableFile, shared: Bool) {
        self.directory = directory
        self.path = path
        self.file = file
        self.shared = shared
    }

    deinit { release() }

    /// Takes the lock or throws `dataDirectoryLocked` naming the holder.
    ///
    /// `shared` is for readers that change nothing: several may hold the
    /// lock at once, but not together with a writer. A shared lock neither
    /// creates the lock file (it must exist) nor writes a pid into it.
    static func acquire(directory: String, shared: Bool = false) throws(LogError) -> DataDirectoryLock {
        let path = directory + "/" + fileName
        let file: DurableFile
        let locked: Bool
        do throws(FileSystemError) {
            file = try DurableFile.open(path, create: !shared, readOnly: shared)
            locked = try file.tryLock(shared: shared)
        } catch {
            throw LogError(error, "the data directory was not opened")
        }
        guard locked else { throw .dataDirectoryLocked(path: directory, pid: holder(file)) }
        let lock = DataDirectoryLock(directory: directory, path: path, file: file, shared: shared)
        if shared { return lock }
        do throws(FileSystemError) {
            try file.truncate(to: 0)
            try Array("\(getpid())\n".utf8).withBytes { (bytes) throws(FileSystemError) in try file.write(bytes, at: 0) }
        } catch {
            throw LogError(error, "the data directory was not opened")
        }
        return lock
    }

    /// The pid written in the lock file, if it holds one.
    private static func holder(_ file: DurableFile) -> Int32? {
        guard let bytes = try? file.read(count: 32, at: 0), !bytes.isEmpty else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Empties the pid and releases the lock; harmless twice.
    func release() {
        guard let file else { return }
        if !shared { try? file.truncate(to: 0) }
        try? file.unlock()
        file.close()
        self.file = nil
    }
}
