import Foundation
import PluginHost
import Runtime
import State
import Testing
import TestKit

/// A checkpoint written by streamhost before its manifests moved from
/// Foundation's Codable to the host's own JSON still restores, keyed state
/// and operator blobs included (Tests/CheckpointTests/Fixtures).
@Suite("Restoring a Foundation-encoded checkpoint")
struct FoundationCheckpointRestoreTests {
    static let fixture = BuildProducts.packageRoot + "/Tests/CheckpointTests/Fixtures/chk-000001-foundation"

    /// The fixture's job (datagen of 200 orders, seed 3, key_by customer_id,
    /// dedup) with 400 orders and a blackhole under another id than the
    /// fixture's log sink.
    func plan(_ directory: TemporaryDirectory) throws -> JobPlan {
        try makePlan("""
            name: fixture
            checkpoints: {interval_ms: 60000}
            pipeline:
              - {id: gen, source: datagen, config: {count: 400, seed: 3, schema: orders}}
              - {id: by, key_by: customer_id}
              - {id: dedup, operator: dedup, config: {ttl_ms: 86400000, time: processing}}
              - {id: sink, sink: blackhole}
            """, in: directory)
    }

    func run(_ plan: JobPlan, restore: RestoreSource?, in directory: TemporaryDirectory) throws -> JobResult {
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.checkpoints = CheckpointRunOptions(
            spec: plan.spec.checkpoints!, checkpointDirectory: directory.file("checkpoints-\(UUID().uuidString)"),
            savepointDirectory: directory.file("savepoints"))
        options.stateBackend = MemoryStateBackend()
        options.restore = restore
        return try JobExecution(plan: plan, options: options).run()
    }

    /// The restored run goes on from order 200 with the dedup state of the
    /// first 200 (175 of them passed): together they pass exactly what one
    /// run over all 400 passes.
    @Test func itRestoresTheSourcePositionAndTheKeyedState() throws {
        let directory = try TemporaryDirectory(prefix: "foundation-restore")
        let plan = try plan(directory)
        let whole = try run(plan, restore: nil, in: directory)
        #expect(whole.failure == nil && whole.sourceRecords == 400)

        let source = try RestoreSource.load(directory: Self.fixture, allowNonRestoredState: true)
        let restored = try run(plan, restore: source, in: directory)
        #expect(restored.failure == nil, "\(String(describing: restored.failure))")
        #expect(restored.sourceRecords == 200)
        #expect(175 + restored.sinkRecords == whole.sinkRecords, "\(restored.sinkRecords) after the restore, \(whole.sinkRecords) in one run")
    }
}
