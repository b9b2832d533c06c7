/// An entry of a segment's `.index` file: a batch's last offset and the byte
/// position where the batch starts in the `.log` file.
///
/// On disk: 4-byte offset relative to the segment's base offset, 4-byte
/// position, both big-endian, as Kafka writes them. Like Kafka, the offset is
/// the batch's *last* offset. The batch at `position` holds no offset above
/// `offset` and offsets only grow along the file, so a look-up for offset
/// `o` starts at the last entry with `offset ≤ o` and scans forward.
///
/// # Thread safety
/// A value type.
struct OffsetIndexEntry: IndexFileEntry {
    static let size = 8

    /// Absolute offset: the last offset of the batch at `position`.
    var offset: Int64
    /// Byte position of the batch in the `.log` file.
    var position: Int

    func encode(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64) {
        bytes.storeBytes(of: Int32(truncatingIfNeeded: offset - baseOffset).bigEndian, toByteOffset: 0, as: Int32.self)
        bytes.storeBytes(of: Int32(truncatingIfNeeded: position).bigEndian, toByteOffset: 4, as: Int32.self)
    }

    init(offset: Int64, position: Int) {
        self.offset = offset
        self.position = position
    }

    init(decoding bytes: UnsafeRawBufferPointer, baseOffset: Int64) {
        offset = baseOffset + Int64(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: Int32.self)))
        position = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: Int32.self)))
    }
}

extension IndexFile where Entry == OffsetIndexEntry {
    /// The last entry whose offset is at most `offset`: the batch it points
    /// at holds no offset above `offset`, so a scan for `offset` may start
    /// there.
    func floor(offset: Int64) -> OffsetIndexEntry? {
        lastIndex { $0.offset <= offset }.map { entries[$0] }
    }

    /// Why the entries cannot belong to a `.log` file of `logSize` bytes
    /// starting at the base offset, or nil when they can.
    func problem(logSize: Int) -> String? {
        if let loadProblem { return loadProblem }
        var previous: OffsetIndexEntry?
        for (number, entry) in entries.enumerated() {
            if entry.offset < baseOffset || entry.position < 0 || entry.position >= logSize {
                return "entry \(number) (offset \(entry.offset), position \(entry.position)) lies outside the "
                    + "log's \(logSize) bytes"
            }
            if let previous, entry.offset <= previous.offset || entry.position <= previous.position {
                return "entry \(number) (offset \(entry.offset), position \(entry.position)) does not follow "
                    + "entry \(number - 1) (offset \(previous.offset), position \(previous.position))"
            }
            previous = entry
        }
        return nil
    }
}
