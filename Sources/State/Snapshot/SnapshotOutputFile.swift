#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksums

/// A new snapshot file written through a buffer, keeping its size and
/// CRC-32C as it goes, fsynced when finished.
///
/// # Ownership
/// Owns the file descriptor: `finish()` or `abandon()` closes it (and
/// `abandon()` removes the file); deinit closes a file left open.
final class SnapshotOutputFile {
    let path: String
    /// Bytes buffered before a write(2).
    static let bufferBytes = 1 << 20

    private var descriptor: Int32
    private let buffer = SnapshotBuffer(capacity: bufferBytes)
    private(set) var byteSize = 0
    private(set) var crc32c: UInt32 = 0

    /// Creates the file; it must not exist.
    init(path: String) throws(StateError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .storage("cannot create the state snapshot file \(path): \(SnapshotFiles.systemError())")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
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
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .storage("cannot write the state snapshot file \(path): \(SnapshotFiles.systemError())")
            }
            offset += written
        }
    }

    /// Writes what is buffered, fsyncs and closes; returns size and CRC.
    func finish() throws(StateError) -> (byteSize: Int, crc32c: UInt32) {
        try flushBuffer()
        guard fsync(descriptor) == 0 else {
            throw .storage("cannot fsync the state snapshot file \(path): \(SnapshotFiles.systemError())")
        }
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else {
            throw .storage("cannot close the state snapshot file \(path): \(SnapshotFiles.systemError())")
        }
        return (byteSize, crc32c)
    }

    /// Closes and removes the file (after a failure).
    func abandon() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(path)
    }
}

/// write(2), under a name the class's own `write` methods do not shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
