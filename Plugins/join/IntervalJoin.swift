import StreamhostKit

/// OPERATOR "join": an interval join of two keyed inputs with Flink's
/// semantics (`KeyedStream.intervalJoin(...).between(lower, upper)`).
///
/// For each record a of input 0 (left) and b of input 1 (right) with the
/// same record key and `b.ts - a.ts` in [`lower_ms`, `upper_ms`], it emits
/// one record: key the key, timestamp max(a.ts, b.ts), value
/// `{"left":<a's value>,"right":<b's value>}`, where a value that is valid
/// JSON is embedded as it is, a null value is `null` and anything else is a
/// JSON string of its text.
///
/// Each side buffers its records in the keyed map state "left" or "right"
/// (user key: `BufferKey`, timestamp and sequence number; value: the
/// record's value as the JSON text it takes in the output, so it is checked
/// once and not per pair). A new record probes the other side's buffer for
/// its key, then joins its own side's buffer.
///
/// Event time decides what is kept. A record is late when its timestamp is
/// below the watermark; it is rejected with a reason (Flink drops it, or
/// sends it to a side output): a record that is not late has a timestamp
/// >= the watermark. So a left record a can meet no new right record once
/// the watermark is past a.ts + upper (a right record b none once it is
/// past b.ts - lower): an event-time timer at that time + 1 deletes it, and
/// a record already past it when it arrives is joined but not buffered.
/// (Flink's timers sit at a.ts + upper and b.ts - lower, which loses the
/// pair whose second record has a timestamp equal to the watermark; the +1
/// keeps it.) At the end of input the watermark goes to the end of time and
/// every buffer with a finite reach empties; a side without a bound (a
/// regular join, `upper_ms` or `-lower_ms` at the end of time) gets no
/// timers, as its records are kept for as long as the job runs.
///
/// Rejected with a reason: records without a key, and late records.
///
/// # Thread safety
/// The host calls one instance from one thread at a time; instances share
/// nothing.
///
/// # Ownership
/// The host copies what is emitted and what goes into state. The instance
/// owns its buffers (the current value's JSON, the matches of a probe, the
/// joined value, expired user keys), reused for every record.
final class IntervalJoin: Operator {
    static let name = "join"
    static let description = "Interval join of two keyed inputs: pairs with right.ts - left.ts in [lower_ms, upper_ms]"
    static let inputCount = 2
    static let configSchema: String? = """
        {"type":"object",\
        "description":"Joins input 0 (left) and input 1 (right), both keyed by key_by: for each left record a and \
        right record b with the same key and b.ts - a.ts in [lower_ms, upper_ms], emits {\\"left\\":a,\\"right\\":b} \
        with the key and timestamp max(a.ts, b.ts). Records are buffered in keyed state until the watermark makes \
        them unjoinable; late records (timestamp below the watermark) and records without a key are rejected.",\
        "x-streamhost-keyed-input":true,"x-streamhost-event-time":true,\
        "properties":{\
        "lower_ms":{"type":"integer","description":"The smallest right.ts - left.ts that joins (may be negative)."},\
        "upper_ms":{"type":"integer","description":"The largest right.ts - left.ts that joins; >= lower_ms."}\
        },\
        "required":["lower_ms","upper_ms"],"additionalProperties":false}
        """

    /// An input of the join.
    enum Side: Int {
        case left = 0, right = 1

        static let both: [Side] = [.left, .right]

        var name: String { self == .left ? "left" : "right" }
    }

    let lower: Int64
    let upper: Int64

    /// Registered in `open`, which the host calls before any record or
    /// timer: the buffers of the left and right inputs.
    private var leftBuffer: MapState!
    private var rightBuffer: MapState!

    /// Keeps buffered records with equal timestamps apart. A restored or
    /// rescaled instance starts again at 0, so `buffer` steps past user
    /// keys already taken.
    private var sequence: UInt64 = 0

    /// The current record's value as JSON text.
    private var valueJSON: [UInt8] = []
    /// The matches of one probe, copied out of the other buffer (no host
    /// call may be made while the host visits a map): their timestamps and
    /// JSON values, one after another, ending at `matchEnds`.
    private var matchTimestamps: [Int64] = []
    private var matchEnds: [Int] = []
    private var matchJSON: [UInt8] = []
    /// The joined value being emitted.
    private var joined: [UInt8] = []
    /// User keys of expired entries, `BufferKey.byteCount` bytes each.
    private var expiredKeys: [UInt8] = []

    init(context: Context, config: Config) throws {
        lower = Int64(try config.requiredInt("lower_ms"))
        upper = Int64(try config.requiredInt("upper_ms"))
        guard lower <= upper else { throw JoinError.emptyInterval(lower: lower, upper: upper) }
    }

    func open(context: Context, info: TaskInfo) throws {
        leftBuffer = try context.mapState(named: Side.left.name)
        rightBuffer = try context.mapState(named: Side.right.name)
    }

    func process(_ batch: Batch, context: Context) throws {
        guard let side = Side(rawValue: batch.input) else { throw JoinError.unknownInput(batch.input) }
        // The watermark moves between callbacks, never during one.
        let watermark = context.watermark
        for record in batch {
            guard let key = record.key else {
                try context.reject(
                    record,
                    reason: "join: the \(side.name) record has no key; key both inputs with key_by on the field "
                        + "they join on")
                continue
            }
            if record.timestamp < watermark {
                try context.reject(
                    record,
                    reason: "late record: the \(side.name) record's timestamp \(record.timestamp) is behind the "
                        + "watermark \(watermark), so the records it would join may already be dropped; allow more "
                        + "out-of-orderness in the source's watermarks (max_out_of_orderness_ms)")
                continue
            }
            valueJSON.removeAll(keepingCapacity: true)
            IntervalJoin.appendJSON(of: record.value, to: &valueJSON)
            try probe(side: side, key: key, timestamp: record.timestamp, context: context)
            try emitMatches(side: side, key: key, timestamp: record.timestamp, context: context)
            let reach = reach(of: side, timestamp: record.timestamp)
            if reach >= watermark {
                try addToBuffer(side: side, key: key, timestamp: record.timestamp, context: context)
                // An unbounded side (a regular join without a state TTL)
                // keeps its records to the end: no timer per record for it.
                if reach != .max { try context.registerTimer(.eventTime, key: key, time: IntervalJoin.successor(reach)) }
            }
        }
    }

    /// The watermark passed `timer.time`: drops the key's entries of both
    /// sides whose cleanup time it has reached. One timer serves both sides
    /// (the host keeps one per key and time), and entries are visited in
    /// timestamp order, so the expired ones are a prefix of each buffer.
    func onTimer(_ timer: Timer, context: Context) throws {
        for side in Side.both {
            let state = buffer(of: side)
            expiredKeys.removeAll(keepingCapacity: true)
            try context.forEach(state, key: timer.key) { userKey, _ in
                let timestamp = try BufferKey.timestamp(of: userKey, state: state.name)
                guard IntervalJoin.successor(reach(of: side, timestamp: timestamp)) <= timer.time else { return false }
                expiredKeys.append(contentsOf: userKey)
                return true
            }
            try expiredKeys.withUnsafeBytes { keys in
                for start in stride(from: 0, to: keys.count, by: BufferKey.byteCount) {
                    let userKey = UnsafeRawBufferPointer(rebasing: keys[start..<(start + BufferKey.byteCount)])
                    try context.delete(state, key: timer.key, userKey: userKey)
                }
            }
        }
    }

    // MARK: Steps of a record

    /// Copies the other side's entries that join a record of `side` at
    /// `timestamp` into the match buffers, in timestamp order.
    private func probe(side: Side, key: UnsafeRawBufferPointer, timestamp: Int64, context: Context) throws {
        matchTimestamps.removeAll(keepingCapacity: true)
        matchEnds.removeAll(keepingCapacity: true)
        matchJSON.removeAll(keepingCapacity: true)
        let other = buffer(of: side == .left ? .right : .left)
        // The latest timestamp of the other side that joins: entries after
        // it end the visit.
        let last = reach(of: side, timestamp: timestamp)
        try context.forEach(other, key: key) { userKey, value in
            let otherTimestamp = try BufferKey.timestamp(of: userKey, state: other.name)
            if otherTimestamp > last { return false }
            let inInterval = side == .left
                ? joins(left: timestamp, right: otherTimestamp) : joins(left: otherTimestamp, right: timestamp)
            if inInterval {
                matchTimestamps.append(otherTimestamp)
                matchJSON.append(contentsOf: value)
                matchEnds.append(matchJSON.count)
            }
            return true
        }
    }

    /// Emits one joined record per match of the last probe.
    private func emitMatches(side: Side, key: UnsafeRawBufferPointer, timestamp: Int64, context: Context) throws {
        guard !matchTimestamps.isEmpty else { return }
        try matchJSON.withUnsafeBytes { matches in
            var start = 0
            for index in matchTimestamps.indices {
                let match = UnsafeRawBufferPointer(rebasing: matches[start..<matchEnds[index]])
                start = matchEnds[index]
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: #"{"left":"#.utf8)
                if side == .left { joined.append(contentsOf: valueJSON) } else { joined.append(contentsOf: match) }
                joined.append(contentsOf: #","right":"#.utf8)
                if side == .left { joined.append(contentsOf: match) } else { joined.append(contentsOf: valueJSON) }
                joined.append(UInt8(ascii: "}"))
                try joined.withUnsafeBytes { value in
                    try context.emit(timestamp: max(timestamp, matchTimestamps[index]), key: key, value: value)
                }
            }
        }
    }

    /// Adds the current record to its side's buffer under a free user key.
    private func addToBuffer(side: Side, key: UnsafeRawBufferPointer, timestamp: Int64, context: Context) throws {
        let state = buffer(of: side)
        var bufferKey = BufferKey(timestamp: timestamp, sequence: sequence)
        while try bufferKey.withBytes({ try context.get(state, key: key, userKey: $0) }) != nil {
            bufferKey = BufferKey(timestamp: timestamp, sequence: bufferKey.sequence &+ 1)
        }
        sequence = bufferKey.sequence &+ 1
        try bufferKey.withBytes { userKey in
            try valueJSON.withUnsafeBytes { try context.put(state, key: key, userKey: userKey, value: $0) }
        }
    }

    // MARK: Time arithmetic

    /// Whether a left record at `left` and a right one at `right` join:
    /// right - left in [lower, upper]. A difference that overflows Int64 is
    /// outside every interval of Int64 bounds.
    @inline(__always)
    private func joins(left: Int64, right: Int64) -> Bool {
        let (difference, overflow) = right.subtractingReportingOverflow(left)
        return !overflow && difference >= lower && difference <= upper
    }

    /// The latest timestamp of the other side that a record of `side` at
    /// `timestamp` joins: a.ts + upper for a left record, b.ts - lower for a
    /// right one.
    @inline(__always)
    private func reach(of side: Side, timestamp: Int64) -> Int64 {
        side == .left ? IntervalJoin.add(timestamp, upper) : IntervalJoin.add(timestamp, -lower)
    }

    /// `a + b`, saturating at the ends of Int64.
    @inline(__always)
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    /// The first watermark at which an entry of reach `reach` is unjoinable
    /// (its cleanup time): reach + 1, and the end of time for a reach at it.
    @inline(__always)
    static func successor(_ reach: Int64) -> Int64 {
        reach == .max ? .max : reach + 1
    }

    private func buffer(of side: Side) -> MapState {
        side == .left ? leftBuffer : rightBuffer
    }

    // MARK: Values

    /// Appends a record's value as JSON text: valid JSON as it is (without
    /// surrounding whitespace), a null value as `null`, anything else as a
    /// JSON string of its text (invalid UTF-8 becomes U+FFFD, so the output
    /// stays valid JSON).
    static func appendJSON(of value: UnsafeRawBufferPointer?, to output: inout [UInt8]) {
        guard let value else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if let json = try? JSONView(parsing: value) {
            output.append(contentsOf: json.bytes)
            return
        }
        var text = String(decoding: value, as: UTF8.self)
        text.withUTF8 { JSONView.appendQuoted(UnsafeRawBufferPointer($0), to: &output) }
    }
}
