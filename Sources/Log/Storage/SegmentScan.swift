/// A full check of a segment's `.log` file, batch by batch: header parse,
/// CRC-32C, offsets increasing from the segment's base offset (gaps between
/// batches are allowed: compaction leaves them). It yields the index entries
/// the file should have and where its whole batches end.
///
/// What the scan does at a batch that fails a check depends on what follows
/// it:
/// - a whole, valid batch with a later offset right after it (the bad
///   batch's header gave its length), or at a position an old index entry
///   names: the bad region is *corruption* inside the log. It is kept in
///   place and reported; reads of its offsets fail and name it. Nothing is
///   silently dropped.
/// - nothing valid: it is a *torn tail* (a write cut short by a crash, or
///   garbage past the last batch). `cut` is set, and the caller truncates
///   the file at `validEnd`, the end of the last whole batch.
///
/// # Thread safety
/// A value type built by one thread.
struct SegmentScan {
    /// A bad region kept in the log.
    struct Corruption {
        let position: Int
        /// The first offset the bad region should hold.
        let offset: Int64
        let detail: String
        /// Where the next whole batch starts.
        let resumedAt: Int
    }

    /// A torn tail: everything from `position` to the end of the file.
    struct Cut {
        let position: Int
        let bytes: Int
        let detail: String
    }

    /// How many index positions past a bad region are tried before the rest
    /// of the file is taken as torn: each try reads and checks one batch.
    static let resumeAttemptsMax = 16

    let baseOffset: Int64
    /// Every offset of the segment is below this one (see `Segment.offsetLimit`).
    let offsetLimit: Int64
    private(set) var validEnd = 0
    private(set) var nextOffset: Int64
    private(set) var indexState: SegmentIndexState
    private(set) var offsetEntries: [OffsetIndexEntry] = []
    private(set) var timeEntries: [TimeIndexEntry] = []
    private(set) var corruptions: [Corruption] = []
    private(set) var cut: Cut?
    private(set) var batchCount = 0

    private init(baseOffset: Int64, offsetLimit: Int64, indexIntervalBytes: Int) {
        self.baseOffset = baseOffset
        self.offsetLimit = offsetLimit
        self.nextOffset = baseOffset
        self.indexState = SegmentIndexState(indexIntervalBytes: indexIntervalBytes)
    }

    /// Scans `file` (`fileSize` bytes) of the segment starting at
    /// `baseOffset`, whose offsets are all below `offsetLimit`.
    /// `resumePositions` are batch positions believed valid (the old offset
    /// index), tried when a batch header cannot be read.
    static func run(
        file: LogFile, fileSize: Int, baseOffset: Int64, offsetLimit: Int64, indexIntervalBytes: Int,
        resumePositions: [Int]
    ) throws(SystemCallError) -> SegmentScan {
        var scan = SegmentScan(baseOffset: baseOffset, offsetLimit: offsetLimit, indexIntervalBytes: indexIntervalBytes)
        let reader = SegmentReader(file: file, fileSize: fileSize)
        let resumeCandidates = resumePositions.sorted()
        var position = 0
        var expected = baseOffset
        var forceEntry = false
        while position < fileSize {
            let verdict = try examine(reader, at: position, expected: expected, limit: offsetLimit)
            if case let .whole(header) = verdict {
                scan.accept(header, at: position, forceEntry: forceEntry)
                forceEntry = false
                position += header.totalSize
                expected = header.nextOffset
                continue
            }
            // A bad batch whose header still gives its length, followed by a
            // valid batch with a later offset: corruption in the middle.
            if case let .bad(header?, detail) = verdict, position + header.totalSize < fileSize,
               case let .whole(next)? = try? examine(reader, at: position + header.totalSize, expected: nil, limit: offsetLimit),
               next.baseOffset > expected {
                scan.corruptions.append(
                    Corruption(position: position, offset: expected, detail: detail, resumedAt: position + header.totalSize))
                position += header.totalSize
                expected = next.baseOffset
                forceEntry = true
                continue
            }
            let detail: String
            switch verdict {
            case let .bad(_, text), let .incomplete(text): detail = text
            case .whole: preconditionFailure("handled above")
            }
            // An old index entry past this point that still names a valid
            // batch proves the rest of the file is not a torn tail.
            var attempts = 0
            var resumed = false
            for candidate in resumeCandidates where candidate > position && candidate < fileSize {
                if attempts == resumeAttemptsMax { break }
                attempts += 1
                if case let .whole(next) = try examine(reader, at: candidate, expected: nil, limit: offsetLimit),
                   next.baseOffset > expected {
                    scan.corruptions.append(
                        Corruption(position: position, offset: expected, detail: detail, resumedAt: candidate))
                    position = candidate
                    expected = next.baseOffset
                    forceEntry = true
                    resumed = true
                    break
                }
            }
            if resumed { continue }
            scan.cut = Cut(position: position, bytes: fileSize - position, detail: detail)
            break
        }
        return scan
    }

    private mutating func accept(_ header: RecordBatchHeader, at position: Int, forceEntry: Bool) {
        let entries = indexState.add(header, at: position, forceEntry: forceEntry)
        if let entry = entries.offset { offsetEntries.append(entry) }
        if let entry = entries.time { timeEntries.append(entry) }
        validEnd = position + header.totalSize
        nextOffset = header.nextOffset
        batchCount += 1
    }

    /// Adds the time-index entry a segment gets when it stops being active.
    mutating func finish() {
        if let entry = indexState.finalTimeEntry() { timeEntries.append(entry) }
    }

    private enum Verdict {
        /// Header, length, CRC and offset all check out.
        case whole(RecordBatchHeader)
        /// The file ends inside the batch.
        case incomplete(String)
        /// The header cannot be read (nil), or the CRC or offset is wrong.
        case bad(RecordBatchHeader?, String)
    }

    /// Checks the batch at `position`; `expected` is the lowest base offset it
    /// may have, the previous batch's last offset + 1 (nil: any), and its
    /// offsets must be below `limit`.
    private static func examine(
        _ reader: SegmentReader, at position: Int, expected: Int64?, limit: Int64
    ) throws(SystemCallError) -> Verdict {
        let remaining = reader.fileSize - position
        guard remaining >= RecordBatchHeader.size else {
            return .incomplete("the last \(remaining) bytes are fewer than a \(RecordBatchHeader.size)-byte batch header")
        }
        let parsed = try reader.withBytes(at: position, count: RecordBatchHeader.size) { buffer in
            Result(catching: { () throws(LogFormatError) -> RecordBatchHeader in try RecordBatchHeader.parse(buffer) })
        }!
        let header: RecordBatchHeader
        switch parsed {
        case let .success(value): header = value
        case let .failure(error): return .bad(nil, "unreadable batch header: \(error.message)")
        }
        guard header.totalSize <= remaining else {
            return .incomplete("a batch of \(header.totalSize) bytes starts there but only \(remaining) bytes remain")
        }
        let crcIsValid = try reader.withBytes(at: position, count: header.totalSize) { RecordBatchV2.verifyCRC($0) }!
        guard crcIsValid else {
            return .bad(header, "CRC-32C mismatch in the batch of offsets \(header.baseOffset) to \(header.lastOffset)")
        }
        if let expected, header.baseOffset < expected {
            return .bad(header, "the batch starts at offset \(header.baseOffset), not above the previous batch's last "
                + "offset \(expected - 1)")
        }
        if let problem = Segment.offsetProblem(header, limit: limit) { return .bad(header, problem) }
        return .whole(header)
    }
}
