/// Compaction of one partition (see `CompactionPass` for the rules and
/// `CompactionSwap` for crash safety).
extension PartitionLog {
    /// The default bound on a pass's offset map: the keys of the dirty
    /// segments and 32 bytes per key (Kafka's default dedupe buffer is
    /// 128 MiB as well).
    public static let offsetMapBytesMaxDefault = 128 << 20

    /// Compacts the partition's older segments: keeps the latest record of
    /// each key, removes tombstones whose delete horizon has passed, and
    /// merges small segments. The active segment is never compacted.
    ///
    /// Unless `force`, the pass runs only when it is due: the not yet
    /// compacted share of the compactable bytes is above
    /// `min.cleanable.dirty.ratio`, or a kept tombstone's delete horizon
    /// has passed. Segments holding records newer than
    /// `min.compaction.lag.ms` are left alone either way. The result says
    /// what was done, or why nothing was (`skipped`).
    ///
    /// Appends and reads go on during the pass: the partition's lock is
    /// taken to plan the pass and to swap the new segments in, not while
    /// segments are read and written. A crash at any point leaves either
    /// the old segments or the new ones.
    ///
    /// Throws `corruptBatch` when an old segment holds damage (nothing is
    /// changed), and `io` when a file operation fails (nothing is changed,
    /// or, after the commit point, the partition is closed and its next
    /// open completes the swap).
    @discardableResult
    public func compact(force: Bool = false, offsetMapBytesMax: Int = offsetMapBytesMaxDefault)
        throws(LogError) -> CompactionResult
    {
        // Without a fault hook the pass is never stopped early.
        try runCompaction(force: force, offsetMapBytesMax: offsetMapBytesMax, fault: nil)!
    }

    /// `compact`, with a hook that can stop the pass at any step as a crash
    /// would (tests). Returns nil when the hook stopped it: the partition is
    /// then closed, its files left as they were at that step.
    func runCompaction(
        force: Bool, offsetMapBytesMax: Int, fault: CompactionSwap.FaultHook?
    ) throws(LogError) -> CompactionResult? {
        let planning = try withCore { (core) throws(LogError) -> PartitionLogCore.CompactionPlanning in
            try core.planCompaction(force: force, offsetMapBytesMax: offsetMapBytesMax)
        }
        let plan: CompactionPlan
        switch planning {
        case let .skip(result): return result
        case let .run(value): plan = value
        }
        defer {
            plan.close()
            withCore { $0.compactionRunning = false }
        }
        let output: CompactionPass.Output
        do {
            guard let written = try CompactionPass(plan: plan, fault: fault).run() else {
                withCore { $0.abandon() }
                return nil
            }
            output = written
        } catch {
            if withCore({ $0.isClosed }) {
                return .skipped(partition, "the partition was closed during the pass", dirtyRatio: plan.dirtyRatio)
            }
            throw error
        }
        let commit = try withCore { (core) throws(LogError) -> PartitionLogCore.CompactionCommit in
            try core.commitCompaction(plan, output, fault: fault)
        }
        switch commit {
        case .stopped:
            return nil
        case let .abandoned(reason):
            return .skipped(partition, reason, dirtyRatio: plan.dirtyRatio)
        case .committed:
            let result = CompactionResult(
                partition: partition, skipped: nil, segmentsRead: output.inputCount,
                segmentsWritten: output.groups.count, bytesRead: output.bytesRead, bytesWritten: output.bytesWritten,
                recordsRead: output.recordsRead, recordsKept: output.recordsKept,
                tombstonesRemoved: output.tombstonesRemoved, compactedBelowOffset: output.endOffset,
                dirtyRatio: plan.dirtyRatio)
            logger.info("\(result)")
            return result
        }
    }
}
