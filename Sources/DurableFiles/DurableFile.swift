import SystemPackage

/// One open file, read and written whole: every write stores all its bytes
/// or throws, every read fills its buffer or stops at the end of the file.
/// Short counts are looped here, once; EINTR is retried by the file system.
///
/// Positioned calls (`write(_:at:)`, `read(into:at:)`) leave the
/// descriptor's position alone, so the owner decides where the file's
/// logical end is; sequential calls (`append(_:)`, `readToEnd()`) use it.
///
/// # Thread safety
/// Not thread-safe: one owner uses it at a time.
///
/// # Ownership
/// Owns the descriptor; `close()` (or deinit) releases it.
public final class DurableFile {
    /// The path it was opened with, for error messages.
    public let path: String
    /// The file system the calls go to (the one active when it was opened).
    public let fileSystem: any FileSystem
    private var descriptor: FileDescriptor?

    private init(path: String, fileSystem: any FileSystem, descriptor: FileDescriptor) {
        self.path = path
        self.fileSystem = fileSystem
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Opens `path` with swift-system's access mode and options.
    public static func open(
        _ path: String, _ access: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions = [],
        permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead],
        in fileSystem: any FileSystem = ActiveFileSystem.current
    ) throws(FileSystemError) -> DurableFile {
        let descriptor = try fileSystem.open(path, access, options: options, permissions: permissions)
        return DurableFile(path: path, fileSystem: fileSystem, descriptor: descriptor)
    }

    /// Opens `path` for reading and writing, or only for reading.
    /// - Parameters:
    ///   - create: create the file when missing.
    ///   - truncate: empty the file if it exists.
    ///   - readOnly: open read-only (a write then fails with EBADF instead
    ///     of changing the file).
    public static func open(
        _ path: String, create: Bool, truncate: Bool = false, readOnly: Bool = false,
        in fileSystem: any FileSystem = ActiveFileSystem.current
    ) throws(FileSystemError) -> DurableFile {
        precondition(!readOnly || (!create && !truncate), "a read-only open neither creates nor truncates \(path)")
        var options: FileDescriptor.OpenOptions = []
        if create { options.insert(.create) }
        if truncate { options.insert(.truncate) }
        return try open(path, readOnly ? .readOnly : .readWrite, options: options, in: fileSystem)
    }

    /// Creates (or empties) `path` for writing.
    public static func create(
        _ path: String, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead],
        in fileSystem: any FileSystem = ActiveFileSystem.current
    ) throws(FileSystemError) -> DurableFile {
        try open(path, .writeOnly, options: [.create, .truncate], permissions: permissions, in: fileSystem)
    }

    private func open() throws(FileSystemError) -> FileDescriptor {
        guard let descriptor else { throw FileSystemError(operation: "use", path: path, errno: .badFileDescriptor) }
        return descriptor
    }

    /// Writes all of `bytes` at `position`.
    ///
    /// On failure part of `bytes` may have reached the file; the caller
    /// truncates back to its logical end (or lets recovery cut it).
    public func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(FileSystemError) {
        try writeAll(bytes, at: Int64(position))
    }

    /// Writes all of `bytes` at `position`.
    public func write(_ bytes: [UInt8], at position: Int) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(FileSystemError) { try writeAll(buffer, at: Int64(position)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` at the descriptor's position and moves it on.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        try writeAll(bytes, at: nil)
    }

    /// Writes all of `bytes` at the descriptor's position and moves it on.
    public func append(_ bytes: [UInt8]) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(FileSystemError) { try writeAll(buffer, at: nil) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at position: Int64?) throws(FileSystemError) {
        let descriptor = try open()
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let written = try fileSystem.write(descriptor, path: path, from: rest, at: position.map { $0 + Int64(done) })
            // A write that stores nothing would loop forever; the kernel
            // does this only on a device that has stopped taking data.
            guard written > 0 else { throw FileSystemError(operation: "write", path: path, errno: .ioError) }
            done += written
        }
    }

    /// Reads into `buffer` from `position` (or the descriptor's position)
    /// until it is full or the file ends; returns the bytes read.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int?) throws(FileSystemError) -> Int {
        let descriptor = try open()
        var done = 0
        while done < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            let count = try fileSystem.read(
                descriptor, path: path, into: rest, at: position.map { Int64($0 + done) })
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// One read of at most `buffer.count` bytes from `position` (or the
    /// descriptor's position): for a pipe, whatever is there now, without
    /// waiting for the buffer to fill; 0 at the end of the file.
    public func readSome(into buffer: UnsafeMutableRawBufferPointer, at position: Int?) throws(FileSystemError) -> Int {
        try fileSystem.read(try open(), path: path, into: buffer, at: position.map { Int64($0) })
    }

    /// Reads up to `count` bytes at `position`; fewer when the file ends first.
    public func read(count: Int, at position: Int) throws(FileSystemError) -> [UInt8] {
        guard count > 0 else { return [] }
        var read = 0
        var failure: FileSystemError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(FileSystemError) {
                read = try self.read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
            } catch {
                failure = error
            }
            initialized = read
        }
        if let failure { throw failure }
        return bytes
    }

    /// Everything from the descriptor's position to the end of the file,
    /// read in chunks of `chunkBytes`.
    public func readToEnd(chunkBytes: Int = 1 << 16) throws(FileSystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while true {
            var failure: FileSystemError?
            let count = chunk.withUnsafeMutableBytes { buffer in
                do throws(FileSystemError) { return try read(into: buffer, at: nil) } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            bytes.append(contentsOf: chunk[0 ..< count])
            if count < chunkBytes { return bytes }
        }
    }

    /// Flushes the file's data and metadata to stable storage (fsync).
    public func sync() throws(FileSystemError) {
        try fileSystem.sync(try open(), path: path, dataOnly: false)
    }

    /// Flushes the file's data, and the metadata needed to read it back
    /// such as its size, to stable storage (fdatasync where there is one).
    public func syncData() throws(FileSystemError) {
        try fileSystem.sync(try open(), path: path, dataOnly: true)
    }

    /// Cuts or extends the file to `size` bytes.
    public func truncate(to size: Int) throws(FileSystemError) {
        try fileSystem.truncate(try open(), path: path, to: Int64(size))
    }

    /// What fstat says: kind, size, modification time.
    public func status() throws(FileSystemError) -> FileStatus {
        try fileSystem.status(try open(), path: path)
    }

    /// The file's size in bytes.
    public func size() throws(FileSystemError) -> Int {
        Int(try fileSystem.status(try open(), path: path).size)
    }

    /// The file's last modification time in milliseconds since the epoch.
    public func modificationTimeMilliseconds() throws(FileSystemError) -> Int64 {
        try fileSystem.status(try open(), path: path).modificationTimeMilliseconds
    }

    /// Sets the file's modification (and access) time.
    public func setModificationTime(milliseconds: Int64) throws(FileSystemError) {
        try fileSystem.setModificationTime(try open(), path: path, milliseconds: milliseconds)
    }

    /// Takes an flock without waiting; false when another open file holds
    /// a conflicting one. The kernel releases it when the process exits.
    public func tryLock(shared: Bool) throws(FileSystemError) -> Bool {
        try fileSystem.tryLock(try open(), path: path, shared: shared)
    }

    /// Releases the flock.
    public func unlock() throws(FileSystemError) {
        try fileSystem.unlock(try open(), path: path)
    }

    /// Closes the descriptor and reports a failed close (which on some
    /// file systems is where a delayed write error shows).
    public func closeReportingErrors() throws(FileSystemError) {
        guard let descriptor else { return }
        self.descriptor = nil
        try fileSystem.close(descriptor, path: path)
    }

    /// Releases the descriptor, ignoring a failed close (for files whose
    /// content was fsynced or does not matter); later calls fail with EBADF.
    public func close() {
        try? closeReportingErrors()
    }
}
