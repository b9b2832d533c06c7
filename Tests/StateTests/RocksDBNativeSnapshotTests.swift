import Foundation
@testable import State
import TestKit
import Testing

/// Native RocksDB snapshots: consecutive checkpoints share unchanged SST
/// files, and a restore of the same key groups links instead of reading.
@Suite("RocksDB native snapshots")
struct RocksDBNativeSnapshotTests {
    static func inode(_ path: String) throws -> UInt64 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return UInt64(status.st_ino)
    }

    @Test func consecutiveCheckpointsShareUnchangedFiles() throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(.rocksdb, fixture, keyGroups: 0...63, name: "incremental")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let counts = try store.register("counts", .value)
        for index in 0..<20_000 {
            try store.put(counts, index % 64, bytes("bulk-\(index)"), [UInt8](repeating: UInt8(index % 251), count: 64))
        }
        let first = try fixture.snapshot(store, .native)
        #expect(first.handle.newBytes == first.handle.totalBytes)

        // A few changes: the next checkpoint adds a small SST file.
        for index in 0..<10 { try store.put(counts, index, bytes("late-\(index)"), bytes("v")) }
        let second = try fixture.snapshot(store, .native)
        #expect(second.handle.newBytes < second.handle.totalBytes)
        #expect(second.handle.newBytes * 4 < second.handle.totalBytes)
        let shared = second.handle.files.filter { !$0.isNew }
        #expect(!shared.isEmpty && shared.allSatisfy { $0.relativePath.hasSuffix(".sst") })
        for file in shared {
            // The same inode: stored once.
            #expect(try Self.inode(first.directory + "/" + file.relativePath)
                == Self.inode(second.directory + "/" + file.relativePath))
            #expect(first.handle.files.contains(file.withIsNew(true)))
        }

        // Each checkpoint restores to its own state.
        for (source, late) in [(first, false), (second, true)] {
            let restored = try makeStore(.rocksdb, fixture, keyGroups: 0...63, name: "restored-\(late)",
                                         restoringFrom: [source])
            defer { restored.close() }
            let id = try restored.register("counts", .value)
            #expect(try restored.get(id, 3, bytes("late-3")) == (late ? bytes("v") : nil))
            #expect(try restored.get(id, 5, bytes("bulk-5")) == [UInt8](repeating: 5, count: 64))
        }
    }

    @Test func aRestoreOfTheSameKeyGroupsLinksTheFilesAndSharesThemWithTheNextCheckpoint() throws {
        let fixture = try SnapshotFixture()
        let original = try makeStore(.rocksdb, fixture, keyGroups: 0...63, name: "original")
        defer { original.close() }
        try CanonicalFormTests.fill(original)
        let expected = sortedEntries(try original.entries(in: 0...63))
        let source = try fixture.snapshot(original, .native)

        let backend = RocksDBStateBackend(directory: fixture.directory.file("restoring"))
        let restored = try backend.makeStore(stepID: "counts", instance: 2, keyGroups: 0...63, restoringFrom: [source],
                                             transform: nil)
        defer { restored.close() }
        restored.processingTime = 6_000
        let storePath = backend.storePath(stepID: "counts", instance: 2)
        for file in source.handle.files where file.relativePath.hasSuffix(".sst") {
            #expect(try Self.inode(storePath + "/" + file.relativePath)
                == Self.inode(source.directory + "/" + file.relativePath))
        }
        #expect(sortedEntries(try restored.entries(in: 0...63)) == expected)
        // The restored store keeps working, and its timers pop in order.
        let counts = try restored.register("counts", .value)
        try restored.put(counts, 9, bytes("new"), bytes("1"))
        #expect(try restored.get(counts, 9, bytes("new")) == bytes("1"))
        #expect(try restored.popAll(.eventTime) == original.popAll(.eventTime))

        let next = try fixture.snapshot(restored, .native)
        #expect(next.handle.newBytes < next.handle.totalBytes)
    }

    @Test func aDiscardedCheckpointIsNotSharedWith() throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(.rocksdb, fixture, keyGroups: 0...63, name: "discarding")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let writer = try store.captureSnapshot(.native)
        _ = try writer.write(to: fixture.directory.file("discarded"))
        writer.discard()
        let next = try fixture.snapshot(store, .native)
        #expect(next.handle.files.allSatisfy { $0.isNew })
        #expect(next.handle.newBytes == next.handle.totalBytes)
    }
}

extension StateSnapshotHandle.File {
    func withIsNew(_ isNew: Bool) -> Self {
        var copy = self
        copy.isNew = isNew
        return copy
    }
}
