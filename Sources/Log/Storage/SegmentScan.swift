import DurableFiles

/// A full check of a segment's `.log` file, batch by batch: header parse,
/// CRC-32C, offsets increasing from the segment's base offset (gaps between
/// batches are allowed: compaction leaves them). It yields the index entries
/// the file should have and where its whole batches end.
///
/// A batch that fails a check is *damage* unless it is a torn tail:
/// - A *torn tail* is what a write cut short by a crash leaves: the file
///   ends inside the batch (fewer bytes than a header, or a length field
///   that runs past the end of the file), or only zero bytes remain (a
///   file system that extended the file but never wrote the data), and no
///   old index entry names a valid batch past it. `cut` is set, and a
///   writing open of the active segment truncates the file at `validEnd`,
///   the end of the last whole batch.
/// - Anything else is *damage*: a complete batch whose CRC, header or
///   offsets are wrong (even the file's last batch: a bit flip is not a
///   torn write), or unreadable bytes. It is kept in place and reported in
///   `corruptions`; reads of its offsets fail and name it, and only
///   `topics repair` removes it. Whole batches after it are found through
///   the damaged batch's length (when the batch there is valid), byte by
///   byte (the nearest position where a header and its CRC check out), or
///   an old index entry; when none finds one, the damage runs to the end of
///   the file (`damagedTail`). Nothing is silently dropped.
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
        /// The base offset of the next whole batch, or for damage that runs
        /// to the end of the file, the segment's next offset.
        let untilOffset: Int64
        /// The record count the damaged batch's header claims, when it could
        /// be read (it lies inside the failed CRC, so it may be wrong too).
        let claimedRecords: Int32?
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
    /// Damage that runs to the end of the file (also in `corruptions`):
    /// the file's logical end is then the file size, not `validEnd`.
    private(set) var damagedTail: Corruption?
    private(set) var batchCount = 0
    /// Records in the whole batches, by their headers' counts.
    private(set) var recordCount: Int64 = 0
    /// Records in the whole batches after the first damage.
    private(set) var recordsAfterFirstCorruption: Int64 = 0
    /// The file's size when scanned.
    private(set) var fileSize = 0

    /// Where the segment's bytes end: the end of the last whole batch, or of
    /// the file when damage runs to its end (damage is kept).
    var end: Int { damagedTail == nil ? validEnd : fileSize }

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
        file: DurableFile, fileSize: Int, baseOffset: Int64, offsetLimit: Int64, indexIntervalBytes: Int,
        resumePositions: [Int]
    ) throws(FileSystemError) -> SegmentScan {
        var scan = SegmentScan(baseOffset: baseOffset, offsetLimit: offsetLimit, indexIntervalBytes: indexIntervalBytes)
        scan.fileSize = fileSize
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
            let detail: String
            switch verdict {
            case let .bad(_, text), let .incomplete(text): detail = text
            case .whole: preconditionFailure("handled above")
            }
            // A complete batch that fails its checks is damage: its header
            // gives its length, and a valid batch with a later offset right
            // after it confirms that length.
            if case let .bad(header?, _) = verdict {
                let end = position + header.totalSize
                if end == fileSize {
                    scan.keepDamagedTail(
                        at: position, expected: expected, detail: detail,
                        claimed: (header.baseOffset, header.lastOffset, header.recordCount))
                    break
                }
                if case let .whole(next)? = try? examine(reader, at: end, expected: nil, limit: offsetLimit),
                   next.baseOffset > expected {
                    scan.corruptions.append(Corruption(
                        position: position, offset: expected, detail: detail, resumedAt: end,
                        untilOffset: next.baseOffset, claimedRecords: header.recordCount))
                    position = end
                    expected = next.baseOffset
                    forceEntry = true
                    continue
                }
            }
            // The nearest valid batch further on, found byte by byte (a
            // header, then its CRC-32C, must check out), keeps every whole
            // batch after damage whose length is unknown.
            if let found = try resynchronize(reader, after: position, expected: expected, limit: offsetLimit) {
                var claimed: Int32?
                if case let .bad(header?, _) = verdict { claimed = header.recordCount }
                scan.corruptions.append(Corruption(
                    position: position, offset: expected, detail: detail, resumedAt: found.position,
                    untilOffset: found.header.baseOffset, claimedRecords: claimed))
                position = found.position
                expected = found.header.baseOffset
                forceEntry = true
                continue
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
                    var claimed: Int32?
                    if case let .bad(header?, _) = verdict { claimed = header.recordCount }
                    scan.corruptions.append(Corruption(
                        position: position, offset: expected, detail: detail, resumedAt: candidate,
                        untilOffset: next.baseOffset, claimedRecords: claimed))
                    position = candidate
                    expected = next.baseOffset
                    forceEntry = true
                    resumed = true
                    break
                }
            }
            if resumed { continue }
            var isTorn = false
            if case .incomplete = verdict { isTorn = true }
            if !isTorn { isTorn = try onlyZeros(reader, from: position) }
            if isTorn {
                scan.cut = Cut(position: position, bytes: fileSize - position, detail: detail)
            } else {
                var claimed: (baseOffset: Int64, lastOffset: Int64, recordCount: Int32?)?
                if case let .bad(header?, _) = verdict {
                    claimed = (header.baseOffset, header.lastOffset, header.recordCount)
                } else {
                    claimed = try rawOffsets(reader, at: position)
                }
                scan.keepDamagedTail(at: position, expected: expected, detail: detail, claimed: claimed)
            }
            break
        }
        return scan
    }

    /// Records damage from `position` to the end of the file. The segment's
    /// next offset goes past the offsets the damaged batch's header claims,
    /// when they are plausible (base offset lies outside the CRC, so it may
    /// be wrong): offsets handed out once are never handed out again.
    private mutating func keepDamagedTail(
        at position: Int, expected: Int64, detail: String,
        claimed: (baseOffset: Int64, lastOffset: Int64, recordCount: Int32?)?
    ) {
        if let claimed, claimed.baseOffset >= expected, claimed.lastOffset >= claimed.baseOffset,
           claimed.lastOffset < offsetLimit {
            nextOffset = claimed.lastOffset + 1
        } else {
            nextOffset = expected
        }
        let tail = Corruption(
            position: position, offset: expected, detail: detail, resumedAt: fileSize, untilOffset: nextOffset,
            claimedRecords: claimed?.recordCount)
        corruptions.append(tail)
        damagedTail = tail
        indexState.forceNextEntry = true
    }

    /// The offsets a batch header that does not parse (its magic or length
    /// is damaged) still names in its raw fields: base offset (bytes 0-7)
    /// and last offset delta (bytes 23-26). nil when fewer bytes remain.
    private static func rawOffsets(
        _ reader: SegmentReader, at position: Int
    ) throws(FileSystemError) -> (baseOffset: Int64, lastOffset: Int64, recordCount: Int32?)? {
        try reader.withBytes(at: position, count: RecordBatchHeader.size) { bytes in
            let base = bytes.loadUnaligned(fromByteOffset: 0, as: Int64.self).bigEndian
            let delta = bytes.loadUnaligned(fromByteOffset: 23, as: Int32.self).bigEndian
            return (base, base &+ Int64(delta), nil)
        }
    }

    /// How far past damage `resynchronize` looks for the next valid batch:
    /// more than the largest batch a topic accepts by default.
    static let resyncSearchBytesMax = 16 << 20

    /// The first position after `position` (within `resyncSearchBytesMax`)
    /// where a whole, valid batch starts with a base offset of at least
    /// `expected`, and its header; nil when there is none.
    private static func resynchronize(
        _ reader: SegmentReader, after position: Int, expected: Int64, limit: Int64
    ) throws(FileSystemError) -> (position: Int, header: RecordBatchHeader)? {
        let last = min(reader.fileSize - RecordBatchHeader.size, position + resyncSearchBytesMax)
        guard position + 1 <= last else { return nil }
        for candidate in position + 1 ... last {
            // The magic byte first: most positions fail there, cheaply.
            let magic = try reader.withBytes(at: candidate + magicPosition, count: 1) { $0[0] }
            guard magic == 2 else { continue }
            if case let .whole(header) = try examine(reader, at: candidate, expected: nil, limit: limit),
               header.baseOffset >= expected {
                return (candidate, header)
            }
        }
        return nil
    }

    /// Where a batch header holds its magic byte (Kafka's layout).
    private static let magicPosition = 16

    /// Bytes examined at most by `onlyZeros` (a torn write's zero fill is
    /// at most what one write extended the file by).
    static let zeroCheckBytesMax = 64 << 20

    /// Whether every byte from `position` to the end of the file is zero
    /// (what a crash can leave where a file system extended the file but
    /// never wrote the data). False when more than `zeroCheckBytesMax` remain.
    private static func onlyZeros(_ reader: SegmentReader, from position: Int) throws(FileSystemError) -> Bool {
        guard reader.fileSize - position <= zeroCheckBytesMax else { return false }
        var cursor = position
        while cursor < reader.fileSize {
            let count = min(SegmentReader.windowBytes, reader.fileSize - cursor)
            let zero = try reader.withBytes(at: cursor, count: count) { bytes in bytes.allSatisfy { $0 == 0 } }
            guard zero == true else { return false }
            cursor += count
        }
        return true
    }

    private mutating func accept(_ header: RecordBatchHeader, at position: Int, forceEntry: Bool) {
        let entries = indexState.add(header, at: position, forceEntry: forceEntry)
        if let entry = entries.offset { offsetEntries.append(entry) }
        if let entry = entries.time { timeEntries.append(entry) }
        validEnd = position + header.totalSize
        nextOffset = header.nextOffset
        batchCount += 1
        recordCount += Int64(header.recordCount)
        if !corruptions.isEmpty { recordsAfterFirstCorruption += Int64(header.recordCount) }
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
    ) throws(FileSystemError) -> Verdict {
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
