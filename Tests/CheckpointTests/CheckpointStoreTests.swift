import DurableFiles
import Foundation
import Testing
import TestKit

@testable import Checkpoint

@Suite struct CheckpointStoreTests {
    /// Writes checkpoint `id` with one blob per step instance and returns the manifest.
    @discardableResult
    func writeCheckpoint(_ store: CheckpointStore, _ id: Int64, blob: [UInt8] = [1, 2, 3]) throws -> CheckpointManifest {
        let directory = try store.begin(id)
        let file = try CheckpointStore.writeFile(blob, named: "steps/count/0.blob", in: directory)
        let manifest = CheckpointManifest(
            kind: .checkpoint, jobName: "job", checkpointID: id, triggeredAtMs: 1000 * id, maxParallelism: 128,
            stateBackend: "memory",
            steps: [StepSnapshot(stepID: "count", componentName: "c", pluginName: "p", pluginVersion: "1.0",
                                 stateVersion: 1, parallelism: 1,
                                 instances: [InstanceSnapshot(instance: 0, keyGroups: 0...127, blob: file,
                                                              keyedState: nil, keyedStateFiles: [])])])
        try store.complete(id, manifest: manifest)
        return manifest
    }

    @Test func completeCheckpointsAreFoundNewestFirst() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        let first = try writeCheckpoint(store, 1)
        let second = try writeCheckpoint(store, 2, blob: [9])
        #expect(store.completeIDs() == [2, 1])
        var skipped: [Int64] = []
        let latest = try #require(store.latestValid { id, _ in skipped.append(id) })
        #expect(latest.id == 2 && latest.manifest == second && skipped.isEmpty)
        #expect(try CheckpointStore.load(directory: store.directory + "/chk-000001", verifyFiles: true) == first)
        let blob = try CheckpointStore.readFile(latest.directory + "/steps/count/0.blob")
        #expect(blob == [9])
    }

    @Test func anInProgressCheckpointIsNotComplete() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        try writeCheckpoint(store, 1)
        let directory = try store.begin(2)
        _ = try CheckpointStore.writeFile([7], named: "x.blob", in: directory)
        #expect(store.completeIDs() == [1])
        #expect(store.highestID() == 2)
        #expect(store.latestValid { _, _ in }?.id == 1)
        #expect(store.removeIncomplete() == ["chk-000002.inprogress"])
        #expect(!POSIXFileSystem().exists(directory))
    }

    @Test func aDamagedOrPartialCheckpointFallsBackToThePreviousOne() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        try writeCheckpoint(store, 1)
        try writeCheckpoint(store, 2)
        try writeCheckpoint(store, 3)
        try writeCheckpoint(store, 4)
        // 4: a flipped byte in the manifest's JSON; 3: a state file cut
        // short; 2: a state file missing.
        let manifest4 = store.directory + "/chk-000004/MANIFEST"
        var bytes = try CheckpointStore.readFile(manifest4)
        bytes[bytes.count - 3] ^= 0x20
        try POSIXFileSystem().writeFile(bytes, to: manifest4)
        try POSIXFileSystem().writeFile([1, 2], to: store.directory + "/chk-000003/steps/count/0.blob")
        unlink(store.directory + "/chk-000002/steps/count/0.blob")

        var reasons: [Int64: String] = [:]
        let latest = store.latestValid { id, error in reasons[id] = error.description }
        #expect(latest?.id == 1)
        #expect(reasons[4]?.contains("MANIFEST is damaged: checksum mismatch") == true)
        #expect(reasons[3]?.contains("0.blob is damaged: 2 bytes, the manifest says 3") == true)
        #expect(reasons[2]?.contains("0.blob is damaged: the file is missing") == true)
    }

    @Test func everyTruncationOfAManifestIsDetected() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        try writeCheckpoint(store, 1)
        let path = store.directory + "/chk-000001/MANIFEST"
        let whole = try CheckpointStore.readFile(path)
        for length in stride(from: 0, to: whole.count, by: max(1, whole.count / 97)) {
            try POSIXFileSystem().writeFile(Array(whole[..<length]), to: path)
            #expect(throws: CheckpointError.self) { try CheckpointStore.load(directory: store.directory + "/chk-000001", verifyFiles: false) }
        }
        try POSIXFileSystem().writeFile(whole, to: path)
        #expect(try CheckpointStore.load(directory: store.directory + "/chk-000001", verifyFiles: true).checkpointID == 1)
    }

    @Test func retentionKeepsTheNewest() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        for id in 1...5 { try writeCheckpoint(store, Int64(id)) }
        store.retain(2)
        #expect(store.completeIDs() == [5, 4])
    }

    @Test func aMissingDirectoryIsACleanError() throws {
        let temporary = try TemporaryDirectory()
        #expect {
            try CheckpointStore.load(directory: temporary.file("nope"), verifyFiles: true)
        } throws: { error in
            "\(error)".contains("no such checkpoint or savepoint directory")
        }
    }
}
