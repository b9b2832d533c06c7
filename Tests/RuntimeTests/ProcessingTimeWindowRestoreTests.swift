import Core
import Synchronization
import Foundation
import Runtime
import Testing
import TestKit

extension CheckpointingTests {
    /// A processing-time window's open accumulators go into a savepoint
    /// and come back: a run stopped with a savepoint (which does not
    /// drain, so its open windows stay open) and a run restored from it
    /// and ended count every record once between them. Hour-long windows,
    /// so that the clock fires none in between, or fires some on both
    /// sides: the sum is the same either way.
    @Test func processingTimeWindowsKeepTheirCountsThroughASavepoint() throws {
        let count = 6000
        let output = directory.file("counts.jsonl")
        func windowJob() -> String {
            """
            name: proctime
            parallelism: 2
            checkpoints: {interval_ms: 50}
            pipeline:
              - {id: gen, source: datagen, parallelism: 1, config: {count: \(count), rate: 6000, customers: 20, schema: orders}}
              - {id: by-customer, key_by: customer_id}
              - id: counts
                operator: window
                config: {kind: tumbling, size_ms: 3600000, time: processing, aggregates: [{fn: count, name: n}]}
              - {id: out, sink: fixture-append, parallelism: 1, config: {path: "\(output)"}}
            """
        }
        let first = try plan(windowJob())
        let (result, savepoint) = runAndStop(try JobExecution(plan: first, options: options(first)), once: .sourceRecords(count / 6))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        let restore = try RestoreSource.load(directory: try #require(try savepoint?.get()).directory)
        #expect(restore.manifest.step(id: "counts")?.instances.contains { $0.keyedState != nil } == true)

        let second = try plan(windowJob())
        let resumed = try JobExecution(plan: second, options: options(second, restore: restore)).run()
        #expect(resumed.failure == nil, "\(String(describing: resumed.failure))")
        let counted = try CLI.lines(output).reduce(0) { total, line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return total + ((object["n"] as? NSNumber)?.intValue ?? 0)
        }
        #expect(counted == count, "the windows counted \(counted) of \(count) records")
    }

    /// Processing-time timers a restore brings back fire on the clock, with
    /// no new record to register one: the restored run's source emits
    /// nothing, and the windows the savepoint held are emitted before the
    /// run is stopped (a stop would drain them in any case).
    @Test func restoredProcessingTimeTimersFireWithoutNewRecords() throws {
        let output = directory.file("restored.jsonl")
        let records = 40
        func windowJob(timestamps: String) -> String {
            """
            name: proctime-restore
            checkpoints: {interval_ms: 50}
            pipeline:
              - id: in
                source: fixture-ts-source
                config: {timestamps: "\(timestamps)", keys: "a,b,c", per_poll: 1000, idle_ms: 600000}
              - {id: by, key_by: key}
              - id: counts
                operator: window
                config: {kind: tumbling, size_ms: 2000, time: processing, aggregates: [{fn: count, name: n}]}
              - {id: out, sink: fixture-append, config: {path: "\(output)"}}
            """
        }
        @Sendable func counted() -> Int {
            CLI.lines(output).reduce(0) { total, line in
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                return total + ((object?["n"] as? NSNumber)?.intValue ?? 0)
            }
        }
        let first = try plan(windowJob(timestamps: (1...records).map(String.init).joined(separator: ",")),
                             fixtures: ["append_sink", "event_time"])
        let (result, savepoint) = runAndStop(try JobExecution(plan: first, options: options(first)),
                                             once: .sourceRecords(records))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        let restore = try RestoreSource.load(directory: try #require(try savepoint?.get()).directory)

        let second = try plan(windowJob(timestamps: ""), fixtures: ["append_sink", "event_time"])
        let execution = try JobExecution(plan: second, options: options(second, restore: restore))
        let firedBeforeTheStop = Mutex(false)
        let resumed = run(execution, once: .checkpoints(0)) {
            // Within the bound, the clock passes the restored windows' ends.
            firedBeforeTheStop.withLock { $0 = ProgressWait.until(boundSeconds: 30) { counted() == records } }
            execution.requestStop()
        }
        #expect(resumed.failure == nil, "\(String(describing: resumed.failure))")
        #expect(firedBeforeTheStop.withLock { $0 }, "the restored windows fired only at the stop: \(counted()) of \(records)")
        #expect(counted() == records)
    }
}
