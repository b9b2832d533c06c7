import DurableFiles

/// Kafka's DeleteRecords: the log start offset moves up, records below it
/// can no longer be read, and whole segments below it are deleted.
extension PartitionLog {
    /// Moves the log start offset up to `offset` (Kafka's DeleteRecords;
    /// `nil` means the end offset, Kafka's -1) and deletes the segments
    /// wholly below it (never the active one); returns the new start
    /// offset (Kafka's low watermark). A start offset never moves back: an
    /// `offset` at or below the current start changes nothing.
    ///
    /// The new start is stored (fsynced) before anything is deleted, so a
    /// crash keeps it. Reads below it throw `offsetOutOfRange`; a read
    /// from it returns the whole batch holding it, whose earlier records a
    /// consumer skips, as with Kafka. Throws `offsetOutOfRange` for an
    /// offset past the end offset.
    @discardableResult
    public func deleteRecords(before offset: Int64?) throws(LogError) -> Int64 {
        try withCore { (core) throws(LogError) -> Int64 in try core.deleteRecords(before: offset ?? core.endOffset) }
    }
}

extension PartitionLogCore {
    func deleteRecords(before offset: Int64) throws(LogError) -> Int64 {
        try checkWritable("delete records of")
        guard offset >= 0 && offset <= endOffset else {
            throw .offsetOutOfRange(partition, requested: offset, start: startOffset, end: endOffset)
        }
        guard offset > startOffset else { return startOffset }
        do {
            try LogStartOffsetFile.write(offset, directory: directory)
        } catch {
            throw LogError(error, "the log start offset of \(partition) was not moved; nothing was deleted")
        }
        logStartOffsetFloor = offset
        var deleted = 0
        while segments.count > 1, segments[0].nextOffset <= offset {
            try deleteOldestSegment(because: "DeleteRecords moved the log start offset to \(offset)")
            deleted += 1
        }
        if deleted > 0 && config.flushMode != .never {
            try? ActiveFileSystem.current.syncDirectory(directory)
        }
        transactions.forget(below: startOffset)
        logger.info("\(partition): log start offset moved to \(offset) (DeleteRecords), \(deleted) segments deleted")
        return startOffset
    }

    /// After a truncation: a start offset DeleteRecords set inside the
    /// batch that was cut would lie past the new end, hiding the records
    /// appended next; it comes down to the end offset (Kafka's truncation
    /// below the log start does the same), stored again. A failed write is
    /// logged: opening clamps it to the end offset too.
    func lowerLogStartAfterTruncation() {
        guard logStartOffsetFloor > endOffset else { return }
        logStartOffsetFloor = endOffset
        do {
            try LogStartOffsetFile.write(endOffset, directory: directory)
        } catch {
            logger.warning("\(partition): the lowered log start offset \(endOffset) was not stored: \(LogError(error, ""))")
        }
    }
}
