import Foundation
@testable import State
import TestKit
import Testing

/// Snapshots for tests: a temporary directory per test, and one
/// subdirectory per snapshot written into it.
final class SnapshotFixture {
    let directory: TemporaryDirectory
    private var written = 0

    init() throws {
        directory = try TemporaryDirectory(prefix: "streamhost-snapshot")
    }

    /// Captures `store` and writes the snapshot into a new subdirectory.
    func snapshot(_ store: any KeyedStateStore, _ format: StateSnapshotFormat) throws -> StateRestoreSource {
        let writer = try store.captureSnapshot(format)
        return try write(writer)
    }

    func write(_ writer: any StateSnapshotWriter) throws -> StateRestoreSource {
        written += 1
        let path = directory.file("snapshot-\(written)")
        return StateRestoreSource(directory: path, handle: try writer.write(to: path))
    }

    /// A backend of `kind` whose RocksDB files live in this fixture's directory.
    func backend(_ kind: BackendKind, name: String = "backend") -> any StateBackend {
        switch kind {
        case .memory: return MemoryStateBackend()
        case .rocksdb: return RocksDBStateBackend(directory: directory.file(name))
        }
    }
}

/// A store of `kind` over `keyGroups`, owned with its backend.
func makeStore(_ kind: BackendKind, _ fixture: SnapshotFixture, keyGroups: ClosedRange<Int>, name: String,
               restoringFrom sources: [StateRestoreSource]? = nil, transform: StateEntryTransform? = nil,
               processingTime: Int64 = 6_000) throws -> any KeyedStateStore {
    let backend = fixture.backend(kind, name: name)
    let store: any KeyedStateStore
    if let sources {
        store = try backend.makeStore(stepID: name, instance: 0, keyGroups: keyGroups, restoringFrom: sources,
                                      transform: transform)
    } else {
        store = try backend.makeStore(stepID: name, instance: 0, keyGroups: keyGroups)
    }
    store.processingTime = processingTime
    return store
}

/// Fills a store over `keyGroups` with `CanonicalFormTests.fill`'s data in
/// those key groups (through a memory store over 0...63).
func fillPart(_ store: any KeyedStateStore) throws {
    let full = try StoreFixture(.memory, keyGroups: 0...63)
    try CanonicalFormTests.fill(full.store)
    store.processingTime = 6_000
    try full.store.forEachEntry(in: store.keyGroups) { entry throws(StateError) in try store.insert(entry) }
}

func isSnapshotError(_ error: any Error) -> Bool {
    if case StateError.snapshot? = error as? StateError { return true }
    return false
}

extension StateSnapshotFormat: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
