import StreamhostKit

/// OPERATOR "dedup": keeps the first record per key within a TTL and drops
/// the later ones (duplicates), counting them in the counter
/// "duplicates_dropped".
///
/// The key is the record key, or with `key_field` a field of the JSON value
/// (see `KeyField`). State: one value per key in the keyed state
/// "first_seen", kept by the host.
///
/// - `time: event` (the default): a key first seen at event time t
///   suppresses the records of that key with timestamps < t + ttl_ms; the
///   first record at or after t + ttl_ms is kept and starts a new period.
///   "first_seen" holds t (8 bytes, little-endian), and an event-time timer
///   at t + ttl_ms deletes it once the watermark reaches t + ttl_ms, when
///   no record that is not late (timestamp >= watermark) could be its
///   duplicate any more. A late record (timestamp < watermark) of a key
///   with no entry is rejected: its entry may already have been cleaned
///   up, so dedup cannot tell a first from a duplicate. (A late record of
///   a key with an entry is a duplicate: its timestamp is below the
///   watermark, which is below t + ttl_ms.)
/// - `time: processing`: a key's entry lives ttl_ms of processing time
///   after the first record wrote it (the host's state TTL); records of the
///   key meanwhile are duplicates.
///
/// Rejected with a reason: a record without a key (and no `key_field`); with
/// `key_field`, a value that is null, not JSON, or lacks the field or holds
/// null there; late records as above.
///
/// # Thread safety
/// The host calls one instance from one thread at a time; instances share
/// nothing.
///
/// # Ownership
/// Kept records are forwarded unchanged; the host copies them. The instance
/// owns one key buffer, reused for every record.
final class Dedup: Operator {
    static let name = "dedup"
    static let description = "Keeps the first record per key within a TTL and drops later duplicates"
    static let configSchema: String? = """
        {"type":"object",\
        "description":"Keeps the first record per key and drops the records of that key that follow within \
        ttl_ms (duplicates, counted in duplicates_dropped). The key is the record key (put key_by before \
        dedup), or with key_field a field of the JSON value.",\
        "x-streamhost-keyed-input":true,\
        "properties":{\
        "ttl_ms":{"type":"integer","minimum":1,\
        "description":"How long a first record suppresses its duplicates, in ms of event time or processing time."},\
        "key_field":{"type":"string","minLength":1,"x-streamhost-key-field":true,\
        "description":"A dotted path (customer.id) of the JSON value's field to dedup on instead of the record \
        key; records without it are rejected. With parallelism > 1 put key_by on the same field before dedup."},\
        "time":{"type":"string","enum":["event","processing"],"default":"event","x-streamhost-event-time":"event",\
        "description":"event: a record at event time t suppresses duplicates with timestamps < t + ttl_ms, and \
        its state is cleaned when the watermark passes t + ttl_ms; late records of keys without state are \
        rejected. processing: the state expires ttl_ms of processing time after the first record."}\
        },\
        "required":["ttl_ms"],"additionalProperties":false}
        """

    enum TimeMode: String {
        case event, processing
    }

    /// What dedup decides for one record.
    enum Decision {
        case first, duplicate, late
    }

    let ttlMs: Int64
    let time: TimeMode
    let keyField: KeyField?
    let duplicatesDropped: Counter

    /// Registered in `open`, which the host calls before any record or timer.
    private var firstSeen: ValueState!
    /// The key read from `key_field`, reused for every record.
    private var fieldKey: [UInt8] = []

    init(context: Context, config: Config) throws {
        ttlMs = Int64(try config.requiredInt("ttl_ms"))
        guard ttlMs > 0 else {
            throw PluginError.invalidConfig(key: "ttl_ms", expected: "an integer > 0 (milliseconds), got \(ttlMs)")
        }
        let timeText = try config.string("time", default: TimeMode.event.rawValue)
        guard let time = TimeMode(rawValue: timeText) else {
            throw PluginError.invalidConfig(key: "time", expected: "\"event\" or \"processing\", got \"\(timeText)\"")
        }
        self.time = time
        keyField = try config.string("key_field").map { try KeyField($0, configKey: "key_field") }
        duplicatesDropped = try context.counter(named: "duplicates_dropped")
    }

    func open(context: Context, info: TaskInfo) throws {
        // Processing time: the host expires entries ttl_ms after their write.
        firstSeen = try context.valueState(named: "first_seen", ttlMs: time == .processing ? ttlMs : 0)
    }

    func process(_ batch: Batch, context: Context) throws {
        // The watermark moves between callbacks, never during one.
        let watermark = context.watermark
        var dropped: Int64 = 0
        // Report what was dropped even if a host call fails half-way.
        defer { if dropped > 0 { duplicatesDropped.add(dropped) } }
        for record in batch {
            let decision: Decision
            if let keyField {
                if let reason = keyField.extractKey(from: record.value, into: &fieldKey) {
                    try context.reject(record, reason: reason)
                    continue
                }
                decision = try fieldKey.withUnsafeBytes { key in
                    try decide(key: key, timestamp: record.timestamp, watermark: watermark, context: context)
                }
            } else {
                guard let key = record.key else {
                    try context.reject(
                        record,
                        reason: "dedup: the record has no key; put key_by before dedup, or set key_field to "
                            + "dedup on a field of the value")
                    continue
                }
                decision = try decide(key: key, timestamp: record.timestamp, watermark: watermark, context: context)
            }
            switch decision {
            case .first:
                try context.emit(record)
            case .duplicate:
                dropped += 1
            case .late:
                try context.reject(
                    record,
                    reason: "late record: timestamp \(record.timestamp) is behind the watermark \(watermark) and "
                        + "dedup keeps no entry for its key, which may have been cleaned up already, so it cannot "
                        + "tell a first record from a duplicate; allow more out-of-orderness in the source's "
                        + "watermarks (max_out_of_orderness_ms) or use time: processing")
            }
        }
    }

    /// Decides for one record and records a first one in state.
    @inline(__always)
    private func decide(key: UnsafeRawBufferPointer, timestamp: Int64, watermark: Int64, context: Context) throws
        -> Decision
    {
        switch time {
        case .processing:
            if try context.get(firstSeen, key: key) != nil { return .duplicate }
            // The value only marks the key; the processing time helps a reader.
            try withUnsafeBytes(of: context.processingTime.littleEndian) {
                try context.put(firstSeen, key: key, value: $0)
            }
            return .first
        case .event:
            if let stored = try context.get(firstSeen, key: key) {
                let end = ttlEnd(of: try Dedup.eventTime(stored))
                if timestamp < end { return .duplicate }
                // A new period starts: the old one's cleanup must not delete it.
                try context.deleteTimer(.eventTime, key: key, time: end)
            } else if timestamp < watermark {
                return .late
            }
            try withUnsafeBytes(of: timestamp.littleEndian) { try context.put(firstSeen, key: key, value: $0) }
            try context.registerTimer(.eventTime, key: key, time: ttlEnd(of: timestamp))
            return .first
        }
    }

    /// Event time: the watermark reached the end of a key's period, so no
    /// record that is not late can be its duplicate: the entry goes.
    func onTimer(_ timer: Timer, context: Context) throws {
        guard let stored = try context.get(firstSeen, key: timer.key) else { return }
        // A period that started after this timer was set has deleted it; a
        // later period is never cut short.
        if ttlEnd(of: try Dedup.eventTime(stored)) <= timer.time {
            try context.delete(firstSeen, key: timer.key)
        }
    }

    /// The end of the period that starts at `timestamp` (saturating: a
    /// period that would end past Int64.max ends at the end of time).
    @inline(__always)
    private func ttlEnd(of timestamp: Int64) -> Int64 {
        let (end, overflow) = timestamp.addingReportingOverflow(ttlMs)
        return overflow ? .max : end
    }

    /// The event time stored in "first_seen", checked where it is read back.
    @inline(__always)
    private static func eventTime(_ stored: UnsafeRawBufferPointer) throws -> Int64 {
        guard stored.count == 8 else {
            throw PluginError.failed(
                "dedup: state 'first_seen' holds \(stored.count) bytes for a key where it writes 8 (an event time); "
                    + "the state was written by something else")
        }
        return Int64(littleEndian: stored.loadUnaligned(as: Int64.self))
    }
}
