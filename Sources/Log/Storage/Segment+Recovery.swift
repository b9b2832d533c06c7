import Logging
import DurableFiles

/// Opening an existing segment after a clean stop or a crash.
///
/// - An older (inactive) segment gets a quick check: the index files exist
///   and hold whole, ordered entries inside the `.log` file; the batch
///   headers from the last offset-index entry to the end of the file parse,
///   have increasing offsets (gaps allowed, as compaction leaves them) and
///   follow each other to exactly the end; the time index ends with the
///   segment's largest timestamp. If any of that fails, the segment is
///   scanned in full like the active one and its indexes rewritten. Bytes
///   that do not parse in an inactive segment are damage, not a torn write
///   (nothing appends there), so they are never cut: the segment keeps its
///   size and still covers the offsets up to the next segment's base, so a
///   read of them fails with `corruptBatch` instead of skipping them.
/// - The active (last) segment is always scanned in full (`SegmentScan`):
///   every batch's header, CRC and increasing offsets. A torn tail (the
///   file ends inside a batch) is truncated at the last whole batch;
///   damage (a complete batch that fails its checks, even the last one) is
///   kept and reported, never cut. Its indexes are rewritten when they
///   differ from the scan's.
/// - `readOnly` writes nothing at all: a torn tail is left in place (the
///   segment ends at its last whole batch in memory) and indexes that
///   disagree with the log are replaced in memory only.
extension Segment {
    static func recover(
        directory: String, baseOffset: Int64, partition: TopicPartition, config: TopicConfig, isActive: Bool,
        nextSegmentBase: Int64? = nil, nowMilliseconds: Int64, logger: Logger, readOnly: Bool = false
    ) throws(LogError) -> Segment {
        do {
            return try recoverFiles(
                directory: directory, baseOffset: baseOffset, partition: partition, config: config,
                isActive: isActive, nextSegmentBase: nextSegmentBase, nowMilliseconds: nowMilliseconds,
                logger: logger, readOnly: readOnly)
        } catch {
            throw LogError(error, "\(partition) could not be opened")
        }
    }

    private static func recoverFiles(
        directory: String, baseOffset: Int64, partition: TopicPartition, config: TopicConfig, isActive: Bool,
        nextSegmentBase: Int64?, nowMilliseconds: Int64, logger: Logger, readOnly: Bool
    ) throws(FileSystemError) -> Segment {
        let log = try DurableFile.open(SegmentFileName.log(directory, baseOffset), create: false, readOnly: readOnly)
        let fileSize = try log.size()
        let (offsetIndex, offsetIndexExisted) = try IndexFile<OffsetIndexEntry>.open(
            SegmentFileName.offsetIndex(directory, baseOffset), baseOffset: baseOffset, readOnly: readOnly)
        let (timeIndex, timeIndexExisted) = try IndexFile<TimeIndexEntry>.open(
            SegmentFileName.timeIndex(directory, baseOffset), baseOffset: baseOffset, readOnly: readOnly)
        /// Brings both indexes in line with the scan: on disk, or in memory
        /// only when read-only. Returns the paths rewritten.
        func adoptIndexes(of scan: SegmentScan) throws(FileSystemError) -> [String] {
            var rebuilt: [String] = []
            if offsetIndex.entries != scan.offsetEntries || offsetIndex.loadProblem != nil || !offsetIndexExisted {
                if readOnly { offsetIndex.replaceInMemory(with: scan.offsetEntries) } else {
                    try offsetIndex.replace(with: scan.offsetEntries)
                    rebuilt.append(offsetIndex.path)
                }
            }
            if timeIndex.entries != scan.timeEntries || timeIndex.loadProblem != nil || !timeIndexExisted {
                if readOnly { timeIndex.replaceInMemory(with: scan.timeEntries) } else {
                    try timeIndex.replace(with: scan.timeEntries)
                    rebuilt.append(timeIndex.path)
                }
            }
            return rebuilt
        }
        func make(size: Int, nextOffset: Int64, state: SegmentIndexState) -> Segment {
            Segment(
                baseOffset: baseOffset, directory: directory, partition: partition, log: log,
                offsetIndex: offsetIndex, timeIndex: timeIndex, size: size, nextOffset: nextOffset,
                indexState: state, createdAtMilliseconds: nowMilliseconds, logger: logger)
        }

        let offsetLimit = Segment.offsetLimit(baseOffset: baseOffset)
        var reason: String?
        if !offsetIndexExisted {
            reason = "\(offsetIndex.path) was missing"
        } else if !timeIndexExisted {
            reason = "\(timeIndex.path) was missing"
        }
        if !isActive && reason == nil {
            switch try quickCheck(log: log, fileSize: fileSize, offsetIndex: offsetIndex, timeIndex: timeIndex,
                                  baseOffset: baseOffset, offsetLimit: offsetLimit,
                                  indexIntervalBytes: config.indexIntervalBytes) {
            case let .success(checked):
                return make(size: fileSize, nextOffset: checked.nextOffset, state: checked.state)
            case let .failure(problem):
                reason = problem.text
            }
        }
        if reason == nil {
            if let problem = offsetIndex.problem(logSize: fileSize) {
                reason = "\(offsetIndex.path): \(problem)"
            } else if let problem = timeIndex.loadProblem {
                reason = "\(timeIndex.path): \(problem)"
            }
        }

        var scan = try SegmentScan.run(
            file: log, fileSize: fileSize, baseOffset: baseOffset, offsetLimit: offsetLimit,
            indexIntervalBytes: config.indexIntervalBytes, resumePositions: offsetIndex.entries.map(\.position))
        for corruption in scan.corruptions {
            let error = LogError.corruptBatch(
                partition, file: log.path, position: corruption.position, offset: corruption.offset,
                detail: corruption.detail)
            let extent = corruption.resumedAt == fileSize
                ? "they run to the end of the file" : "whole batches resume at byte position \(corruption.resumedAt)"
            logger.error(.init(stringLiteral:
                "\(error). The bad bytes are kept in place (\(extent)); reads of the offsets they hold fail"))
        }
        if let cut = scan.cut, !isActive {
            let error = LogError.corruptBatch(
                partition, file: log.path, position: cut.position, offset: scan.nextOffset, detail: cut.detail)
            logger.error(.init(stringLiteral:
                "\(error). This is not the partition's last segment, so the damage is not a torn write: its "
                    + "\(fileSize - cut.position) bytes are kept and reads from offset \(scan.nextOffset) fail until "
                    + "the partition is repaired"))
            scan.finish()
            _ = try adoptIndexes(of: scan)
            return make(size: fileSize, nextOffset: max(nextSegmentBase ?? scan.nextOffset, scan.nextOffset),
                        state: scan.indexState)
        }
        if let cut = scan.cut {
            let kept = scan.nextOffset > baseOffset
                ? "offsets \(baseOffset) to \(scan.nextOffset - 1) in this segment"
                : "no offsets in this segment (it starts at offset \(baseOffset))"
            if readOnly {
                logger.warning(.init(stringLiteral:
                    "\(partition): torn tail in \(log.path) at byte position \(cut.position): \(cut.bytes) bytes "
                        + "(\(cut.detail)) are ignored and left in place (this command only reads); reads see "
                        + "\(kept), and the next command that writes cuts them"))
            } else {
                try log.truncate(to: scan.validEnd)
                if config.flushMode != .never { try log.syncData() }
                logger.warning(.init(stringLiteral:
                    "\(partition): torn tail in \(log.path) at byte position \(cut.position): cut \(cut.bytes) bytes "
                        + "(\(cut.detail)); kept \(kept)"))
            }
        }
        if !isActive { scan.finish() }
        let rebuilt = try adoptIndexes(of: scan)
        if !rebuilt.isEmpty {
            let why = reason ?? (scan.cut != nil ? "the torn tail was cut" : "they disagreed with the log")
            logger.info("\(partition): rebuilt \(rebuilt.joined(separator: " and ")) from the log (\(why))")
        }
        // Damage that runs to the end of an older segment still covers the
        // offsets up to the next segment's base, so reads of them fail.
        let nextOffset = scan.damagedTail != nil && !isActive
            ? max(nextSegmentBase ?? scan.nextOffset, scan.nextOffset) : scan.nextOffset
        return make(size: scan.end, nextOffset: nextOffset, state: scan.indexState)
    }

    private struct QuickCheckProblem: Error {
        let text: String
    }

    /// The quick check of an inactive segment; on success its next offset
    /// and index state.
    private static func quickCheck(
        log: DurableFile, fileSize: Int, offsetIndex: IndexFile<OffsetIndexEntry>, timeIndex: IndexFile<TimeIndexEntry>,
        baseOffset: Int64, offsetLimit: Int64, indexIntervalBytes: Int
    ) throws(FileSystemError) -> Result<(nextOffset: Int64, state: SegmentIndexState), QuickCheckProblem> {
        func problem(_ text: String) -> Result<(nextOffset: Int64, state: SegmentIndexState), QuickCheckProblem> {
            .failure(QuickCheckProblem(text: text))
        }
        if let text = offsetIndex.problem(logSize: fileSize) { return problem("\(offsetIndex.path): \(text)") }
        let reader = SegmentReader(file: log, fileSize: fileSize)
        let lastEntry = offsetIndex.last
        var position = lastEntry?.position ?? 0
        var expected: Int64? = lastEntry == nil ? baseOffset : nil
        var nextOffset = baseOffset
        var tailMaxTimestamp: Int64?
        while position < fileSize {
            let parsed = try reader.withBytes(at: position, count: RecordBatchHeader.size) { buffer in
                try? RecordBatchHeader.parse(buffer)
            }
            guard let header = parsed ?? nil else {
                return problem("\(log.path): no readable batch header at byte position \(position)")
            }
            if position == lastEntry?.position, header.lastOffset != lastEntry?.offset {
                return problem(
                    "\(offsetIndex.path): its last entry names offset \(lastEntry!.offset) at byte position "
                        + "\(position), where the batch of offsets \(header.baseOffset) to \(header.lastOffset) is")
            }
            if let expected, header.baseOffset < expected {
                return problem("\(log.path): the batch at byte position \(position) starts at offset "
                    + "\(header.baseOffset), not above offset \(expected - 1) before it")
            }
            guard position + header.totalSize <= fileSize else {
                return problem("\(log.path): the batch at byte position \(position) runs past the end of the file")
            }
            if let text = offsetProblem(header, limit: offsetLimit) {
                return problem("\(log.path): the batch at byte position \(position): \(text)")
            }
            if tailMaxTimestamp.map({ header.maxTimestamp > $0 }) ?? true { tailMaxTimestamp = header.maxTimestamp }
            position += header.totalSize
            expected = header.nextOffset
            nextOffset = header.nextOffset
        }
        if let text = timeIndex.problem(nextOffset: nextOffset) { return problem("\(timeIndex.path): \(text)") }
        var state = SegmentIndexState(indexIntervalBytes: indexIntervalBytes)
        if let tailMaxTimestamp {
            guard let last = timeIndex.last, last.timestamp >= tailMaxTimestamp else {
                return problem("\(timeIndex.path) does not end with the segment's largest timestamp")
            }
            state.maxTimestamp = last.timestamp
            state.offsetOfMaxTimestamp = last.offset
            state.lastTimeEntryTimestamp = last.timestamp
        }
        return .success((nextOffset, state))
    }
}
