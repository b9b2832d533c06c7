#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// The real file system: swift-system's `FileDescriptor` for opens, reads,
/// writes and truncation, and the C library for the calls swift-system does
/// not wrap (fsync, flock, mkdir, rename, link, unlink, directory listing).
///
/// # Thread safety
/// Stateless; any thread.
public struct POSIXFileSystem: FileSystem {
    public init() {}

    public func open(
        _ path: String, _ access: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions,
        permissions: FilePermissions
    ) throws(FileSystemError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(
                FilePath(path), access, options: options.union(.closeOnExec), permissions: permissions)
        } catch {
            throw FileSystemError(operation: "open", path: path, errno: Self.errnoValue(of: error))
        }
    }

    public func close(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) {
        do { try descriptor.close() } catch Errno.interrupted {
            // Linux releases the descriptor even when close is interrupted;
            // closing again could close another thread's new descriptor.
            return
        } catch {
            throw FileSystemError(operation: "close", path: path, errno: Self.errnoValue(of: error))
        }
    }

    public func read(
        _ descriptor: FileDescriptor, path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int {
        do {
            if let offset { return try descriptor.read(fromAbsoluteOffset: offset, into: buffer) }
            return try descriptor.read(into: buffer)
        } catch {
            throw FileSystemError(operation: "read", path: path, errno: Self.errnoValue(of: error))
        }
    }

    public func write(
        _ descriptor: FileDescriptor, path: String, from bytes: UnsafeRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int {
        do {
            if let offset { return try descriptor.write(toAbsoluteOffset: offset, bytes) }
            return try descriptor.write(bytes)
        } catch {
            throw FileSystemError(operation: "write", path: path, errno: Self.errnoValue(of: error))
        }
    }

    public func sync(_ descriptor: FileDescriptor, path: String, dataOnly: Bool) throws(FileSystemError) {
        #if os(Linux)
        let call = dataOnly ? fdatasync : fsync
        #else
        let call = fsync
        #endif
        try Self.retrying(dataOnly ? "fdatasync" : "fsync", path) { call(descriptor.rawValue) }
    }

    public func truncate(_ descriptor: FileDescriptor, path: String, to size: Int64) throws(FileSystemError) {
        do { try descriptor.resize(to: size) } catch {
            throw FileSystemError(operation: "truncate", path: path, errno: Self.errnoValue(of: error))
        }
    }

    public func status(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) -> FileStatus {
        var status = stat()
        try Self.retrying("stat", path) { fstat(descriptor.rawValue, &status) }
        return Self.fileStatus(status)
    }

    public func setModificationTime(
        _ descriptor: FileDescriptor, path: String, milliseconds: Int64
    ) throws(FileSystemError) {
        let time = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int((milliseconds % 1000) * 1_000_000))
        var times = [time, time]
        try Self.retrying("set modification time of", path) { futimens(descriptor.rawValue, &times) }
    }

    public func tryLock(_ descriptor: FileDescriptor, path: String, shared: Bool) throws(FileSystemError) -> Bool {
        while flock(descriptor.rawValue, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK { return false }
            throw FileSystemError(operation: "lock", path: path, errno: Errno(rawValue: code))
        }
        return true
    }

    public func unlock(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) {
        try Self.retrying("unlock", path) { flock(descriptor.rawValue, LOCK_UN) }
    }

    public func status(atPath path: String, followingLinks: Bool) -> FileStatus? {
        var status = stat()
        let result = followingLinks ? stat(path, &status) : lstat(path, &status)
        return result == 0 ? Self.fileStatus(status) : nil
    }

    public func makeDirectory(_ path: String, permissions: FilePermissions) throws(FileSystemError) -> Bool {
        while mkdir(path, mode_t(permissions.rawValue)) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EEXIST { return false }
            throw FileSystemError(operation: "create directory", path: path, errno: Errno(rawValue: code))
        }
        return true
    }

    public func rename(_ source: String, to destination: String) throws(FileSystemError) {
        try Self.retrying("rename", "\(source) to \(destination)") { systemRename(source, destination) }
    }

    public func link(_ source: String, to destination: String) throws(FileSystemError) {
        try Self.retrying("link", "\(source) to \(destination)") { systemLink(source, destination) }
    }

    public func removeFile(_ path: String) throws(FileSystemError) -> Bool {
        try Self.removing("remove", path) { unlink(path) }
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) -> Bool {
        try Self.removing("remove directory", path) { rmdir(path) }
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let handle = opendir(directory) else {
            throw FileSystemError(operation: "list directory", path: directory, errno: Errno(rawValue: errno))
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Runs a C call until it returns something other than -1 with EINTR;
    /// any other failure throws.
    private static func retrying(
        _ operation: String, _ path: String, _ call: () -> Int32
    ) throws(FileSystemError) {
        while call() != 0 {
            let code = errno
            if code == EINTR { continue }
            throw FileSystemError(operation: operation, path: path, errno: Errno(rawValue: code))
        }
    }

    /// A removal where ENOENT means "nothing was there".
    private static func removing(
        _ operation: String, _ path: String, _ call: () -> Int32
    ) throws(FileSystemError) -> Bool {
        while call() != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT { return false }
            throw FileSystemError(operation: operation, path: path, errno: Errno(rawValue: code))
        }
        return true
    }

    private static func errnoValue(of error: any Error) -> Errno {
        (error as? Errno) ?? .ioError
    }

    private static func fileStatus(_ status: stat) -> FileStatus {
        let kind: FileStatus.Kind
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        #if canImport(Darwin)
        let time = status.st_mtimespec
        #else
        let time = status.st_mtim
        #endif
        return FileStatus(
            kind: kind, size: Int64(status.st_size),
            modificationTimeMilliseconds: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }
}

/// rename(2) and link(2), named apart from `POSIXFileSystem`'s methods.
private func systemRename(_ source: String, _ destination: String) -> Int32 { rename(source, destination) }
private func systemLink(_ source: String, _ destination: String) -> Int32 { link(source, destination) }
