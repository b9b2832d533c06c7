import Foundation
@testable import State
import TestKit
import Testing

/// Snapshots and restores of keyed state: both formats, both backends,
/// across backends, over other key-group ranges (rescaling), with a
/// transform; and that a snapshot is the state at its capture.
@Suite("Keyed-state snapshots")
struct StateSnapshotTests {
    static let all = 0...63

    @Test(arguments: [BackendKind.memory, .rocksdb], [StateSnapshotFormat.canonical, .native])
    func aSnapshotRestoresIntoBothBackends(source kind: BackendKind, format: StateSnapshotFormat) throws {
        let fixture = try SnapshotFixture()
        let original = try makeStore(kind, fixture, keyGroups: Self.all, name: "original")
        defer { original.close() }
        try CanonicalFormTests.fill(original)
        let expected = sortedEntries(try original.entries(in: Self.all))
        #expect(expected.count == 700 + 3_000 + 100 + 600)
        let source = try fixture.snapshot(original, format)
        let handle = source.handle
        let expectNative = kind == .rocksdb && format == .native
        #expect(handle.format == (expectNative ? .native : .canonical))
        #expect(handle.keyGroups == Self.all)
        #expect(handle.backend == kind.rawValue)
        #expect(Set(handle.states.map(\.name)) == ["counts", "sessions", "windows"])
        #expect(handle.totalBytes == handle.files.reduce(0) { $0 + $1.byteSize })
        if expectNative {
            #expect(handle.entryCount == nil)
        } else {
            #expect(handle.entryCount == 700 + 3_000 + 100)
            #expect(handle.timerCount == 600)
        }
        // The handle survives a trip through JSON (it goes into manifests).
        let decoded = try StateSnapshotHandle(jsonText: handle.jsonText)
        #expect(decoded == handle)

        let expectedTimers = expected.compactMap { entry -> FiredTimer? in
            if case .timer(let timer) = entry, timer.domain == .eventTime { return timer }
            return nil
        }.sorted { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.keyGroup != b.keyGroup { return a.keyGroup < b.keyGroup }
            return a.key.lexicographicallyPrecedes(b.key)
        }
        #expect(!expectedTimers.isEmpty)
        for target in [BackendKind.memory, .rocksdb] {
            let restored = try makeStore(target, fixture, keyGroups: Self.all, name: "restored-\(target)",
                                         restoringFrom: [StateRestoreSource(directory: source.directory, handle: decoded)])
            defer { restored.close() }
            #expect(sortedEntries(try restored.entries(in: Self.all)) == expected, "\(kind) \(format) → \(target)")
            // It behaves like the original: reads, timers in order, expiry.
            let windows = try restored.register("windows", .map)
            let originalWindows = try original.register("windows", .map)
            for user in stride(from: 0, to: CanonicalFormTests.userCount, by: 7) {
                let keyGroup = CanonicalFormTests.keyGroup(user)
                let key = CanonicalFormTests.key(user)
                #expect(try restored.mapEntries(windows, keyGroup, key).map(\.value)
                    == original.mapEntries(originalWindows, keyGroup, key).map(\.value))
            }
            #expect(try restored.popAll(.eventTime) == expectedTimers)
            restored.processingTime = 8_000
            #expect(try restored.entries(in: Self.all).allSatisfy {
                if case .value(let state, _, _, _, _, _) = $0 { state.name != "sessions" } else { true }
            })
        }
    }

    @Test(arguments: [BackendKind.memory, .rocksdb], [StateSnapshotFormat.canonical, .native])
    func writesAfterTheCaptureDoNotReachTheSnapshot(kind: BackendKind, format: StateSnapshotFormat) throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(kind, fixture, keyGroups: Self.all, name: "live")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let atCapture = sortedEntries(try store.entries(in: Self.all))
        let writer = try store.captureSnapshot(format)

        // The task goes on before the snapshot is written.
        let counts = try store.register("counts", .value)
        let windows = try store.register("windows", .map)
        for user in 0..<CanonicalFormTests.userCount {
            let keyGroup = CanonicalFormTests.keyGroup(user)
            let key = CanonicalFormTests.key(user)
            try store.put(counts, keyGroup, key, bytes("changed"))
            if user % 2 == 0 { try store.delete(counts, keyGroup, key) }
            try store.mapPut(windows, keyGroup, key, [9, 9], [1])
            try store.registerTimer(.eventTime, keyGroup, key, 1_000_000)
        }
        _ = try store.register("added-later", .value)
        #expect(sortedEntries(try store.entries(in: Self.all)) != atCapture)
        let path = fixture.directory.file("async")
        let outcome = DispatchQueue(label: "snapshot-writer").sync(execute: { () -> Result<StateSnapshotHandle, StateError> in
            Result { () throws(StateError) in try writer.write(to: path) }
        })
        let handle = try outcome.get()
        #expect(!handle.states.contains { $0.name == "added-later" })
        let restored = try makeStore(.memory, fixture, keyGroups: Self.all, name: "restored",
                                     restoringFrom: [StateRestoreSource(directory: path, handle: handle)])
        #expect(sortedEntries(try restored.entries(in: Self.all)) == atCapture)
    }

    @Test(arguments: [BackendKind.memory, .rocksdb])
    func writesDuringAnAsynchronousWriteDoNotReachTheSnapshot(kind: BackendKind) throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(kind, fixture, keyGroups: Self.all, name: "live")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let atCapture = sortedEntries(try store.entries(in: Self.all))
        let counts = try store.register("counts", .value)
        let writer = try store.captureSnapshot(.canonical)
        let path = fixture.directory.file("concurrent")
        let box = ResultBox()
        let thread = Thread { box.result = Result { () throws(StateError) in try writer.write(to: path) } }
        thread.start()
        // Writes race with the write on the other thread.
        for round in 0..<20 {
            for user in 0..<CanonicalFormTests.userCount {
                try store.put(counts, CanonicalFormTests.keyGroup(user), CanonicalFormTests.key(user), [UInt8(round)])
            }
        }
        while box.result == nil { usleep(1_000) }
        let handle = try box.result!.get()
        let restored = try makeStore(kind, fixture, keyGroups: Self.all, name: "restored",
                                     restoringFrom: [StateRestoreSource(directory: path, handle: handle)])
        defer { restored.close() }
        #expect(sortedEntries(try restored.entries(in: Self.all)) == atCapture)
    }

    @Test func rescalingTwoStoresToOneAndOneToThreeKeepsExactlyTheirKeyGroups() throws {
        let fixture = try SnapshotFixture()
        let reference = try makeStore(.memory, fixture, keyGroups: Self.all, name: "reference")
        try CanonicalFormTests.fill(reference)
        let everything = sortedEntries(try reference.entries(in: Self.all))

        // Two old instances on different backends and formats.
        let left = try makeStore(.memory, fixture, keyGroups: 0...31, name: "left")
        let right = try makeStore(.rocksdb, fixture, keyGroups: 32...63, name: "right")
        defer { right.close() }
        try fillPart(left)
        try fillPart(right)
        let oldSources = [try fixture.snapshot(left, .canonical), try fixture.snapshot(right, .native)]

        // 2 → 1, into RocksDB.
        let merged = try makeStore(.rocksdb, fixture, keyGroups: Self.all, name: "merged", restoringFrom: oldSources)
        defer { merged.close() }
        #expect(sortedEntries(try merged.entries(in: Self.all)) == everything)

        // 1 → 3, and 2 → 3 directly, onto both backends.
        let mergedSource = try fixture.snapshot(merged, .native)
        let newRanges = [0...20, 21...42, 43...63]
        for (number, range) in newRanges.enumerated() {
            let expected = everything.filter { range.contains($0.keyGroup) }
            #expect(!expected.isEmpty)
            for (sources, kind) in [([mergedSource], BackendKind.memory), (oldSources, .rocksdb), ([mergedSource], .rocksdb)] {
                let store = try makeStore(kind, fixture, keyGroups: range, name: "new-\(number)-\(kind)-\(sources.count)",
                                          restoringFrom: sources)
                defer { store.close() }
                #expect(sortedEntries(try store.entries(in: Self.all)) == expected, "\(range) on \(kind)")
            }
        }
    }

    @Test(arguments: [BackendKind.memory, .rocksdb], [StateSnapshotFormat.canonical, .native])
    func aTransformRewritesDropsOrAborts(target: BackendKind, format: StateSnapshotFormat) throws {
        let fixture = try SnapshotFixture()
        let original = try makeStore(.rocksdb, fixture, keyGroups: Self.all, name: "original")
        defer { original.close() }
        try CanonicalFormTests.fill(original)
        let source = try fixture.snapshot(original, format)
        let before = try original.entries(in: Self.all)

        // Rewrite counts (as a migrate hook would), drop the windows map.
        let migrated = try makeStore(target, fixture, keyGroups: Self.all, name: "migrated", restoringFrom: [source],
                                     transform: { (entry) throws(StateError) -> StateEntry? in
            guard case .value(let state, let keyGroup, let key, let userKey, let value, let expiresAt) = entry else {
                Issue.record("timers do not go through the transform")
                return entry
            }
            if state.name == "windows" { return nil }
            if state.name == "counts" {
                return .value(state: state, keyGroup: keyGroup, key: key, userKey: userKey, value: [2] + value,
                              expiresAt: expiresAt)
            }
            return entry
        })
        defer { migrated.close() }
        let expected = before.compactMap { entry -> StateEntry? in
            guard case .value(let state, let keyGroup, let key, let userKey, let value, let expiresAt) = entry else {
                return entry
            }
            if state.name == "windows" { return nil }
            if state.name == "counts" {
                return .value(state: state, keyGroup: keyGroup, key: key, userKey: userKey, value: [2] + value,
                              expiresAt: expiresAt)
            }
            return entry
        }
        #expect(sortedEntries(try migrated.entries(in: Self.all)) == sortedEntries(expected))

        let refusal = StateError.invalidDescriptor(name: "counts", reason: "version 2 cannot read version 1")
        #expect(throws: refusal) {
            _ = try makeStore(target, fixture, keyGroups: Self.all, name: "refused", restoringFrom: [source],
                              transform: { (entry) throws(StateError) -> StateEntry? in
                if case .value(let state, _, _, _, _, _) = entry, state.name == "counts" { throw refusal }
                return entry
            })
        }
    }

    @Test func sourcesOutsideTheKeyGroupsAreNotRead() throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(.memory, fixture, keyGroups: 0...31, name: "left")
        try fillPart(store)
        var source = try fixture.snapshot(store, .canonical)
        // Damage that would fail any read of the file.
        source.handle.files[0].byteSize += 1
        let elsewhere = try makeStore(.memory, fixture, keyGroups: 32...63, name: "right", restoringFrom: [source])
        #expect(try elsewhere.entries(in: Self.all).isEmpty)
        #expect(throws: (any Error).self) {
            _ = try makeStore(.memory, fixture, keyGroups: 16...40, name: "overlap", restoringFrom: [source])
        }
    }

    @Test(arguments: [BackendKind.memory, .rocksdb], [StateSnapshotFormat.canonical, .native])
    func discardRemovesWhatWasWritten(kind: BackendKind, format: StateSnapshotFormat) throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(kind, fixture, keyGroups: Self.all, name: "store")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        let written = try store.captureSnapshot(format)
        let path = fixture.directory.file("written")
        let handle = try written.write(to: path)
        #expect(handle.files.allSatisfy { FileManager.default.fileExists(atPath: path + "/" + $0.relativePath) })
        written.discard()
        #expect(handle.files.allSatisfy { !FileManager.default.fileExists(atPath: path + "/" + $0.relativePath) })
        written.discard()

        let aborted = try store.captureSnapshot(format)
        aborted.discard()
        #expect(throws: (any Error).self) { _ = try aborted.write(to: fixture.directory.file("aborted")) }
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("aborted") + "/CURRENT"))
        if let rocks = store as? RocksDBKeyedStateStore {
            // No staging checkpoint is left behind.
            let staging = (try? FileManager.default.contentsOfDirectory(atPath: rocks.path + ".snapshots")) ?? []
            #expect(staging.isEmpty)
        }
    }

    @Test(arguments: [BackendKind.memory, .rocksdb], [StateSnapshotFormat.canonical, .native])
    func anEmptyStoreRestoresEmpty(kind: BackendKind, format: StateSnapshotFormat) throws {
        let fixture = try SnapshotFixture()
        let empty = try makeStore(kind, fixture, keyGroups: 8...15, name: "empty")
        defer { empty.close() }
        let source = try fixture.snapshot(empty, format)
        #expect(source.handle.states.isEmpty)
        for target in [BackendKind.memory, .rocksdb] {
            let restored = try makeStore(target, fixture, keyGroups: 8...15, name: "restored-\(target)",
                                         restoringFrom: [source])
            defer { restored.close() }
            #expect(try restored.entries(in: 0...63).isEmpty)
            #expect(try restored.earliestTimer(.eventTime) == nil)
        }
    }

    @Test func aRocksDBStoreClosedDuringACanonicalWriteStaysOpenUntilTheWriteEnds() throws {
        let fixture = try SnapshotFixture()
        let store = try makeStore(.rocksdb, fixture, keyGroups: Self.all, name: "closing")
        try CanonicalFormTests.fill(store)
        let expected = sortedEntries(try store.entries(in: Self.all))
        let writer = try store.captureSnapshot(.canonical)
        store.close()
        let source = try fixture.write(writer)
        let restored = try makeStore(.memory, fixture, keyGroups: Self.all, name: "restored", restoringFrom: [source])
        #expect(sortedEntries(try restored.entries(in: Self.all)) == expected)
    }
}

/// The result of a write on another thread.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<StateSnapshotHandle, StateError>?
    var result: Result<StateSnapshotHandle, StateError>? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
