import DurableFiles

/// What a compaction pass works on, taken under the partition's lock: the
/// older segments to rewrite, read through the pass's own descriptors, so
/// the pass can run without the lock while appends go on.
///
/// # Thread safety
/// `@unchecked Sendable` because it is handed out of the partition's lock:
/// it shares nothing with the partition (its descriptors are its own, the
/// segments appear only as identities), and after planning one thread uses
/// it, the one running the pass.
///
/// # Ownership
/// Owns the input descriptors; `close()` releases them.
final class CompactionPlan: @unchecked Sendable {
    /// One segment to rewrite, as it was when the plan was taken. Inactive
    /// segments do not change while they exist, so its size stays true;
    /// retention or truncation may remove one meanwhile, which the commit
    /// notices by `identity`.
    struct Input {
        let identity: ObjectIdentifier
        let baseOffset: Int64
        let nextOffset: Int64
        let size: Int
        let path: String
        let file: DurableFile
        let modificationTimeMilliseconds: Int64
    }

    let partition: TopicPartition
    let directory: String
    let config: TopicConfig
    /// Wall-clock milliseconds when the pass started: delete horizons are
    /// set from it and compared with it.
    let now: Int64
    /// Oldest first: every inactive segment from the partition's start up
    /// to the first one compaction must leave alone.
    let inputs: [Input]
    /// Inputs from this index on are dirty (not compacted yet).
    let firstDirtyIndex: Int
    /// The base offset of the segment after the last input.
    let endOffset: Int64
    let dirtyRatio: Double
    /// The most bytes the pass's offset map may take before the pass stops
    /// mapping at a segment boundary.
    let offsetMapBytesMax: Int
    /// The aborted transactions of the inputs' offsets: their batches are
    /// removed and their records never shadow others.
    var abortedTransactions: [AbortedTransaction] = []

    init(
        partition: TopicPartition, directory: String, config: TopicConfig, now: Int64, inputs: [Input],
        firstDirtyIndex: Int, endOffset: Int64, dirtyRatio: Double, offsetMapBytesMax: Int
    ) {
        self.partition = partition
        self.directory = directory
        self.config = config
        self.now = now
        self.inputs = inputs
        self.firstDirtyIndex = firstDirtyIndex
        self.endOffset = endOffset
        self.dirtyRatio = dirtyRatio
        self.offsetMapBytesMax = offsetMapBytesMax
    }

    /// Whether the batch belongs to an aborted transaction.
    func isAborted(_ header: RecordBatchHeader) -> Bool {
        header.isTransactional && !header.isControl
            && abortedTransactions.contains { $0.contains(producerId: header.producerId, offset: header.baseOffset) }
    }

    func close() {
        for input in inputs { input.file.close() }
    }
}
