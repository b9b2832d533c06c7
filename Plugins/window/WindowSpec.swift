import StreamhostKit

/// What a window step computes, read from its config.
struct WindowSpec {
    enum Kind: Equatable {
        case tumbling(size: Int64)
        case sliding(size: Int64, slide: Int64)
        /// Flink's CUMULATE: windows that start every `size` and grow by
        /// `step` ([s, s + step), [s, s + 2 step), … [s, s + size)).
        case cumulate(size: Int64, step: Int64)
        case session(gap: Int64)
    }

    /// The clock windows follow: event time (the records' timestamps,
    /// fired by the watermark) or processing time (the host's clock when
    /// the window takes the record, fired by processing-time timers;
    /// Flink's PROCTIME() windows).
    enum Time: String {
        case event
        case processing
    }

    enum LateRecords: String {
        case deadLetter = "dead_letter"
        case sideOutput = "side_output"
    }

    let kind: Kind
    let time: Time
    let allowedLateness: Int64
    let late: LateRecords
    /// The name of the output field holding the key.
    let keyName: String
    let aggregates: [AggregateSpec]
    /// The most memory the open slices of typed batches may hold before
    /// they are written to keyed state (WindowOperator+Slices.swift).
    let slicesBytesMax: Int

    /// The default of `slices_max_bytes`: a slice of 100,000 keys with a
    /// few aggregates takes about 10 MiB, so a handful of open slices fit
    /// within the 200 MB a job aims at.
    static let slicesBytesMaxDefault = 64 << 20

    static let schema = #"""
        {"type":"object",
         "description":"Aggregates keyed records over event-time or processing-time windows (put key_by before it).",
         "x-streamhost-keyed-input":true,
         "properties":{
          "time":{"type":"string","enum":["event","processing"],"default":"event","x-streamhost-event-time":"event",
                  "description":"event: windows of the records' timestamps, fired when the watermark passes their end. processing: windows of the host's clock when a record is aggregated, fired by processing-time timers; the windows open at the end of the input are emitted then."},
          "kind":{"type":"string","enum":["tumbling","sliding","cumulate","session"],
                  "description":"tumbling: size_ms; sliding: size_ms and slide_ms; cumulate: size_ms and step_ms; session: gap_ms."},
          "size_ms":{"type":"integer","minimum":1,"description":"Window length (tumbling, sliding; cumulate: the longest window)."},
          "slide_ms":{"type":"integer","minimum":1,"description":"How far each sliding window starts after the previous one."},
          "step_ms":{"type":"integer","minimum":1,"description":"How much each cumulating window grows (size_ms must be a multiple)."},
          "gap_ms":{"type":"integer","minimum":1,"description":"A session closes after this much event time without a record for its key."},
          "allowed_lateness_ms":{"type":"integer","minimum":0,"default":0,
                  "description":"Keep a window this long after the watermark passed its end; a late record within it updates the window and its result is emitted again."},
          "late":{"type":"string","enum":["dead_letter","side_output"],"default":"dead_letter",
                  "description":"Where records later than the allowed lateness go: the dead-letter destination, or the side output 'late'."},
          "slices_max_bytes":{"type":"integer","minimum":1,"default":67108864,
                  "description":"Typed batches aggregate per slice in memory; when the open slices hold more than this, they are written to keyed state."},
          "key_name":{"type":"string","minLength":1,"default":"key","description":"The output field holding the key."},
          "aggregates":{"type":"array","minItems":1,"description":"What to compute per window.",
            "items":{"type":"object","properties":{
              "fn":{"type":"string","enum":["count","sum","min","max","avg","first","last","distinct_count"]},
              "field":{"type":"string","minLength":1,"description":"A dotted path into the JSON value (all but count need one)."},
              "name":{"type":"string","minLength":1,"description":"The output field (default: fn_field, or count)."}},
             "required":["fn"],"additionalProperties":false}}},
         "required":["kind","aggregates"],"additionalProperties":false}
        """#

    init(config: Config) throws {
        let kindName = try config.requiredString("kind")
        let size = try config.int("size_ms").map(Int64.init)
        let slide = try config.int("slide_ms").map(Int64.init)
        let gap = try config.int("gap_ms").map(Int64.init)
        let step = try config.int("step_ms").map(Int64.init)
        func refuse(_ message: String) -> PluginError { .failed("window: \(message)") }
        switch kindName {
        case "tumbling":
            guard let size else { throw refuse("kind tumbling needs size_ms") }
            guard slide == nil, gap == nil, step == nil else {
                throw refuse("kind tumbling takes size_ms only (not slide_ms, step_ms or gap_ms)")
            }
            kind = .tumbling(size: size)
        case "sliding":
            guard let size, let slide else { throw refuse("kind sliding needs size_ms and slide_ms") }
            guard gap == nil, step == nil else { throw refuse("kind sliding takes no gap_ms or step_ms") }
            // A record between two windows would belong to none: refused
            // here rather than dropped without a word.
            guard slide <= size else {
                throw refuse("kind sliding: slide_ms (\(slide)) must not exceed size_ms (\(size)); "
                    + "records between the windows would belong to none")
            }
            guard size / slide <= 1000 else {
                throw refuse("size_ms / slide_ms is \(size / slide): each record would update that many windows (at most 1000)")
            }
            kind = .sliding(size: size, slide: slide)
        case "cumulate":
            guard let size, let step else { throw refuse("kind cumulate needs size_ms and step_ms") }
            guard slide == nil, gap == nil else { throw refuse("kind cumulate takes no slide_ms or gap_ms") }
            guard size % step == 0 else {
                throw refuse("kind cumulate: size_ms (\(size)) must be a multiple of step_ms (\(step))")
            }
            guard size / step <= 1000 else {
                throw refuse("size_ms / step_ms is \(size / step): each record would update that many windows (at most 1000)")
            }
            kind = .cumulate(size: size, step: step)
        case "session":
            guard let gap else { throw refuse("kind session needs gap_ms") }
            guard size == nil, slide == nil, step == nil else {
                throw refuse("kind session takes gap_ms only (not size_ms, slide_ms or step_ms)")
            }
            kind = .session(gap: gap)
        default:
            throw refuse("unknown kind '\(kindName)'")
        }
        let timeName = try config.string("time", default: Time.event.rawValue)
        guard let time = Time(rawValue: timeName) else { throw refuse("unknown time '\(timeName)' (event or processing)") }
        self.time = time
        allowedLateness = Int64(try config.int("allowed_lateness_ms", default: 0))
        // On the host's clock no record is late: a window takes records
        // until its timer fires, and none comes for it after.
        guard time == .event || allowedLateness == 0 else {
            throw refuse("allowed_lateness_ms applies to event time only; processing-time windows take no late records")
        }
        late = LateRecords(rawValue: try config.string("late", default: "dead_letter")) ?? .deadLetter
        keyName = try config.string("key_name", default: "key")
        slicesBytesMax = try config.int("slices_max_bytes", default: Self.slicesBytesMaxDefault)
        guard slicesBytesMax >= 1 else { throw refuse("slices_max_bytes must be at least 1") }

        var aggregates: [AggregateSpec] = []
        try config.withRawValue("aggregates") { list in
            guard let list, list.kind == .array else { throw refuse("aggregates must be a list") }
            var failure: PluginError?
            list.forEachElement { element in
                guard failure == nil else { return }
                let fnName = element.member("fn")?.stringValue ?? ""
                let field = element.member("field")?.stringValue
                guard let function = AggregateSpec.Function(rawValue: fnName) else {
                    failure = refuse("aggregates[\(aggregates.count)]: unknown fn '\(fnName)'")
                    return
                }
                if function != .count, field == nil {
                    failure = refuse("aggregates[\(aggregates.count)]: \(fnName) needs a field")
                    return
                }
                let name = element.member("name")?.stringValue
                    ?? (field.map { "\(fnName)_\($0.replacingDots())" } ?? fnName)
                var path: JSONFieldPath?
                if let field {
                    do throws(JSONFieldPathError) {
                        path = try JSONFieldPath(field)
                    } catch {
                        failure = refuse(error.described(at: "aggregates[\(aggregates.count)]"))
                        return
                    }
                }
                aggregates.append(AggregateSpec(function: function, path: path, name: name))
            }
            if let failure { throw failure }
        }
        var seen = Set<String>([keyName, "window_start", "window_end"])
        for aggregate in aggregates where !seen.insert(aggregate.name).inserted {
            throw refuse("two outputs are named '\(aggregate.name)' (key_name, window_start and window_end are taken too); "
                + "give the aggregates distinct names")
        }
        self.aggregates = aggregates
    }

    /// The windows a record at `timestamp` belongs to, the one that ends
    /// last first (for sessions: the record's own [ts, ts + gap)).
    func windows(of timestamp: Int64, into out: inout [(start: Int64, end: Int64)]) {
        out.removeAll(keepingCapacity: true)
        switch kind {
        case .tumbling(let size):
            let start = timestamp - timestamp % size
            out.append((start, start + size))
        case .sliding(let size, let slide):
            var start = timestamp - timestamp % slide
            while start > timestamp - size {
                out.append((start, start + size))
                start -= slide
            }
        case .cumulate(let size, let step):
            let start = timestamp - timestamp % size
            var end = start + size
            while end > timestamp {
                out.append((start, end))
                end -= step
            }
        case .session(let gap):
            out.append((timestamp, timestamp + gap))
        }
    }

    /// The 8-byte id of a window of a fixed-size kind in keyed state: its
    /// start, or for cumulating windows (which share their start) its end.
    func windowID(start: Int64, end: Int64) -> Int64 {
        if case .cumulate = kind { return end }
        return start
    }

    /// The id of the fixed-size window that ends at `end`.
    func windowID(end: Int64) -> Int64 {
        switch kind {
        case .tumbling(let size), .sliding(let size, _): return end - size
        case .cumulate: return end
        case .session: preconditionFailure("sessions have no fixed size")
        }
    }
}

/// One aggregate of a window.
struct AggregateSpec {
    enum Function: String {
        case count, sum, min, max, avg, first, last
        case distinctCount = "distinct_count"
    }

    let function: Function
    /// The field (nil: count of records).
    let path: JSONFieldPath?
    let name: String
}

extension String {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "_" : $0 }) }
}
