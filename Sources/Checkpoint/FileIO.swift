#if canImport(Glibc)
import Glibc
#endif
import Checksums

/// The small set of durable file operations checkpoints need: whole-file
/// writes with fsync, reads, directory fsync and removal.
enum FileIO {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Writes `bytes` to a new file at `path` and fsyncs it; returns its CRC-32C.
    @discardableResult
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(CheckpointError) -> UInt32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, message: "cannot create: \(errnoText())") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + written, raw.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, message: "cannot write: \(errnoText())")
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw .io(path: path, message: "fsync failed: \(errnoText())") }
        return CRC32C.checksum(bytes)
    }

    static func readFile(_ path: String) throws(CheckpointError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .corrupt(path: path, message: "the file is missing") }
            throw .io(path: path, message: "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, message: "cannot read: \(errnoText())")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Size and CRC-32C of a file, read in chunks.
    static func checksum(_ path: String) throws(CheckpointError) -> (bytes: Int, crc32c: UInt32) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .corrupt(path: path, message: "the file is missing") }
            throw .io(path: path, message: "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var crc: UInt32 = 0
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, message: "cannot read: \(errnoText())")
            }
            if n == 0 { return (total, crc) }
            crc = chunk.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<n]), seed: crc) }
            total += n
        }
    }

    static func fsyncDirectory(_ path: String) throws(CheckpointError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, message: "cannot open directory: \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: path, message: "fsync of the directory failed: \(errnoText())") }
    }

    static func makeDirectories(_ path: String) throws(CheckpointError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw .io(path: current, message: "cannot create directory: \(errnoText())")
            }
        }
    }

    static func rename(_ from: String, _ to: String) throws(CheckpointError) {
        guard Glibc.rename(from, to) == 0 else {
            throw .io(path: from, message: "cannot rename to \(to): \(errnoText())")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory (without . and ..); empty when it does not exist.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a directory tree; a missing path is fine.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
