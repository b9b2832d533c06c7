#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// Writes a file so that readers see either nothing or all of it.
///
/// Bytes go, buffered, to a temporary file in the target's directory,
/// `.<basename>.inprogress-<pid>`. `commit()` flushes the buffer, fsyncs
/// the file, renames it onto the final name and fsyncs the directory, so
/// the rename itself survives a crash. A writer dropped without commit
/// removes its temporary file, unless made with `removeOnDrop: false` (a
/// checkpointed part file: its checkpointed prefix must outlive the
/// process). `sync()` makes what was written durable without finishing;
/// `seal()` finishes the file without renaming it (the caller renames
/// later).
///
/// # Thread safety
/// One thread at a time (the sink instance's).
///
/// # Ownership
/// Owns the descriptor, the buffer and the temporary file until commit;
/// after a commit the final file belongs to the user.
final class AtomicFileWriter {
    /// Bytes buffered before a write(2).
    static let bufferBytes = 1 << 20

    /// The final path.
    let path: String
    /// Where the bytes go until commit.
    let temporaryPath: String
    /// The directory of both, fsynced after the rename.
    let directory: String

    private var file: DurableFile?
    private let buffer: UnsafeMutableRawPointer
    private var used = 0
    private var committed = false
    private let removeOnDrop: Bool
    /// Bytes written so far (buffered or not).
    private(set) var bytesWritten: Int64 = 0

    /// - Parameter temporaryPath: where the bytes go until commit; by
    ///   default `.<basename>.inprogress-<pid>` beside `path`. An existing
    ///   file there is truncated.
    init(path: String, temporaryPath: String? = nil, removeOnDrop: Bool = true) throws {
        self.path = path
        self.removeOnDrop = removeOnDrop
        let (directory, prefix, basename) = AtomicFileWriter.split(path)
        self.directory = directory
        self.temporaryPath = temporaryPath ?? prefix + ".\(basename).inprogress-\(getpid())"
        do throws(FileSystemError) {
            file = try DurableFile.create(self.temporaryPath)
        } catch {
            throw FileError.cannotWrite(path: path, temporaryPath: self.temporaryPath, errno: error.code)
        }
        buffer = .allocate(byteCount: AtomicFileWriter.bufferBytes, alignment: 16)
    }

    deinit {
        if !committed {
            if removeOnDrop {
                discard()
            } else {
                file?.close()
            }
        }
        buffer.deallocate()
    }

    /// Appends bytes to the file (through the buffer).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        bytesWritten += Int64(bytes.count)
        if used + bytes.count > AtomicFileWriter.bufferBytes {
            try flush()
        }
        if bytes.count >= AtomicFileWriter.bufferBytes {
            try writeAll(bytes)
            return
        }
        (buffer + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(byte: UInt8) throws {
        bytesWritten += 1
        if used == AtomicFileWriter.bufferBytes { try flush() }
        buffer.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// Makes everything written so far durable in the temporary file
    /// (`bytesWritten` bytes); writing goes on.
    func sync() throws {
        guard let file, !committed else { preconditionFailure("AtomicFileWriter.sync after seal or commit") }
        try flush()
        do throws(FileSystemError) { try file.sync() } catch {
            throw FileError.cannotCommit(path: temporaryPath, step: "fsync", errno: error.code)
        }
    }

    /// Finishes the temporary file, durable and closed, and leaves it
    /// where it is: no rename, and no removal when the writer goes.
    func seal() throws {
        try sync()
        committed = true
        try close(reportingAs: temporaryPath)
    }

    /// Makes the file durable under its final name.
    func commit() throws {
        precondition(!committed, "AtomicFileWriter.commit called twice")
        try sync()
        try close(reportingAs: path)
        do throws(FileSystemError) { try ActiveFileSystem.current.rename(temporaryPath, to: path) } catch {
            throw FileError.cannotCommit(path: path, step: "rename from '\(temporaryPath)'", errno: error.code)
        }
        committed = true
        try syncDirectory()
    }

    /// Removes the temporary file; the final path is left untouched.
    func discard() {
        file?.close()
        file = nil
        // Best effort: a temporary file left here is removed by the next
        // writer of the path (`removeAbandonedTemporaries`).
        _ = try? ActiveFileSystem.current.removeFile(temporaryPath)
        used = 0
    }

    /// Closes the file; a failed close (where some file systems report a
    /// delayed write error) fails the commit.
    private func close(reportingAs reported: String) throws {
        let closing = file
        file = nil
        do throws(FileSystemError) { try closing?.closeReportingErrors() } catch {
            throw FileError.cannotCommit(path: reported, step: "close", errno: error.code)
        }
    }

    private func flush() throws {
        guard used > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(start: buffer, count: used))
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let file else { preconditionFailure("AtomicFileWriter.write after seal or commit") }
        do throws(FileSystemError) { try file.append(bytes) } catch {
            throw FileError.cannotWrite(path: path, temporaryPath: temporaryPath, errno: error.code)
        }
    }

    func syncDirectory() throws {
        try AtomicFileWriter.syncDirectory(directory, for: path)
    }

    /// fsyncs `directory`, so that renames in it survive a crash.
    static func syncDirectory(_ directory: String, for path: String) throws {
        do throws(FileSystemError) { try ActiveFileSystem.current.syncDirectory(directory) } catch {
            throw FileError.cannotCommit(path: path, step: "fsync directory '\(directory)'", errno: error.code)
        }
    }

    /// Removes the temporary files of `path` that writers of processes no
    /// longer running left (`.<basename>.inprogress-<pid>`, e.g. after a
    /// SIGKILL): they were never committed and nothing will commit them.
    static func removeAbandonedTemporaries(of path: String) throws {
        let (directory, prefix, basename) = split(path)
        let stem = ".\(basename).inprogress-"
        for name in try PartFiles.entries(of: directory) where name.hasPrefix(stem) {
            guard let pid = Int32(name.dropFirst(stem.count)), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { _ = try? ActiveFileSystem.current.removeFile(prefix + name) }
        }
    }

    /// The directory of path ("." for a bare name), path up to and with its
    /// last slash ("" for a bare name), and the last component.
    static func split(_ path: String) -> (directory: String, prefix: String, basename: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", "", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}
