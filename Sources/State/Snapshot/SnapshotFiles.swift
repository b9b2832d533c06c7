#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksums

/// File-system steps of writing and restoring snapshots (POSIX), each
/// failing with a `StateError` that names the path and the system's reason.
enum SnapshotFiles {
    /// Bytes read or copied per system call.
    static let chunkBytes = 1 << 20

    static func systemError() -> String { String(cString: strerror(errno)) }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(StateError) {
        try RocksDBStateBackend.makeDirectories(path, purpose: "the state snapshot directory")
    }

    /// The directory part of `path`.
    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The size of a regular file, or nil if there is none at `path`.
    static func size(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// The regular files directly in `directory`, with their sizes, by name.
    static func listFiles(_ directory: String) throws(StateError) -> [(name: String, byteSize: Int)] {
        guard let handle = opendir(directory) else {
            throw .storage("cannot list the state snapshot directory \(directory): \(systemError())")
        }
        defer { closedir(handle) }
        var files: [(name: String, byteSize: Int)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name != "." && name != "..", let byteSize = size(directory + "/" + name) else { continue }
            files.append((name, byteSize))
        }
        return files.sorted { $0.name < $1.name }
    }

    /// Removes `path` and, if it is a directory, everything in it; a
    /// missing path is not an error. Best effort: used to clean up.
    static func removeTree(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            if let handle = opendir(path) {
                var names: [String] = []
                while let entry = readdir(handle) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(handle)
                for name in names { removeTree(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// fsyncs a file or a directory (a directory's fsync makes the names in
    /// it durable).
    static func sync(_ path: String) throws(StateError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .storage("cannot open \(path) to fsync it: \(systemError())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .storage("cannot fsync \(path): \(systemError())") }
    }

    /// The size and CRC-32C of a whole file.
    static func checksum(_ path: String) throws(StateError) -> (byteSize: Int, crc32c: UInt32) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .storage("cannot open \(path) to checksum it: \(systemError())") }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var crc: UInt32 = 0
        var total = 0
        while true {
            let count = read(descriptor, buffer, chunkBytes)
            if count < 0 {
                if errno == EINTR { continue }
                throw .storage("cannot read \(path): \(systemError())")
            }
            if count == 0 { break }
            crc = CRC32C.checksum(UnsafeRawBufferPointer(start: buffer, count: count), seed: crc)
            total += count
        }
        return (total, crc)
    }

    /// Hard-links `source` to `target`, or copies it where a link is not
    /// possible (another file system). Copies are fsynced; a link shares
    /// an inode whose data is already durable or is fsynced by the caller.
    /// Returns true when it linked.
    @discardableResult
    static func linkOrCopy(_ source: String, to target: String) throws(StateError) -> Bool {
        if link(source, target) == 0 { return true }
        switch errno {
        case EXDEV, EPERM, EMLINK, ENOTSUP, EACCES:
            try copy(source, to: target)
            return false
        default:
            throw .storage("cannot link \(source) to \(target): \(systemError())")
        }
    }

    /// Copies a file (which must not exist at `target`) and fsyncs the copy.
    static func copy(_ source: String, to target: String) throws(StateError) {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw .storage("cannot open \(source) to copy it: \(systemError())") }
        defer { close(input) }
        let output = try SnapshotOutputFile(path: target)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        do throws(StateError) {
            while true {
                let count = read(input, buffer, chunkBytes)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .storage("cannot read \(source) to copy it to \(target): \(systemError())")
                }
                if count == 0 { break }
                try output.write(UnsafeRawBufferPointer(start: buffer, count: count))
            }
            _ = try output.finish()
        } catch {
            output.abandon()
            throw error
        }
    }
}
