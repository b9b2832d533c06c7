/// An entry of a segment's `.timeindex` file: the segment's largest
/// timestamp so far and the last offset of the first batch that reached it.
///
/// On disk: 8-byte timestamp, 4-byte offset relative to the segment's base
/// offset, both big-endian, as Kafka writes them. Timestamps strictly grow
/// from entry to entry, and every batch before `offset`'s batch has a
/// smaller maximum timestamp, so a search for the first batch with a
/// timestamp ≥ `t` may start at the last entry with `timestamp ≤ t`.
///
/// # Thread safety
/// A value type.
struct TimeIndexEntry: IndexFileEntry {
    static let size = 12

    /// Milliseconds since the epoch.
    var timestamp: Int64
    /// Absolute offset: the last offset of the batch that first reached
    /// `timestamp`.
    var offset: Int64

    func encode(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64) {
        bytes.storeBytes(of: timestamp.bigEndian, toByteOffset: 0, as: Int64.self)
        bytes.storeBytes(of: Int32(truncatingIfNeeded: offset - baseOffset).bigEndian, toByteOffset: 8, as: Int32.self)
    }

    init(timestamp: Int64, offset: Int64) {
        self.timestamp = timestamp
        self.offset = offset
    }

    init(decoding bytes: UnsafeRawBufferPointer, baseOffset: Int64) {
        timestamp = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: Int64.self))
        offset = baseOffset + Int64(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self)))
    }
}

extension IndexFile where Entry == TimeIndexEntry {
    /// The last entry whose timestamp is at most `timestamp`.
    func floor(timestamp: Int64) -> TimeIndexEntry? {
        lastIndex { $0.timestamp <= timestamp }.map { entries[$0] }
    }

    /// Why the entries cannot belong to a segment holding offsets
    /// `baseOffset ..< nextOffset`, or nil when they can.
    func problem(nextOffset: Int64) -> String? {
        if let loadProblem { return loadProblem }
        var previous: TimeIndexEntry?
        for (number, entry) in entries.enumerated() {
            if entry.offset < baseOffset || entry.offset >= nextOffset {
                return "entry \(number) (timestamp \(entry.timestamp), offset \(entry.offset)) lies outside "
                    + "offsets \(baseOffset) to \(nextOffset - 1)"
            }
            if let previous, entry.timestamp <= previous.timestamp || entry.offset < previous.offset {
                return "entry \(number) (timestamp \(entry.timestamp), offset \(entry.offset)) does not follow "
                    + "entry \(number - 1) (timestamp \(previous.timestamp), offset \(previous.offset))"
            }
            previous = entry
        }
        return nil
    }
}
