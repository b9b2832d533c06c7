import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit

/// Issue 15: key_by over a typed column and the window reading typed
/// columns give exactly the byte path's output, keep the same keyed state
/// (a checkpoint written by one format resumes in the other), and stay
/// exactly-once across a SIGKILL.
///
/// datagen picks the format: with `value_size: 1` it declares no schema and
/// the host keeps the whole job on bytes; without it datagen emits typed
/// columns, key_by keys them from the `customer_id` column and the window
/// reads the columns (`validate` shows which).
@Suite("Columnar windows", .serialized)
struct ColumnarWindowTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "columnar-window") }

    enum Format: String, CaseIterable, CustomStringConvertible {
        case bytes, columns
        /// The datagen config that makes the host choose this format.
        var datagenExtra: String { self == .bytes ? ", value_size: 1" : "" }
        var description: String { rawValue }
    }

    /// The window configs compared: every aggregate with allowed lateness
    /// (the per-key path, its inputs read from the columns), and the
    /// aggregates computed per slice in memory: tumbling, sliding over
    /// slices of gcd(300, 200) = 100 ms (three per window), cumulating, and
    /// sliding with a memory bound so small that the open slices go to
    /// keyed state after every batch (each window then fires through its
    /// keys' timers, folding in what the slices gathered since).
    static let windowConfigs = [
        "{kind: tumbling, size_ms: 200, allowed_lateness_ms: 5, aggregates: [{fn: count, name: cnt}, "
            + "{fn: sum, field: amount, name: total}, {fn: avg, field: amount}, {fn: min, field: amount}, "
            + "{fn: max, field: order_id}, {fn: count, field: customer_id}, {fn: first, field: category}, "
            + "{fn: last, field: order_id}, {fn: distinct_count, field: category}]}",
        "{kind: tumbling, size_ms: 200, aggregates: [{fn: count, name: cnt}, {fn: sum, field: amount, name: total}, "
            + "{fn: avg, field: amount}, {fn: min, field: amount}, {fn: max, field: order_id}, "
            + "{fn: count, field: customer_id}, {fn: sum, field: customer_id}]}",
        "{kind: sliding, size_ms: 300, slide_ms: 200, aggregates: [{fn: count, name: cnt}, "
            + "{fn: sum, field: amount, name: total}, {fn: avg, field: amount}, {fn: min, field: amount}, "
            + "{fn: max, field: order_id}, {fn: count, field: customer_id}]}",
        "{kind: cumulate, size_ms: 400, step_ms: 100, aggregates: [{fn: count, name: cnt}, "
            + "{fn: sum, field: amount, name: total}, {fn: min, field: amount}, {fn: max, field: order_id}]}",
        "{kind: sliding, size_ms: 400, slide_ms: 100, slices_max_bytes: 4096, aggregates: [{fn: count, name: cnt}, "
            + "{fn: sum, field: amount, name: total}, {fn: max, field: amount}]}",
    ]
    /// The config whose slices run short of memory.
    static let memoryShortConfig = 4

    /// Late records (disorder beyond the watermark's bound) included. One
    /// source instance, so that which records are late does not depend on
    /// how two sources' records interleave.
    func windowJob(_ format: Format, parallelism: Int, config: Int, output: String, sources: Int = 1,
                   boundMs: Int = 10) throws -> String {
        try directory.write("window-\(format)-\(parallelism)-\(config)-\(sources)-\(boundMs).yaml", """
            name: window-\(format)-\(parallelism)-\(config)
            parallelism: \(parallelism)
            pipeline:
              - id: gen
                source: datagen
                parallelism: \(sources)
                config: {count: 20000, seed: 5, customers: 40, time_step_ms: 1, disorder_ms: 30\(format.datagenExtra)}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: \(boundMs)}
              - {id: by-customer, key_by: customer_id}
              - id: win
                operator: window
                config: \(Self.windowConfigs[config])
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
    }

    /// The lines the file sink wrote to `path`: one file, or at
    /// parallelism above 1 one `path.part-N` per instance.
    static func lines(_ path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let parts = names.filter { $0.hasPrefix(url.lastPathComponent + ".part-") }.map { folder + "/" + $0 }
        return (parts.isEmpty ? [path] : parts).flatMap { CLI.lines($0) }
    }

    /// The window step's line of the run summary ("N in, M out, K
    /// rejected"), without its counters.
    static func windowSummary(_ standardError: String) -> String? {
        windowLine(standardError).map { String($0.prefix { $0 != ";" }) }
    }

    static func windowLine(_ standardError: String) -> String? {
        standardError.split(separator: "\n").first { $0.contains("step 'win'") }.map(String.init)
    }

    @Test(arguments: [1, 2], 0..<windowConfigs.count)
    func windowsOverColumnsGiveTheByteWindowsOutput(parallelism: Int, config: Int) throws {
        var results: [Format: (lines: [String], summary: String?)] = [:]
        for format in Format.allCases {
            let output = directory.file("out-\(format)-\(parallelism)-\(config).jsonl")
            let job = try windowJob(format, parallelism: parallelism, config: config, output: output)
            let validate = try CLI.run(["validate", job])
            #expect(validate.status == 0, "\(validate.standardError)")
            #expect(validate.standardOutput.contains("step win: in \(format)"), "\(validate.standardOutput)")
            let outcome = try CLI.run(["run", job, "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            results[format] = (Self.lines(output).sorted(), Self.windowSummary(outcome.standardError))
            // Typed batches of a count/sum/avg/min/max window without
            // allowed lateness go through the slices (configs 1...); bytes
            // and config 0 never do.
            let line = Self.windowLine(outcome.standardError)
            let fired = line?.contains("slices_fired 0") == false && line?.contains("slices_fired") == true
            // (With the memory-short config every window is in keyed state
            // by the time it ends and fires through its keys' timers.)
            if config != Self.memoryShortConfig {
                #expect(fired == (format == .columns && config != 0), "\(line ?? "-")")
            }
            if format == .columns && config == Self.memoryShortConfig {
                let flushed = line?.contains("slice_memory_flushes 0") == false
                    && line?.contains("slice_memory_flushes") == true
                #expect(flushed, "the slices never ran short of memory: \(line ?? "-")")
            }
        }
        let bytes = try #require(results[.bytes])
        let columns = try #require(results[.columns])
        #expect(bytes.lines.count > 1000)
        #expect(columns.lines == bytes.lines)
        // The same late records went to the dead letters.
        #expect(bytes.summary != nil && columns.summary == bytes.summary,
                "bytes: \(bytes.summary ?? "-"); columns: \(columns.summary ?? "-")")
        // Sliding windows reach 300-400 ms past a record: the 30 ms of
        // disorder never makes one late there.
        if ![2, Self.memoryShortConfig].contains(config) {
            #expect(bytes.summary?.contains(" 0 rejected") == false, "no late record: \(bytes.summary ?? "-")")
        }
    }

    /// Hopping and cumulating windows over shuffled input: two sources
    /// whose records interleave differently in every run, each out of
    /// order by up to 30 ms within a watermark bound of 40 ms (so no record
    /// is late). The slices of typed batches give exactly the rows of the
    /// byte path's per-key windows, and no record goes to the dead letters.
    @Test(arguments: [1, 2], [2, 3, memoryShortConfig])
    func slicesOverShuffledInputGiveTheByteWindowsRows(parallelism: Int, config: Int) throws {
        var results: [Format: (lines: [String], summary: String?)] = [:]
        for format in Format.allCases {
            let output = directory.file("shuffled-\(format)-\(parallelism)-\(config).jsonl")
            let job = try windowJob(format, parallelism: parallelism, config: config, output: output, sources: 2, boundMs: 40)
            let outcome = try CLI.run(["run", job, "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            results[format] = (Self.lines(output).sorted(), Self.windowSummary(outcome.standardError))
        }
        let bytes = try #require(results[.bytes])
        let columns = try #require(results[.columns])
        #expect(bytes.lines.count > 1000)
        #expect(columns.lines == bytes.lines)
        for summary in [bytes.summary, columns.summary] {
            #expect(summary?.contains(" 0 rejected") == true, "\(summary ?? "-")")
        }
    }

    /// key_by gives a typed key (a decimal here) the text the byte path
    /// gives it: each record reaches the instance owning its key group (the
    /// window's keyed state refuses a key outside its instance's groups)
    /// under the same key, which the window writes out.
    @Test func keyByOnADecimalColumnKeysAsTheBytePathDoes() throws {
        var outputs: [Format: [String]] = [:]
        for format in Format.allCases {
            let output = directory.file("keys-\(format).jsonl")
            let job = try directory.write("keys-\(format).yaml", """
                name: keys-\(format)
                parallelism: 3
                pipeline:
                  - id: gen
                    source: datagen
                    parallelism: 1
                    config: {count: 3000, seed: 3, customers: 100, time_step_ms: 1\(format.datagenExtra)}
                    watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 0}
                  - {id: by-amount, key_by: amount}
                  - id: win
                    operator: window
                    config: {kind: tumbling, size_ms: 100000000, key_name: amount_key, aggregates: [{fn: count}, {fn: min, field: order_id}]}
                  - {id: out, sink: file, config: {path: "\(output)"}}
                """)
            let validate = try CLI.run(["validate", job])
            #expect(validate.standardOutput.contains("step win: in \(format)"), "\(validate.standardOutput)")
            let outcome = try CLI.run(["run", job, "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            outputs[format] = Self.lines(output).sorted()
        }
        #expect(outputs[.bytes]!.count > 1000)
        #expect(outputs[.bytes]!.allSatisfy { $0.contains("\"amount_key\":\"") })
        #expect(outputs[.columns] == outputs[.bytes])
    }

    /// The windows of the checkpointed runs: tumbling, sliding and
    /// cumulating on the memory backend, and sliding on RocksDB with a
    /// memory bound that sends the open slices to RocksDB between
    /// checkpoints too.
    static let checkpointedWindows: [(state: String, window: String)] = [
        ("memory", "{kind: tumbling, size_ms: 1000, aggregates: [{fn: count}, {fn: sum, field: amount}, {fn: min, field: order_id}]}"),
        ("memory", "{kind: sliding, size_ms: 1500, slide_ms: 1000, aggregates: [{fn: count}, {fn: sum, field: amount}, "
            + "{fn: min, field: order_id}]}"),
        ("memory", "{kind: cumulate, size_ms: 2000, step_ms: 500, aggregates: [{fn: count}, {fn: sum, field: amount}, "
            + "{fn: max, field: order_id}]}"),
        ("rocksdb", "{kind: sliding, size_ms: 2000, slide_ms: 1000, slices_max_bytes: 20000, aggregates: [{fn: count}, "
            + "{fn: sum, field: amount}, {fn: min, field: order_id}]}"),
        // The least memory bound there is: the open slices go to RocksDB
        // after every batch, so every window fires through its keys'
        // timers, folding in what the slices gathered since.
        ("rocksdb", "{kind: sliding, size_ms: 1500, slide_ms: 500, slices_max_bytes: 1, aggregates: [{fn: count}, "
            + "{fn: sum, field: amount}, {fn: max, field: amount}, {fn: avg, field: amount}]}"),
        ("rocksdb", "{kind: cumulate, size_ms: 2000, step_ms: 500, slices_max_bytes: 1, aggregates: [{fn: count}, "
            + "{fn: sum, field: amount}, {fn: min, field: order_id}]}"),
    ]

    /// The checkpointed job of `checkpointedWindows[window]` in `format`,
    /// on the window's state backend unless `state` names another; with a
    /// `parallelism`, the window at that parallelism between one source
    /// and one sink instance.
    func checkpointedJob(_ format: Format, window: Int, output: String, name: String = "checkpointed",
                         parallelism: Int? = nil, state: String? = nil, intervalMs: Int = 100) throws -> String {
        let (windowState, config) = Self.checkpointedWindows[window]
        let single = parallelism == nil ? "" : "\n    parallelism: 1"
        return try directory.write("\(name)-\(format)-\(window)-\(parallelism ?? 0)-\(state ?? windowState).yaml", """
            name: \(name)
            parallelism: \(parallelism ?? 1)
            checkpoints: {interval_ms: \(intervalMs)}
            state: {backend: \(state ?? windowState)}
            pipeline:
              - id: gen
                source: datagen\(single)
                config: {count: 12000, rate: 4000, seed: 9, time_step_ms: 10, customers: 20\(format.datagenExtra)}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500}
              - {id: by-customer, key_by: customer_id}
              - id: win
                operator: window
                config: \(config)
              - id: out
                sink: file\(single)
                config: {path: "\(output)", rolling_interval_ms: 200}
            """)
    }

    /// The final part files' lines.
    func finals(_ folder: String, file: String = "windows.jsonl") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(file + ".part-") }.flatMap { name in
            ((try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    /// A job killed while its windows are open resumes from its last
    /// checkpoint in the other format: the window state one format wrote is
    /// the state the other reads (same keys, same accumulators), and the
    /// committed output is every window exactly once, as one uninterrupted
    /// run writes it.
    @Test(arguments: [(Format.bytes, Format.columns, 0), (Format.columns, Format.bytes, 0), (Format.bytes, Format.columns, 1),
                      (Format.columns, Format.bytes, 1), (Format.columns, Format.bytes, 2), (Format.columns, Format.bytes, 3),
                      (Format.bytes, Format.columns, 3), (Format.columns, Format.columns, 1), (Format.columns, Format.columns, 2),
                      (Format.columns, Format.columns, 4), (Format.columns, Format.columns, 5)])
    func aCheckpointOfOneFormatResumesInTheOtherExactlyOnce(first: Format, second: Format, window: Int) throws {
        let folder = directory.file("out-\(first)-\(second)-\(window)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = directory.file("data-\(first)-\(second)-\(window)")
        let output = folder + "/windows.jsonl"

        let killed = try CLI.run(["run", try checkpointedJob(first, window: window, output: output), "--data-dir", data,
                                  "--no-progress"],
                                 timeoutSeconds: 120, signalsWhen: ({ finals(folder).count >= 20 }, [SIGKILL]))
        #expect(killed.status == 128 + SIGKILL)
        let beforeRestart = finals(folder)
        #expect(!beforeRestart.isEmpty)

        let resumed = try CLI.run(["run", try checkpointedJob(second, window: window, output: output), "--data-dir", data,
                                   "--no-progress"],
                                  timeoutSeconds: 120)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("restored from checkpoint") || resumed.standardError.contains("resum"),
                "\(resumed.standardError)")
        if second == .columns && Self.checkpointedWindows[window].window.contains("slices_max_bytes: 1,") {
            let line = Self.windowLine(resumed.standardError)
            #expect(line?.contains("slice_memory_flushes") == true && line?.contains("slice_memory_flushes 0") == false,
                    "the slices never went to RocksDB: \(line ?? "-")")
        }

        expectEveryWindowOnce(in: folder, window: window, name: "reference-\(first)")
    }

    /// A stop-with-savepoint and the run that starts from it: the formats,
    /// the window's parallelism and the state backend of each.
    struct SavepointCase: Sendable, CustomTestStringConvertible {
        let window: Int
        let first: Format, second: Format
        let parallelism: (first: Int, second: Int)
        let state: (first: String, second: String)
        init(_ window: Int, _ first: Format, _ second: Format, parallelism: (Int, Int), state: (String, String)) {
            self.window = window
            self.first = first
            self.second = second
            self.parallelism = parallelism
            self.state = state
        }
        var testDescription: String {
            "window \(window): \(first) p\(parallelism.first) \(state.first) -> \(second) p\(parallelism.second) \(state.second)"
        }
        var name: String { "\(window)-\(first)\(parallelism.first)\(state.first)-\(second)\(parallelism.second)\(state.second)" }
    }

    static let savepointCases: [SavepointCase] = [
        SavepointCase(1, .columns, .bytes, parallelism: (1, 2), state: ("memory", "memory")),
        SavepointCase(2, .bytes, .columns, parallelism: (1, 2), state: ("memory", "memory")),
        // Rescale with slices open on both sides: up, and down.
        SavepointCase(1, .columns, .columns, parallelism: (1, 2), state: ("memory", "memory")),
        SavepointCase(1, .columns, .columns, parallelism: (2, 1), state: ("memory", "memory")),
        SavepointCase(2, .columns, .columns, parallelism: (2, 1), state: ("memory", "memory")),
        // The other backend, with the slices' memory bound tiny on RocksDB.
        SavepointCase(1, .columns, .columns, parallelism: (1, 1), state: ("memory", "rocksdb")),
        SavepointCase(2, .columns, .columns, parallelism: (2, 2), state: ("rocksdb", "memory")),
        SavepointCase(4, .columns, .columns, parallelism: (2, 1), state: ("rocksdb", "memory")),
        SavepointCase(5, .columns, .columns, parallelism: (1, 2), state: ("rocksdb", "rocksdb")),
    ]

    /// A job stopped with a savepoint while its windows are open (slices in
    /// memory, for columns) starts from it in the same or the other
    /// format, at another parallelism of the window or on the other state
    /// backend: the savepoint's keyed state is the byte path's either way,
    /// and the two runs together write every window once, as one
    /// uninterrupted run writes it.
    @Test(arguments: savepointCases)
    func aSavepointRestoresAtAnotherParallelismOrBackend(_ run: SavepointCase) throws {
        let data = directory.file("data-savepoint-\(run.name)")
        let folder = directory.file("out-savepoint-\(run.name)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = folder + "/windows.jsonl"
        func job(_ format: Format, parallelism: Int, state: String) throws -> String {
            try checkpointedJob(format, window: run.window, output: output, name: "savepointed", parallelism: parallelism,
                                state: state, intervalMs: 200)
        }
        let stop = Mutex<ProcessOutcome?>(nil)
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            guard CLI.waitForCheckpoints(2, data: data, job: "savepointed") else { stopped.signal(); return }
            let outcome = try? CLI.run(["savepoint", "--stop", "--data-dir", data])
            stop.withLock { $0 = outcome }
            stopped.signal()
        }
        let firstRun = try CLI.run(["run", try job(run.first, parallelism: run.parallelism.first, state: run.state.first),
                                    "--data-dir", data, "--no-progress"], timeoutSeconds: 120)
        stopped.wait()
        #expect(firstRun.status == 0, "\(firstRun.standardError)")
        let stopOutcome = try #require(stop.withLock { $0 })
        #expect(stopOutcome.status == 0, "\(stopOutcome.standardError)")
        let marker = "stopped with savepoint "
        let savepointLine = try #require(firstRun.standardError.split(separator: "\n").first { $0.contains(marker) },
                                         "\(firstRun.standardError)")
        let savepoint = String(savepointLine[savepointLine.range(of: marker)!.upperBound...].prefix { $0 != " " && $0 != "," })
        // The stop came while the windows were open: the first run fired
        // some (from its slices, on columns) and left the rest.
        let beforeRestore = finals(folder).count
        #expect(beforeRestore > 0, "the first run wrote no window")
        if run.first == .columns {
            let line = Self.windowLine(firstRun.standardError)
            #expect(line?.contains("slices_fired") == true, "\(line ?? "-")")
        }

        let secondRun = try CLI.run(["run", try job(run.second, parallelism: run.parallelism.second, state: run.state.second),
                                     "--data-dir", data, "--from-savepoint", savepoint, "--no-progress"],
                                    timeoutSeconds: 120)
        #expect(secondRun.status == 0, "\(secondRun.standardError)")
        #expect(secondRun.standardError.contains("restored from savepoint"), "\(secondRun.standardError)")
        #expect(finals(folder).count > beforeRestore, "the second run wrote no window")

        expectEveryWindowOnce(in: folder, window: run.window, name: "savepoint-reference")
    }

    /// Expects the final part files in `folder` to hold every window of
    /// `checkpointedWindows[window]` exactly once, as one uninterrupted run
    /// on bytes (no checkpoints) writes them.
    func expectEveryWindowOnce(in folder: String, window: Int, name: String, count: Int = 12000,
                               file: String = "windows.jsonl", sourceLocation: SourceLocation = #_sourceLocation) {
        let referenceOutput = directory.file("\(name)-\(window).jsonl")
        let expected: [String]
        do {
            let reference = try directory.write("\(name)-\(window).yaml", """
                name: \(name)
                pipeline:
                  - id: gen
                    source: datagen
                    config: {count: \(count), seed: 9, time_step_ms: 10, customers: 20, value_size: 1}
                    watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500}
                  - {id: by-customer, key_by: customer_id}
                  - id: win
                    operator: window
                    config: \(Self.checkpointedWindows[window].window)
                  - {id: out, sink: file, config: {path: "\(referenceOutput)"}}
                """)
            let referenceRun = try CLI.run(["run", reference, "--no-progress"])
            #expect(referenceRun.status == 0, "\(referenceRun.standardError)", sourceLocation: sourceLocation)
            expected = CLI.lines(referenceOutput).sorted()
        } catch {
            Issue.record("the reference run failed: \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(expected.count > 100, sourceLocation: sourceLocation)
        let all = finals(folder, file: file).sorted()
        #expect(all.count == Set(all).count, "\(all.count - Set(all).count) windows written twice",
                sourceLocation: sourceLocation)
        let missing = Set(expected).subtracting(all).count
        let unexpected = Set(all).subtracting(expected).count
        #expect(all == expected, "\(missing) windows missing, \(unexpected) unexpected", sourceLocation: sourceLocation)
    }

    /// A hot swap of the window plugin while its steps read typed columns
    /// (slices open in memory): the swap's savepoint writes them into keyed
    /// state, the new build restores it and fires them through their
    /// timers, and the output is every window once, as one run writes it.
    /// Tumbling, hopping and cumulating windows (`checkpointedWindows`).
    @Test(arguments: [0, 1, 2])
    func aHotSwapOfTheColumnarWindowLosesAndRepeatsNothing(window: Int) throws {
        let config = Self.checkpointedWindows[window].window
        let data = directory.file("data-swap-\(window)")
        let folder = directory.file("out-swap-\(window)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = folder + "/swap.jsonl"
        let job = try directory.write("swap-\(window).yaml", """
            name: swap
            checkpoints: {interval_ms: 200}
            pipeline:
              - id: gen
                source: datagen
                config: {count: 16000, rate: 4000, seed: 9, time_step_ms: 10, customers: 20}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500}
              - {id: by-customer, key_by: customer_id}
              - id: win
                operator: window
                config: \(config)
              - {id: out, sink: file, config: {path: "\(output)", rolling_interval_ms: 200}}
            """)
        let validate = try CLI.run(["validate", job])
        #expect(validate.standardOutput.contains("step win: in columns"), "\(validate.standardOutput)")
        // The new build: the same library under another name, as a
        // rebuilt plugin would arrive.
        let newBuild = directory.file("libstreamhost-window-2-\(window).so")
        try FileManager.default.copyItem(atPath: BuildProducts.plugin("window"), toPath: newBuild)

        let swap = Mutex<ProcessOutcome?>(nil)
        let swapped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            guard CLI.waitForCheckpoints(2, data: data, job: "swap") else { swapped.signal(); return }
            let outcome = try? CLI.run(["swap", "--data-dir", data, "--plugin", newBuild])
            swap.withLock { $0 = outcome }
            swapped.signal()
        }
        let run = try CLI.run(["run", job, "--data-dir", data, "--no-progress"], timeoutSeconds: 120)
        swapped.wait()
        #expect(run.status == 0, "\(run.standardError)")
        let swapOutcome = try #require(swap.withLock { $0 })
        #expect(swapOutcome.status == 0, "\(swapOutcome.standardError)")
        #expect(run.standardError.contains("restored from savepoint"), "\(run.standardError)")

        expectEveryWindowOnce(in: folder, window: window, name: "swap-reference", count: 16000, file: "swap.jsonl")
    }
}
