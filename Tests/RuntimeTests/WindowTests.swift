import Core
import Foundation
import PluginHost
import Runtime
import State
import Testing
import TestKit

/// The `window` plugin (dlopen'ed from its .so) in real jobs: results
/// against a reference computed here, shuffled input against sorted input,
/// session merging and splitting, late records and bad records.
@Suite("Window plugin")
struct WindowTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "window") }

    struct Event {
        let ts: Int64
        let user: String
        let amount: String
        let item: Int

        var json: String { #"{"ts":\#(ts),"user":"\#(user)","amount":\#(amount),"item":\#(item)}"# }
    }

    /// Random events: users u0..u<users-1>, amounts with up to two decimals.
    static func events(count: Int, users: Int, span: Int64, seed: UInt64) -> [Event] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let cents = Int.random(in: -5000...100_000, using: &random)
            let amount = cents % 7 == 0 ? "\(cents / 100)" : String(format: "%.2f", Double(cents) / 100)
            return Event(ts: Int64.random(in: 0..<span, using: &random), user: "u\(Int.random(in: 0..<users, using: &random))",
                         amount: amount, item: Int.random(in: 0..<20, using: &random))
        }
    }

    /// Runs file(events) -> key_by user -> window(config) -> file and returns
    /// the result lines and the run.
    func run(_ events: [Event], window: String, watermarks: String = "{strategy: ascending}",
             parallelism: Int = 2, backend: any StateBackend = MemoryStateBackend()) throws -> (JobResult, [String]) {
        let name = UUID().uuidString
        let input = try directory.write("in-\(name).jsonl", events.map(\.json).joined(separator: "\n") + "\n")
        let output = directory.file("out-\(name).jsonl")
        let plan = try makePlan("""
            name: window-test
            parallelism: \(parallelism)
            pipeline:
              - id: in
                source: file
                parallelism: 1
                config: {path: "\(input)", timestamp_field: ts}
                watermarks: \(watermarks)
              - {id: by, key_by: user}
              - id: win
                operator: window
                config: \(window)
              - {id: out, sink: file, parallelism: 1, config: {path: "\(output)"}}
            """, in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq-\(name).jsonl"))
        options.stateBackend = backend
        let result = try JobExecution(plan: plan, options: options).run()
        return (result, CLI.lines(output))
    }

    /// Runs the events one per poll (the watermark moves between records)
    /// through fixture-ts-source -> key_by user -> window -> file.
    func runOnePerPoll(_ events: [Event], window: String, boundMs: Int64 = 0) throws -> (JobResult, [String]) {
        let name = UUID().uuidString
        let output = directory.file("out-\(name).jsonl")
        let plan = try makePlan("""
            name: window-test
            pipeline:
              - id: in
                source: fixture-ts-source
                config: {timestamps: "\(events.map { "\($0.ts)" }.joined(separator: ","))", values: '\(events.map(\.json).joined(separator: "|"))'}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: \(boundMs)}
              - {id: by, key_by: user}
              - {id: win, operator: window, config: \(window)}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """, fixtures: ["event_time"], in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq-\(name).jsonl"))
        options.stateBackend = MemoryStateBackend()
        let result = try JobExecution(plan: plan, options: options).run()
        return (result, CLI.lines(output))
    }

    func rejected(_ result: JobResult) -> [[String: Any]] {
        CLI.lines(result.deadLetterPath).compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    // MARK: Reference

    struct Result: Hashable, CustomStringConvertible {
        var user: String
        var start: Int64
        var end: Int64
        var fields: [String: String]
        var description: String { "\(user) [\(start), \(end)) \(fields.sorted { $0.key < $1.key })" }
    }

    /// Parses an output line into a Result (numbers compared as decimals).
    static func parse(_ line: String) throws -> Result {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        var fields: [String: String] = [:]
        for (name, value) in object where !["user", "window_start", "window_end"].contains(name) {
            fields[name] = canonical(value)
        }
        return Result(user: try #require(object["user"] as? String),
                      start: try #require((object["window_start"] as? NSNumber)?.int64Value),
                      end: try #require((object["window_end"] as? NSNumber)?.int64Value), fields: fields)
    }

    static func canonical(_ value: Any) -> String {
        if let number = value as? NSNumber {
            let decimal = Decimal(string: "\(number)") ?? number.decimalValue
            return "\(decimal)"
        }
        return "\(value)"
    }

    static func canonical(_ decimal: Decimal) -> String { "\(decimal)" }

    static let allAggregates = """
        {kind: KIND, key_name: user, allowed_lateness_ms: LATENESS, aggregates: [
          {fn: count, name: n}, {fn: sum, field: amount, name: total}, {fn: min, field: amount, name: low},
          {fn: max, field: amount, name: high}, {fn: first, field: item, name: first_item},
          {fn: last, field: item, name: last_item}, {fn: distinct_count, field: item, name: items}]}
        """

    /// The aggregates of `allAggregates` over one window's events.
    static func reference(_ user: String, _ start: Int64, _ end: Int64, _ events: [Event]) -> Result {
        let amounts = events.map { Decimal(string: $0.amount)! }
        // first/last: earliest/latest timestamp, ties by the value's text.
        let first = events.min { ($0.ts, "\($0.item)") < ($1.ts, "\($1.item)") }!
        let last = events.max { ($0.ts, "\($0.item)") < ($1.ts, "\($1.item)") }!
        return Result(user: user, start: start, end: end, fields: [
            "n": "\(events.count)", "total": canonical(amounts.reduce(0, +)),
            "low": canonical(amounts.min()!), "high": canonical(amounts.max()!),
            "first_item": "\(first.item)", "last_item": "\(last.item)",
            "items": "\(Set(events.map(\.item)).count)",
        ])
    }

    static func tumblingReference(_ events: [Event], size: Int64) -> Set<Result> {
        let groups = Dictionary(grouping: events) { "\($0.user) \($0.ts - $0.ts % size)" }
        return Set(groups.values.map { group in
            let start = group[0].ts - group[0].ts % size
            return reference(group[0].user, start, start + size, group)
        })
    }

    static func slidingReference(_ events: [Event], size: Int64, slide: Int64) -> Set<Result> {
        var groups: [String: [Event]] = [:]
        for event in events {
            var start = event.ts - event.ts % slide
            while start > event.ts - size {
                groups["\(event.user) \(start)", default: []].append(event)
                start -= slide
            }
        }
        return Set(groups.map { key, group in
            let start = Int64(key.split(separator: " ")[1])!
            return reference(group[0].user, start, start + size, group)
        })
    }

    /// Cumulating windows: [s, s + k step) for s a multiple of size, every
    /// k with s + k step past the event.
    static func cumulateReference(_ events: [Event], size: Int64, step: Int64) -> Set<Result> {
        var groups: [String: [Event]] = [:]
        for event in events {
            let start = event.ts - event.ts % size
            for end in stride(from: start + step, through: start + size, by: Int(step)) where end > event.ts {
                groups["\(event.user) \(start) \(end)", default: []].append(event)
            }
        }
        return Set(groups.map { key, group in
            let bounds = key.split(separator: " ")
            return reference(group[0].user, Int64(bounds[1])!, Int64(bounds[2])!, group)
        })
    }

    /// Sessions: per user, events sorted by time split where the next one is
    /// more than `gap` after the previous (Flink: windows that meet merge).
    static func sessionReference(_ events: [Event], gap: Int64) -> Set<Result> {
        var results = Set<Result>()
        for (user, group) in Dictionary(grouping: events, by: \.user) {
            let sorted = group.sorted { $0.ts < $1.ts }
            var session: [Event] = []
            func close() {
                guard let firstEvent = session.first else { return }
                results.insert(reference(user, firstEvent.ts, session.last!.ts + gap, session))
            }
            for event in sorted {
                if let previous = session.last, event.ts > previous.ts + gap {
                    close()
                    session = []
                }
                session.append(event)
            }
            close()
        }
        return results
    }

    /// The final result per window: the last one emitted for each window,
    /// minus windows a later result of the same user covers (sessions that
    /// merged into a bigger one after firing).
    static func finalResults(_ lines: [String]) throws -> Set<Result> {
        var results: [Result] = []
        for line in lines { results.append(try parse(line)) }
        var final: [Result] = []
        for (index, result) in results.enumerated() {
            let superseded = results[(index + 1)...].contains {
                $0.user == result.user && $0.start <= result.start && $0.end >= result.end
            }
            if !superseded { final.append(result) }
        }
        return Set(final)
    }

    // MARK: Tests

    @Test(arguments: ["memory", "rocksdb"])
    func tumblingAndSlidingMatchTheReference(backend: String) throws {
        let events = Self.events(count: 4000, users: 13, span: 100_000, seed: 11)
        let sorted = events.sorted { $0.ts < $1.ts }
        let tumbling = Self.allAggregates.replacingOccurrences(of: "KIND", with: "tumbling, size_ms: 10000")
            .replacingOccurrences(of: "LATENESS", with: "0")
        let (result, lines) = try run(sorted, window: tumbling, backend: try makeBackend(backend))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.rejectedRecords == 0)
        #expect(lines.count == Set(lines).count)
        #expect(Set(try lines.map(Self.parse)) == Self.tumblingReference(sorted, size: 10000))

        let sliding = Self.allAggregates.replacingOccurrences(of: "KIND", with: "sliding, size_ms: 9000, slide_ms: 3000")
            .replacingOccurrences(of: "LATENESS", with: "0")
        let (slidingResult, slidingLines) = try run(sorted, window: sliding, backend: try makeBackend(backend))
        #expect(slidingResult.failure == nil)
        #expect(Set(try slidingLines.map(Self.parse)) == Self.slidingReference(sorted, size: 9000, slide: 3000))

        let cumulate = Self.allAggregates.replacingOccurrences(of: "KIND", with: "cumulate, size_ms: 10000, step_ms: 2500")
            .replacingOccurrences(of: "LATENESS", with: "0")
        let (cumulateResult, cumulateLines) = try run(sorted, window: cumulate, backend: try makeBackend(backend))
        #expect(cumulateResult.failure == nil, "\(String(describing: cumulateResult.failure))")
        #expect(cumulateLines.count == Set(cumulateLines).count)
        #expect(Set(try cumulateLines.map(Self.parse)) == Self.cumulateReference(sorted, size: 10000, step: 2500))
    }

    @Test func shuffledInputEqualsSortedInputWhenLatenessCoversTheDisorder() throws {
        let events = Self.events(count: 3000, users: 7, span: 60_000, seed: 5).sorted { $0.ts < $1.ts }
        // Move each event up to 4 s away from its place: disorder < 5 s.
        var random = SeededRandom(seed: 99)
        let shuffled = events.enumerated()
            .map { ($0.element.ts + Int64.random(in: 0..<4000, using: &random), $0.element) }
            .sorted { $0.0 < $1.0 }.map(\.1)
        #expect(shuffled.map(\.ts) != events.map(\.ts))
        for kind in ["tumbling, size_ms: 5000", "sliding, size_ms: 6000, slide_ms: 2000", "cumulate, size_ms: 6000, step_ms: 2000",
                     "session, gap_ms: 700"] {
            let config = Self.allAggregates.replacingOccurrences(of: "KIND", with: kind)
                .replacingOccurrences(of: "LATENESS", with: "5000")
            let (sortedRun, sortedLines) = try run(events, window: config)
            let (shuffledRun, shuffledLines) = try run(shuffled, window: config)
            #expect(sortedRun.failure == nil && shuffledRun.failure == nil)
            #expect(shuffledRun.rejectedRecords == 0, "\(kind): \(rejected(shuffledRun).prefix(3))")
            let expected = try Self.finalResults(sortedLines)
            #expect(try Self.finalResults(shuffledLines) == expected, "\(kind)")
            if kind.hasPrefix("session") {
                #expect(expected == Self.sessionReference(events, gap: 700))
            }
        }
    }

    @Test func sessionsMergeAndSplit() throws {
        func event(_ ts: Int64, _ user: String = "a") -> Event { Event(ts: ts, user: user, amount: "1", item: Int(ts)) }
        // a: 0 and 5 merge into [0, 15), which fires once 40 arrives; 18 is
        // behind the watermark but within the lateness: its own session
        // [18, 28) fires at once (18 > 15: no merge with [0, 15)); 33 joins
        // [40, 50), and 25 bridges [18, 28) and [33, 50) into [18, 50).
        let events = [event(0), event(5), event(40), event(0, "b"), event(18), event(33), event(25), event(100, "b")]
        let config = """
            {kind: session, gap_ms: 10, key_name: user, allowed_lateness_ms: 100,
             aggregates: [{fn: count, name: n}, {fn: first, field: item, name: first_item}, {fn: last, field: item, name: last_item}]}
            """
        let (result, lines) = try runOnePerPoll(events, window: config)
        #expect(result.failure == nil)
        let final = try Self.finalResults(lines)
        #expect(final == [
            Result(user: "a", start: 0, end: 15, fields: ["n": "2", "first_item": "0", "last_item": "5"]),
            Result(user: "a", start: 18, end: 50, fields: ["n": "4", "first_item": "18", "last_item": "40"]),
            Result(user: "b", start: 0, end: 10, fields: ["n": "1", "first_item": "0", "last_item": "0"]),
            Result(user: "b", start: 100, end: 110, fields: ["n": "1", "first_item": "100", "last_item": "100"]),
        ])
    }

    @Test func lateRecordsGoToTheDeadLetterDestinationWithTheReason() throws {
        func event(_ ts: Int64) -> Event { Event(ts: ts, user: "a", amount: "2.50", item: 1) }
        // One record per poll, watermark = largest timestamp - 1: 3 arrives after watermark 24.
        let config = "{kind: tumbling, size_ms: 10, key_name: user, aggregates: [{fn: sum, field: amount, name: total}]}"
        let (result, lines) = try runOnePerPoll([event(1), event(12), event(25), event(3), event(26)], window: config)
        #expect(result.failure == nil)
        #expect(try lines.map(Self.parse) == [
            Result(user: "a", start: 0, end: 10, fields: ["total": "2.5"]),
            Result(user: "a", start: 10, end: 20, fields: ["total": "2.5"]),
            Result(user: "a", start: 20, end: 30, fields: ["total": "5"]),
        ])
        let late = rejected(result)
        #expect(late.count == 1)
        #expect((late.first?["reason"] as? String)?.contains("late record: timestamp 3 falls in window [0, 10), closed at watermark 24") == true)
        #expect(late.first?["step"] as? String == "win")
    }

    /// The same out-of-order input (datagen's disorder beyond the bound,
    /// plus stragglers) through the same window gives byte-identical
    /// results and the same dead letters at batch sizes 1, 16 and 1024:
    /// which records are late does not depend on how the source's records
    /// were grouped into batches.
    @Test func lateRecordsAndWindowsDoNotDependOnTheBatchSize() throws {
        func run(batchSize: Int) throws -> (output: [String], late: [String]) {
            let name = "batch-\(batchSize)-\(UUID().uuidString)"
            let output = directory.file("\(name).jsonl")
            let plan = try makePlan("""
                name: batch-size
                batch_size: \(batchSize)
                pipeline:
                  - id: orders
                    source: datagen
                    config: {count: 6000, seed: 11, time_step_ms: 10, disorder_ms: 3000, late_every: 250, late_ms: 20000}
                    watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 1000}
                  - {id: by, key_by: category}
                  - id: win
                    operator: window
                    config: {kind: tumbling, size_ms: 2000, key_name: category, aggregates: [{fn: count, name: n}, {fn: sum, field: amount, name: total}, {fn: first, field: order_id, name: first}, {fn: last, field: order_id, name: last}]}
                  - {id: out, sink: file, config: {path: "\(output)"}}
                """, in: directory)
            var options = RunOptions(workers: 2, deadLetterPath: directory.file("\(name)-dlq.jsonl"))
            options.stateBackend = MemoryStateBackend()
            let result = try JobExecution(plan: plan, options: options).run()
            #expect(result.failure == nil)
            // The dead letters without the time each was written.
            let late = rejected(result).map { record -> String in
                "\(record["step"] ?? "")|\(record["timestamp"] ?? "")|\(record["value"] ?? "")|\(record["reason"] ?? "")"
            }
            return (CLI.lines(output), late)
        }
        let one = try run(batchSize: 1)
        #expect(one.output.count > 100)
        #expect(one.late.count > 100, "the input should make records late: \(one.late.count)")
        for batchSize in [16, 1024] {
            let other = try run(batchSize: batchSize)
            #expect(other.late.count == one.late.count, "batch_size \(batchSize): \(other.late.count) late, \(one.late.count) at 1")
            // The first difference, rather than both lists of thousands.
            func firstDifference(_ a: [String], _ b: [String]) -> String {
                guard let index = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) else { return "lengths \(a.count), \(b.count)" }
                return "at \(index): \(a[index]) | at batch_size 1: \(b[index])"
            }
            #expect(other.late == one.late, "batch_size \(batchSize): other late records, \(firstDifference(other.late, one.late))")
            #expect(other.output == one.output, "batch_size \(batchSize): other windows, \(firstDifference(other.output, one.output))")
        }
    }

    @Test func lateRecordsCanGoToASideOutputThatAnotherStepReads() throws {
        let events = [1, 12, 25, 3, 26, 7].map { Event(ts: Int64($0), user: "a", amount: "1", item: $0) }
        let name = UUID().uuidString
        let output = directory.file("side-out-\(name).jsonl")
        let late = directory.file("side-late-\(name).jsonl")
        let plan = try makePlan("""
            name: side-output
            pipeline:
              - id: in
                source: fixture-ts-source
                config: {timestamps: "\(events.map { "\($0.ts)" }.joined(separator: ","))", values: '\(events.map(\.json).joined(separator: "|"))'}
                watermarks: {strategy: ascending}
              - {id: by, key_by: user}
              - {id: win, operator: window, config: {kind: tumbling, size_ms: 10, late: side_output, aggregates: [{fn: count}]}}
              - {id: out, sink: file, config: {path: "\(output)"}}
              - {id: late, sink: file, inputs: ["win:late"], config: {path: "\(late)"}}
            """, fixtures: ["event_time"], in: directory)
        #expect(plan.chains.count == 3, "\(plan.chains)")
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("side-dlq-\(name).jsonl"))
        options.stateBackend = MemoryStateBackend()
        let result = try JobExecution(plan: plan, options: options).run()
        #expect(result.failure == nil)
        #expect(result.rejectedRecords == 0)
        #expect(CLI.lines(late) == [events[3].json, events[5].json])
        #expect(CLI.lines(output).count == 3)
    }

    @Test func badRecordsAreRejectedWithTheirReason() throws {
        let input = [
            #"{"ts":1,"user":"a","amount":4}"#, #"{"ts":2,"user":"a","amount":"four"}"#, #"{"ts":3,"user":"a"}"#,
            #"{"ts":4,"amount":5}"#, #"{"ts":5,"user":"a","amount":null}"#, #"{"ts":6,"user":"a","amount":6}"#,
        ]
        let name = UUID().uuidString
        let path = try directory.write("bad-\(name).jsonl", input.joined(separator: "\n") + "\n")
        let output = directory.file("bad-out-\(name).jsonl")
        let plan = try makePlan("""
            name: bad-records
            pipeline:
              - {id: in, source: file, config: {path: "\(path)", timestamp_field: ts}, watermarks: {strategy: ascending}}
              - {id: by, key_by: user}
              - {id: win, operator: window, config: {kind: tumbling, size_ms: 100, aggregates: [{fn: sum, field: amount}]}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """, in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("bad-dlq-\(name).jsonl"))
        options.stateBackend = MemoryStateBackend()
        let result = try JobExecution(plan: plan, options: options).run()
        #expect(result.failure == nil)
        #expect(CLI.lines(output) == [#"{"key":"a","window_start":0,"window_end":100,"sum_amount":10}"#])
        let reasons = rejected(result).compactMap { $0["reason"] as? String }
        #expect(reasons.count == 4)
        #expect(reasons.contains { $0.contains("field 'amount' is not a number (\"four\")") })
        #expect(reasons.contains { $0.contains("field 'amount' is missing") })
        #expect(reasons.contains { $0.contains("key_by 'user': field 'user' is missing") })
        #expect(reasons.contains { $0.contains("field 'amount' is null") })
    }

    @Test(arguments: [
        ("{kind: tumbling, aggregates: [{fn: count}]}", "kind tumbling needs size_ms"),
        ("{kind: sliding, size_ms: 10, aggregates: [{fn: count}]}", "kind sliding needs size_ms and slide_ms"),
        ("{kind: session, gap_ms: 10, aggregates: [{fn: sum}]}", "sum needs a field"),
        ("{kind: tumbling, size_ms: 10, aggregates: [{fn: count}, {fn: count}]}", "two outputs are named 'count'"),
        ("{kind: sliding, size_ms: 100000, slide_ms: 1, aggregates: [{fn: count}]}", "at most 1000"),
        ("{kind: sliding, size_ms: 10, slide_ms: 20, aggregates: [{fn: count}]}", "must not exceed size_ms"),
        ("{kind: cumulate, size_ms: 100, aggregates: [{fn: count}]}", "kind cumulate needs size_ms and step_ms"),
        ("{kind: cumulate, size_ms: 100, step_ms: 30, aggregates: [{fn: count}]}", "must be a multiple of step_ms"),
        ("{kind: tumbling, size_ms: 100, step_ms: 10, aggregates: [{fn: count}]}", "takes size_ms only"),
    ])
    func refusesBadConfigs(config: String, message: String) throws {
        let plan = try makePlan("""
            name: bad-config
            pipeline:
              - {id: gen, source: datagen}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: \(config)}
              - {id: out, sink: blackhole}
            """, in: directory)
        do {
            _ = try JobExecution(plan: plan, options: RunOptions(workers: 1, deadLetterPath: directory.file("x.jsonl")))
            Issue.record("accepted \(config)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    func makeBackend(_ name: String) throws -> any StateBackend {
        name == "memory" ? MemoryStateBackend() : RocksDBStateBackend(directory: directory.file("rocksdb-\(UUID().uuidString)"))
    }
}

/// Lines of a text file (empty when it does not exist).
enum CLI {
    static func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}
