#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// Reads a file through one large buffer (`DurableFile` reads), for parsers
/// that look at the unread bytes, consume what they used and ask for more.
///
/// The buffer holds the unread bytes `[head, tail)`. `fill()` moves them to
/// the front when the free space runs low and grows the buffer when a
/// record does not fit; callers bound record sizes (`recordBytesMax`), so
/// the buffer stays bounded too.
///
/// # Thread safety
/// One thread at a time (the source instance's).
///
/// # Ownership
/// Owns the open file and the buffer; closes and frees them in
/// `deinit`. Buffers returned by `unread` are valid until the next `fill`.
final class ChunkReader {
    /// Bytes asked of each read(2).
    static let readBytes = 1 << 20
    /// Longest line or CSV record accepted.
    static let recordBytesMax = 64 << 20

    let path: String
    private let file: DurableFile
    /// Where the next read starts; nil: the descriptor's own position (a
    /// pipe, which cannot be read at an offset).
    private var readPosition: Int64?
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// The unread bytes are buffer[head ..< tail].
    private(set) var head = 0
    private(set) var tail = 0
    /// The file offset of buffer[0].
    private var bufferOffset: Int64 = 0
    /// read(2) returned 0: no more bytes will come.
    private(set) var atEOF = false

    init(path: String) throws {
        self.path = path
        do throws(FileSystemError) {
            file = try DurableFile.open(path, .readOnly)
        } catch {
            throw FileError.cannotOpen(path: path, errno: error.code)
        }
        capacity = ChunkReader.readBytes
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The size of the file, and whether it is a regular file.
    func status() throws -> (size: Int64, isRegular: Bool) {
        do throws(FileSystemError) {
            let status = try file.status()
            return (status.size, status.kind == .regular)
        } catch {
            throw FileError.cannotRead(path: path, errno: error.code)
        }
    }

    /// Starts reading at `offset`, dropping whatever was buffered.
    func seek(to offset: Int64) throws {
        readPosition = offset
        head = 0
        tail = 0
        bufferOffset = offset
        atEOF = false
    }

    /// The bytes read and not consumed yet.
    var unread: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer + head, count: tail - head)
    }

    /// The file offset of the first unread byte.
    var offset: Int64 { bufferOffset + Int64(head) }

    /// Marks `count` unread bytes as used.
    func consume(_ count: Int) {
        precondition(count >= 0 && count <= tail - head, "consume(\(count)) past the unread bytes")
        head += count
    }

    /// Reads more bytes after the unread ones; returns `false` at the end
    /// of the file. Moves the unread bytes (invalidating `unread`).
    @discardableResult
    func fill() throws -> Bool {
        if atEOF { return false }
        let pending = tail - head
        if capacity - tail < ChunkReader.readBytes {
            if pending + ChunkReader.readBytes > capacity {
                // A record longer than the buffer: grow it (bounded by the
                // callers' recordBytesMax check).
                let newCapacity = max(capacity * 2, pending + ChunkReader.readBytes)
                let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                newBuffer.copyMemory(from: buffer + head, byteCount: pending)
                buffer.deallocate()
                buffer = newBuffer
                capacity = newCapacity
            } else if pending > 0 {
                memmove(buffer, buffer + head, pending)
            }
            bufferOffset += Int64(head)
            head = 0
            tail = pending
        }
        let count: Int
        do throws(FileSystemError) {
            let free = UnsafeMutableRawBufferPointer(start: buffer + tail, count: capacity - tail)
            count = try file.readSome(into: free, at: readPosition.map { Int($0) })
        } catch {
            throw FileError.cannotRead(path: path, errno: error.code)
        }
        if count == 0 {
            atEOF = true
            return false
        }
        tail += count
        readPosition? += Int64(count)
        return true
    }
}
