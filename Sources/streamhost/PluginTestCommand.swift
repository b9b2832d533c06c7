import ArgumentParser
import Core
import Foundation
import PluginHost
import PluginTesting

extension PluginCommand {
    /// `streamhost plugin test`: one component instance driven by the plugin
    /// test harness, without a job: the language-neutral way to unit-test a
    /// plugin from C, Rust or Go tests.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one component of a plugin on records, without a job, and print what it did.",
            discussion: """
                Creates one instance of the component (config checked against its schema), feeds it the \
                records of --input (JSON lines: each non-empty line is one record's value), then the \
                --watermark and --processing-time steps in order, then closes it. Keyed state is in memory \
                and processing time is a manual clock (starting at --start-time), so a run is deterministic. \
                Prints one JSON object per line: {"emitted": ...} for each record emitted, \
                {"rejected": ...} for each dead letter with its reason, {"watermark": W} for each watermark \
                a source emitted, {"counter": NAME, "value": N} for each counter, and with --show-state \
                {"state": ...} for each keyed-state entry left. Exit status 1 when the plugin fails a \
                callback or breaks an ABI rule, 2 for bad arguments or input.
                """)

        @Argument(help: "The plugin file (.so).")
        var path: String

        @Option(help: "The component to run.")
        var component: String

        @Option(help: "Records, as JSON lines (each non-empty line is one record's value). Not for sources.")
        var input: String?

        @Option(help: "The component's config: JSON text, or @FILE for a file holding it.")
        var config: String?

        @Option(help: "A JSON field (dotted path) whose text becomes each input record's key.")
        var key: String?

        @Option(help: "A JSON field holding each input record's timestamp (ms since the epoch, or ISO 8601).")
        var timestampField: String?

        @Option(help: "Records per process call.")
        var batchSize: Int = 1024

        @Option(help: "Advance event time to this watermark after the input (repeatable, in order).")
        var watermark: [Int64] = []

        @Option(help: "Set the manual clock to this time (ms) after the watermarks, firing processing-time timers (repeatable).")
        var processingTime: [Int64] = []

        @Option(help: "Where the manual clock of processing time starts (ms since the epoch).")
        var startTime: Int64 = 0

        @Flag(help: "After the input, take a snapshot, drop the instance and go on with one restored from it.")
        var snapshotRestore = false

        @Flag(help: "Print the keyed state left at the end.")
        var showState = false

        @Option(help: "Sources: the most polls before stopping (a source that never ends).")
        var pollsMax: Int = 100_000

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            guard pollsMax >= 1 else { throw ValidationError("--polls-max must be at least 1") }
        }

        func run() throws {
            let harnessComponent: Component
            let configValue: JSONValue
            var records: [TestRecord] = []
            do {
                harnessComponent = try PluginTestHarness.component(component, plugin: path)
                configValue = try readConfig()
                if harnessComponent.kind == .source {
                    if input != nil { throw PluginTestError.misuse("'\(component)' is a source: it takes no --input") }
                } else {
                    guard let input else {
                        throw PluginTestError.misuse("--input is required for \(harnessComponent.kind) '\(component)'")
                    }
                    let text: String
                    do {
                        text = try String(contentsOfFile: input, encoding: .utf8)
                    } catch {
                        throw PluginTestError.input("cannot read \(input): \(error.localizedDescription)")
                    }
                    records = try JSONLinesInput(keyField: key, timestampField: timestampField).records(text, file: input)
                }
            } catch {
                writeStderr("error: \(error)\n")
                throw ExitCode(2)
            }

            var printed = Printed()
            var harness: PluginTestHarness?
            do {
                var current = try PluginTestHarness(
                    component: harnessComponent, config: configValue, processingTime: startTime)
                harness = current
                if harnessComponent.kind == .source {
                    var polls = 0
                    while polls < pollsMax, try current.poll() != .end { polls += 1 }
                } else {
                    var start = 0
                    while start < records.count {
                        let end = min(start + batchSize, records.count)
                        try current.process(Array(records[start..<end]))
                        start = end
                    }
                }
                if snapshotRestore {
                    let snapshot = try current.snapshot()
                    Self.printEvents(current, &printed)
                    current = try PluginTestHarness(
                        component: harnessComponent, config: configValue, processingTime: current.processingTime,
                        restoring: snapshot)
                    harness = current
                    printed = Printed()
                }
                for watermark in watermark { try current.advanceWatermark(to: watermark) }
                for time in processingTime { try current.advanceProcessingTime(to: time) }
                try current.close()
                Self.printEvents(current, &printed)
                Self.printEnd(current, showState: showState)
            } catch {
                if let harness { Self.printEvents(harness, &printed) }
                writeStderr("error: \(error)\n")
                throw ExitCode(1)
            }
        }

        private func readConfig() throws -> JSONValue {
            guard let config else { return .object(JSONObject()) }
            var text = config
            var source = "--config"
            if config.hasPrefix("@") {
                let file = String(config.dropFirst())
                do {
                    text = try String(contentsOfFile: file, encoding: .utf8)
                } catch {
                    throw PluginTestError.input("cannot read the config file \(file): \(error.localizedDescription)")
                }
                source = file
            }
            do {
                return try JSONValue.parse(text)
            } catch {
                throw PluginTestError.input("\(source): the config is not JSON: \(error)")
            }
        }

        /// How much of a harness's output was printed.
        struct Printed {
            var emitted = 0
            var rejected = 0
        }

        /// Prints the records emitted and rejected since `printed`.
        static func printEvents(_ harness: PluginTestHarness, _ printed: inout Printed) {
            for record in harness.emitted.dropFirst(printed.emitted) { print(line("emitted", record: record)) }
            printed.emitted = harness.emitted.count
            let rejected = harness.rejected
            for rejection in rejected.dropFirst(printed.rejected) {
                var object = recordObject(TestRecord(timestamp: rejection.timestamp, key: rejection.key, value: rejection.value))
                object["reason"] = .string(rejection.reason)
                print(JSONValue.object(JSONObject([("rejected", .object(object))])).serialized())
            }
            printed.rejected = rejected.count
        }

        static func printEnd(_ harness: PluginTestHarness, showState: Bool) {
            for watermark in harness.emittedWatermarks {
                print(JSONValue.object(JSONObject([("watermark", .int(watermark))])).serialized())
            }
            for (name, value) in harness.counters.sorted(by: { $0.key < $1.key }) {
                print(JSONValue.object(JSONObject([("counter", .string(name)), ("value", .int(value))])).serialized())
            }
            guard showState, let entries = try? harness.keyedState() else { return }
            for entry in entries {
                var object = JSONObject([("name", .string(entry.state)), ("key", .string(entry.keyText))])
                if let userKey = entry.userKey { object["user_key"] = .string(String(decoding: userKey, as: UTF8.self)) }
                object["value"] = bytesValue(entry.value)
                print(JSONValue.object(JSONObject([("state", .object(object))])).serialized())
            }
        }

        static func line(_ kind: String, record: TestRecord) -> String {
            JSONValue.object(JSONObject([(kind, .object(recordObject(record)))])).serialized()
        }

        /// A record as JSON: its value parsed when it is JSON, as a string
        /// otherwise.
        static func recordObject(_ record: TestRecord) -> JSONObject {
            JSONObject([
                ("timestamp", .int(record.timestamp)),
                ("key", record.keyText.map { .string($0) } ?? .null),
                ("value", record.value.map { bytesValue($0) } ?? .null),
            ])
        }

        static func bytesValue(_ bytes: [UInt8]) -> JSONValue {
            let text = String(decoding: bytes, as: UTF8.self)
            return (try? JSONValue.parse(text)) ?? .string(text)
        }
    }
}
