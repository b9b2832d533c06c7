import Columns
import Core
import StreamhostKit

/// OPERATOR "window": per key, aggregates records over event-time windows
/// and emits one result per window when the watermark passes its end.
///
/// State (kept by the host, so checkpoints and rescaling need nothing from
/// here): map state "windows" per key, user key = the window start
/// (order-preserving big-endian; for cumulating windows, which share their
/// start, the end: `WindowSpec.windowID`), value = the accumulator (see
/// `AccumulatorLayout`); map state "distinct" per key for distinct_count,
/// user key = that id + aggregate index + the value's JSON text. An
/// event-time timer at end - 1 fires the window (Flink's maxTimestamp);
/// with allowed lateness a second one at end - 1 + lateness removes it,
/// and a late record within the lateness updates the window and emits the
/// result again at once. A record later than that goes to the dead-letter
/// destination (or the side output "late") with the reason.
///
/// Session windows merge: a record's [ts, ts + gap) joins every session of
/// its key it touches (Flink's rule: windows that intersect or meet).
///
/// Processing-time windows (`time: processing`, Flink's PROCTIME()
/// windows) assign each record by the host's clock when its batch is
/// aggregated (read once per batch) and fire on a processing-time timer at
/// end - 1, with the same state as event-time windows, so checkpoints and
/// restores keep their open accumulators (the host keeps the timers too).
/// No record is late on that clock. At the end of a bounded input the
/// windows still open are emitted, as Flink 2.x's SQL window aggregation
/// emits them (Nexmark q12's committed rows count every bid): each key with
/// an open window holds an event-time timer at INT64_MAX, which only the
/// end of input reaches (the host moves the watermark there), and which
/// goes once the key has no window left. Their results are stamped end - 1
/// of the processing-time window, like event-time results.
///
/// Typed columns (ABI 1.3) give the same results and the same state: the
/// inputs come from the columns (`ColumnInputs`), and a tumbling, sliding
/// or cumulating window of count, sum, avg, min and max without allowed
/// lateness aggregates per slice in memory, with one firing per window
/// and no timer per key (WindowOperator+Slices.swift).
final class WindowOperator: Operator {
    static let name = "window"
    /// Typed columns in (ABI 1.3): the aggregates read them without parsing
    /// JSON; the results are JSON bytes.
    static let inputFormats: RecordFormats = [.bytes, .columns]
    static let description = "Tumbling, sliding, cumulating and session windows over event time: count, sum, min, max, avg, first, last, distinct_count"
    static let configSchema: String? = WindowSpec.schema

    let spec: WindowSpec
    let layout: AccumulatorLayout
    let hasDistinct: Bool
    var windowsState: MapState!
    var distinctState: MapState!

    /// One pass over each record's value finds every aggregate's field.
    let extractor: FieldExtractor
    /// The extractor's path index per aggregate (nil: no field).
    let pathIndex: [Int?]

    // Buffers reused across records.
    var inputs: [AggregateInput]
    var found: [(kind: FieldExtractor.Kind, range: Range<Int>)?]
    var windows: [(start: Int64, end: Int64)] = []
    var scratch: [UInt8] = []
    var output: [UInt8] = []
    var userKey: [UInt8] = Array(repeating: 0, count: 8)
    var distinctKey: [UInt8] = []
    var collected: [(start: Int64, bytes: [UInt8])] = []
    /// Processing-time windows: the host's clock when the batch being
    /// aggregated arrived, every record's time.
    var batchProcessingTime: Int64 = 0
    /// `{"<key_name>":` of every result, written once (quoting the name
    /// per result was ~8 % of a debug profile of the windowed benchmark).
    let keyPrefix: [UInt8]
    /// `,"window_start":S,"window_end":E` of the last result written.
    var boundsText: (start: Int64, end: Int64, text: [UInt8]) = (0, 0, [])
    /// Texts of first/last/distinct_count inputs read from typed columns.
    let texts = RecordTexts()
    /// How typed batches are cut into slices; nil: they take the per-key
    /// path (WindowOperator+Slices).
    let slicer: SliceAssigner?
    var slicing: Bool { slicer != nil }
    /// The open slices by start, and the one the last record went to.
    var openSlices: [Int64: SliceTable] = [:]
    var currentSlice: SliceTable?
    /// The watermark up to which windows fired from the slices.
    var slicesFiredThrough = Int64.min
    /// Per window end: keys whose window fired through their timer (kept
    /// in keyed state by a checkpoint or a memory flush), so the slices
    /// leave them out when the window fires.
    var emittedThroughTimers: [Int64: SliceTable] = [:]
    /// Windows fired from the slices in memory (the run summary's
    /// "slices_fired"): shows that typed batches took the slice path.
    var slicesFired: Counter?
    /// Times the open slices were written to keyed state because they
    /// held more than `slices_max_bytes` ("slice_memory_flushes").
    var sliceMemoryFlushes: Counter?
    /// The results of the windows fired from the slices, emitted in batches.
    let sliceResults = ResultBatch()

    init(context: Context, config: Config) throws {
        spec = try WindowSpec(config: config)
        layout = AccumulatorLayout(aggregates: spec.aggregates)
        var keyPrefix: [UInt8] = [UInt8(ascii: "{")]
        QuotedName.appendQuoted(spec.keyName, to: &keyPrefix)
        keyPrefix.append(UInt8(ascii: ":"))
        self.keyPrefix = keyPrefix
        hasDistinct = spec.aggregates.contains { $0.function == .distinctCount }
        // The slices fire on watermarks: processing-time windows keep the
        // per-key path.
        slicer = spec.time == .event ? SliceAssigner(spec) : nil
        inputs = Array(repeating: .none, count: spec.aggregates.count)
        var paths: [JSONFieldPath] = []
        pathIndex = spec.aggregates.map { aggregate in
            guard let path = aggregate.path else { return nil }
            paths.append(path)
            return paths.count - 1
        }
        extractor = FieldExtractor(paths: paths)
        found = Array(repeating: nil, count: paths.count)
        scratch.reserveCapacity(256)
        output.reserveCapacity(256)
    }

    func open(context: Context, info: TaskInfo) throws {
        windowsState = try context.mapState(named: "windows")
        if hasDistinct { distinctState = try context.mapState(named: "distinct") }
        if slicing {
            slicesFired = try context.counter(named: "slices_fired")
            sliceMemoryFlushes = try context.counter(named: "slice_memory_flushes")
        }
    }

    // MARK: Records

    func process(_ batch: Batch, context: Context) throws {
        if spec.time == .processing { batchProcessingTime = context.processingTime }
        if let columns = batch.arrowColumns, let schema = batch.arrowSchema {
            return try processColumns(batch, schema: schema, columns: columns, context: context)
        }
        let origin = RecordOrigin.bytes(batch)
        for index in 0..<batch.count {
            try aggregate(row: index, of: batch, origin: origin, problem: readInputs(batch.value(at: index)),
                          context: context)
        }
    }

    /// Typed columns (ABI 1.3): the inputs come from the columns, the rest
    /// is the byte path's.
    private func processColumns(_ batch: Batch, schema: UnsafePointer<ArrowSchema>, columns: UnsafePointer<ArrowArray>,
                                context: Context) throws {
        let values: Column
        let recordSchema: Schema
        do {
            recordSchema = try Schema(arrow: schema)
            values = try Column.viewing(columns, type: recordSchema.structType)
        } catch {
            throw PluginError.failed("window: the typed columns of the input batch cannot be read: \(error)")
        }
        let reader = ColumnInputs(values: values, paths: extractor.paths)
        let origin = RecordOrigin.columns(batch, values: values, encoder: ColumnarJSONEncoder(schema: recordSchema))
        if slicing {
            return try aggregateIntoSlices(batch, rows: batch.selection, reader: reader, origin: origin, context: context)
        }
        if let selection = batch.selection {
            for row in selection {
                try aggregate(row: Int(row), of: batch, origin: origin, problem: readInputs(row: Int(row), of: reader),
                              context: context)
            }
        } else {
            for row in 0..<batch.count {
                try aggregate(row: row, of: batch, origin: origin, problem: readInputs(row: row, of: reader),
                              context: context)
            }
        }
    }

    /// Adds record `row` (its inputs read, or `problem` why not) to its windows.
    @inline(__always)
    private func aggregate(row index: Int, of batch: Batch, origin: RecordOrigin, problem: String?,
                           context: Context) throws {
        let processing = spec.time == .processing
        let timestamp = processing ? batchProcessingTime : batch.timestamp(at: index)
        guard let key = batch.key(at: index) else {
            return try origin.reject(index, reason: "window: the record has no key; put a key_by step before the window",
                                     context: context)
        }
        guard timestamp >= 0 else {
            return try origin.reject(index, reason: "window: timestamp \(timestamp) is negative (no event time)",
                                     context: context)
        }
        if let problem {
            return try origin.reject(index, reason: "window: \(problem)", context: context)
        }
        // On the host's clock every window a record falls in is still open.
        let watermark = processing ? Int64.min : context.watermark
        if case .session = spec.kind {
            try addToSession(key: key, timestamp: timestamp, row: index, origin: origin, watermark: watermark,
                             context: context)
        } else {
            try addToWindows(key: key, timestamp: timestamp, row: index, origin: origin, watermark: watermark,
                             context: context)
        }
    }

    /// Finds every aggregate's input in the record's value; the reason when
    /// the record cannot be aggregated (then no state changes).
    private func readInputs(_ value: UnsafeRawBufferPointer?) -> String? {
        guard !found.isEmpty else { return nil }
        guard let value else { return "the record's value is null" }
        do {
            try extractor.extract(from: value, into: &found)
        } catch {
            return error.description
        }
        for (index, aggregate) in spec.aggregates.enumerated() {
            guard let pathIndex = pathIndex[index], let path = aggregate.path else {
                inputs[index] = .none
                continue
            }
            let field = found[pathIndex]
            switch aggregate.function {
            case .count:
                inputs[index] = (field == nil || field!.kind == .null) ? .none : .present
            case .sum, .avg, .min, .max:
                guard let field, field.kind != .null else {
                    return "field '\(path.description)' is \(found[pathIndex] == nil ? "missing" : "null"); "
                        + "\(aggregate.function.rawValue) needs a number"
                }
                let text = UnsafeRawBufferPointer(rebasing: value[field.range])
                if field.kind == .number, let input = Self.number(text: text) {
                    inputs[index] = input
                } else {
                    return "field '\(path.description)' is not a number (\(String(decoding: text.prefix(40), as: UTF8.self)))"
                }
            case .first, .last, .distinctCount:
                guard let field else { return "field '\(path.description)' is missing" }
                inputs[index] = .text(UnsafeRawBufferPointer(rebasing: value[field.range]))
            }
        }
        return nil
    }

    /// The input of a JSON number's text: an exact decimal when it fits,
    /// else a finite Double; nil when it is neither.
    static func number(text: UnsafeRawBufferPointer) -> AggregateInput? {
        if let (units, scale) = JSONDecimalText.parse(text, scaleMax: AccumulatorLayout.exactScaleMax, exponent: .fold) {
            // Below 2^53 both operands are exact and the quotient is
            // correctly rounded: the double strtod would give.
            let double = units.magnitude < 1 << 53
                ? Double(units) / Double(JSONDecimalText.powersOf10[scale])
                : Double(String(decoding: text, as: UTF8.self)) ?? JSONDecimalText.double(units, scale: scale)
            return .exact(units: units, scale: scale, double: double)
        }
        if let double = Double(String(decoding: text, as: UTF8.self)), double.isFinite { return .double(double) }
        return nil
    }

    private func addToWindows(key: UnsafeRawBufferPointer, timestamp: Int64, row: Int, origin: RecordOrigin,
                              watermark: Int64, context: Context) throws {
        spec.windows(of: timestamp, into: &windows)
        var accepted = false
        for window in windows where window.end - 1 + spec.allowedLateness > watermark {
            accepted = true
            let id = spec.windowID(start: window.start, end: window.end)
            setUserKey(id)
            let existing = try userKey.withUnsafeBytes { try context.get(windowsState, key: key, userKey: $0) }
            if let existing {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: existing)
            } else {
                layout.makeEmpty(start: window.start, end: window.end, into: &scratch)
            }
            try updateDistinct(key: key, id: id, context: context)
            layout.add(inputs, timestamp: timestamp, to: &scratch)
            try store(key: key, id: id, context: context)
            if existing == nil { try registerTimers(key: key, end: window.end, context: context) }
            if window.end - 1 <= watermark { try emitResult(key: key, context: context) }
        }
        if !accepted { try handleLate(row: row, origin: origin, windows.last!, watermark: watermark, context: context) }
    }

    private func addToSession(key: UnsafeRawBufferPointer, timestamp: Int64, row: Int, origin: RecordOrigin,
                              watermark: Int64, context: Context) throws {
        guard case .session(let gap) = spec.kind else { return }
        var start = timestamp
        var end = timestamp + gap
        collected.removeAll(keepingCapacity: true)
        try context.forEach(windowsState, key: key) { userKey, value in
            let otherStart = Self.decodeStart(userKey)
            let otherEnd = value.loadUnaligned(fromByteOffset: 16, as: Int64.self)
            if otherStart <= timestamp + gap && otherEnd >= timestamp {
                collected.append((otherStart, Array(value)))
            }
            return true
        }
        for window in collected {
            start = min(start, window.start)
            end = max(end, window.bytes.loadInt64(at: 16))
        }
        guard end - 1 + spec.allowedLateness > watermark else {
            try handleLate(row: row, origin: origin, (start, end), watermark: watermark, context: context)
            return
        }
        layout.makeEmpty(start: start, end: end, into: &scratch)
        for window in collected {
            layout.merge(window.bytes, into: &scratch)
            if window.start != start {
                setUserKey(window.start)
                try userKey.withUnsafeBytes { try context.delete(windowsState, key: key, userKey: $0) }
            }
        }
        if hasDistinct && !collected.isEmpty { try mergeDistinct(key: key, into: start, context: context) }
        try updateDistinct(key: key, id: start, context: context)
        layout.add(inputs, timestamp: timestamp, to: &scratch)
        try store(key: key, id: start, context: context)
        // Timers of the merged sessions stay registered; when they fire they
        // find no window ending there and do nothing.
        if collected.count != 1 || collected[0].bytes.loadInt64(at: 16) != end {
            try registerTimers(key: key, end: end, context: context)
        }
        if end - 1 <= watermark { try emitResult(key: key, context: context) }
    }

    func handleLate(row: Int, origin: RecordOrigin, _ window: (start: Int64, end: Int64), watermark: Int64,
                            context: Context) throws {
        try origin.withRecord(row) { record in
            let reason = "window: late record: timestamp \(record.timestamp) falls in window [\(window.start), \(window.end)), "
                + "closed at watermark \(watermark) (allowed lateness \(spec.allowedLateness) ms)"
            switch spec.late {
            case .deadLetter:
                try context.reject(record, reason: reason)
            case .sideOutput:
                try context.emitSide("late", timestamp: record.timestamp, key: record.key, value: record.value)
            }
        }
    }

    // MARK: Timers

    func onWatermark(_ watermark: Int64, context: Context) throws {
        if slicing { try fireSlices(upTo: watermark, context: context) }
    }

    func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]? {
        if slicing { try flushSlices(context: context) }
        return nil
    }

    func onTimer(_ timer: Timer, context: Context) throws {
        if spec.time == .processing {
            if timer.domain == .eventTime { return try fireAtEndOfInput(key: timer.key, context: context) }
            try onWindowTimer(timer, context: context)
            return try dropEndOfInputTimerIfDone(key: timer.key, context: context)
        }
        try onWindowTimer(timer, context: context)
    }

    /// A timer at a window's end - 1 (or at its end - 1 + lateness).
    private func onWindowTimer(_ timer: Timer, context: Context) throws {
        let key = timer.key
        let lateness = spec.allowedLateness
        if case .session = spec.kind { return try onSessionTimer(timer, context: context) }
        // A fixed-size window's id follows from the timer's time: the
        // window that fires ends at time + 1, the one to remove at
        // time + 1 - lateness.
        let firing = spec.windowID(end: timer.time + 1)
        if try load(key: key, id: firing, context: context), scratch.loadInt64(at: 16) - 1 == timer.time {
            if slicing { foldSlices(key: key, end: timer.time + 1) }
            try emitResult(key: key, context: context)
            if lateness == 0 { try remove(key: key, id: firing, context: context) }
        }
        if lateness > 0 {
            let expired = spec.windowID(end: timer.time + 1 - lateness)
            if try load(key: key, id: expired, context: context) { try remove(key: key, id: expired, context: context) }
        }
    }

    /// Reads window `id` (see `WindowSpec.windowID`) of `key` into
    /// `scratch`; false when absent.
    func load(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws -> Bool {
        setUserKey(id)
        guard let bytes = try userKey.withUnsafeBytes({ try context.get(windowsState, key: key, userKey: $0) }) else {
            return false
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes)
        return true
    }

    private func remove(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws {
        setUserKey(id)
        try userKey.withUnsafeBytes { try context.delete(windowsState, key: key, userKey: $0) }
        if hasDistinct { try deleteDistinct(key: key, id: id, context: context) }
    }

    /// Sessions have no fixed size: the key's windows are scanned for the
    /// ones that end or expire at the timer's time.
    private func onSessionTimer(_ timer: Timer, context: Context) throws {
        let key = timer.key
        collected.removeAll(keepingCapacity: true)
        let lateness = spec.allowedLateness
        try context.forEach(windowsState, key: key) { userKey, value in
            let end = value.loadUnaligned(fromByteOffset: 16, as: Int64.self)
            if end - 1 == timer.time || end - 1 + lateness == timer.time {
                collected.append((Self.decodeStart(userKey), Array(value)))
            }
            return true
        }
        for window in collected {
            let end = window.bytes.loadInt64(at: 16)
            if end - 1 == timer.time {
                scratch = window.bytes
                try emitResult(key: key, context: context)
            }
            if end - 1 + lateness == timer.time { try remove(key: key, id: window.start, context: context) }
        }
    }

    /// The end-of-input timer of a key with processing-time windows: the
    /// watermark reaches INT64_MAX only at the end of a bounded input.
    static let endOfInputTime = Int64.max

    /// End of input (processing-time windows): emits the key's open
    /// windows, earliest first, and removes them.
    private func fireAtEndOfInput(key: UnsafeRawBufferPointer, context: Context) throws {
        collected.removeAll(keepingCapacity: true)
        try context.forEach(windowsState, key: key) { userKey, value in
            collected.append((Self.decodeStart(userKey), Array(value)))
            return true
        }
        for window in collected {
            scratch = window.bytes
            try emitResult(key: key, context: context)
            try remove(key: key, id: window.start, context: context)
        }
    }

    /// Deletes the key's end-of-input timer once its last processing-time
    /// window fired, so that a key seen once holds no timer for ever.
    private func dropEndOfInputTimerIfDone(key: UnsafeRawBufferPointer, context: Context) throws {
        var open = false
        try context.forEach(windowsState, key: key) { _, _ in
            open = true
            return false
        }
        if !open { try context.deleteTimer(.eventTime, key: key, time: Self.endOfInputTime) }
    }

    func registerTimers(key: UnsafeRawBufferPointer, end: Int64, context: Context) throws {
        if spec.time == .processing {
            try context.registerTimer(.processingTime, key: key, time: end - 1)
            try context.registerTimer(.eventTime, key: key, time: Self.endOfInputTime)
            return
        }
        try context.registerTimer(.eventTime, key: key, time: end - 1)
        if spec.allowedLateness > 0 {
            try context.registerTimer(.eventTime, key: key, time: end - 1 + spec.allowedLateness)
        }
    }

    // MARK: Results

    /// Emits the window in `scratch` for `key`, stamped end - 1.
    func emitResult(key: UnsafeRawBufferPointer, context: Context) throws {
        output.removeAll(keepingCapacity: true)
        appendResult(key: key, to: &output)
        try output.withUnsafeBytes { try context.emit(timestamp: scratch.loadInt64(at: 16) - 1, key: key, value: $0) }
    }

    /// Appends the JSON of the window in `scratch` for `key` (the value
    /// `emitResult` emits).
    func appendResult(key: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let start = scratch.loadInt64(at: 8)
        let end = scratch.loadInt64(at: 16)
        output.append(contentsOf: keyPrefix)
        JSONView.appendQuoted(key, to: &output)
        if boundsText.start != start || boundsText.end != end || boundsText.text.isEmpty {
            // The windows that fire together share their bounds: written
            // once per window, not per result.
            var text = Array(#","window_start":"#.utf8)
            appendJSON(start, to: &text)
            text.append(contentsOf: #","window_end":"#.utf8)
            appendJSON(end, to: &text)
            boundsText = (start, end, text)
        }
        output.append(contentsOf: boundsText.text)
        layout.appendResult(scratch, to: &output)
        output.append(UInt8(ascii: "}"))
    }

    // MARK: State helpers

    /// Writes `scratch` as window `id` of `key`.
    func store(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws {
        setUserKey(id)
        try userKey.withUnsafeBytes { userKey in
            try scratch.withUnsafeBytes { try context.put(windowsState, key: key, userKey: userKey, value: $0) }
        }
    }

    /// Window ids as map keys: big-endian with the sign bit flipped, so
    /// byte order is time order.
    private func setUserKey(_ id: Int64) {
        let bits = UInt64(bitPattern: id) ^ (1 << 63)
        for index in 0..<8 { userKey[index] = UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64(index))) }
    }

    static func decodeStart(_ userKey: UnsafeRawBufferPointer) -> Int64 {
        var bits: UInt64 = 0
        for index in 0..<8 { bits = bits << 8 | UInt64(userKey[index]) }
        return Int64(bitPattern: bits ^ (1 << 63))
    }

    /// Counts the record's distinct values that are new in the window.
    private func updateDistinct(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws {
        guard hasDistinct else { return }
        for (index, aggregate) in spec.aggregates.enumerated() where aggregate.function == .distinctCount {
            guard case .text(let text) = inputs[index] else { continue }
            setDistinctKey(id: id, aggregate: index, text: text)
            let seen = try distinctKey.withUnsafeBytes { try context.get(distinctState, key: key, userKey: $0) } != nil
            if seen { continue }
            try distinctKey.withUnsafeBytes { userKey in
                try context.put(distinctState, key: key, userKey: userKey, value: UnsafeRawBufferPointer(start: nil, count: 0))
            }
            let slot = layout.slot(index)
            scratch.store(scratch.loadInt64(at: slot) + 1, at: slot)
        }
    }

    private func setDistinctKey(id: Int64, aggregate: Int, text: UnsafeRawBufferPointer) {
        setUserKey(id)
        distinctKey.removeAll(keepingCapacity: true)
        distinctKey.append(contentsOf: userKey)
        distinctKey.append(UInt8(aggregate))
        distinctKey.append(contentsOf: text)
    }

    /// The distinct entries of window `id` (as user keys).
    private func distinctEntries(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws -> [[UInt8]] {
        setUserKey(id)
        let prefix = userKey
        var entries: [[UInt8]] = []
        try context.forEach(distinctState, key: key) { userKey, _ in
            if userKey.count > 8 && userKey.prefix(8).elementsEqual(prefix) { entries.append(Array(userKey)) }
            return true
        }
        return entries
    }

    private func deleteDistinct(key: UnsafeRawBufferPointer, id: Int64, context: Context) throws {
        for entry in try distinctEntries(key: key, id: id, context: context) {
            try entry.withUnsafeBytes { try context.delete(distinctState, key: key, userKey: $0) }
        }
    }

    /// Moves the distinct values of the merged sessions under `start` and
    /// recounts them into `scratch`.
    private func mergeDistinct(key: UnsafeRawBufferPointer, into start: Int64, context: Context) throws {
        for window in collected where window.start != start {
            for entry in try distinctEntries(key: key, id: window.start, context: context) {
                try entry.withUnsafeBytes { try context.delete(distinctState, key: key, userKey: $0) }
                setUserKey(start)
                var moved = userKey
                moved.append(contentsOf: entry[8...])
                try moved.withUnsafeBytes { userKey in
                    try context.put(distinctState, key: key, userKey: userKey, value: UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
        }
        var counts = Array(repeating: Int64(0), count: spec.aggregates.count)
        for entry in try distinctEntries(key: key, id: start, context: context) { counts[Int(entry[8])] += 1 }
        for (index, aggregate) in spec.aggregates.enumerated() where aggregate.function == .distinctCount {
            scratch.store(counts[index], at: layout.slot(index))
        }
    }
}

/// Where the record being aggregated came from, to hand it on whole (a
/// reject, the late side output): a byte batch, or a typed one whose row
/// is then written as the JSON the host would write for it.
enum RecordOrigin {
    case bytes(Batch)
    case columns(Batch, values: Column, encoder: ColumnarJSONEncoder)

    func withRecord<R>(_ row: Int, _ body: (Record) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let batch):
            return try body(batch[row])
        case .columns(let batch, let values, let encoder):
            var text: [UInt8] = []
            let isValue = encoder.append(row: row, of: values, to: &text)
            return try text.withUnsafeBytes { value in
                try body(Record(index: row, timestamp: batch.timestamp(at: row), key: batch.key(at: row),
                                value: isValue ? value : nil))
            }
        }
    }

    func reject(_ row: Int, reason: String, context: Context) throws {
        try withRecord(row) { try context.reject($0, reason: reason) }
    }
}
