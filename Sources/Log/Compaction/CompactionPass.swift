import DurableFiles

/// One compaction of a partition's older segments (`CompactionPlan`), done
/// without the partition's lock while appends and reads go on. It writes
/// the compacted segments under temporary names; the partition commits
/// them afterwards (`CompactionSwap`).
///
/// The rules are Kafka's log cleaner's:
/// 1. An offset map records the latest offset of every key in the dirty
///    inputs (those not compacted by an earlier pass). It is bounded by
///    `offsetMapBytesMax`: once a segment takes it past the bound, the
///    segments after it are left for the next pass.
/// 2. Every input, clean or dirty, is rewritten keeping a record unless a
///    later record of its key is in the map, or it is a tombstone (null
///    value) whose batch's delete horizon has passed. Records without a key
///    (written before the topic became compacted) are kept.
/// 3. Batches keep their offsets (`RecordBatchV2.filter`); a batch left
///    with no record goes. A kept tombstone in a batch without a delete
///    horizon gives the batch one: the pass's start time plus
///    `delete.retention.ms`. So a tombstone stays at least
///    `delete.retention.ms` after the first pass that saw it, and the first
///    pass after that removes it (Kafka's rule since 3.1, KIP-534).
/// 4. Transactions (the pass never reaches past the last stable
///    offset): batches of aborted transactions are removed and their
///    records are not in the offset map; control batches (markers) are
///    kept as they are, so the transactions they close stay closed.
/// 5. Consecutive inputs are merged into one output while their sizes add
///    up to at most `segment.bytes` (and their offsets fit the index's
///    4-byte relative offsets); each output is named after its first input.
///
/// # Thread safety
/// Used by one thread.
struct CompactionPass {
    /// Inputs `inputs` become one segment named `baseOffset`.
    struct Group: Equatable {
        let baseOffset: Int64
        let inputs: Range<Int>
    }

    /// What the pass wrote, for the commit.
    struct Output {
        var groups: [Group] = []
        /// How many inputs (a prefix of the plan's) were compacted.
        var inputCount = 0
        /// The base offset of the first segment left alone.
        var endOffset: Int64 = 0
        /// The earliest delete horizon of a kept tombstone.
        var nextDeleteHorizon: Int64?
        var bytesRead = 0
        var bytesWritten = 0
        var recordsRead = 0
        var recordsKept = 0
        var tombstonesRemoved = 0
    }

    let plan: CompactionPlan
    let fault: CompactionSwap.FaultHook?

    /// Writes the compacted segments; nil when `fault` stopped the pass (the
    /// files written so far are left in place, as a crash would leave them).
    /// On an error the files written are removed and nothing has changed.
    func run() throws(LogError) -> Output? {
        let inputs = plan.inputs
        var output = Output()

        // 1. The offset map of the dirty inputs.
        var collector = KeyOffsetCollector()
        output.inputCount = inputs.count
        for index in plan.firstDirtyIndex ..< inputs.count {
            try forEachBatch(of: inputs[index]) { (_, bytes, position, header) throws(LogError) in
                // Markers are no keyed data, and an aborted transaction's
                // records must not hide the committed ones they would replace.
                if header.isControl || plan.isAborted(header) { return }
                do throws(LogFormatError) {
                    try RecordBatchV2.visitRecords(bytes, visitor: &collector)
                } catch {
                    throw corrupt(inputs[index], position, header.baseOffset, error.message)
                }
            }
            if collector.map.byteCount > plan.offsetMapBytesMax && index + 1 < inputs.count {
                output.inputCount = index + 1
                break
            }
        }
        let map = collector.map
        output.endOffset = output.inputCount < inputs.count ? inputs[output.inputCount].baseOffset : plan.endOffset

        // 2. Groups of inputs that become one segment each.
        var start = 0
        while start < output.inputCount {
            var end = start + 1
            var bytes = inputs[start].size
            while end < output.inputCount, bytes + inputs[end].size <= plan.config.segmentBytes,
                  inputs[end].nextOffset - 1 - inputs[start].baseOffset <= Int64(Int32.max) {
                bytes += inputs[end].size
                end += 1
            }
            output.groups.append(Group(baseOffset: inputs[start].baseOffset, inputs: start ..< end))
            start = end
        }

        // 3. Rewrite each group under temporary names.
        let now = plan.now
        let (sum, overflow) = now.addingReportingOverflow(plan.config.deleteRetentionMs)
        let newHorizon = overflow ? Int64.max : sum
        var writers: [CleanedSegmentWriter] = []
        do throws(LogError) {
            for group in output.groups {
                let writer: CleanedSegmentWriter
                do {
                    writer = try CleanedSegmentWriter(
                        directory: plan.directory, baseOffset: group.baseOffset,
                        indexIntervalBytes: plan.config.indexIntervalBytes)
                } catch {
                    throw LogError(error, stopped)
                }
                writers.append(writer)
                for index in group.inputs {
                    let input = inputs[index]
                    try forEachBatch(of: input) { (_, bytes, position, header) throws(LogError) in
                        if plan.isAborted(header) {
                            // Kafka's cleaner drops an aborted transaction's batches.
                            output.recordsRead += Int(header.recordCount)
                            return
                        }
                        if header.isControl {
                            // Markers are kept: the transactions they close
                            // must stay closed (see ARCHITECTURE.md).
                            do throws(LogFormatError) {
                                try RecordBatchV2.checkCRC(bytes)
                            } catch {
                                throw corrupt(input, position, header.baseOffset, error.message)
                            }
                            do throws(FileSystemError) {
                                try writer.append(bytes, header: header)
                            } catch {
                                throw LogError(error, stopped)
                            }
                            output.recordsRead += Int(header.recordCount)
                            output.recordsKept += Int(header.recordCount)
                            return
                        }
                        let batchHorizon = header.hasDeleteHorizon ? header.baseTimestamp : nil
                        var expired = 0
                        let filtered: RecordBatchV2.FilteredBatch
                        do throws(LogFormatError) {
                            filtered = try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: newHorizon) { record in
                                if let key = record.key, let latest = map.offset(for: key), record.offset < latest {
                                    return false
                                }
                                if record.isTombstone, let batchHorizon, batchHorizon <= now {
                                    expired += 1
                                    return false
                                }
                                return true
                            }
                        } catch {
                            throw corrupt(input, position, header.baseOffset, error.message)
                        }
                        output.recordsRead += filtered.recordsRead
                        output.recordsKept += filtered.recordsKept
                        output.tombstonesRemoved += expired
                        if filtered.tombstonesKept > 0, let horizon = filtered.deleteHorizon {
                            output.nextDeleteHorizon = min(output.nextDeleteHorizon ?? horizon, horizon)
                        }
                        do throws(FileSystemError) {
                            switch filtered.outcome {
                            case .removed:
                                break
                            case .unchanged:
                                try writer.append(bytes, header: header)
                            case let .rewritten(batch):
                                try batch.withBytes { (rewritten) throws(FileSystemError) in
                                    // The encoder just wrote this header.
                                    try writer.append(rewritten, header: try! RecordBatchHeader.parse(rewritten))
                                }
                            }
                        } catch {
                            throw LogError(error, stopped)
                        }
                    }
                    output.bytesRead += input.size
                }
                do {
                    try writer.finish(
                        modificationTimeMilliseconds: group.inputs.map { inputs[$0].modificationTimeMilliseconds }.max()!)
                } catch {
                    throw LogError(error, stopped)
                }
                output.bytesWritten += writer.size
                if let fault, !fault(.cleanedWritten(base: group.baseOffset)) { return nil }
            }
            do {
                try ActiveFileSystem.current.syncDirectory(plan.directory)
            } catch {
                throw LogError(error, stopped)
            }
            if let fault, !fault(.cleanedSynced) { return nil }
        } catch {
            for writer in writers { writer.abandon() }
            throw error
        }
        return output
    }

    private var stopped: String { "the compaction of \(plan.partition) stopped and changed nothing" }

    private func corrupt(_ input: CompactionPlan.Input, _ position: Int, _ offset: Int64, _ detail: String) -> LogError {
        .corruptBatch(plan.partition, file: input.path, position: position, offset: offset,
                      detail: detail + " (found by compaction, which stopped and changed nothing)")
    }

    /// Calls `body` with each batch of `input` in file order (the input, its
    /// bytes, their position, its header), after checking the header, that
    /// the batch is whole, and that offsets increase and fit the segment.
    /// The body checks the CRC (decoding does).
    private func forEachBatch(
        of input: CompactionPlan.Input,
        _ body: (CompactionPlan.Input, UnsafeRawBufferPointer, Int, RecordBatchHeader) throws(LogError) -> Void
    ) throws(LogError) {
        let reader = SegmentReader(file: input.file, fileSize: input.size)
        let limit = Segment.offsetLimit(baseOffset: input.baseOffset)
        var position = 0
        var expected = input.baseOffset
        while position < input.size {
            let parsed: Result<RecordBatchHeader, LogFormatError>?
            do {
                parsed = try reader.withBytes(at: position, count: RecordBatchHeader.size) { buffer in
                    Result { () throws(LogFormatError) in try RecordBatchHeader.parse(buffer) }
                }
            } catch {
                throw LogError(error, stopped)
            }
            let header: RecordBatchHeader
            switch parsed {
            case nil:
                throw corrupt(input, position, expected, "the segment ends inside a batch header")
            case let .failure(error)?:
                throw corrupt(input, position, expected, "unreadable batch header: \(error.message)")
            case let .success(value)?:
                header = value
            }
            guard position + header.totalSize <= input.size else {
                throw corrupt(input, position, header.baseOffset,
                              "the batch of \(header.totalSize) bytes runs past the end of the segment's \(input.size) bytes")
            }
            guard header.baseOffset >= expected else {
                throw corrupt(input, position, expected,
                              "the batch starts at offset \(header.baseOffset) but the batch before it ends at offset "
                                  + "\(expected - 1)")
            }
            if let problem = Segment.offsetProblem(header, limit: limit) {
                throw corrupt(input, position, header.baseOffset, problem)
            }
            var failure: LogError?
            do {
                _ = try reader.withBytes(at: position, count: header.totalSize) { bytes in
                    do throws(LogError) {
                        try body(input, bytes, position, header)
                    } catch {
                        failure = error
                    }
                }
            } catch {
                throw LogError(error, stopped)
            }
            if let failure { throw failure }
            position += header.totalSize
            expected = header.nextOffset
        }
    }
}

/// Records each keyed record's offset in an offset map.
struct KeyOffsetCollector: RecordVisitor {
    var map = OffsetMap()

    mutating func begin(recordCount: Int) {}

    @inline(__always)
    mutating func visit(
        offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: RawHeaders
    ) {
        if let key { map.put(key, offset: offset) }
    }
}
