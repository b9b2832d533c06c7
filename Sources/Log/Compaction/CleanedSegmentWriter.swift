#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// Writes one compacted segment under its temporary names
/// (`<base>.log.cleaned`, `.index.cleaned`, `.timeindex.cleaned`; see
/// `CompactionSwap`), with the index entries appends would have written.
///
/// # Thread safety
/// Not thread-safe: used by one compaction pass.
///
/// # Ownership
/// Owns its files until `finish()` closes them or `abandon()` removes them.
final class CleanedSegmentWriter {
    /// Bytes gathered before one `pwrite`.
    static let bufferBytesMax = 1 << 20

    let directory: String
    let baseOffset: Int64
    let logPath: String
    private let log: DurableFile
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private(set) var size = 0
    private var indexState: SegmentIndexState
    private var offsetEntries: [OffsetIndexEntry] = []
    private var timeEntries: [TimeIndexEntry] = []
    private var lastOffset: Int64?

    init(directory: String, baseOffset: Int64, indexIntervalBytes: Int) throws(FileSystemError) {
        self.directory = directory
        self.baseOffset = baseOffset
        logPath = CompactionSwap.cleanedPath(SegmentFileName.log(directory, baseOffset))
        log = try DurableFile.open(logPath, create: true, truncate: true)
        indexState = SegmentIndexState(indexIntervalBytes: indexIntervalBytes)
        buffer.reserveCapacity(Self.bufferBytesMax)
    }

    /// Appends one whole batch (`header` is its parsed header).
    func append(_ batch: UnsafeRawBufferPointer, header: RecordBatchHeader) throws(FileSystemError) {
        precondition(batch.count == header.totalSize, "a \(batch.count)-byte buffer for a \(header.totalSize)-byte batch")
        precondition(header.baseOffset >= baseOffset && lastOffset.map { header.baseOffset > $0 } ?? true,
                     "compacted batches out of offset order")
        // Index entries hold 4-byte positions.
        guard size + batch.count <= Int(Int32.max) else {
            throw FileSystemError(operation: "write compacted segment (over 2 GiB)", path: logPath, code: EFBIG)
        }
        let entries = indexState.add(header, at: size)
        if let entry = entries.offset { offsetEntries.append(entry) }
        if let entry = entries.time { timeEntries.append(entry) }
        if buffer.count + batch.count > Self.bufferBytesMax { try flushBuffer() }
        if batch.count > Self.bufferBytesMax {
            try log.write(batch, at: size)
            bufferStart = size + batch.count
        } else {
            buffer.append(contentsOf: batch)
        }
        size += batch.count
        lastOffset = header.lastOffset
    }

    private func flushBuffer() throws(FileSystemError) {
        guard !buffer.isEmpty else { return }
        try buffer.withBytes { (bytes) throws(FileSystemError) in try log.write(bytes, at: bufferStart) }
        bufferStart += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and the indexes (with the final time-index
    /// entry of an inactive segment), sets the `.log` file's modification
    /// time (retention's fallback when records carry no timestamp), fsyncs
    /// the three files and closes them.
    func finish(modificationTimeMilliseconds: Int64) throws(FileSystemError) {
        try flushBuffer()
        if let entry = indexState.finalTimeEntry() { timeEntries.append(entry) }
        try log.setModificationTime(milliseconds: modificationTimeMilliseconds)
        try log.syncData()
        log.close()
        let offsetIndex = try IndexFile<OffsetIndexEntry>.open(
            CompactionSwap.cleanedPath(SegmentFileName.offsetIndex(directory, baseOffset)), baseOffset: baseOffset).index
        defer { offsetIndex.close() }
        try offsetIndex.replace(with: offsetEntries)
        try offsetIndex.sync()
        let timeIndex = try IndexFile<TimeIndexEntry>.open(
            CompactionSwap.cleanedPath(SegmentFileName.timeIndex(directory, baseOffset)), baseOffset: baseOffset).index
        defer { timeIndex.close() }
        try timeIndex.replace(with: timeEntries)
        try timeIndex.sync()
    }

    /// Closes and removes the files.
    func abandon() {
        log.close()
        CompactionSwap.discard(directory: directory, bases: [baseOffset])
    }
}
