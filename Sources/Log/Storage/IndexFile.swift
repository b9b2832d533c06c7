import DurableFiles

/// An entry of a segment's index file: fixed size, stored big-endian with
/// its offset relative to the segment's base offset, as Kafka stores them.
protocol IndexFileEntry: Equatable {
    /// Bytes per entry on disk.
    static var size: Int { get }
    /// Writes the entry into `bytes` (exactly `size` bytes).
    func encode(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64)
    /// Reads an entry from `bytes` (exactly `size` bytes).
    init(decoding bytes: UnsafeRawBufferPointer, baseOffset: Int64)
}

/// One of a segment's index files (`.index`, `.timeindex`): its entries in
/// memory, appended to the file as they are added.
///
/// The file is a plain sequence of entries with no header, so its length is
/// a multiple of `Entry.size` unless a write was torn. Entries are kept in
/// memory (8 or 12 bytes for every `index.interval.bytes` of log, about
/// 0.3% of the data) and looked up by binary search.
///
/// An index is derived data: whenever it disagrees with the `.log` file,
/// recovery rebuilds it from the log (`replace(with:)`).
///
/// # Thread safety
/// Not thread-safe: owned by one `Segment`, used under its partition's lock.
final class IndexFile<Entry: IndexFileEntry> {
    /// nil for an index of a read-only partition whose file is missing:
    /// its entries then live in memory only.
    let file: DurableFile?
    let path: String
    let baseOffset: Int64
    private(set) var entries: [Entry]
    /// Why the file could not be read as a whole number of entries, if so.
    private(set) var loadProblem: String?

    var count: Int { entries.count }
    var last: Entry? { entries.last }

    private init(file: DurableFile?, path: String, baseOffset: Int64, entries: [Entry], loadProblem: String?) {
        self.file = file
        self.path = path
        self.baseOffset = baseOffset
        self.entries = entries
        self.loadProblem = loadProblem
    }

    /// Opens (creating when missing) and reads the index at `path`.
    ///
    /// `existed` tells whether the file was there before.
    /// With `readOnly` nothing is created or written: a missing file gives
    /// an empty index held in memory only.
    static func open(
        _ path: String, baseOffset: Int64, readOnly: Bool = false
    ) throws(FileSystemError) -> (index: IndexFile, existed: Bool) {
        let existed = ActiveFileSystem.current.exists(path)
        if readOnly && !existed {
            return (IndexFile(file: nil, path: path, baseOffset: baseOffset, entries: [], loadProblem: nil), false)
        }
        let file = try DurableFile.open(path, create: !readOnly, readOnly: readOnly)
        let bytes = try file.read(count: try file.size(), at: 0)
        let whole = bytes.count / Entry.size
        var entries: [Entry] = []
        entries.reserveCapacity(whole)
        bytes.withUnsafeBytes { buffer in
            for index in 0 ..< whole {
                let slice = UnsafeRawBufferPointer(rebasing: buffer[index * Entry.size ..< (index + 1) * Entry.size])
                entries.append(Entry(decoding: slice, baseOffset: baseOffset))
            }
        }
        let problem = bytes.count % Entry.size == 0
            ? nil : "its size \(bytes.count) is not a multiple of the \(Entry.size)-byte entry"
        return (IndexFile(file: file, path: path, baseOffset: baseOffset, entries: entries, loadProblem: problem), existed)
    }

    /// Adds `entry` at the end, in memory and in the file.
    ///
    /// On failure neither changes (a partly written entry lies past the
    /// logical end and is overwritten by the next append).
    func append(_ entry: Entry) throws(FileSystemError) {
        let file = writableFile()
        var bytes = [UInt8](repeating: 0, count: Entry.size)
        bytes.withUnsafeMutableBytes { entry.encode(into: $0, baseOffset: baseOffset) }
        try bytes.withBytes { (buffer) throws(FileSystemError) in
            try file.write(buffer, at: entries.count * Entry.size)
        }
        entries.append(entry)
    }

    /// Keeps the first `count` entries, in memory and in the file.
    func truncate(toCount count: Int) throws(FileSystemError) {
        precondition(count <= entries.count, "truncating an index of \(entries.count) entries to \(count)")
        let file = writableFile()
        entries.removeLast(entries.count - count)
        try file.truncate(to: count * Entry.size)
    }

    /// Rewrites the file to hold exactly `newEntries`.
    func replace(with newEntries: [Entry]) throws(FileSystemError) {
        let file = writableFile()
        var bytes = [UInt8](repeating: 0, count: newEntries.count * Entry.size)
        bytes.withUnsafeMutableBytes { buffer in
            for (index, entry) in newEntries.enumerated() {
                entry.encode(
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[index * Entry.size ..< (index + 1) * Entry.size]),
                    baseOffset: baseOffset)
            }
        }
        try file.truncate(to: 0)
        try bytes.withBytes { (buffer) throws(FileSystemError) in try file.write(buffer, at: 0) }
        entries = newEntries
        loadProblem = nil
    }

    /// The index of the last entry for which `isAtOrBefore` holds, given
    /// that it holds for a prefix of the entries (binary search).
    func lastIndex(where isAtOrBefore: (Entry) -> Bool) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrBefore(entries[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// Holds `newEntries` in memory only, leaving the file as it is: what
    /// a read-only partition does where recovery would rewrite the index.
    func replaceInMemory(with newEntries: [Entry]) {
        entries = newEntries
        loadProblem = nil
    }

    private func writableFile() -> DurableFile {
        guard let file else { preconditionFailure("\(path): an index of a read-only partition is never written") }
        return file
    }

    func sync() throws(FileSystemError) { try file?.syncData() }

    func close() { file?.close() }
}
