import Columns
import StreamhostKit

/// Typed batches of a tumbling, sliding or cumulating window aggregate per
/// slice, in memory (Flink's window slicing, `SliceAssigner`): one hash
/// table of flat accumulators per open slice; when the watermark passes a
/// window's end (`onWatermark`) the window is merged from its slices and
/// fired once, with no timer per key. A tumbling window is one slice.
///
/// State stays the byte path's, so checkpoints and savepoints do not depend
/// on the format: `flushSlices` (at every snapshot, and when the open
/// slices hold more than `slices_max_bytes`) writes every open window's
/// entries, merged from its slices, into the map state "windows" (merged
/// with what a restore or an earlier flush put there) and registers the
/// key's timer, exactly as the byte path would have, then empties the
/// slices. On RocksDB the open slices are thus the memory-resident part
/// of the state, flushed at checkpoints and when memory runs short. A
/// window in keyed state fires through its key's timer (timers fire before
/// `onWatermark`): `onTimer` folds in what the open slices gathered for the
/// key since, and notes the key, so the slices leave it out when the
/// window fires.
///
/// Sums merged from slices are the byte path's sums when they are exact
/// decimals (integers and decimals up to scale 9, the common case); sums
/// of float64 values depend on the order they are added in either path.
/// A late record (all its windows fired) goes where the byte path sends
/// it, with the same reason.
extension WindowOperator {
    /// Adds the records of a typed batch to their slices.
    func aggregateIntoSlices(_ batch: Batch, rows: UnsafeBufferPointer<UInt32>?, reader: ColumnInputs,
                             origin: RecordOrigin, context: Context) throws {
        guard let slicer else { preconditionFailure("slices of a window that does not slice") }
        let watermark = context.watermark
        // Windows the watermark closed before this batch leave the slices
        // first, as the byte path takes no record into a closed window.
        if watermark > slicesFiredThrough { try fireSlices(upTo: watermark, context: context) }
        let layout = self.layout
        let planned = SliceInputs(values: reader.values, aggregates: spec.aggregates, layout: layout)
        let count = rows?.count ?? batch.count
        // The slice of the last record, held here rather than read from
        // and written to `currentSlice` per record (a retain, a release
        // and an access check each); written back after the loop and
        // around `handleLate`. (An error thrown in between leaves the
        // cache at an older slice, which only `fireSlices` drops, and
        // it clears the cache when it does.)
        var current = currentSlice
        for position in 0..<count {
            let row = rows.map { Int($0[position]) } ?? position
            let timestamp = batch.timestamp(at: row)
            guard let key = batch.key(at: row) else {
                try origin.reject(row, reason: "window: the record has no key; put a key_by step before the window",
                                  context: context)
                continue
            }
            guard timestamp >= 0 else {
                try origin.reject(row, reason: "window: timestamp \(timestamp) is negative (no event time)", context: context)
                continue
            }
            // The planned reading, else (a row it does not read, or a
            // batch of another shape) the general one.
            let readAsPlanned = planned?.read(row: row) ?? false
            if !readAsPlanned, let problem = readInputs(row: row, of: reader) {
                try origin.reject(row, reason: "window: \(problem)", context: context)
                continue
            }
            let start = slicer.sliceStart(of: timestamp)
            if current?.start != start {
                if let open = openSlices[start] {
                    current = open
                } else {
                    guard slicer.lastWindowEnd(ofSlice: start) - 1 > watermark else {
                        spec.windows(of: timestamp, into: &windows)
                        currentSlice = current
                        try handleLate(row: row, origin: origin, windows.last!, watermark: watermark, context: context)
                        current = currentSlice
                        continue
                    }
                    let slice = SliceTable(start: start, end: start + slicer.sliceSize, entrySize: layout.fixedSize)
                    openSlices[start] = slice
                    current = slice
                }
            }
            let accumulator = current.unsafelyUnwrapped.accumulator(for: key)
            if readAsPlanned {
                planned!.add(to: accumulator)
            } else {
                layout.addFixed(inputs, to: accumulator)
            }
        }
        currentSlice = current
        if openSlicesBytes > spec.slicesBytesMax {
            try flushSlices(context: context)
            sliceMemoryFlushes?.add()
        }
    }

    /// The memory the open slices hold.
    var openSlicesBytes: Int { openSlices.values.reduce(0) { $0 + $1.memoryBytes } }

    /// The ends of the windows of the open slices that end after
    /// `after` + 1 and at or before `through` + 1 (watermarks), earliest
    /// first.
    private func openWindowEnds(after: Int64, through: Int64) -> [Int64] {
        guard let slicer else { return [] }
        var ends = Set<Int64>()
        for start in openSlices.keys {
            for end in slicer.windowEnds(ofSlice: start) where end - 1 > after && end - 1 <= through {
                ends.insert(end)
            }
        }
        return ends.sorted()
    }

    /// Fires every window of the open slices that ends at or before
    /// `watermark` (and had not fired), earliest first, then drops the
    /// slices no open window needs.
    func fireSlices(upTo watermark: Int64, context: Context) throws {
        guard let slicer, watermark > slicesFiredThrough else { return }
        for end in openWindowEnds(after: slicesFiredThrough, through: watermark) {
            let skipped = emittedThroughTimers.removeValue(forKey: end)
            try forEachMerged(windowEndingAt: end) { key, accumulator, entrySize in
                if let skipped, skipped.contains(key) { return }
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: UnsafeRawBufferPointer(start: accumulator, count: entrySize))
                try sliceResults.append(timestamp: end - 1, key: key, context: context) { appendResult(key: key, to: &$0) }
            }
            slicesFired?.add()
        }
        try sliceResults.flush(context: context)
        slicesFiredThrough = watermark
        for start in openSlices.keys where slicer.lastWindowEnd(ofSlice: start) - 1 <= watermark {
            if currentSlice === openSlices[start] { currentSlice = nil }
            openSlices[start] = nil
        }
        // Windows that fired through their keys' timers with no slice open.
        for end in emittedThroughTimers.keys where end - 1 <= watermark { emittedThroughTimers[end] = nil }
    }

    /// Visits each key of the window ending at `end` with its accumulator
    /// merged from the window's open slices (the window's own start and
    /// end in its header). One open slice is visited as it is.
    private func forEachMerged(windowEndingAt end: Int64,
                               _ body: (UnsafeRawBufferPointer, UnsafeMutableRawPointer, Int) throws -> Void) throws {
        guard let slicer else { return }
        let start = slicer.windowStart(ofEnd: end)
        let slices = slicer.sliceStarts(ofWindowFrom: start, to: end).compactMap { openSlices[$0] }
        if slices.count == 1 {
            let slice = slices[0]
            try slice.forEach { key, accumulator in
                accumulator.storeInt64(start, at: 8)
                accumulator.storeInt64(end, at: 16)
                try body(key, accumulator, slice.entrySize)
            }
            return
        }
        let layout = self.layout
        let merged = SliceTable(start: start, end: end, entrySize: layout.fixedSize,
                                capacity: slices.map(\.count).max() ?? 0)
        for slice in slices {
            slice.forEach { key, accumulator in
                let into = merged.accumulator(for: key)
                layout.mergeFixed(UnsafeRawPointer(accumulator), into: into)
            }
        }
        try merged.forEach { key, accumulator in try body(key, accumulator, merged.entrySize) }
    }

    /// Writes every open window, merged from the open slices, into keyed
    /// state (merged with the window the state holds already) with the
    /// byte path's timers, and empties the slices.
    func flushSlices(context: Context) throws {
        guard !openSlices.isEmpty else { return }
        for end in openWindowEnds(after: slicesFiredThrough, through: Int64.max) {
            let id = spec.windowID(end: end)
            var entry: [UInt8] = []
            try forEachMerged(windowEndingAt: end) { key, accumulator, entrySize in
                entry.removeAll(keepingCapacity: true)
                entry.append(contentsOf: UnsafeRawBufferPointer(start: accumulator, count: entrySize))
                if try load(key: key, id: id, context: context) {
                    layout.merge(entry, into: &scratch)
                } else {
                    scratch = entry
                    try registerTimers(key: key, end: end, context: context)
                }
                try store(key: key, id: id, context: context)
            }
        }
        openSlices.removeAll()
        currentSlice = nil
    }

    /// Folds what the open slices gathered for `key` into the window ending
    /// at `end` in `scratch` (a window kept in keyed state, firing through
    /// its key's timer), and notes the key so the slices leave it out when
    /// the window fires.
    func foldSlices(key: UnsafeRawBufferPointer, end: Int64) {
        guard let slicer else { return }
        var folded = false
        for start in slicer.sliceStarts(ofWindowFrom: slicer.windowStart(ofEnd: end), to: end) {
            guard let slice = openSlices[start] else { continue }
            folded = true
            guard let accumulator = slice.existingAccumulator(for: key) else { continue }
            scratch.withUnsafeMutableBytes { layout.mergeFixed(UnsafeRawPointer(accumulator), into: $0.baseAddress!) }
        }
        guard folded else { return }
        let emitted: SliceTable
        if let existing = emittedThroughTimers[end] {
            emitted = existing
        } else {
            emitted = SliceTable(start: slicer.windowStart(ofEnd: end), end: end, entrySize: 0)
            emittedThroughTimers[end] = emitted
        }
        _ = emitted.accumulator(for: key)
    }
}

extension AccumulatorLayout {
    /// A fresh fixed part of `fixedSize` bytes for [start, end) at
    /// `accumulator` (no text tail: slices hold no first/last aggregate).
    @inline(__always)
    static func makeEmpty(start: Int64, end: Int64, fixedSize: Int, at accumulator: UnsafeMutableRawPointer) {
        accumulator.initializeMemory(as: UInt8.self, repeating: 0, count: fixedSize)
        accumulator.storeInt64(start, at: 8)
        accumulator.storeInt64(end, at: 16)
    }
}
