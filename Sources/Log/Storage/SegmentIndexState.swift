/// The running state that decides which batches of a segment get index
/// entries, shared by `append` and by recovery so that an index rebuilt
/// from the log equals the one appends wrote.
///
/// The rule is Kafka's: a batch gets an offset-index entry when more than
/// `index.interval.bytes` were appended since the last entry, and a
/// time-index entry at the same moment if the segment's largest timestamp
/// grew since the last time-index entry. When a segment stops receiving
/// appends (it rolls), `finalTimeEntry()` records its largest timestamp, so
/// the last time-index entry of every older segment is that segment's
/// largest timestamp. Recovery inserts an entry at the first whole batch
/// after a corrupt one (`forceEntry`), so look-ups never scan across it.
///
/// # Thread safety
/// A value type.
struct SegmentIndexState: Equatable {
    var indexIntervalBytes: Int
    var bytesSinceLastEntry = 0
    /// The largest batch maxTimestamp in the segment; nil while it is empty.
    var maxTimestamp: Int64?
    /// The last offset of the first batch that reached `maxTimestamp`.
    var offsetOfMaxTimestamp: Int64 = -1
    /// The maxTimestamp of the segment's first batch: `segment.ms` counts
    /// from it, as in Kafka.
    var firstBatchMaxTimestamp: Int64?
    var lastTimeEntryTimestamp: Int64?
    /// The next batch gets an entry whatever its distance from the last
    /// one: set when the segment ends in damage that recovery keeps, so the
    /// first batch appended after it is found without reading across it.
    var forceNextEntry = false

    init(indexIntervalBytes: Int) {
        self.indexIntervalBytes = indexIntervalBytes
    }

    /// Accounts for the batch `header` written at `position`; returns the
    /// index entries to write for it.
    mutating func add(
        _ header: RecordBatchHeader, at position: Int, forceEntry: Bool = false
    ) -> (offset: OffsetIndexEntry?, time: TimeIndexEntry?) {
        if firstBatchMaxTimestamp == nil { firstBatchMaxTimestamp = header.maxTimestamp }
        if maxTimestamp.map({ header.maxTimestamp > $0 }) ?? true {
            maxTimestamp = header.maxTimestamp
            offsetOfMaxTimestamp = header.lastOffset
        }
        var entries: (offset: OffsetIndexEntry?, time: TimeIndexEntry?) = (nil, nil)
        if forceEntry || forceNextEntry || bytesSinceLastEntry > indexIntervalBytes {
            forceNextEntry = false
            entries.offset = OffsetIndexEntry(offset: header.lastOffset, position: position)
            entries.time = timeEntryIfGrown()
            bytesSinceLastEntry = 0
        }
        bytesSinceLastEntry += header.totalSize
        return entries
    }

    /// The entry recording the segment's largest timestamp, if the time
    /// index does not hold it yet.
    mutating func finalTimeEntry() -> TimeIndexEntry? {
        timeEntryIfGrown()
    }

    private mutating func timeEntryIfGrown() -> TimeIndexEntry? {
        guard let maxTimestamp, lastTimeEntryTimestamp.map({ maxTimestamp > $0 }) ?? true else { return nil }
        lastTimeEntryTimestamp = maxTimestamp
        return TimeIndexEntry(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp)
    }
}
