import DurableFiles

/// The two locked steps of a compaction pass: planning (which segments,
/// whether the pass is due) and the commit (the swap of the segment files
/// and of the in-memory segments). Between them the pass runs unlocked
/// (`CompactionPass`).
extension PartitionLogCore {
    /// What planning decided.
    enum CompactionPlanning: Sendable {
        case skip(CompactionResult)
        case run(CompactionPlan)
    }

    /// Picks the segments a pass compacts: every inactive segment from the
    /// start, up to the first one holding a record newer than
    /// `min.compaction.lag.ms`. Unless `force`, the pass runs only when the
    /// dirty share of their bytes is above `min.cleanable.dirty.ratio` or a
    /// kept tombstone's delete horizon has passed. Opens the pass's own
    /// descriptors of the segments and marks a pass as running.
    func planCompaction(force: Bool, offsetMapBytesMax: Int) throws(LogError) -> CompactionPlanning {
        try checkWritable("compact")
        func skip(_ reason: String, _ ratio: Double = 0) -> CompactionPlanning {
            .skip(.skipped(partition, reason, dirtyRatio: ratio))
        }
        guard config.cleanupPolicy.compacts else {
            return skip("cleanup.policy=\(config.cleanupPolicy.rawValue) does not compact")
        }
        guard !compactionRunning else { return skip("a compaction pass of this partition is already running") }
        let now = clock()
        var cleanable = segments.count - 1
        guard cleanable > 0 else {
            return skip("it has only its active segment, which is never compacted (it rolls at "
                + "segment.bytes=\(config.segmentBytes) or segment.ms=\(config.segmentMs))")
        }
        if config.minCompactionLagMs > 0 {
            let newest = now &- config.minCompactionLagMs
            cleanable = segments[0 ..< cleanable].firstIndex { $0.largestTimestamp() > newest } ?? cleanable
            guard cleanable > 0 else {
                return skip("its oldest segment holds records newer than min.compaction.lag.ms=\(config.minCompactionLagMs)")
            }
        }
        // Never past the last stable offset: an open transaction's records
        // may yet be aborted, so they must neither be compacted nor shadow
        // older records (Kafka's firstUncleanableOffset).
        let stable = lastStableOffset
        cleanable = segments[0 ..< cleanable].firstIndex { $0.nextOffset > stable } ?? cleanable
        guard cleanable > 0 else {
            return skip("its oldest segment holds a transaction still open (the last stable offset is \(stable))")
        }
        let firstDirty = max(cleanerCheckpoint?.firstDirtyOffset ?? startOffset, startOffset)
        let firstDirtyIndex = segments[0 ..< cleanable].firstIndex { $0.baseOffset >= firstDirty } ?? cleanable
        let cleanBytes = segments[0 ..< firstDirtyIndex].reduce(0) { $0 + $1.size }
        let dirtyBytes = segments[firstDirtyIndex ..< cleanable].reduce(0) { $0 + $1.size }
        let ratio = cleanBytes + dirtyBytes > 0 ? Double(dirtyBytes) / Double(cleanBytes + dirtyBytes) : 0
        if !force {
            let horizonPassed = cleanerCheckpoint?.nextDeleteHorizon.map { now >= $0 } ?? false
            if dirtyBytes == 0 && !horizonPassed {
                return skip("nothing was appended to its inactive segments since the last pass", ratio)
            }
            if ratio <= config.minCleanableDirtyRatio && !horizonPassed {
                return skip(
                    "its dirty ratio \(ratio) is not above min.cleanable.dirty.ratio=\(config.minCleanableDirtyRatio)",
                    ratio)
            }
        }
        var inputs: [CompactionPlan.Input] = []
        do throws(FileSystemError) {
            for segment in segments[0 ..< cleanable] {
                let file = try DurableFile.open(segment.log.path, create: false)
                inputs.append(CompactionPlan.Input(
                    identity: ObjectIdentifier(segment), baseOffset: segment.baseOffset, nextOffset: segment.nextOffset,
                    size: segment.size, path: segment.log.path, file: file,
                    modificationTimeMilliseconds: (try? file.modificationTimeMilliseconds()) ?? now))
            }
        } catch {
            for input in inputs { input.file.close() }
            throw LogError(error, "the compaction of \(partition) did not start; nothing was changed")
        }
        compactionRunning = true
        var plan = CompactionPlan(
            partition: partition, directory: directory, config: config, now: now, inputs: inputs,
            firstDirtyIndex: firstDirtyIndex, endOffset: segments[cleanable].baseOffset, dirtyRatio: ratio,
            offsetMapBytesMax: offsetMapBytesMax)
        plan.abortedTransactions = transactions.aborted(overlapping: startOffset ..< plan.endOffset)
        return .run(plan)
    }

    /// What the commit did.
    enum CompactionCommit {
        /// The new segments are in place.
        case committed
        /// The partition changed since planning (retention, truncation, a
        /// config change, close): the pass's files were removed, nothing
        /// changed.
        case abandoned(String)
        /// The fault hook stopped it (tests): the partition is abandoned as
        /// a dead process would leave it.
        case stopped
    }

    /// Swaps the compacted segments in, on disk (`CompactionSwap`) and in
    /// memory, if the segments the pass read are still the partition's.
    func commitCompaction(
        _ plan: CompactionPlan, _ output: CompactionPass.Output, fault: CompactionSwap.FaultHook?
    ) throws(LogError) -> CompactionCommit {
        let newBases = output.groups.map(\.baseOffset)
        let count = output.inputCount
        let unchanged = !isClosed && config.cleanupPolicy.compacts && segments.count > count
            && zip(segments[0 ..< count], plan.inputs[0 ..< count]).allSatisfy { ObjectIdentifier($0) == $1.identity }
        guard unchanged else {
            CompactionSwap.discard(directory: directory, bases: newBases)
            return .abandoned(isClosed ? "the partition was closed during the pass"
                : "the partition changed during the pass (retention, truncation or a config change); nothing was changed")
        }
        let record = CompactionSwap.Record(replaced: plan.inputs[0 ..< count].map(\.baseOffset), installed: newBases)
        do {
            guard try CompactionSwap.commit(record, directory: directory, fault: fault) else {
                abandon()
                return .stopped
            }
        } catch {
            switch error {
            case let .beforeCommit(failure):
                CompactionSwap.discard(directory: directory, bases: newBases)
                throw LogError(failure, "the compaction of \(partition) was not committed; the partition is unchanged")
            case let .afterCommit(failure):
                abandon()
                throw LogError(
                    failure, "the compaction of \(partition) was committed but not completed; the partition is closed "
                        + "and opening the data directory again completes it (no record is lost)")
            }
        }

        // In memory: the old segments' descriptors go, the new ones open.
        for segment in segments[0 ..< count] { segment.close() }
        var fresh: [Segment] = []
        do throws(LogError) {
            for (number, base) in newBases.enumerated() {
                let next = number + 1 < newBases.count ? newBases[number + 1] : segments[count].baseOffset
                fresh.append(try Segment.recover(
                    directory: directory, baseOffset: base, partition: partition, config: config, isActive: false,
                    nextSegmentBase: next, nowMilliseconds: clock(), logger: logger))
            }
        } catch {
            for segment in fresh { segment.close() }
            abandon()
            logger.error(.init(stringLiteral:
                "\(partition): its compaction is complete on disk, but opening the new segments failed: \(error). "
                    + "The partition is closed; open the data directory again"))
            throw error
        }
        segments.replaceSubrange(0 ..< count, with: fresh)

        let checkpoint = CleanerCheckpoint(firstDirtyOffset: output.endOffset, nextDeleteHorizon: output.nextDeleteHorizon)
        cleanerCheckpoint = checkpoint
        do {
            try checkpoint.write(directory: directory)
        } catch {
            logger.warning(.init(stringLiteral:
                "\(partition): could not write \(CleanerCheckpoint.path(directory)) (\(error.operation): "
                    + "\(FileSystemError.text(error.code))); the next pass compacts the whole log again"))
        }
        return .committed
    }

    /// Drops the checkpoint (a truncation cut below it): the whole log
    /// counts as dirty again.
    func forgetCleanerCheckpoint() {
        cleanerCheckpoint = nil
        do {
            try CleanerCheckpoint.remove(directory: directory)
        } catch {
            logger.warning(.init(stringLiteral:
                "\(partition): could not remove \(CleanerCheckpoint.path(directory)) after a truncation "
                    + "(\(FileSystemError.text(error.code))); records appended now may be left uncompacted until "
                    + "it is removed"))
        }
    }
}
