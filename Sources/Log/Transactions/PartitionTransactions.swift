/// What one partition knows of the transactions written to it: which are
/// still open (and from which offset), which were aborted (the offsets
/// their batches span), and the latest epoch of every producer id.
///
/// It is derived from the log alone: transactional batches open a
/// producer's transaction, control batches close it. `PartitionLogCore`
/// keeps it up to date on append and rebuilds it on open by reading every
/// batch header of a partition that ever held a transactional batch (see
/// `PartitionLogCore+Transactions.swift` for the cost); truncation rebuilds
/// it too, so it always describes exactly the batches the log holds.
///
/// # Thread safety
/// A value type, used under the partition's lock.
struct PartitionTransactions: Sendable {
    /// The first offset of each producer's open transaction.
    private(set) var open: [Int64: OpenTransaction] = [:]
    /// Aborted transactions, in the order their markers were written (so by
    /// `lastOffset`).
    private(set) var aborted: [AbortedTransaction] = []
    /// The latest epoch written by each producer id: batches of an older
    /// epoch are refused (fencing).
    private(set) var epochs: [Int64: Int16] = [:]

    /// A producer's transaction not decided yet in this partition.
    struct OpenTransaction: Sendable, Equatable {
        let firstOffset: Int64
        let producerEpoch: Int16
    }

    /// Whether any transactional batch was seen.
    var isEmpty: Bool { open.isEmpty && aborted.isEmpty && epochs.isEmpty }

    /// The first offset of the earliest open transaction, or `endOffset`:
    /// the last stable offset (LSO).
    func lastStableOffset(endOffset: Int64) -> Int64 {
        open.values.map(\.firstOffset).min() ?? endOffset
    }

    /// Why a batch of producer `producerId` at `epoch` may not be appended;
    /// nil when it may.
    func fencingProblem(producerId: Int64, epoch: Int16) -> String? {
        guard let latest = epochs[producerId], latest > epoch else { return nil }
        return "producer id \(producerId) has epoch \(latest) in this partition and the batch has the older epoch "
            + "\(epoch): a newer instance of its transactional id took over (it was fenced)"
    }

    /// Takes a batch appended (or found on open) into account.
    /// `marker` is the decoded control record of a control batch.
    mutating func record(_ header: RecordBatchHeader, marker: ControlRecord?) {
        guard header.isTransactional else { return }
        let producer = header.producerId
        epochs[producer] = max(epochs[producer] ?? header.producerEpoch, header.producerEpoch)
        if header.isControl {
            let opened = open.removeValue(forKey: producer)
            if let opened, marker?.kind == .abort {
                aborted.append(AbortedTransaction(
                    producerId: producer, firstOffset: opened.firstOffset, lastOffset: header.baseOffset))
            }
        } else if open[producer] == nil {
            open[producer] = OpenTransaction(firstOffset: header.baseOffset, producerEpoch: header.producerEpoch)
        }
    }

    /// Forgets aborted transactions wholly below `startOffset` (retention
    /// deleted their batches).
    mutating func forget(below startOffset: Int64) {
        if let first = aborted.firstIndex(where: { $0.lastOffset >= startOffset }) {
            aborted.removeFirst(first)
        } else {
            aborted.removeAll()
        }
    }

    /// The aborted transactions that may have batches in `range`.
    func aborted(overlapping range: Range<Int64>) -> [AbortedTransaction] {
        aborted.filter { $0.firstOffset < range.upperBound && $0.lastOffset >= range.lowerBound }
    }
}

/// A transaction aborted in one partition: its producer's batches from
/// `firstOffset` to `lastOffset` (the abort marker) are not read by
/// read-committed readers. Kafka's `AbortedTxn` / FetchResponse entry.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct AbortedTransaction: Sendable, Equatable, Hashable {
    public let producerId: Int64
    public let firstOffset: Int64
    /// The offset of the abort marker.
    public let lastOffset: Int64

    public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64) {
        self.producerId = producerId
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
    }

    /// Whether a batch of `producerId` starting at `offset` belongs to this
    /// aborted transaction. A producer id has one transaction open at a time
    /// per partition, so the range decides.
    public func contains(producerId: Int64, offset: Int64) -> Bool {
        producerId == self.producerId && offset >= firstOffset && offset <= lastOffset
    }
}
