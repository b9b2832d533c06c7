import Logging
import DurableFiles

/// Transactions in one partition: fencing on append, the state rebuilt on
/// open, the last stable offset and read-committed reads.
///
/// # Cost of opening
/// The partition's transaction state is not stored apart from the log
/// (Kafka keeps a `.txnindex` per segment): opening a partition that has
/// ever held a transactional batch reads the 61-byte header of every batch
/// of every segment (one `pread` each, plus a decode of each control
/// batch), so opening costs one small read per batch: about 65 000 reads
/// per GiB of 16 KB batches. A partition that
/// never held a transactional batch has no `transactional` flag file and
/// skips the scan. Truncation (the repair) rebuilds the state the same way.
extension PartitionLogCore {
    /// The file whose presence says the partition has held a transactional
    /// batch. Created (and its directory entry fsynced) before the first
    /// one is appended.
    static let transactionalFlagName = "transactional"

    /// Checks a transactional or control batch before it is written: not
    /// fenced, a control batch holds a marker; returns the marker. Creates
    /// the flag file on the first transactional batch.
    func checkTransactional(_ batch: [UInt8], _ header: RecordBatchHeader) throws(LogError) -> ControlRecord? {
        guard header.isTransactional else {
            throw .invalidBatch(
                partition, reason: "a control batch must also be transactional (attributes bit 4); it has attributes "
                    + "\(header.attributes)")
        }
        guard header.producerId >= 0, header.producerEpoch >= 0 else {
            throw .invalidBatch(
                partition, reason: "a transactional batch needs a producer id and epoch; it has producer id "
                    + "\(header.producerId) and epoch \(header.producerEpoch)")
        }
        if let problem = transactions.fencingProblem(producerId: header.producerId, epoch: header.producerEpoch) {
            throw .producerFenced(partition, detail: problem)
        }
        var marker: ControlRecord?
        if header.isControl {
            marker = batch.withUnsafeBytes { ControlRecord.decode($0) }
            guard marker != nil else {
                throw .invalidBatch(partition, reason: "the control batch holds no commit or abort marker")
            }
        }
        if !hasTransactionalFlag {
            do {
                try ActiveFileSystem.current.writeAtomically([], to: directory + "/" + Self.transactionalFlagName)
            } catch {
                throw LogError(error, "the transactional batch was not stored")
            }
            hasTransactionalFlag = true
        }
        return marker
    }

    /// Reads every batch header (and decodes control batches) to rebuild
    /// `transactions`, when the partition has the flag file. A batch that
    /// cannot be read ends the scan of its segment with a warning: reads
    /// of it fail and name it anyway.
    func rebuildTransactions() {
        var rebuilt = PartitionTransactions()
        defer { transactions = rebuilt }
        guard hasTransactionalFlag else { return }
        for segment in segments {
            do throws(LogError) {
                var location = try segment.lookup(offset: segment.baseOffset)
                while let current = location {
                    let header = current.header
                    if header.isTransactional {
                        var marker: ControlRecord?
                        if header.isControl {
                            let slice = try segment.read(from: current, maxBytes: 0)
                            marker = slice.bytes.withUnsafeBytes { ControlRecord.decode($0) }
                        }
                        rebuilt.record(header, marker: marker)
                    }
                    location = try segment.location(after: current)
                }
            } catch {
                logger.warning("\(partition): the transaction state skips the rest of \(segment.log.path): \(error)")
            }
        }
    }

    /// The last stable offset: the first offset of the earliest open
    /// transaction, else the end offset.
    var lastStableOffset: Int64 { transactions.lastStableOffset(endOffset: endOffset) }

    /// A read for read-committed readers: like `read`, but never past the
    /// last stable offset, with the aborted transactions the batches may
    /// belong to.
    func readCommitted(from offset: Int64, maxBytes: Int) throws(LogError) -> LogSlice {
        let stable = lastStableOffset
        guard offset < stable else {
            try checkOpen()
            guard offset >= startOffset && offset <= endOffset else {
                throw .offsetOutOfRange(partition, requested: offset, start: startOffset, end: endOffset)
            }
            return LogSlice(bytes: [], firstOffset: offset, nextOffset: offset, batchCount: 0, lastStableOffset: stable)
        }
        let slice = try read(from: offset, maxBytes: maxBytes)
        // Whole batches below the LSO: an open transaction's first batch
        // starts at the LSO, so no batch straddles it.
        var end = 0
        var count = 0
        var next = slice.nextOffset
        slice.bytes.withUnsafeBytes { raw in
            while end < raw.count {
                // read() has just checked every batch.
                let header = try! RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: raw[end...]))
                if header.baseOffset >= stable {
                    next = header.baseOffset
                    break
                }
                end += header.totalSize
                count += 1
            }
        }
        if slice.isEmpty { next = min(slice.nextOffset, stable) }
        let bytes = end == slice.bytes.count ? slice.bytes : Array(slice.bytes[0 ..< end])
        let aborted = count > 0 ? transactions.aborted(overlapping: slice.firstOffset ..< next) : []
        return LogSlice(
            bytes: bytes, firstOffset: count > 0 ? slice.firstOffset : offset, nextOffset: next, batchCount: count,
            lastStableOffset: stable, abortedTransactions: aborted)
    }

    /// Open transactions of the partition, oldest first.
    var openTransactions: [OpenTransaction] {
        transactions.open.map {
            OpenTransaction(producerId: $0.key, producerEpoch: $0.value.producerEpoch, firstOffset: $0.value.firstOffset)
        }.sorted { $0.firstOffset < $1.firstOffset }
    }
}

/// A transaction still open in one partition, as `topics describe` shows it.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct OpenTransaction: Sendable, Equatable {
    public let producerId: Int64
    public let producerEpoch: Int16
    /// Its first batch's offset: the partition's last stable offset is at
    /// most this.
    public let firstOffset: Int64

    public init(producerId: Int64, producerEpoch: Int16, firstOffset: Int64) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.firstOffset = firstOffset
    }
}
