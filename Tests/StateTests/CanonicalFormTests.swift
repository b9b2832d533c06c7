import State
import TestKit
import Testing

/// The canonical form moves state between backends: a key-group range
/// leaves one store through `forEachEntry` and enters another through
/// `insert` (what savepoints and rescaling will do).
@Suite("Canonical form across backends")
struct CanonicalFormTests {
    /// The key group of test key `index`: a key always lands in one group.
    static func keyGroup(_ index: Int) -> Int { Int(Murmur.fold(index) % 64) }
    static func key(_ index: Int) -> [UInt8] { bytes("user-\(index)") }
    static let userCount = 700

    /// Fills `store` (key groups 0...63) with value, map and TTL entries and
    /// timers, and leaves it at processing time 6000: the `sessions`
    /// entries written at 1000 have expired then, those written again at
    /// 3000 expire at 8000.
    static func fill(_ store: any KeyedStateStore) throws {
        store.processingTime = 1_000
        let counts = try store.register("counts", .value)
        let sessions = try store.register("sessions", .value, ttlMs: 5_000)
        let windows = try store.register("windows", .map)
        for index in 0..<3_000 {
            let user = index % userCount
            try store.put(counts, keyGroup(user), key(user), bytes("\(index)"))
            if index % 3 == 0 { try store.put(sessions, keyGroup(user), key(user), [UInt8(index % 256), 0, 0xFF]) }
            try store.mapPut(windows, keyGroup(user), key(user), [UInt8(index / userCount), 0], [UInt8(index % 256)])
            if index % 5 == 0 {
                try store.registerTimer(index % 2 == 0 ? .eventTime : .processingTime, keyGroup(user), key(user),
                                        Int64(index) - 1_500)
            }
        }
        store.processingTime = 3_000
        for user in stride(from: 0, to: 300, by: 3) {
            try store.put(sessions, keyGroup(user), key(user), [1])
        }
        store.processingTime = 6_000
    }

    /// Copies the entries of `range` from one store into another.
    static func move(_ range: ClosedRange<Int>, from source: any KeyedStateStore, to target: any KeyedStateStore) throws {
        var moved = 0
        try source.forEachEntry(in: range) { entry throws(StateError) in
            try target.insert(entry)
            moved += 1
        }
        #expect(moved > 0)
    }

    @Test func aKeyGroupRangeMovesFromMemoryToRocksDBAndBack() throws {
        let memory = try StoreFixture(.memory, keyGroups: 0...63)
        try Self.fill(memory.store)
        let original = try memory.store.entries(in: 16...31)
        #expect(original.contains { if case .timer = $0 { true } else { false } })
        #expect(original.contains { if case .value(_, _, _, _, _, let expiresAt) = $0 { expiresAt == 8_000 } else { false } })
        #expect(original.allSatisfy { (16...31).contains($0.keyGroup) })

        let rocks = try StoreFixture(.rocksdb, keyGroups: 16...31)
        rocks.store.processingTime = 6_000
        try Self.move(16...31, from: memory.store, to: rocks.store)
        let inRocks = try rocks.store.entries(in: 0...63)
        #expect(sortedEntries(inRocks) == sortedEntries(original))

        let back = try StoreFixture(.memory, keyGroups: 16...31)
        back.store.processingTime = 6_000
        try Self.move(16...31, from: rocks.store, to: back.store)
        #expect(sortedEntries(try back.store.entries(in: 16...31)) == sortedEntries(original))

        // The moved stores behave like the original: the same reads, the
        // same timers in the same order, the same expiry.
        let memoryWindows = try memory.store.register("windows", .map)
        let memorySessions = try memory.store.register("sessions", .value, ttlMs: 5_000)
        for fixture in [rocks, back] {
            let windows = try fixture.store.register("windows", .map)
            let sessions = try fixture.store.register("sessions", .value, ttlMs: 5_000)
            for user in 0..<Self.userCount where (16...31).contains(Self.keyGroup(user)) {
                let keyGroup = Self.keyGroup(user)
                let expected = try memory.store.mapEntries(memoryWindows, keyGroup, Self.key(user))
                let found = try fixture.store.mapEntries(windows, keyGroup, Self.key(user))
                #expect(found.map(\.userKey) == expected.map(\.userKey))
                #expect(found.map(\.value) == expected.map(\.value))
                #expect(try fixture.store.get(sessions, keyGroup, Self.key(user))
                    == memory.store.get(memorySessions, keyGroup, Self.key(user)))
            }
        }
        let expectedTimers = try memory.store.popAll(.eventTime).filter { (16...31).contains($0.keyGroup) }
        #expect(!expectedTimers.isEmpty)
        #expect(try rocks.store.popAll(.eventTime) == expectedTimers)
        #expect(try back.store.popAll(.eventTime) == expectedTimers)
        for fixture in [rocks, back] {
            fixture.store.processingTime = 8_000
            #expect(try fixture.store.entries(in: 16...31).allSatisfy {
                if case .value(let state, _, _, _, _, _) = $0 { state.name != "sessions" } else { true }
            })
        }
    }

    @Test func everythingMovesFromRocksDBToMemory() throws {
        let rocks = try StoreFixture(.rocksdb, keyGroups: 0...63)
        try Self.fill(rocks.store)
        let memory = try StoreFixture(.memory, keyGroups: 0...63)
        memory.store.processingTime = 6_000
        try Self.move(0...63, from: rocks.store, to: memory.store)
        let original = try rocks.store.entries(in: 0...63)
        // 700 counts, 3000 window entries (users 0..<200 five, the others
        // four), 100 live sessions, 600 timers.
        #expect(original.count == 700 + 3_000 + 100 + 600)
        #expect(sortedEntries(try memory.store.entries(in: 0...63)) == sortedEntries(original))
    }
}

/// A small integer mix, so tests spread keys over key groups reproducibly.
enum Murmur {
    static func fold(_ value: Int) -> UInt64 {
        var x = UInt64(truncatingIfNeeded: value) &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 31)
    }
}
