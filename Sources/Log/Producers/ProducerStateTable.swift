import KafkaProtocol

/// What one partition knows of its idempotent producers: per producer id,
/// the latest epoch and the sequence ranges and offsets of its last
/// `batchesPerProducer` batches (Kafka's `ProducerStateManager`), so that a
/// retried batch is recognised and answered with the offsets it got the
/// first time, and a gap in the sequence is refused.
///
/// # Rules (Kafka's, KIP-98 and KIP-360)
/// For a batch with a producer id and a base sequence (idempotent):
/// - same producer id, epoch and sequence range as one of the last five
///   batches: a duplicate (`ProducerCheck.duplicate`), not appended;
/// - an epoch older than the partition has seen: INVALID_PRODUCER_EPOCH;
/// - a newer epoch: its first sequence must be 0;
/// - the same epoch: its first sequence must follow the last one (after
///   Int32.max comes 0), else OUT_OF_ORDER_SEQUENCE_NUMBER;
/// - a producer id the partition does not know: the first sequence must be
///   0, unless the partition may have lost that producer's state
///   (`mayHaveLostState`: retention, DeleteRecords, compaction or expiry
///   removed batches or entries), when any sequence is accepted, as Kafka
///   does since KIP-360 rather than answering UNKNOWN_PRODUCER_ID.
///
/// # Thread safety
/// A value type, used under the partition's lock.
struct ProducerStateTable: Sendable, Equatable {
    /// How many batches per producer are remembered (Kafka's 5, the most
    /// a producer may have in flight with idempotence).
    static let batchesPerProducer = 5
    /// The most producers a partition remembers; past it the one idle the
    /// longest is forgotten (and `mayHaveLostState` is set).
    static let producersMax = 65_536

    struct Batch: Sendable, Equatable {
        var firstSequence: Int32
        var lastSequence: Int32
        var firstOffset: Int64
        var lastOffset: Int64
    }

    struct Entry: Sendable, Equatable {
        var producerEpoch: Int16
        /// Oldest first; at most `batchesPerProducer`.
        var batches: [Batch]
        /// The largest record timestamp of its last batch (Kafka's
        /// `lastTimestamp`), for expiry.
        var lastTimestamp: Int64

        var lastSequence: Int32? { batches.last?.lastSequence }
    }

    private(set) var entries: [Int64: Entry] = [:]
    /// Whether entries were dropped (expiry, the `producersMax` bound), so
    /// a producer's state may be missing: see the type's rules.
    var mayHaveLostState = false

    /// The answer to a batch about to be appended.
    enum Check: Equatable {
        /// Append it.
        case append
        /// It was appended before at these offsets; answer with them.
        case duplicate(first: Int64, last: Int64)
        /// Refuse it with this code; `reason` says why.
        case refuse(ErrorCode, reason: String)
    }

    /// The last sequence of a batch: sequences wrap to 0 after Int32.max.
    static func lastSequence(_ header: RecordBatchHeader) -> Int32 {
        let last = Int64(header.baseSequence) + Int64(header.lastOffsetDelta)
        return Int32(truncatingIfNeeded: last > Int64(Int32.max) ? last - Int64(Int32.max) - 1 : last)
    }

    /// Whether `next` is the sequence right after `last`.
    static func follows(_ next: Int32, _ last: Int32) -> Bool {
        last == Int32.max ? next == 0 : next == last + 1
    }

    /// Whether the batch takes part in sequence checking: a producer id
    /// and a base sequence, and not a control batch.
    static func isIdempotent(_ header: RecordBatchHeader) -> Bool {
        header.producerId >= 0 && header.baseSequence >= 0 && !header.isControl
    }

    /// What to do with `header`'s batch. `batchesMayBeGone` says the
    /// partition's log lost batches (retention, DeleteRecords, compaction,
    /// truncation), so a producer's state rebuilt from it may be missing.
    func check(_ header: RecordBatchHeader, batchesMayBeGone: Bool) -> Check {
        guard Self.isIdempotent(header) else { return .append }
        let first = header.baseSequence
        let last = Self.lastSequence(header)
        let id = header.producerId
        guard let entry = entries[id] else {
            if first == 0 || mayHaveLostState || batchesMayBeGone { return .append }
            return .refuse(
                .outOfOrderSequenceNumber,
                reason: "producer id \(id) is new to the partition and its first batch has sequence \(first), not 0")
        }
        if header.producerEpoch < entry.producerEpoch {
            return .refuse(
                .invalidProducerEpoch,
                reason: "producer id \(id) has epoch \(entry.producerEpoch) in the partition and the batch has the "
                    + "older epoch \(header.producerEpoch)")
        }
        if header.producerEpoch == entry.producerEpoch,
           let duplicate = entry.batches.first(where: { $0.firstSequence == first && $0.lastSequence == last }) {
            return .duplicate(first: duplicate.firstOffset, last: duplicate.lastOffset)
        }
        if header.producerEpoch > entry.producerEpoch {
            if first == 0 { return .append }
            return .refuse(
                .outOfOrderSequenceNumber,
                reason: "producer id \(id) starts epoch \(header.producerEpoch) with sequence \(first), not 0")
        }
        if let previous = entry.lastSequence, !Self.follows(first, previous) {
            return .refuse(
                .outOfOrderSequenceNumber,
                reason: "producer id \(id) epoch \(header.producerEpoch): the batch has sequences \(first) to \(last) "
                    + "and the last appended one ended at \(previous) (expected \(previous == Int32.max ? 0 : previous + 1))")
        }
        return .append
    }

    /// Takes an appended (or, on open, found) batch into account; its
    /// `baseOffset` is the offset it got.
    mutating func record(_ header: RecordBatchHeader) {
        guard Self.isIdempotent(header) else { return }
        let batch = Batch(
            firstSequence: header.baseSequence, lastSequence: Self.lastSequence(header),
            firstOffset: header.baseOffset, lastOffset: header.lastOffset)
        var entry = entries[header.producerId]
            ?? Entry(producerEpoch: header.producerEpoch, batches: [], lastTimestamp: header.maxTimestamp)
        if header.producerEpoch > entry.producerEpoch {
            entry.producerEpoch = header.producerEpoch
            entry.batches = []
        } else if header.producerEpoch < entry.producerEpoch {
            // Only a scan meets this (appends refuse it): an older epoch's
            // batch says nothing about the current one.
            return
        }
        entry.batches.append(batch)
        if entry.batches.count > Self.batchesPerProducer { entry.batches.removeFirst() }
        entry.lastTimestamp = max(entry.lastTimestamp, header.maxTimestamp)
        if entries[header.producerId] == nil && entries.count >= Self.producersMax {
            evictIdlest()
        }
        entries[header.producerId] = entry
    }

    private mutating func evictIdlest() {
        guard let idlest = entries.min(by: { ($0.value.lastTimestamp, $0.key) < ($1.value.lastTimestamp, $1.key) }) else { return }
        entries[idlest.key] = nil
        mayHaveLostState = true
    }

    /// Forgets producers whose last batch is more than `idleMilliseconds`
    /// older than `now` (Kafka's `producer.id.expiration.ms`); returns how
    /// many.
    mutating func expire(now: Int64, idleMilliseconds: Int64) -> Int {
        let expired = entries.filter { now - $0.value.lastTimestamp > idleMilliseconds }.map(\.key)
        for id in expired { entries[id] = nil }
        if !expired.isEmpty { mayHaveLostState = true }
        return expired.count
    }

    /// Adds entries read back from a snapshot.
    mutating func restore(_ restored: [Int64: Entry]) {
        for (id, entry) in restored { entries[id] = entry }
    }
}
