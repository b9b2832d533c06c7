import DurableFiles

/// Reads a segment's `.log` file front to back through a window of
/// `windowBytes`, so recovery makes one `pread` per window rather than
/// two per batch.
///
/// # Thread safety
/// Not thread-safe: one scan uses it.
final class SegmentReader {
    /// Bytes read per `pread` while scanning.
    static let windowBytes = 1 << 20

    let file: DurableFile
    let fileSize: Int
    private var window: [UInt8] = []
    private var windowStart = 0

    init(file: DurableFile, fileSize: Int) {
        self.file = file
        self.fileSize = fileSize
    }

    /// Calls `body` with the `count` bytes at `position`, or returns nil
    /// when they run past the end of the file.
    func withBytes<Result>(
        at position: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> Result
    ) throws(FileSystemError) -> Result? {
        guard position >= 0, count >= 0, position + count <= fileSize else { return nil }
        if position < windowStart || position + count > windowStart + window.count {
            let length = min(fileSize - position, max(count, Self.windowBytes))
            window = try file.read(count: length, at: position)
            windowStart = position
            guard window.count >= count else { return nil }
        }
        let start = position - windowStart
        return window.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start ..< start + count])) }
    }
}
