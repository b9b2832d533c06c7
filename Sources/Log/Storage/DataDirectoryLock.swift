#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

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
    private var descriptor: Int32
    /// A reader's lock: it wrote no pid, so it empties none.
    private let shared: Bool

    private init(directory: String, path: String, descriptor: Int32, shared: Bool) {
        self.directory = directory
        self.path = path
        self.descriptor = descriptor
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
        let descriptor = POSIXFileSystem.openDescriptor(path, shared ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CREAT | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LogError(.last("open", path), "the data directory was not opened")
        }
        while flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            defer { POSIXFileSystem.closeDescriptor(descriptor) }
            if code == EWOULDBLOCK {
                throw .dataDirectoryLocked(path: directory, pid: holder(descriptor))
            }
            throw LogError(SystemCallError(operation: "lock", path: path, code: code), "the data directory was not opened")
        }
        let lock = DataDirectoryLock(directory: directory, path: path, descriptor: descriptor, shared: shared)
        if shared { return lock }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0,
              text.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, 0) }) == text.count
        else {
            throw LogError(.last("write", path), "the data directory was not opened")
        }
        return lock
    }

    /// The pid written in the lock file, if it holds one.
    private static func holder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0 ..< count], as: UTF8.self)
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Empties the pid and releases the lock; harmless twice.
    func release() {
        guard descriptor >= 0 else { return }
        if !shared { _ = ftruncate(descriptor, 0) }
        _ = flock(descriptor, LOCK_UN)
        POSIXFileSystem.closeDescriptor(descriptor)
        descriptor = -1
    }
}
