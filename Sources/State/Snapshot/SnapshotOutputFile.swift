import Checksums
import DurableFiles

/// A new snapshot file written through a buffer, keeping its size and
/// CRC-32C as it goes, fsynced when finished.
///
/// # Ownership
/// Owns the open file: `finish()` or `abandon()` closes it (and
/// `abandon()` removes the file); deinit closes a file left open.
final class SnapshotOutputFile {
    let path: String
    /// Bytes buffered before a write(2).
    static let bufferBytes = 1 << 20

    private let file: DurableFile
    private let buffer = SnapshotBuffer(capacity: bufferBytes)
    private(set) var byteSize = 0
    private(set) var crc32c: UInt32 = 0

    /// Creates the file; it must not exist.
    init(path: String) throws(StateError) {
        self.path = path
        do throws(FileSystemError) {
            file = try DurableFile.open(path, .writeOnly, options: [.create, .exclusiveCreate])
        } catch {
            throw .storage("cannot create the state snapshot file \(path): \(error.reason)")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(StateError) {
        guard bytes.count > 0 else { return }
        crc32c = CRC32C.checksum(bytes, seed: crc32c)
        byteSize += bytes.count
        if buffer.count + bytes.count > Self.bufferBytes { try flushBuffer() }
        if bytes.count >= Self.bufferBytes {
            try writeAll(bytes)
        } else {
            buffer.append(bytes)
        }
    }

    func write(_ buffer: SnapshotBuffer) throws(StateError) { try write(buffer.bytes) }

    private func flushBuffer() throws(StateError) {
        guard buffer.count > 0 else { return }
        try writeAll(buffer.bytes)
        buffer.removeAll()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(StateError) {
        do throws(FileSystemError) { try file.append(bytes) } catch {
            throw .storage("cannot write the state snapshot file \(path): \(error.reason)")
        }
    }

    /// Writes what is buffered, fsyncs and closes; returns size and CRC.
    func finish() throws(StateError) -> (byteSize: Int, crc32c: UInt32) {
        try flushBuffer()
        do throws(FileSystemError) { try file.sync() } catch {
            throw .storage("cannot fsync the state snapshot file \(path): \(error.reason)")
        }
        do throws(FileSystemError) { try file.closeReportingErrors() } catch {
            throw .storage("cannot close the state snapshot file \(path): \(error.reason)")
        }
        return (byteSize, crc32c)
    }

    /// Closes and removes the file (after a failure).
    func abandon() {
        file.close()
        // Best effort: an abandoned file is debris the next attempt's
        // staging removal takes with it.
        _ = try? file.fileSystem.removeFile(path)
    }
}
