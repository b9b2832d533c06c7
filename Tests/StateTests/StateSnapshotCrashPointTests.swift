import DurableFiles
@testable import State
import TestKit
import Testing

/// State snapshots on TestKit's `FaultyFileSystem`: a crash between any
/// two file-system calls of writing a snapshot.
@Suite struct StateSnapshotCrashPointTests {
    static let all = 0...63

    /// After each crash point: the snapshot written before is untouched and
    /// restores its exact entries; a snapshot whose write returned restores
    /// exactly the new entries; the debris of one that did not return either
    /// restores exactly the new entries or is refused with a snapshot error,
    /// never read as something else.
    @Test(arguments: [(BackendKind.memory, StateSnapshotFormat.canonical), (.rocksdb, .canonical), (.rocksdb, .native)])
    func aCrashAtAnyPointOfASnapshotWriteLeavesTheOldSnapshotAndNoMix(
        kind: BackendKind, format: StateSnapshotFormat
    ) throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(kind, fixture, keyGroups: Self.all, name: "store")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let oldEntries = sortedEntries(try store.entries(in: Self.all))
        let old = try fixture.snapshot(store, format)
        let counts = try store.register("counts", .value)
        for user in 0 ..< 50 {
            try store.put(counts, CanonicalFormTests.keyGroup(user), CanonicalFormTests.key(user), [0xEE, UInt8(user)])
        }
        let newEntries = sortedEntries(try store.entries(in: Self.all))
        #expect(newEntries != oldEntries)

        let counter = FaultyFileSystem()
        let counted = try counter.activate { try fixture.snapshot(store, format) }
        let count = counter.changes.count
        #expect(count >= 3, "\(counter.changes)")

        var restored = 0
        var acknowledged = 0
        var refused = 0
        for crashPoint in 0 ..< count + 1 {
            let faulty = FaultyFileSystem()
            faulty.crash(afterChanges: crashPoint)
            let path = fixture.directory.file("crash-\(crashPoint)")
            let written: StateSnapshotHandle? = faulty.activate {
                guard let writer = try? store.captureSnapshot(format) else { return nil }
                return try? writer.write(to: path)
            }
            // The handle the write would have returned (for the debris).
            let handle = written ?? counted.handle
            if written != nil { acknowledged += 1 }
            do {
                let copy = try makeStore(.memory, fixture, keyGroups: Self.all, name: "restore-\(crashPoint)",
                                         restoringFrom: [StateRestoreSource(directory: path, handle: handle)])
                defer { copy.close() }
                #expect(sortedEntries(try copy.entries(in: Self.all)) == newEntries, "crash point \(crashPoint)")
                restored += 1
            } catch {
                #expect(written == nil, "crash point \(crashPoint): an acknowledged snapshot is unreadable: \(error)")
                #expect(error is StateError, "crash point \(crashPoint): \(error)")
                refused += 1
            }
        }
        #expect(acknowledged >= 1 && refused >= 1, "acknowledged \(acknowledged), refused \(refused)")
        #expect(restored >= acknowledged)

        // The older snapshot is untouched by all of it.
        let copy = try makeStore(.memory, fixture, keyGroups: Self.all, name: "restore-old", restoringFrom: [old])
        defer { copy.close() }
        #expect(sortedEntries(try copy.entries(in: Self.all)) == oldEntries)
    }
}
