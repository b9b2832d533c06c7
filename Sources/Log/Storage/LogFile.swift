#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One open file of a partition (a segment's `.log`, `.index` or
/// `.timeindex`), read and written with positioned POSIX calls.
///
/// Every write names its position (`pwrite`), so the file's logical end is
/// whatever the owner says it is: bytes past it, left by a failed write, are
/// overwritten by the next one or cut by recovery, never read.
///
/// # Thread safety
/// Not thread-safe: owned by one `Segment`, which is used under its
/// partition's lock.
///
/// # Ownership
/// Owns the descriptor; `close()` (or deinit) releases it.
final class LogFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Opens `path` for reading and writing, or only for reading.
    /// - Parameters:
    ///   - create: create the file when missing.
    ///   - truncate: empty the file if it exists.
    ///   - readOnly: open with `O_RDONLY` (a read-only partition: any write
    ///     then fails with EBADF instead of changing the file).
    static func open(
        _ path: String, create: Bool, truncate: Bool = false, readOnly: Bool = false
    ) throws(SystemCallError) -> LogFile {
        precondition(!readOnly || (!create && !truncate), "a read-only open neither creates nor truncates \(path)")
        var flags = (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
        if create { flags |= O_CREAT }
        if truncate { flags |= O_TRUNC }
        let descriptor = POSIXFileSystem.openDescriptor(path, flags)
        guard descriptor >= 0 else { throw .last("open", path) }
        return LogFile(path: path, descriptor: descriptor)
    }

    /// The file's size in bytes, from `fstat`.
    func size() throws(SystemCallError) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .last("stat", path) }
        return Int(status.st_size)
    }

    /// The file's last modification time in milliseconds since the epoch.
    func modificationTimeMilliseconds() throws(SystemCallError) -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .last("stat", path) }
        return Int64(status.st_mtim.tv_sec) * 1000 + Int64(status.st_mtim.tv_nsec) / 1_000_000
    }

    /// Sets the file's modification (and access) time to `milliseconds`
    /// since the epoch.
    func setModificationTime(milliseconds: Int64) throws(SystemCallError) {
        let seconds = milliseconds / 1000
        let nanoseconds = (milliseconds % 1000) * 1_000_000
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds)),
                     timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))]
        guard futimens(descriptor, &times) == 0 else { throw .last("set modification time of", path) }
    }

    /// Writes all of `bytes` at `position`, retrying short writes and EINTR.
    ///
    /// On failure part of `bytes` may have reached the file; the caller
    /// truncates back to its logical end.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(SystemCallError) {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw .last("write", path)
            }
            if written == 0 { throw SystemCallError(operation: "write", path: path, code: EIO) }
            done += written
        }
    }

    /// Reads into `buffer` from `position` until it is full or the file
    /// ends; returns the number of bytes read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws(SystemCallError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw .last("read", path)
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// Reads up to `count` bytes at `position`; fewer when the file ends first.
    func read(count: Int, at position: Int) throws(SystemCallError) -> [UInt8] {
        guard count > 0 else { return [] }
        var read = 0
        var failure: SystemCallError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(SystemCallError) {
                read = try self.read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
            } catch {
                failure = error
            }
            initialized = read
        }
        if let failure { throw failure }
        return bytes
    }

    /// Flushes the file's data (and the metadata needed to read it back,
    /// such as its size) to stable storage.
    func sync() throws(SystemCallError) {
        #if os(Linux)
        let result = fdatasync(descriptor)
        #else
        let result = fsync(descriptor)
        #endif
        guard result == 0 else { throw .last("fsync", path) }
    }

    /// Cuts or extends the file to `size` bytes.
    func truncate(to size: Int) throws(SystemCallError) {
        while ftruncate(descriptor, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw .last("truncate", path)
        }
    }

    /// Releases the descriptor; later calls fail with EBADF.
    func close() {
        if descriptor >= 0 {
            POSIXFileSystem.closeDescriptor(descriptor)
            descriptor = -1
        }
    }
}
