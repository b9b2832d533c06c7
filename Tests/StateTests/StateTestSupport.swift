import State
import TestKit

/// The backends every conformance test runs against.
enum BackendKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case rocksdb

    var description: String { rawValue }
}

/// A backend and a store on it; for RocksDB, the temporary directory that
/// holds the database, removed when the fixture goes.
final class StoreFixture {
    let kind: BackendKind
    let backend: any StateBackend
    let store: any KeyedStateStore
    let directory: TemporaryDirectory?

    init(_ kind: BackendKind, keyGroups: ClosedRange<Int> = 0...127, memoryBytesMax: Int? = nil,
         rocksDB configuration: RocksDBStateBackend.Configuration = .init()) throws {
        self.kind = kind
        switch kind {
        case .memory:
            directory = nil
            backend = MemoryStateBackend(memoryBytesMax: memoryBytesMax)
        case .rocksdb:
            let directory = try TemporaryDirectory(prefix: "streamhost-state")
            self.directory = directory
            backend = RocksDBStateBackend(directory: directory.path + "/state", configuration: configuration)
        }
        store = try backend.makeStore(stepID: "counts", instance: 0, keyGroups: keyGroups)
    }

    deinit { store.close() }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Byte-array forms of the store's calls, copying results, for tests.
extension KeyedStateStore {
    func register(_ name: String, _ kind: StateKind, ttlMs: Int64 = 0) throws -> StateID {
        try register(StateDescriptor(name: name, kind: kind, ttlMs: ttlMs))
    }

    func get(_ state: StateID, _ keyGroup: Int, _ key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { try get(state, keyGroup: keyGroup, key: $0).map { Array($0) } }
    }

    func put(_ state: StateID, _ keyGroup: Int, _ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { key in
            try value.withUnsafeBytes { try put(state, keyGroup: keyGroup, key: key, value: $0) }
        }
    }

    func delete(_ state: StateID, _ keyGroup: Int, _ key: [UInt8]) throws {
        try key.withUnsafeBytes { try delete(state, keyGroup: keyGroup, key: $0) }
    }

    func mapGet(_ state: StateID, _ keyGroup: Int, _ key: [UInt8], _ userKey: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { key in
            try userKey.withUnsafeBytes {
                try mapGet(state, keyGroup: keyGroup, key: key, userKey: $0).map { Array($0) }
            }
        }
    }

    func mapPut(_ state: StateID, _ keyGroup: Int, _ key: [UInt8], _ userKey: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { key in
            try userKey.withUnsafeBytes { userKey in
                try value.withUnsafeBytes { try mapPut(state, keyGroup: keyGroup, key: key, userKey: userKey, value: $0) }
            }
        }
    }

    func mapDelete(_ state: StateID, _ keyGroup: Int, _ key: [UInt8], _ userKey: [UInt8]) throws {
        try key.withUnsafeBytes { key in
            try userKey.withUnsafeBytes { try mapDelete(state, keyGroup: keyGroup, key: key, userKey: $0) }
        }
    }

    /// Every live (user key, value) of a key, in visiting order; stops
    /// after `limit` entries.
    func mapEntries(_ state: StateID, _ keyGroup: Int, _ key: [UInt8], limit: Int = .max) throws
        -> [(userKey: [UInt8], value: [UInt8])]
    {
        var entries: [(userKey: [UInt8], value: [UInt8])] = []
        try key.withUnsafeBytes { key in
            try mapIterate(state, keyGroup: keyGroup, key: key) { userKey, value in
                entries.append((Array(userKey), Array(value)))
                return entries.count < limit
            }
        }
        return entries
    }

    func registerTimer(_ domain: TimeDomain, _ keyGroup: Int, _ key: [UInt8], _ time: Int64) throws {
        try key.withUnsafeBytes { try registerTimer(domain, keyGroup: keyGroup, key: $0, time: time) }
    }

    func deleteTimer(_ domain: TimeDomain, _ keyGroup: Int, _ key: [UInt8], _ time: Int64) throws {
        try key.withUnsafeBytes { try deleteTimer(domain, keyGroup: keyGroup, key: $0, time: time) }
    }

    /// Pops every timer of `domain` up to `limit`, in order.
    func popAll(_ domain: TimeDomain, notAfter limit: Int64 = .max) throws -> [FiredTimer] {
        var fired: [FiredTimer] = []
        while let timer = try popTimer(domain, notAfter: limit) { fired.append(timer) }
        return fired
    }

    /// The canonical entries of `range`, in the order the store gives them.
    func entries(in range: ClosedRange<Int>) throws -> [StateEntry] {
        var entries: [StateEntry] = []
        try forEachEntry(in: range) { entries.append($0) }
        return entries
    }
}

extension StateEntry {
    var keyGroup: Int {
        switch self {
        case .value(_, let keyGroup, _, _, _, _): return keyGroup
        case .timer(let timer): return timer.keyGroup
        }
    }
}

/// Canonical entries in one backend-independent order, for comparing
/// stores (within a key group, the order is the backend's choice).
func sortedEntries(_ entries: [StateEntry]) -> [StateEntry] {
    entries.sorted { sortKey($0).lexicographicallyPrecedes(sortKey($1)) }
}

private func sortKey(_ entry: StateEntry) -> [UInt8] {
    func be(_ value: Int64) -> [UInt8] {
        let flipped = UInt64(bitPattern: value) ^ (1 << 63)
        return (0..<8).map { UInt8(truncatingIfNeeded: flipped >> (56 - 8 * $0)) }
    }
    func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] { be(Int64(bytes.count)) + bytes }
    switch entry {
    case .value(let state, let keyGroup, let key, let userKey, let value, let expiresAt):
        return be(Int64(keyGroup)) + [0] + lengthPrefixed(bytes(state.name)) + lengthPrefixed(key)
            + lengthPrefixed(userKey ?? []) + lengthPrefixed(value) + be(expiresAt ?? .min)
    case .timer(let timer):
        return be(Int64(timer.keyGroup)) + [1, timer.domain == .eventTime ? 0 : 1] + be(timer.time) + timer.key
    }
}
