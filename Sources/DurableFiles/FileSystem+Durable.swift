import SystemPackage

/// The durable operations, written once on the primitive calls of
/// `FileSystem`: atomic replacement, `mkdir -p`, tree removal, directory
/// fsync, whole-file reads.
extension FileSystem {
    /// Whether something exists at `path` (following symbolic links).
    public func exists(_ path: String) -> Bool {
        status(atPath: path, followingLinks: true) != nil
    }

    /// Whether `path` is a directory (following symbolic links).
    public func isDirectory(_ path: String) -> Bool {
        status(atPath: path, followingLinks: true)?.kind == .directory
    }

    /// The size of the regular file at `path`, or nil if there is none.
    public func regularFileSize(_ path: String) -> Int? {
        guard let status = status(atPath: path, followingLinks: true), status.kind == .regular else { return nil }
        return Int(status.size)
    }

    /// The names in a directory, without "." and "..", sorted.
    public func sortedNames(in directory: String) throws(FileSystemError) -> [String] {
        try list(directory).sorted()
    }

    /// Flushes a directory's entries (files created, renamed or removed in
    /// it) to stable storage.
    ///
    /// A file system that cannot fsync a directory at all (EINVAL, ENOTSUP)
    /// makes a rename as durable as it can; that is accepted, any other
    /// failure throws.
    public func syncDirectory(_ path: String) throws(FileSystemError) {
        let descriptor = try open(path, .readOnly, options: .directory, permissions: [])
        defer { try? close(descriptor, path: path) }
        do throws(FileSystemError) {
            try sync(descriptor, path: path, dataOnly: false)
        } catch let failure where failure.errno == .invalidArgument || failure.errno == .notSupported {
            return
        } catch {
            throw FileSystemError(operation: "fsync directory", path: path, errno: error.errno)
        }
    }

    /// Creates `path` and its missing parents; an existing directory is fine,
    /// a file in the way is ENOTDIR.
    ///
    /// With `durably`, the directory holding each one created is fsynced,
    /// so that the new names survive a crash.
    public func makeDirectories(
        _ path: String, permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute],
        durably: Bool = false
    ) throws(FileSystemError) {
        if isDirectory(path) { return }
        let parent = Paths.parent(of: path)
        if parent != path && !isDirectory(parent) {
            try makeDirectories(parent, permissions: permissions, durably: durably)
        }
        if try makeDirectory(path, permissions: permissions) {
            if durably { try syncDirectory(parent) }
        } else if !isDirectory(path) {
            // Something else has the name: as mkdir says of a file in the
            // middle of a path.
            throw FileSystemError(operation: "create directory", path: path, errno: .notDirectory)
        }
    }

    /// Removes `path` and, if it is a directory, everything in it; a missing
    /// path is fine. Symbolic links are removed, not followed.
    ///
    /// Throws on the first failure: the one rule of the layer. A caller for
    /// whom removal is only tidying says so with `try?`.
    public func removeTree(_ path: String) throws(FileSystemError) {
        guard let status = status(atPath: path, followingLinks: false) else { return }
        if status.kind == .directory {
            for name in try list(path) { try removeTree(path + "/" + name) }
            _ = try removeDirectory(path)
        } else {
            _ = try removeFile(path)
        }
    }

    /// Replaces the file at `path` with `bytes` so that a crash leaves either
    /// the old or the new content: write `temporaryPath` (by default
    /// `path.tmp`) beside it, fsync it, rename it over `path`, fsync the
    /// directory. On failure the temporary file is removed and `path` is
    /// untouched (unless the failure is the final directory fsync: then the
    /// new content is in place but may not survive a crash).
    public func writeAtomically(
        _ bytes: [UInt8], to path: String, temporaryPath: String? = nil,
        permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws(FileSystemError) {
        let temporary = temporaryPath ?? path + ".tmp"
        do throws(FileSystemError) {
            let file = try DurableFile.create(temporary, permissions: permissions, in: self)
            try file.append(bytes)
            try file.sync()
            try file.closeReportingErrors()
            try rename(temporary, to: path)
        } catch {
            _ = try? removeFile(temporary)
            throw error
        }
        try syncDirectory(Paths.parent(of: path))
    }

    /// Writes `bytes` to a new (or emptied) file at `path` and fsyncs it;
    /// the caller makes the name durable (a directory fsync, or a rename
    /// followed by one).
    public func writeFile(
        _ bytes: [UInt8], to path: String, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws(FileSystemError) {
        let file = try DurableFile.create(path, permissions: permissions, in: self)
        try file.append(bytes)
        try file.sync()
        try file.closeReportingErrors()
    }

    /// The whole content of a file.
    public func readAll(_ path: String) throws(FileSystemError) -> [UInt8] {
        let file = try DurableFile.open(path, .readOnly, in: self)
        return try file.readToEnd()
    }

    /// Reads a file in chunks of at most `chunkBytes`, handing each to
    /// `body`; returns the number of bytes read.
    @discardableResult
    public func readChunks(
        _ path: String, chunkBytes: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) -> Int {
        precondition(chunkBytes > 0, "readChunks needs a positive chunk size")
        let file = try DurableFile.open(path, .readOnly, in: self)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = try file.read(into: buffer, at: nil)
            if count > 0 { body(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
            total += count
            if count < chunkBytes { return total }
        }
    }
}

/// Path text helpers on swift-system's `FilePath`.
public enum Paths {
    /// The directory holding `path`: "." for a bare name, "/" for a name at
    /// the root. (Foundation's `NSString.deletingLastPathComponent` traps on
    /// relative paths with the toolchain this is built with.)
    public static func parent(of path: String) -> String {
        var filePath = FilePath(path)
        guard filePath.removeLastComponent() else { return filePath.isEmpty ? "." : filePath.string }
        return filePath.isEmpty ? "." : filePath.string
    }
}
