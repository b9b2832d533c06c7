import Columns
import StreamhostKit

/// Typed batches of a tumbling window aggregate per slice, in memory
/// (Flink's window slicing: a tumbling window is one slice): one hash
/// table of flat accumulators per open slice, and one firing per slice when
/// the watermark passes its end (`onWatermark`), not a timer per key.
///
/// State stays the byte path's, so checkpoints and savepoints do not depend
/// on the format: `snapshot` writes every open entry into the map state
/// "windows" (merged with what a restore put there) and registers the
/// key's timer, exactly as the byte path would have, then empties the
/// slices. A restored window therefore fires through its key's timer;
/// `onTimer` folds in what the slice gathered for that key since, and
/// marks it emitted.
///
/// Used when the kind is tumbling, without allowed lateness, and every
/// aggregate is count, sum, avg, min or max (first, last and distinct
/// counts keep text per window; sliding and session windows keep the
/// per-key path); a late record goes where the byte path sends it.
extension WindowOperator {
    /// Whether a spec aggregates typed batches per slice.
    static func slices(_ spec: WindowSpec) -> Bool {
        guard case .tumbling = spec.kind, spec.allowedLateness == 0 else { return false }
        return spec.aggregates.allSatisfy { aggregate in
            switch aggregate.function {
            case .count, .sum, .avg, .min, .max: return true
            case .first, .last, .distinctCount: return false
            }
        }
    }

    /// Adds the records of a typed batch to their slices.
    func aggregateIntoSlices(_ batch: Batch, rows: UnsafeBufferPointer<UInt32>?, reader: ColumnInputs,
                             origin: RecordOrigin, context: Context) throws {
        guard case .tumbling(let size) = spec.kind else { preconditionFailure("slices of a window that is not tumbling") }
        let watermark = context.watermark
        let layout = self.layout
        let count = rows?.count ?? batch.count
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
            if let problem = readInputs(row: row, of: reader) {
                try origin.reject(row, reason: "window: \(problem)", context: context)
                continue
            }
            let start = timestamp - timestamp % size
            let end = start + size
            guard end - 1 > watermark else {
                try handleLate(row: row, origin: origin, (start, end), watermark: watermark, context: context)
                continue
            }
            let slice: SliceTable
            if let current = currentSlice, current.start == start {
                slice = current
            } else if let open = openSlices[start] {
                slice = open
            } else {
                slice = SliceTable(start: start, end: end, entrySize: layout.fixedSize)
                openSlices[start] = slice
            }
            currentSlice = slice
            let accumulator = slice.accumulator(for: key) { layout.makeEmpty(start: start, end: end, at: $0) }
            layout.addFixed(inputs, to: accumulator)
        }
    }

    /// Emits every slice that ends at or before `watermark`, oldest first.
    func fireSlices(upTo watermark: Int64, context: Context) throws {
        guard !openSlices.isEmpty else { return }
        for start in openSlices.keys.sorted() {
            guard let slice = openSlices[start], slice.end - 1 <= watermark else { continue }
            try slice.forEach { key, accumulator in
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: UnsafeRawBufferPointer(start: accumulator, count: slice.entrySize))
                try emitResult(key: key, context: context)
            }
            openSlices[start] = nil
            if currentSlice === slice { currentSlice = nil }
            slicesFired?.add()
        }
    }

    /// Writes the open slices into keyed state (merged with a window the
    /// state holds already) with the byte path's timers, and empties them.
    func flushSlices(context: Context) throws {
        for start in openSlices.keys.sorted() {
            let slice = openSlices[start]!
            var entry: [UInt8] = []
            try slice.forEach { key, accumulator in
                entry.removeAll(keepingCapacity: true)
                entry.append(contentsOf: UnsafeRawBufferPointer(start: accumulator, count: slice.entrySize))
                if try load(key: key, start: start, context: context) {
                    layout.merge(entry, into: &scratch)
                } else {
                    scratch = entry
                    try registerTimers(key: key, end: slice.end, context: context)
                }
                try store(key: key, start: start, context: context)
            }
        }
        openSlices.removeAll()
        currentSlice = nil
    }

    /// Folds what the open slice gathered for `key` into the window in
    /// `scratch` (a restored one firing through its timer), once.
    func foldSliceEntry(key: UnsafeRawBufferPointer, start: Int64) {
        guard let slice = openSlices[start], let found = slice.existingAccumulator(for: key) else { return }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: found.accumulator, count: slice.entrySize))
        layout.merge(bytes, into: &scratch)
        slice.consume(found.entry)
    }
}

extension AccumulatorLayout {
    /// A fresh fixed part for [start, end) at `accumulator` (no text tail:
    /// slices hold no first/last aggregate).
    func makeEmpty(start: Int64, end: Int64, at accumulator: UnsafeMutableRawPointer) {
        accumulator.initializeMemory(as: UInt8.self, repeating: 0, count: fixedSize)
        accumulator.storeInt64(start, at: 8)
        accumulator.storeInt64(end, at: 16)
    }
}
