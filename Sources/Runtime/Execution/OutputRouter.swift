import Columns
import Core
import PluginHost

/// Sends a task's output batches to the channels of the steps it feeds,
/// by each edge's exchange, and holds what a full channel refused.
///
/// Hash exchanges split batches by key group into per-target builders that
/// are sealed when full or when the task is about to wait (`flushPartials`),
/// so batches stay large under load and records don't linger when it's quiet.
///
/// # Thread safety
/// Used only by its task.
final class OutputRouter {
    final class Edge {
        let exchange: Exchange
        /// For a side output: the producing step (by plan index) and the
        /// output's name; nil for the chain's main output.
        let sideOutput: (step: Int, name: String)?
        /// The consumer's channels: one per consumer instance, or, for a
        /// forward edge, only the channel to the same-numbered instance.
        let channels: [Channel]
        // Touched per record by one task only: no dynamic exclusivity checks.
        @exclusivity(unchecked) var nextTarget: Int
        @exclusivity(unchecked) var builders: [RecordBatch?]
        /// For a hash exchange of typed columns: the values (and headers)
        /// of each builder's rows, gathered beside its timestamps and keys
        /// (nil: the builder holds byte records).
        @exclusivity(unchecked) var columnBuilders: [(values: Column, headers: Column?, schema: Schema)?]
        /// For a hash exchange of byte records: the record headers of each
        /// builder's rows (an empty list for a record without), made when
        /// the first record with headers comes; nil while none has.
        @exclusivity(unchecked) var headerBuilders: [Column?]
        /// The key reader of the last schema seen (nil key: that schema has
        /// no scalar column at the key's path).
        @exclusivity(unchecked) var columnKey: (schema: Schema, key: ColumnKey?)?

        /// For a hash exchange of a source whose job file declares
        /// `schema:`: reads its byte batches into columns before they are
        /// keyed (rows that do not fit go to the dead letters).
        let decode: EdgeConversion?

        init(exchange: Exchange, channels: [Channel], firstTarget: Int, sideOutput: (step: Int, name: String)? = nil,
             decode: EdgeConversion? = nil) {
            self.decode = decode
            self.exchange = exchange
            self.sideOutput = sideOutput
            self.channels = channels
            self.nextTarget = firstTarget
            self.builders = Array(repeating: nil, count: channels.count)
            self.columnBuilders = Array(repeating: nil, count: channels.count)
            self.headerBuilders = Array(repeating: nil, count: channels.count)
        }
    }

    private let edges: [Edge]
    private let instance: Int
    private let keyGroups: KeyGroups
    private let batchRecordsMax: Int
    private let deadLetters: DeadLetterWriter
    /// Records that went into each hash exchange, by its key_by step id,
    /// for the run summary.
    private(set) var keyedCounts: [String: Int] = [:]
    /// Elements refused by a full channel, per channel, oldest first.
    private var pending: [ObjectIdentifier: (Channel, [StreamElement])] = [:]
    private var pendingOrder: [ObjectIdentifier] = []

    init(edges: [Edge], instance: Int, keyGroups: KeyGroups, batchRecordsMax: Int, deadLetters: DeadLetterWriter) {
        self.edges = edges
        self.instance = instance
        self.keyGroups = keyGroups
        self.batchRecordsMax = batchRecordsMax
        self.deadLetters = deadLetters
    }

    var hasPending: Bool { !pendingOrder.isEmpty }

    /// Routes one sealed batch of the chain's main output along its edges.
    func route(_ batch: RecordBatch) {
        batch.seal()
        for edge in edges where edge.sideOutput == nil { send(batch, along: edge) }
    }

    /// Routes a batch of step `step`'s side output `name` to the steps that
    /// read it.
    func routeSide(_ batch: RecordBatch, step: Int, name: String) {
        batch.seal()
        for edge in edges {
            guard let side = edge.sideOutput, side.step == step, side.name == name else { continue }
            send(batch, along: edge)
        }
    }

    private func send(_ batch: RecordBatch, along edge: Edge) {
        switch edge.exchange {
        case .forward:
            send(batch, to: edge.channels[0])
        case .rebalance:
            send(batch, to: edge.channels[edge.nextTarget])
            edge.nextTarget = (edge.nextTarget + 1) % edge.channels.count
        case .hash(let selector, let stepID):
            if let decode = edge.decode, !batch.hasColumnValues {
                partition(decode.decode(batch), edge: edge, selector: selector, stepID: stepID)
            } else {
                partition(batch, edge: edge, selector: selector, stepID: stepID)
            }
        }
    }

    private enum ExtractedKey {
        case slice(UnsafeRawBufferPointer)
        case decoded([UInt8])
        case failure(String)
    }

    private func partition(_ typedBatch: RecordBatch, edge: Edge, selector: KeySelector, stepID: String) {
        if let typed = typedBatch.columnar, let values = typed.values {
            let key: ColumnKey?
            switch selector {
            case .recordKey:
                return partitionColumns(typedBatch, typed: typed, values: values, key: nil, edge: edge, stepID: stepID)
            case .field(let path, let text):
                if let cached = edge.columnKey, cached.schema == typed.schema {
                    key = cached.key
                } else {
                    key = ColumnKey(path: path.segments, text: text, schema: typed.schema)
                    edge.columnKey = (typed.schema, key)
                }
            }
            if let key {
                partitionColumns(typedBatch, typed: typed, values: values, key: key, edge: edge, stepID: stepID)
                return
            }
        }
        // Byte values, or a key the columns cannot give (a list or struct
        // field, whose key is its JSON text): the records go on as JSON
        // (the plan told the consumer to expect bytes then).
        let batch = typedBatch.convertedToBytes()
        let headers = batch.columnar?.headers
        keyedCounts[stepID, default: 0] += batch.count
        for index in 0..<batch.count {
            batch.withRecord(at: index) { timestamp, key, value in
                let extracted: ExtractedKey
                switch selector {
                case .recordKey:
                    extracted = key.map(ExtractedKey.slice) ?? .failure("key_by '$key': the record has no key")
                case .field(let path, let text):
                    extracted = extractKey(path, text: text, from: value)
                }
                switch extracted {
                case .slice(let routedKey):
                    append(timestamp: timestamp, key: routedKey, value: value, headers: headers, row: index, edge: edge)
                case .decoded(let bytes):
                    bytes.withUnsafeBytes {
                        append(timestamp: timestamp, key: $0, value: value, headers: headers, row: index, edge: edge)
                    }
                case .failure(let reason):
                    deadLetters.write(RejectedRecord(
                        stepID: stepID, instance: instance, reason: reason,
                        timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) },
                        reasonClass: .key))
                }
            }
        }
    }

    /// Appends one byte record, with row `row` of `headers` (the batch's
    /// headers column, nil: none), to the builder of its key's target.
    @inline(__always)
    private func append(timestamp: Int64, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?,
                        headers: Column?, row: Int, edge: Edge) {
        let target = keyGroups.instance(owning: keyGroups.keyGroup(of: key), parallelism: edge.channels.count)
        if edge.columnBuilders[target] != nil { seal(edge, target: target) }
        let builder: RecordBatch
        if let existing = edge.builders[target] {
            builder = existing
        } else {
            builder = RecordBatch(recordCapacity: batchRecordsMax)
            edge.builders[target] = builder
        }
        if let headers {
            if edge.headerBuilders[target] == nil {
                let column = Column(ColumnarValues.headersType, capacity: batchRecordsMax)
                for _ in 0..<builder.count { column.appendList() }
                edge.headerBuilders[target] = column
            }
            edge.headerBuilders[target]!.appendRow(of: headers, at: row)
        } else if let column = edge.headerBuilders[target] {
            column.appendList()
        }
        builder.append(timestamp: timestamp, key: key, value: value)
        if builder.count >= batchRecordsMax { seal(edge, target: target) }
    }

    /// key_by over typed columns: one pass over the key column (or the
    /// record keys, for `$key`) writes each record's key as the text the
    /// byte path would take (see `ColumnKey`) into one contiguous buffer
    /// per target, beside the target's rows and timestamps; the values
    /// stay columns. With one consumer instance the batch's columns are
    /// shared as they are (a row without a key is left out of the
    /// selection) and its timestamps and keys go into the batch in one
    /// bulk append; with several, the pass hashes each key to its target,
    /// and then each target's rows are gathered into its builder in bulk
    /// (`gatherColumns`). No per-record append or allocation: the buffers
    /// are reused across batches.
    private func partitionColumns(_ batch: RecordBatch, typed: ColumnarValues, values: Column, key: ColumnKey?,
                                  edge: Edge, stepID: String) {
        keyedCounts[stepID, default: 0] += batch.recordCount
        let keyColumn = key.map { $0.column(in: values) }
        let single = edge.channels.count == 1
        // Records already gathered for the one consumer go first.
        if single, edge.builders[0] != nil { seal(edge, target: 0) }
        var kept: [UInt32] = []
        if single { kept.reserveCapacity(batch.recordCount) }
        var selected = 0
        let selection = typed.selection
        let targets = edge.channels.count
        var routed = takeRouted(targets: targets)
        defer { gatherRouted = routed }
        if selection == nil, let key, let keyColumn {
            var keys = bulkKeys
            var ends = bulkKeyEnds
            keys.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            ends.append(0)
            defer { (bulkKeys, bulkKeyEnds) = (keys, ends) }
            if key.appendKeysInBulk(count: batch.count, of: values, keyColumn: keyColumn, to: &keys, ends: &ends) {
                return routeKeyedInBulk(batch, typed: typed, values: values, keys: keys, ends: ends, routed: &routed,
                                        edge: edge)
            }
        }
        var spare = keyScratch
        keyScratch = []
        for row in 0..<batch.count {
            let isRecord: Bool
            if let selection {
                isRecord = selected < selection.count && Int(selection[selected]) == row
                if isRecord { selected += 1 }
            } else {
                isRecord = true
            }
            let timestamp = batch.timestamp(at: row)
            // With one consumer every row keeps its place (the columns are
            // shared): a row that is no record, or has no key, gets an
            // empty key (nothing written, `close`) and stays out of the
            // selection.
            guard isRecord else {
                if single { routed[0].close(timestamp: timestamp, row: row) }
                continue
            }
            // With one target the key is written in place; with several,
            // to `spare` first, until its hash names its target.
            let keyStart = single ? routed[0].keys.count : 0
            let reason: String?
            if single {
                reason = Self.appendKey(row: row, of: batch, values: values, key: key, keyColumn: keyColumn,
                                        to: &routed[0].keys)
            } else {
                spare.removeAll(keepingCapacity: true)
                reason = Self.appendKey(row: row, of: batch, values: values, key: key, keyColumn: keyColumn, to: &spare)
            }
            if let reason {
                if single { routed[0].keys.removeSubrange(keyStart...) }
                batch.withRecord(at: row) { timestamp, recordKey, _ in
                    deadLetters.write(RejectedRecord(
                        stepID: stepID, instance: instance, reason: reason,
                        timestamp: timestamp, key: recordKey.map { Array($0) }, value: batch.valueBytes(at: row)))
                }
                if single { routed[0].close(timestamp: timestamp, row: row) }
                continue
            }
            if single {
                routed[0].close(timestamp: timestamp, row: row)
                kept.append(UInt32(row))
            } else {
                let owner = spare.withUnsafeBytes {
                    keyGroups.instance(owning: keyGroups.keyGroup(of: $0), parallelism: targets)
                }
                routed[owner].keys.append(contentsOf: spare)
                routed[owner].close(timestamp: timestamp, row: row)
            }
        }
        keyScratch = spare
        if !single {
            for target in 0..<targets where !routed[target].rows.isEmpty {
                gatherColumns(routed[target], of: batch, typed: typed, values: values, target: target, edge: edge)
            }
            return
        }
        let out = RecordBatch(recordCapacity: batch.count, valueBytesCapacity: 64)
        routed[0].appendTimestampsAndKeys(range: 0..<routed[0].rows.count, to: out,
                                          emptyValues: emptyValueOffsets(batch.count))
        let allKept = kept.count == batch.count
        out.columnar = ColumnarValues(schema: typed.schema, values: values, selection: allKept ? nil : kept,
                                      headers: typed.headers)
        if out.recordCount > 0 { send(out, to: edge.channels[0]) }
    }

    /// Routes a typed batch whose every row has its key in `keys`, split
    /// at `ends` (`ColumnKey.appendKeysInBulk`): to one consumer the
    /// batch's columns as they are, with its timestamps and the keys in one
    /// bulk append; to several, each key hashed to its target and the
    /// targets' rows gathered in bulk.
    private func routeKeyedInBulk(_ batch: RecordBatch, typed: ColumnarValues, values: Column, keys: [UInt8],
                                  ends: [UInt32], routed: inout [RoutedRows], edge: Edge) {
        let targets = edge.channels.count
        if targets == 1 {
            let out = RecordBatch(recordCapacity: batch.count, valueBytesCapacity: 64)
            let zeros = emptyValueOffsets(batch.count)
            batch.withColumns { columns in
                keys.withUnsafeBufferPointer { keys in
                    ends.withUnsafeBufferPointer { ends in
                        out.append(count: batch.count, timestamps: columns.timestamps, keyOffsets: ends.baseAddress!,
                                   keys: keys.baseAddress, valueOffsets: zeros, values: nil, flags: nil)
                    }
                }
            }
            out.columnar = ColumnarValues(schema: typed.schema, values: values, headers: typed.headers)
            if out.recordCount > 0 { send(out, to: edge.channels[0]) }
            return
        }
        keys.withUnsafeBytes { keys in
            for row in 0..<batch.count {
                let key = UnsafeRawBufferPointer(rebasing: keys[Int(ends[row])..<Int(ends[row + 1])])
                let owner = keyGroups.instance(owning: keyGroups.keyGroup(of: key), parallelism: targets)
                routed[owner].keys.append(contentsOf: key)
                routed[owner].close(timestamp: batch.timestamp(at: row), row: row)
            }
        }
        for target in 0..<targets where !routed[target].rows.isEmpty {
            gatherColumns(routed[target], of: batch, typed: typed, values: values, target: target, edge: edge)
        }
    }

    /// The keys of the batch being routed in bulk, and their ends (reused
    /// across batches).
    private var bulkKeys: [UInt8] = []
    private var bulkKeyEnds: [UInt32] = []

    /// Appends the key of `row` (from `keyColumn`, or the record key when
    /// `key` is nil) to `keys`; why there is none, if so.
    @inline(__always)
    private static func appendKey(row: Int, of batch: RecordBatch, values: Column, key: ColumnKey?, keyColumn: Column?,
                                  to keys: inout [UInt8]) -> String? {
        if let key, let keyColumn {
            do throws(ColumnKey.Missing) {
                try key.append(row: row, of: values, keyColumn: keyColumn, to: &keys)
                return nil
            } catch {
                return error.reason(keyBy: key.text)
            }
        }
        return batch.withRecord(at: row) { _, recordKey, _ in
            guard let recordKey else { return "key_by '$key': the record has no key" }
            keys.append(contentsOf: recordKey)
            return nil
        }
    }

    /// One target's share of a batch being routed: its rows, their
    /// timestamps, and their keys in one buffer split at `keyEnds` (which
    /// starts with 0), in the shape `RecordBatch`'s bulk append takes.
    struct RoutedRows {
        var rows: [UInt32] = []
        var timestamps: [Int64] = []
        var keys: [UInt8] = []
        var keyEnds: [UInt32] = [0]

        mutating func clear() {
            rows.removeAll(keepingCapacity: true)
            timestamps.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            keyEnds.removeAll(keepingCapacity: true)
            keyEnds.append(0)
        }

        /// Ends the key written at the end of `keys` as row `row`'s.
        @inline(__always)
        mutating func close(timestamp: Int64, row: Int) {
            rows.append(UInt32(row))
            timestamps.append(timestamp)
            keyEnds.append(UInt32(keys.count))
        }

        /// Appends the timestamps and keys of rows `range` (values empty,
        /// `emptyValues` holding at least range.count + 1 zero offsets) to
        /// `batch` in one bulk append.
        func appendTimestampsAndKeys(range: Range<Int>, to batch: RecordBatch, emptyValues: UnsafePointer<UInt32>) {
            guard !range.isEmpty else { return }
            timestamps.withUnsafeBufferPointer { timestamps in
                keyEnds.withUnsafeBufferPointer { keyEnds in
                    keys.withUnsafeBufferPointer { keys in
                        batch.append(count: range.count, timestamps: timestamps.baseAddress! + range.lowerBound,
                                     keyOffsets: keyEnds.baseAddress! + range.lowerBound,
                                     keys: keys.baseAddress,
                                     valueOffsets: emptyValues, values: nil, flags: nil)
                    }
                }
            }
        }
    }

    /// Per target instance: the rows of the batch being routed (reused
    /// across batches).
    private var gatherRouted: [RoutedRows] = []
    /// The key of the record being routed to one of several targets.
    private var keyScratch: [UInt8] = []
    /// Zero value offsets for the bulk appends of keyed rows (values
    /// empty): `zeroOffsetsCount` of them, allocated once per size.
    private var zeroOffsets: UnsafeMutablePointer<UInt32>?
    private var zeroOffsetsCount = 0

    deinit { zeroOffsets?.deallocate() }

    private func takeRouted(targets: Int) -> [RoutedRows] {
        var routed = gatherRouted
        gatherRouted = []
        if routed.count < targets { routed += Array(repeating: RoutedRows(), count: targets - routed.count) }
        for index in routed.indices { routed[index].clear() }
        return routed
    }

    /// At least `count` + 1 zero offsets, valid until the next call.
    private func emptyValueOffsets(_ count: Int) -> UnsafePointer<UInt32> {
        if let zeroOffsets, zeroOffsetsCount > count { return UnsafePointer(zeroOffsets) }
        zeroOffsets?.deallocate()
        zeroOffsetsCount = max(count + 1, batchRecordsMax + 1)
        let offsets = UnsafeMutablePointer<UInt32>.allocate(capacity: zeroOffsetsCount)
        offsets.initialize(repeating: 0, count: zeroOffsetsCount)
        zeroOffsets = offsets
        return UnsafePointer(offsets)
    }

    /// Appends the rows of `routed` (a typed batch's rows for target
    /// `target`) to the target's builder, as many at a time as the builder
    /// has room for: the timestamps and keys in one bulk append, the
    /// columns in bulk (`Column.appendRows`); seals the builder when full.
    private func gatherColumns(_ routed: RoutedRows, of batch: RecordBatch,
                               typed: ColumnarValues, values: Column, target: Int, edge: Edge) {
        let rows = routed.rows
        var done = 0
        while done < rows.count {
            if let existing = edge.columnBuilders[target], existing.schema != typed.schema
                || (existing.headers == nil) != (typed.headers == nil) {
                seal(edge, target: target)
            } else if edge.columnBuilders[target] == nil, edge.builders[target] != nil {
                seal(edge, target: target)  // byte records gathered before
            }
            if edge.builders[target] == nil {
                edge.builders[target] = RecordBatch(recordCapacity: batchRecordsMax, valueBytesCapacity: 64)
                edge.columnBuilders[target] = (Column(typed.schema.structType, capacity: batchRecordsMax),
                                               typed.headers.map { Column($0.type, capacity: batchRecordsMax) },
                                               typed.schema)
            }
            let builder = edge.builders[target]!
            let columns = edge.columnBuilders[target]!
            let chunk = min(batchRecordsMax - builder.count, rows.count - done)
            precondition(chunk > 0, "a full hash builder was not sealed")
            routed.appendTimestampsAndKeys(range: done..<(done + chunk), to: builder, emptyValues: emptyValueOffsets(chunk))
            rows.withUnsafeBufferPointer { all in
                let part = UnsafeBufferPointer(rebasing: all[done..<(done + chunk)])
                columns.values.appendRows(of: values, rows: part)
                if let headers = typed.headers { columns.headers!.appendRows(of: headers, rows: part) }
            }
            done += chunk
            if builder.count >= batchRecordsMax { seal(edge, target: target) }
        }
    }

    /// Sends target `target`'s builder (with its gathered columns) on.
    private func seal(_ edge: Edge, target: Int) {
        guard let builder = edge.builders[target] else { return }
        edge.builders[target] = nil
        if let columns = edge.columnBuilders[target] {
            edge.columnBuilders[target] = nil
            builder.columnar = ColumnarValues(schema: columns.schema, values: columns.values, headers: columns.headers)
        }
        if let headers = edge.headerBuilders[target] {
            edge.headerBuilders[target] = nil
            builder.columnar = ColumnarValues(schema: Schema([]), values: nil, headers: headers)
        }
        if builder.count > 0 { send(builder, to: edge.channels[target]) }
    }

    /// The key of a record from a field of its JSON value, or why there is none.
    private func extractKey(_ path: JSONFieldPath, text: String, from value: UnsafeRawBufferPointer?) -> ExtractedKey {
        guard let value else { return .failure("key_by '\(text)': the record's value is null") }
        switch JSONScanner.find(path, in: value) {
        case .found(let kind, let range):
            switch kind {
            case .null:
                return .failure("key_by '\(text)': field '\(text)' is null")
            case .stringWithEscapes:
                guard let decoded = JSONScanner.unescapedString(UnsafeRawBufferPointer(rebasing: value[range])) else {
                    return .failure("key_by '\(text)': field '\(text)' holds an invalid string")
                }
                return .decoded(decoded)
            default:
                return .slice(UnsafeRawBufferPointer(rebasing: value[range]))
            }
        case .missing:
            return .failure("key_by '\(text)': field '\(text)' is missing")
        case .notAnObject:
            return .failure("key_by '\(text)': the value is not a JSON object with that path")
        case .malformed(let offset):
            return .failure("key_by '\(text)': the value is not valid JSON (at byte \(offset))")
        }
    }

    /// Seals partly filled hash builders so their records move on.
    func flushPartials() {
        for edge in edges {
            for target in edge.builders.indices {
                if let builder = edge.builders[target], builder.count > 0 { seal(edge, target: target) }
            }
        }
    }

    private func send(_ batch: RecordBatch, to channel: Channel) {
        batch.seal()
        send(.batch(batch), to: channel)
    }

    private func send(_ element: StreamElement, to channel: Channel) {
        let id = ObjectIdentifier(channel)
        if pending[id] == nil, channel.tryPush(element) { return }
        if pending[id] == nil {
            pending[id] = (channel, [element])
            pendingOrder.append(id)
        } else if Channel.supersedes(element, pending[id]!.1.last!) {
            pending[id]!.1[pending[id]!.1.count - 1] = element
        } else {
            pending[id]!.1.append(element)
        }
    }

    /// Sends a watermark or idle mark down every channel, after the records
    /// routed before it.
    func broadcast(_ marker: StreamElement) {
        flushPartials()
        for edge in edges { for channel in edge.channels { send(marker, to: channel) } }
    }

    /// Pushes held elements; false while some channel is still full.
    func flush() -> Bool {
        var index = 0
        while index < pendingOrder.count {
            let id = pendingOrder[index]
            var (channel, elements) = pending[id]!
            var sent = 0
            while sent < elements.count, channel.tryPush(elements[sent]) { sent += 1 }
            if sent == elements.count {
                pending[id] = nil
                pendingOrder.remove(at: index)
            } else {
                elements.removeFirst(sent)
                pending[id] = (channel, elements)
                index += 1
            }
        }
        return pendingOrder.isEmpty
    }

    /// Ends every outgoing stream (after the chain closed and flushed).
    func closeChannels() {
        precondition(!hasPending, "closing channels with elements still held")
        for edge in edges { for channel in edge.channels { channel.close() } }
    }
}
