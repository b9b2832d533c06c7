import StreamhostKit

/// What a window step computes, read from its config.
struct WindowSpec {
    enum Kind: Equatable {
        case tumbling(size: Int64)
        case sliding(size: Int64, slide: Int64)
        case session(gap: Int64)
    }

    enum LateRecords: String {
        case deadLetter = "dead_letter"
        case sideOutput = "side_output"
    }

    let kind: Kind
    let allowedLateness: Int64
    let late: LateRecords
    /// The name of the output field holding the key.
    let keyName: String
    let aggregates: [AggregateSpec]

    static let schema = #"""
        {"type":"object",
         "description":"Aggregates keyed records over event-time windows (put key_by before it).",
         "x-streamhost-keyed-input":true,"x-streamhost-event-time":true,
         "properties":{
          "kind":{"type":"string","enum":["tumbling","sliding","session"],
                  "description":"tumbling: size_ms; sliding: size_ms and slide_ms; session: gap_ms."},
          "size_ms":{"type":"integer","minimum":1,"description":"Window length (tumbling, sliding)."},
          "slide_ms":{"type":"integer","minimum":1,"description":"How far each sliding window starts after the previous one."},
          "gap_ms":{"type":"integer","minimum":1,"description":"A session closes after this much event time without a record for its key."},
          "allowed_lateness_ms":{"type":"integer","minimum":0,"default":0,
                  "description":"Keep a window this long after the watermark passed its end; a late record within it updates the window and its result is emitted again."},
          "late":{"type":"string","enum":["dead_letter","side_output"],"default":"dead_letter",
                  "description":"Where records later than the allowed lateness go: the dead-letter destination, or the side output 'late'."},
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
        func refuse(_ message: String) -> PluginError { .failed("window: \(message)") }
        switch kindName {
        case "tumbling":
            guard let size else { throw refuse("kind tumbling needs size_ms") }
            guard slide == nil, gap == nil else { throw refuse("kind tumbling takes size_ms only (not slide_ms or gap_ms)") }
            kind = .tumbling(size: size)
        case "sliding":
            guard let size, let slide else { throw refuse("kind sliding needs size_ms and slide_ms") }
            guard gap == nil else { throw refuse("kind sliding takes no gap_ms") }
            guard size / slide <= 1000 else {
                throw refuse("size_ms / slide_ms is \(size / slide): each record would update that many windows (at most 1000)")
            }
            kind = .sliding(size: size, slide: slide)
        case "session":
            guard let gap else { throw refuse("kind session needs gap_ms") }
            guard size == nil, slide == nil else { throw refuse("kind session takes gap_ms only (not size_ms or slide_ms)") }
            kind = .session(gap: gap)
        default:
            throw refuse("unknown kind '\(kindName)'")
        }
        allowedLateness = Int64(try config.int("allowed_lateness_ms", default: 0))
        late = LateRecords(rawValue: try config.string("late", default: "dead_letter")) ?? .deadLetter
        keyName = try config.string("key_name", default: "key")

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

    /// The windows a record at `timestamp` belongs to (not for sessions).
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
        case .session(let gap):
            out.append((timestamp, timestamp + gap))
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
