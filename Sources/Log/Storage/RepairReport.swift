/// What `PartitionLog.repair` found in a partition, and removed unless it
/// was a dry run.
///
/// A repair removes damaged bytes only: every whole batch stays, with its
/// offsets, and the partition's end offset never moves back, so no offset
/// is ever handed out twice (Kafka's rule: a log's start and end offsets
/// only grow). The offsets a removed region held become a gap, which a
/// read passes over as it passes over what compaction removed.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct RepairReport: Sendable, Equatable {
    /// One damaged region of a segment.
    public struct Damage: Sendable, Equatable {
        /// The segment's `.log` file.
        public let file: String
        /// Where the damage starts in it, and how many bytes it spans.
        public let position: Int
        public let bytes: Int
        /// The offsets the region held: from the first offset it should
        /// hold to the one before the next whole batch (or the segment's end).
        public let firstOffset: Int64
        public let lastOffset: Int64
        /// The record count the damaged batch's header claims, when it
        /// could be read; it lies inside the failed CRC, so it is a claim.
        public let claimedRecords: Int?
        /// What failed (the CRC, the header, the offsets).
        public let detail: String
    }

    public let partition: TopicPartition
    /// In offset order; empty when every batch is whole.
    public let damage: [Damage]
    /// Records in the partition's whole batches: all of them stay.
    public let recordsKept: Int64
    /// Of those, the records after the first damage: what a repair that
    /// truncated at the damage would have deleted.
    public let recordsKeptAfterDamage: Int64
    /// The partition's end offset after the repair: where it was, or one
    /// above when a segment holding only damage had to make way for a new
    /// one. It never moves back.
    public let endOffset: Int64
    /// Whether nothing was changed (`repair(dryRun: true)`).
    public let dryRun: Bool
}
