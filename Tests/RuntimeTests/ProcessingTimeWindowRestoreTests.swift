import Core
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
}
