import DurableFiles
import Testing
import TestKit

@testable import Checkpoint

/// The checkpoint store on TestKit's `FaultyFileSystem`: a crash between
/// any two file-system calls of writing and committing a checkpoint.
@Suite struct CheckpointCrashPointTests {
    private func manifest(_ id: Int64, blob: SnapshotFile) -> CheckpointManifest {
        CheckpointManifest(
            kind: .checkpoint, jobName: "job", checkpointID: id, triggeredAtMs: 1000 * id, maxParallelism: 128,
            stateBackend: "memory",
            steps: [StepSnapshot(stepID: "count", componentName: "c", pluginName: "p", pluginVersion: "1.0",
                                 stateVersion: 1, parallelism: 1,
                                 instances: [InstanceSnapshot(instance: 0, keyGroups: 0...127, blob: blob,
                                                              keyedState: nil, keyedStateFiles: [])])])
    }

    /// Writes checkpoint `id` (a state file, then the manifest commit);
    /// returns whether `complete` returned.
    @discardableResult
    private func write(_ store: CheckpointStore, _ id: Int64, blob: [UInt8]) -> Bool {
        do {
            let directory = try store.begin(id)
            let file = try CheckpointStore.writeFile(blob, named: "steps/count/0.blob", in: directory)
            try store.complete(id, manifest: manifest(id, blob: file))
            return true
        } catch {
            return false
        }
    }

    @Test func aCrashAtAnyPointOfACheckpointLeavesTheOldOrTheNewOneNeverAMix() throws {
        let oldBlob = Array(repeating: UInt8(1), count: 3000)
        let newBlob = Array(repeating: UInt8(2), count: 5000)
        let counted = try TemporaryDirectory()
        let countingStore = CheckpointStore(directory: counted.file("chk"), prefix: "chk")
        #expect(write(countingStore, 1, blob: oldBlob))
        let counter = FaultyFileSystem()
        #expect(counter.activate { write(countingStore, 2, blob: newBlob) })
        let count = counter.changes.count
        // The directories, the state file and its fsync, the manifest's
        // temporary file, fsync, rename and directory fsync, the directory
        // rename and its fsync.
        #expect(count >= 10, "\(counter.changes)")

        var outcomes: Set<Int64> = []
        for crashPoint in 0 ... count {
            let temporary = try TemporaryDirectory()
            let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
            #expect(write(store, 1, blob: oldBlob))
            let faulty = FaultyFileSystem()
            faulty.crash(afterChanges: crashPoint)
            let acknowledged = faulty.activate { write(store, 2, blob: newBlob) }
            #expect(faulty.hasCrashed == (crashPoint < count), "crash point \(crashPoint)")

            // Recovery, as a restart does it, on the real file system.
            store.removeIncomplete()
            let latest = try #require(store.latestValid { id, error in
                Issue.record("crash point \(crashPoint): checkpoint \(id) skipped: \(error)")
            })
            if acknowledged { #expect(latest.id == 2, "crash point \(crashPoint): a completed checkpoint was lost") }
            let file = try #require(latest.manifest.steps[0].instances[0].blob)
            let blob = try CheckpointStore.readVerified(path: latest.directory + "/steps/count/0.blob", file: file)
            #expect(blob == (latest.id == 2 ? newBlob : oldBlob), "crash point \(crashPoint)")
            #expect(latest.manifest.checkpointID == latest.id)
            #expect(store.completeIDs().first == latest.id)
            // The next checkpoint id is never one already used.
            #expect(store.highestID() >= latest.id)
            outcomes.insert(latest.id)
        }
        #expect(outcomes == [1, 2])
    }

    @Test func aFullDiskWhileWritingAStateFileFailsTheCheckpointAndKeepsThePreviousOne() throws {
        let temporary = try TemporaryDirectory()
        let store = CheckpointStore(directory: temporary.file("chk"), prefix: "chk")
        #expect(write(store, 1, blob: [1, 2, 3]))
        let faulty = FaultyFileSystem()
        faulty.inject(.error(.noSpace), on: .write, pathContaining: "0.blob")
        let error = #expect(throws: CheckpointError.self) {
            try faulty.activate {
                let directory = try store.begin(2)
                _ = try CheckpointStore.writeFile([4, 5], named: "steps/count/0.blob", in: directory)
            }
        }
        guard case let .io(path, message)? = error else {
            Issue.record("expected an I/O error, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("chk-000002.inprogress/steps/count/0.blob"))
        #expect(message == "write failed: No space left on device (errno 28)")
        store.abort(2)
        #expect(store.latestValid { _, _ in }?.id == 1)
        #expect(store.highestID() == 1)
    }
}
