import DurableFiles

/// Repair: removing damaged bytes from a partition while keeping every
/// whole batch and every offset ever handed out (see `RepairReport`).
///
/// Each segment is scanned as recovery scans it (`SegmentScan`). A segment
/// with damage is rewritten without the damaged regions under temporary
/// names (`CleanedSegmentWriter`) and swapped in by the crash-safe protocol
/// compaction uses (`CompactionSwap`), so a crash leaves either the old
/// segment or the repaired one. When the active segment is rewritten, a new
/// active segment starts first at the old end offset, so the end offset
/// survives a restart even when the damage held the partition's last
/// offsets (the segment's name records it).
extension PartitionLogCore {
    /// `fault` (tests only) is called after each step of the rewrite and
    /// swap (`CompactionSwap.Step`); returning false stops the repair right
    /// there, as a process killed there would, and abandons the partition.
    func repair(dryRun: Bool, fault: CompactionSwap.FaultHook? = nil) throws(LogError) -> RepairReport {
        if dryRun { try checkOpen() } else { try checkWritable("repair") }
        let notChanged = "\(partition) was not repaired; nothing was changed"
        let oldEnd = endOffset
        var damage: [RepairReport.Damage] = []
        var recordsKept: Int64 = 0
        var recordsKeptAfterDamage: Int64 = 0
        // The segments to rewrite, each with the byte ranges to leave out.
        var rewrites: [(index: Int, skipped: [Range<Int>])] = []
        for (index, segment) in segments.enumerated() {
            let scan: SegmentScan
            do {
                scan = try SegmentScan.run(
                    file: segment.log, fileSize: segment.size, baseOffset: segment.baseOffset,
                    offsetLimit: Segment.offsetLimit(baseOffset: segment.baseOffset),
                    indexIntervalBytes: config.indexIntervalBytes,
                    resumePositions: segment.offsetIndex.entries.map(\.position))
            } catch {
                throw LogError(error, notChanged)
            }
            recordsKept += scan.recordCount
            recordsKeptAfterDamage += damage.isEmpty ? scan.recordsAfterFirstCorruption : scan.recordCount
            let segmentEnd = index + 1 < segments.count ? segments[index + 1].baseOffset : oldEnd
            var regions = scan.corruptions
            if let cut = scan.cut {
                // Only in an older segment: a writing open cut the active
                // segment's torn tail already.
                regions.append(SegmentScan.Corruption(
                    position: cut.position, offset: scan.nextOffset, detail: cut.detail, resumedAt: segment.size,
                    untilOffset: segmentEnd, claimedRecords: nil))
            }
            for region in regions {
                let until = region.resumedAt == segment.size ? max(region.untilOffset, segmentEnd) : region.untilOffset
                damage.append(RepairReport.Damage(
                    file: segment.log.path, position: region.position, bytes: region.resumedAt - region.position,
                    firstOffset: region.offset, lastOffset: max(until, region.offset) - 1,
                    claimedRecords: region.claimedRecords.map(Int.init), detail: region.detail))
            }
            if !regions.isEmpty { rewrites.append((index, regions.map { $0.position ..< $0.resumedAt })) }
        }
        let report = RepairReport(
            partition: partition, damage: damage, recordsKept: recordsKept,
            recordsKeptAfterDamage: recordsKeptAfterDamage, endOffset: oldEnd, dryRun: dryRun)
        guard !dryRun && !rewrites.isEmpty else { return report }

        // The end offset first: the damaged active segment becomes an
        // older one, so its rewrite cannot lower the end offset. A segment
        // holding only damage has no offset yet (its next offset is its
        // base): the new one starts one above, so that it gets its own name.
        if rewrites.last?.index == segments.count - 1 {
            do {
                try roll(at: max(oldEnd, active.baseOffset + 1))
            } catch {
                throw LogError.io(path: directory, operation: "start a segment at offset \(oldEnd)", errno: 0,
                                  consequence: "\(error); \(notChanged)")
            }
        }
        var writers: [CleanedSegmentWriter] = []
        do throws(LogError) {
            for (index, skipped) in rewrites {
                let segment = segments[index]
                let writer: CleanedSegmentWriter
                do {
                    writer = try CleanedSegmentWriter(
                        directory: directory, baseOffset: segment.baseOffset, indexIntervalBytes: config.indexIntervalBytes)
                } catch {
                    throw LogError(error, notChanged)
                }
                writers.append(writer)
                try copyWholeBatches(of: segment, skipping: skipped, into: writer, notChanged: notChanged)
                do {
                    try writer.finish(
                        modificationTimeMilliseconds: (try? segment.log.modificationTimeMilliseconds()) ?? clock())
                } catch {
                    throw LogError(error, notChanged)
                }
                if let fault, !fault(.cleanedWritten(base: segment.baseOffset)) {
                    abandon()
                    return report
                }
            }
            do {
                try ActiveFileSystem.current.syncDirectory(directory)
            } catch {
                throw LogError(error, notChanged)
            }
        } catch {
            for writer in writers { writer.abandon() }
            throw error
        }
        if let fault, !fault(.cleanedSynced) {
            abandon()
            return report
        }

        let bases = rewrites.map { segments[$0.index].baseOffset }
        do {
            guard try CompactionSwap.commit(
                CompactionSwap.Record(replaced: bases, installed: bases), directory: directory, fault: fault)
            else {
                abandon()
                return report
            }
        } catch {
            switch error {
            case let .beforeCommit(failure):
                CompactionSwap.discard(directory: directory, bases: bases)
                throw LogError(failure, notChanged)
            case let .afterCommit(failure):
                abandon()
                throw LogError(
                    failure, "the repair of \(partition) was committed but not completed; the partition is closed "
                        + "and opening the data directory again completes it")
            }
        }
        do throws(LogError) {
            for (index, _) in rewrites {
                let old = segments[index]
                old.close()
                segments[index] = try Segment.recover(
                    directory: directory, baseOffset: old.baseOffset, partition: partition, config: config,
                    isActive: false, nextSegmentBase: segments[index + 1].baseOffset, nowMilliseconds: clock(),
                    logger: logger)
            }
        } catch {
            abandon()
            logger.error(.init(stringLiteral:
                "\(partition): its repair is complete on disk, but opening the repaired segments failed: \(error). "
                    + "The partition is closed; open the data directory again"))
            throw error
        }
        precondition(endOffset >= oldEnd, "repair moved the end offset of \(partition) back from \(oldEnd) to \(endOffset)")
        rebuildTransactions()
        rebuildProducers()
        logger.warning(.init(stringLiteral:
            "\(partition): repaired: removed \(damage.count) damaged region\(damage.count == 1 ? "" : "s") ("
                + damage.map { "\($0.bytes) bytes at byte position \($0.position) of \($0.file)" }.joined(separator: ", ")
                + "); every whole batch is kept and the next offset is \(endOffset)"))
        return RepairReport(
            partition: partition, damage: damage, recordsKept: recordsKept,
            recordsKeptAfterDamage: recordsKeptAfterDamage, endOffset: endOffset, dryRun: false)
    }

    /// Appends the batches of `segment` outside `skipped` to `writer`, in
    /// file order.
    private func copyWholeBatches(
        of segment: Segment, skipping skipped: [Range<Int>], into writer: CleanedSegmentWriter, notChanged: String
    ) throws(LogError) {
        let reader = SegmentReader(file: segment.log, fileSize: segment.size)
        var position = 0
        var gaps = skipped.sorted { $0.lowerBound < $1.lowerBound }[...]
        while position < segment.size {
            if let gap = gaps.first, gap.lowerBound <= position {
                position = max(position, gap.upperBound)
                gaps.removeFirst()
                continue
            }
            do throws(FileSystemError) {
                let parsed = try reader.withBytes(at: position, count: RecordBatchHeader.size) { buffer in
                    try? RecordBatchHeader.parse(buffer)
                }
                // The scan accepted every batch outside the gaps just now,
                // under the same lock.
                guard let header = parsed ?? nil else {
                    preconditionFailure("\(segment.log.path): no batch header at byte position \(position)")
                }
                var failure: FileSystemError?
                let copied = try reader.withBytes(at: position, count: header.totalSize) { bytes in
                    do throws(FileSystemError) { try writer.append(bytes, header: header) } catch { failure = error }
                }
                precondition(copied != nil, "\(segment.log.path): the batch at byte position \(position) ends past the file")
                if let failure { throw failure }
                position += header.totalSize
            } catch {
                throw LogError(error, notChanged)
            }
        }
    }
}
