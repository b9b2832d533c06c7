import Core
import Foundation
import Testing
import TestKit

@testable import Checkpoint

/// Manifests in the host's own JSON: checkpoints written by the earlier,
/// Foundation-encoded host still open, and a manifest reads back as written.
@Suite struct CheckpointManifestJSONTests {
    /// A checkpoint written by streamhost before the move (Fixtures/
    /// chk-000001-foundation, taken from the job next to it: datagen, key_by,
    /// dedup with keyed state, the log sink); its "\/"-escaped paths and
    /// its keyed-state handle in a string read as they did.
    static let fixture = BuildProducts.packageRoot + "/Tests/CheckpointTests/Fixtures/chk-000001-foundation"

    @Test func aCheckpointWrittenByTheFoundationEncoderStillOpens() throws {
        let manifest = try CheckpointStore.load(directory: Self.fixture, verifyFiles: true)
        #expect(manifest.kind == .checkpoint && manifest.jobName == "fixture" && manifest.checkpointID == 1)
        #expect(manifest.formatVersion == 1 && manifest.maxParallelism == 128 && manifest.stateBackend == "memory")
        #expect(manifest.triggeredAtMs == 1_796_459_837_726)
        #expect(manifest.steps.map(\.stepID) == ["gen", "dedup", "out"])
        let gen = try #require(manifest.step(id: "gen"))
        #expect(gen.instances[0].blob == SnapshotFile(path: "steps/gen/0.blob", bytes: 32, crc32c: 4_216_085_948))
        #expect(gen.instances[0].keyGroups == 0...127 && gen.instances[0].keyedState == nil)
        let dedup = try #require(manifest.step(id: "dedup"))
        #expect(dedup.pluginName == "dedup" && dedup.pluginVersion == "1.0.0" && dedup.stateVersion == 1)
        // Written before swap copies were recorded: no pluginBuild.
        #expect(manifest.steps.allSatisfy { $0.pluginBuild == nil })
        #expect(dedup.instances[0].blob == nil)
        #expect(dedup.instances[0].keyedStateFiles
            == [SnapshotFile(path: "steps/dedup/0-state/keyed-state.snapshot", bytes: 11393, crc32c: 3_151_440_655)])
        #expect(dedup.instances[0].keyedState?.hasPrefix(#"{"backend":"memory","entryCount":175,"#) == true)
    }

    /// Written and read back: the same manifest, optional values included
    /// and left out.
    @Test func aManifestReadsBackAsWritten() throws {
        let file = SnapshotFile(path: "steps/a/0.blob", bytes: 3, crc32c: UInt32.max)
        let manifest = CheckpointManifest(
            kind: .savepoint, jobName: "j \"quoted\" / ü", checkpointID: Int64.max, triggeredAtMs: 0,
            maxParallelism: 4, stateBackend: "rocksdb",
            steps: [StepSnapshot(stepID: "a", componentName: "c", pluginName: "p", pluginVersion: "2.0",
                                 stateVersion: 3, parallelism: 2,
                                 instances: [InstanceSnapshot(instance: 0, keyGroups: 0...1, blob: file,
                                                              keyedState: #"{"x":1}"#, keyedStateFiles: [file]),
                                             InstanceSnapshot(instance: 1, keyGroups: 2...3, blob: nil,
                                                              keyedState: nil, keyedStateFiles: [])]),
                    // A step run by a swap's copy names it.
                    StepSnapshot(stepID: "b", componentName: "c", pluginName: "p", pluginVersion: "2.0",
                                 pluginBuild: "libp-12-34.so", stateVersion: 2, parallelism: 1, instances: [])])
        let bytes = ManifestFile.encode(manifest)
        #expect(try ManifestFile.decode(bytes, path: "MANIFEST") == manifest)
        // The JSON is laid out for people, as before.
        let text = String(decoding: bytes[ManifestFile.headerBytes...], as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"checkpointID\" : 9223372036854775807,\n  \"formatVersion\" : 1,\n"), "\(text)")
        #expect(text.contains("\"pluginBuild\" : \"libp-12-34.so\"") && text.components(separatedBy: "pluginBuild").count == 2,
                "\(text)")
    }

    /// A field of the wrong type is refused with its path, not misread.
    @Test func aFieldOfTheWrongTypeIsNamed() throws {
        var object = try #require(CheckpointManifest(
            kind: .checkpoint, jobName: "j", checkpointID: 1, triggeredAtMs: 0, maxParallelism: 4,
            stateBackend: "memory",
            steps: [StepSnapshot(stepID: "a", componentName: "c", pluginName: "p", pluginVersion: "1",
                                 stateVersion: 1, parallelism: 1, instances: [])]).json.objectValue)
        var steps = try #require(object["steps"]?.arrayValue)
        var step = try #require(steps[0].objectValue)
        step["stateVersion"] = .int(-1)
        steps[0] = .object(step)
        object["steps"] = .array(steps)
        #expect(throws: JSONFieldError(path: "steps[0].stateVersion",
                                       problem: "is the integer -1, expected an integer from 0 to 4294967295")) {
            try CheckpointManifest(json: JSONFields(.object(object)))
        }
    }
}
