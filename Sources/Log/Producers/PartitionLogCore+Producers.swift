import Logging

/// Idempotent producers in one partition: the sequence check before an
/// append, the state kept up to date on every append, its snapshot, and its
/// rebuild on open and after truncation.
///
/// # Cost of opening
/// A partition that never held a batch with a producer id has no
/// `producer-state` file and reads nothing. Otherwise the snapshot is read
/// and the headers of the batches from its offset to the end are read
/// (one `pread` each): after a clean close none, after a crash those
/// appended since the last segment roll.
extension PartitionLogCore {
    /// Whether batches that were appended may be gone from the log
    /// (retention, DeleteRecords, compaction, truncation), so that the
    /// state of a producer may be missing: a new producer's first sequence
    /// is then not required to be 0.
    var producerBatchesMayBeGone: Bool {
        startOffset > 0 || cleanerCheckpoint != nil
    }

    /// What to do with a batch before it is appended (see
    /// `ProducerStateTable.check`).
    func checkProducer(_ header: RecordBatchHeader) -> ProducerStateTable.Check {
        producers.check(header, batchesMayBeGone: producerBatchesMayBeGone)
    }

    /// Called by `append` before a batch is written: the first batch with
    /// a producer id creates the snapshot file (empty, at the batch's
    /// offset), so that opening knows to rebuild the state.
    func prepareProducerBatch(_ header: RecordBatchHeader) throws(LogError) {
        guard ProducerStateTable.isIdempotent(header), producerSnapshotOffset == nil else { return }
        let snapshot = ProducerStateSnapshot(offset: endOffset, table: producers)
        do {
            try snapshot.write(directory: directory)
        } catch {
            throw LogError(error, "the batch was not stored (the partition's producer state could not be started)")
        }
        producerSnapshotOffset = snapshot.offset
        producerSnapshotSegmentBase = active.baseOffset
    }

    /// Called by `append` after a batch is written: records it, and after
    /// a roll rewrites the snapshot so that a later open reads little. A
    /// snapshot that fails to write is logged; the older one stays valid.
    func recordProducerBatch(_ header: RecordBatchHeader) {
        guard ProducerStateTable.isIdempotent(header) else { return }
        producers.record(header)
        if producerSnapshotSegmentBase != active.baseOffset {
            writeProducerSnapshot()
        }
    }

    /// Writes the state as of the end offset (on roll, and on close when
    /// appends or expiry changed it since the last snapshot).
    func writeProducerSnapshot() {
        guard !readOnly, producerSnapshotOffset != nil,
              producerSnapshotOffset != endOffset || producersExpiredSinceSnapshot
        else { return }
        let snapshot = ProducerStateSnapshot(offset: endOffset, table: producers)
        do {
            try snapshot.write(directory: directory)
            producerSnapshotOffset = snapshot.offset
            producerSnapshotSegmentBase = active.baseOffset
            producersExpiredSinceSnapshot = false
        } catch {
            logger.warning("\(partition): the producer state snapshot was not written (\(LogError(error, "")); the next open reads more batches")
        }
    }

    /// Rebuilds the producer state from the snapshot and the batches after
    /// it (open, truncation). A snapshot past the end offset (the log was
    /// truncated below it) or unreadable is ignored and the whole log read.
    func rebuildProducers() {
        producers = ProducerStateTable()
        producerSnapshotOffset = nil
        producerSnapshotSegmentBase = nil
        guard let found = ProducerStateSnapshot.read(directory: directory) else { return }
        var from = startOffset
        switch found {
        case let .success(snapshot) where snapshot.offset <= endOffset:
            producers = snapshot.table
            from = max(snapshot.offset, startOffset)
        case let .success(snapshot):
            logger.warning(.init(stringLiteral:
                "\(partition): the producer state snapshot is at offset \(snapshot.offset), past the end "
                    + "(\(endOffset)); rebuilding it from the log"))
        case let .failure(problem):
            logger.warning("\(partition): \(ProducerStateSnapshot.path(directory)) is not usable (\(problem.reason)); rebuilding the producer state from the log")
        }
        for segment in segments where segment.nextOffset > from {
            do throws(LogError) {
                var location = try segment.lookup(offset: max(from, segment.baseOffset))
                while let current = location {
                    if current.header.baseOffset >= from { producers.record(current.header) }
                    location = try segment.location(after: current)
                }
            } catch {
                logger.warning("\(partition): the producer state skips the rest of \(segment.log.path): \(error)")
            }
        }
        // Not written here: opening never modifies the partition. The next
        // roll or close writes it if appends change the state.
        producerSnapshotOffset = from
        producerSnapshotSegmentBase = active.baseOffset
    }

    /// Forgets producers idle for more than `idleMilliseconds` (Kafka's
    /// `producer.id.expiration.ms`); returns how many.
    func expireProducers(now: Int64, idleMilliseconds: Int64) -> Int {
        let expired = producers.expire(now: now, idleMilliseconds: idleMilliseconds)
        if expired > 0 { producersExpiredSinceSnapshot = true }
        return expired
    }
}
