#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory-level system calls the storage layer makes: create, list,
/// rename, remove, fsync a directory, and replace a small file atomically.
///
/// # Thread safety
/// Stateless; each function may be called from any thread. Callers
/// serialise changes to one directory (a partition's lock, the data
/// directory's lock).
enum POSIXFileSystem {
    static func openDescriptor(_ path: String, _ flags: Int32) -> Int32 {
        path.withCString { open($0, flags, 0o644) }
    }

    static func closeDescriptor(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The directory holding `path`: "." for a bare name, "/" for a name at
    /// the root. (Foundation's `NSString.deletingLastPathComponent` traps on
    /// relative paths with the toolchain this is built with, which crashed
    /// every log command given a relative `--data-dir`.)
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Creates `path` and its missing parents; an existing directory is fine.
    static func makeDirectories(_ path: String) throws(SystemCallError) {
        if isDirectory(path) { return }
        let parent = parent(of: path)
        if !parent.isEmpty && parent != path && !isDirectory(parent) {
            try makeDirectories(parent)
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .last("create directory", path)
        }
    }

    /// The names in a directory, without "." and "..", sorted.
    static func list(_ path: String) throws(SystemCallError) -> [String] {
        guard let directory = opendir(path) else { throw .last("list directory", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Flushes a directory's entries (files created, renamed or removed in
    /// it) to stable storage.
    static func syncDirectory(_ path: String) throws(SystemCallError) {
        let descriptor = openDescriptor(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .last("open directory", path) }
        defer { closeDescriptor(descriptor) }
        guard fsync(descriptor) == 0 else { throw .last("fsync directory", path) }
    }

    /// Renames `source` to `destination` (atomic within one file system).
    static func move(_ source: String, to destination: String) throws(SystemCallError) {
        guard rename(source, destination) == 0 else { throw .last("rename", "\(source) to \(destination)") }
    }

    /// Removes a file; a missing file is fine.
    static func removeFile(_ path: String) throws(SystemCallError) {
        if unlink(path) != 0 && errno != ENOENT { throw .last("remove", path) }
    }

    /// Removes a directory and everything in it; a missing one is fine.
    static func removeTree(_ path: String) throws(SystemCallError) {
        guard exists(path) else { return }
        if isDirectory(path) {
            for name in try list(path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw .last("remove directory", path) }
        } else {
            try removeFile(path)
        }
    }

    /// Replaces the file at `path` with `bytes` so that a crash leaves
    /// either the old or the new content: write a temporary file beside it,
    /// fsync it, rename it over `path`, fsync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SystemCallError) {
        let temporary = path + ".tmp"
        let file = try LogFile.open(temporary, create: true, truncate: true)
        do {
            try bytes.withBytes { (buffer) throws(SystemCallError) in try file.write(buffer, at: 0) }
            try file.sync()
            file.close()
            try move(temporary, to: path)
        } catch {
            file.close()
            try? removeFile(temporary)
            throw error
        }
        try syncDirectory(parent(of: path))
    }

    /// The whole content of a small file.
    static func readAll(_ path: String) throws(SystemCallError) -> [UInt8] {
        let file = try LogFile.open(path, create: false)
        defer { file.close() }
        return try file.read(count: try file.size(), at: 0)
    }
}
