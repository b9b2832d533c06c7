/// What one compaction pass over one partition did, or why it did not run.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct CompactionResult: Sendable, Equatable, CustomStringConvertible {
    public let partition: TopicPartition
    /// Why the pass did not run (nothing was changed); nil when it ran.
    public let skipped: String?
    /// Segments rewritten, and the segments they became.
    public let segmentsRead: Int
    public let segmentsWritten: Int
    /// Bytes of the segments rewritten, and of what they became.
    public let bytesRead: Int
    public let bytesWritten: Int
    public let recordsRead: Int
    public let recordsKept: Int
    /// Tombstones removed because their delete horizon had passed.
    public let tombstonesRemoved: Int
    /// Every offset below this one is compacted: the base offset of the
    /// first segment the pass left alone.
    public let compactedBelowOffset: Int64
    /// The not yet compacted share of the compactable bytes when the pass
    /// started (what `min.cleanable.dirty.ratio` is compared with).
    public let dirtyRatio: Double

    static func skipped(_ partition: TopicPartition, _ reason: String, dirtyRatio: Double = 0) -> CompactionResult {
        CompactionResult(
            partition: partition, skipped: reason, segmentsRead: 0, segmentsWritten: 0, bytesRead: 0, bytesWritten: 0,
            recordsRead: 0, recordsKept: 0, tombstonesRemoved: 0, compactedBelowOffset: 0, dirtyRatio: dirtyRatio)
    }

    init(
        partition: TopicPartition, skipped: String?, segmentsRead: Int, segmentsWritten: Int, bytesRead: Int,
        bytesWritten: Int, recordsRead: Int, recordsKept: Int, tombstonesRemoved: Int, compactedBelowOffset: Int64,
        dirtyRatio: Double
    ) {
        self.partition = partition
        self.skipped = skipped
        self.segmentsRead = segmentsRead
        self.segmentsWritten = segmentsWritten
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
        self.recordsRead = recordsRead
        self.recordsKept = recordsKept
        self.tombstonesRemoved = tombstonesRemoved
        self.compactedBelowOffset = compactedBelowOffset
        self.dirtyRatio = dirtyRatio
    }

    public var description: String {
        if let skipped { return "\(partition): not compacted: \(skipped)" }
        return "\(partition): compacted \(segmentsRead) segment\(segmentsRead == 1 ? "" : "s") (\(bytesRead) bytes) "
            + "into \(segmentsWritten) (\(bytesWritten) bytes), keeping \(recordsKept) of \(recordsRead) records"
            + (tombstonesRemoved > 0 ? " and removing \(tombstonesRemoved) expired tombstones" : "")
            + "; offsets below \(compactedBelowOffset) are compacted"
    }
}
