import Core
import State
import TestKit
import Testing

/// The contract of `KeyedStateStore` (see its doc comments), checked
/// against every backend.
@Suite("KeyedStateStore conformance")
struct KeyedStateStoreConformanceTests {
    // MARK: Size (metrics)

    /// `sizeEstimate` follows puts and deletes: exactly on the memory
    /// backend, RocksDB's estimate-num-keys over its memtable (distinct
    /// keys, nothing flushed) likewise; bytes grow with the entries.
    @Test(arguments: BackendKind.allCases)
    func sizeEstimateFollowsPutsAndDeletes(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let empty = store.sizeEstimate
        #expect(empty.entries == 0)
        let counts = try store.register("counts", .value)
        let tags = try store.register("tags", .map)
        for index in 0..<500 {
            try store.put(counts, index % 4, bytes("key-\(index)"), [UInt8](repeating: 7, count: 100))
        }
        for index in 0..<100 {
            try store.mapPut(tags, 1, bytes("k"), bytes("tag-\(index)"), [1, 2])
        }
        let full = store.sizeEstimate
        #expect(full.entries == 600, "\(kind): \(full)")
        #expect(full.bytes >= 500 * 100, "\(kind): \(full)")
        for index in 0..<200 { try store.delete(counts, index % 4, bytes("key-\(index)")) }
        let after = store.sizeEstimate
        switch kind {
        case .memory:
            #expect(after.entries == 400, "\(after)")
            #expect(after.bytes < full.bytes, "\(after) after \(full)")
        default:
            // RocksDB estimates: a deletion is a tombstone until compacted
            // (its estimate subtracts deletions from puts).
            #expect(after.entries <= full.entries, "\(kind): \(after) after \(full)")
        }
    }

    // MARK: Value state

    @Test(arguments: BackendKind.allCases)
    func valuePutGetOverwriteDelete(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let counts = try store.register("counts", .value)
        #expect(try store.get(counts, 3, bytes("alice")) == nil)

        try store.put(counts, 3, bytes("alice"), [1, 2, 3])
        #expect(try store.get(counts, 3, bytes("alice")) == [1, 2, 3])
        // Overwrites: the same size, larger (past the entry's capacity),
        // much smaller, and empty, which is a value and not an absence.
        try store.put(counts, 3, bytes("alice"), [4, 5, 6])
        #expect(try store.get(counts, 3, bytes("alice")) == [4, 5, 6])
        let large = [UInt8](repeating: 0xAB, count: 5_000)
        try store.put(counts, 3, bytes("alice"), large)
        #expect(try store.get(counts, 3, bytes("alice")) == large)
        try store.put(counts, 3, bytes("alice"), [7])
        #expect(try store.get(counts, 3, bytes("alice")) == [7])
        try store.put(counts, 3, bytes("alice"), [])
        #expect(try store.get(counts, 3, bytes("alice")) == [])

        try store.delete(counts, 3, bytes("alice"))
        #expect(try store.get(counts, 3, bytes("alice")) == nil)
        // Deleting what is not there is a no-op.
        try store.delete(counts, 3, bytes("alice"))
        try store.delete(counts, 3, bytes("nobody"))
        #expect(try store.get(counts, 3, bytes("nobody")) == nil)
    }

    @Test(arguments: BackendKind.allCases)
    func valuesAreSeparatePerStateKeyGroupAndKey(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let first = try store.register("first", .value)
        let second = try store.register("second", .value)
        // The empty key, a key that is a prefix of another, a key with zero
        // and 0xFF bytes.
        let keys: [[UInt8]] = [[], [0x61], [0x61, 0x62], [0, 0xFF, 0], [0xFF, 0xFF]]
        for (index, key) in keys.enumerated() {
            for keyGroup in [0, 1, 127] {
                try store.put(first, keyGroup, key, [UInt8(index), UInt8(keyGroup), 1])
                try store.put(second, keyGroup, key, [UInt8(index), UInt8(keyGroup), 2])
            }
        }
        for (index, key) in keys.enumerated() {
            for keyGroup in [0, 1, 127] {
                #expect(try store.get(first, keyGroup, key) == [UInt8(index), UInt8(keyGroup), 1])
                #expect(try store.get(second, keyGroup, key) == [UInt8(index), UInt8(keyGroup), 2])
            }
            #expect(try store.get(first, 2, key) == nil)
        }
        try store.delete(first, 1, [0x61])
        #expect(try store.get(first, 1, [0x61]) == nil)
        #expect(try store.get(first, 1, [0x61, 0x62]) == [2, 1, 1])
        #expect(try store.get(first, 0, [0x61]) == [1, 0, 1])
        #expect(try store.get(second, 1, [0x61]) == [1, 1, 2])
    }

    // MARK: Map state

    @Test(arguments: BackendKind.allCases)
    func mapPutGetDeleteAndIterateInUserKeyOrder(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let windows = try store.register("windows", .map)
        let key = bytes("alice")
        // Inserted out of order; byte order puts a prefix first and 0xFF last.
        let userKeys: [[UInt8]] = [[0x62], [0xFF], [0x61, 0x00], [], [0x61], [0x00, 0x01], [0x61, 0xFF, 0x01]]
        for (index, userKey) in userKeys.enumerated() {
            try store.mapPut(windows, 5, key, userKey, [UInt8(index)])
        }
        // Another key sharing a prefix with this one, and the same key in
        // another key group: neither shows up in this key's iteration.
        try store.mapPut(windows, 5, bytes("alicex"), [0x61], [100])
        try store.mapPut(windows, 5, bytes("alic"), [0x61], [101])
        try store.mapPut(windows, 6, key, [0x61], [102])

        let expectedOrder = userKeys.sorted { $0.lexicographicallyPrecedes($1) }
        let entries = try store.mapEntries(windows, 5, key)
        #expect(entries.map(\.userKey) == expectedOrder)
        for entry in entries {
            let index = userKeys.firstIndex(of: entry.userKey)!
            #expect(entry.value == [UInt8(index)])
            #expect(try store.mapGet(windows, 5, key, entry.userKey) == [UInt8(index)])
        }
        #expect(try store.mapEntries(windows, 5, bytes("alicex")).map(\.value) == [[100]])
        #expect(try store.mapEntries(windows, 6, key).map(\.value) == [[102]])

        // The visitor stops the iteration by returning false.
        #expect(try store.mapEntries(windows, 5, key, limit: 2).map(\.userKey) == Array(expectedOrder.prefix(2)))

        // Overwrite (also with a value that needs a larger entry), delete.
        try store.mapPut(windows, 5, key, [0x61], [9, 9])
        let large = [UInt8](repeating: 7, count: 3_000)
        try store.mapPut(windows, 5, key, [0x62], large)
        #expect(try store.mapGet(windows, 5, key, [0x61]) == [9, 9])
        #expect(try store.mapGet(windows, 5, key, [0x62]) == large)
        try store.mapDelete(windows, 5, key, [0x61])
        try store.mapDelete(windows, 5, key, [0x61])  // a no-op
        #expect(try store.mapGet(windows, 5, key, [0x61]) == nil)
        #expect(try store.mapEntries(windows, 5, key).map(\.userKey) == expectedOrder.filter { $0 != [0x61] })

        for userKey in userKeys { try store.mapDelete(windows, 5, key, userKey) }
        #expect(try store.mapEntries(windows, 5, key).isEmpty)
        #expect(try store.mapEntries(windows, 5, bytes("nobody")).isEmpty)
        #expect(try store.mapEntries(windows, 5, bytes("alicex")).map(\.value) == [[100]])
    }

    @Test(arguments: BackendKind.allCases)
    func mapEntriesSurviveChurnOfTheirNeighbours(_ kind: BackendKind) throws {
        // Entries of one key are added and removed in an order that moves
        // the first entry of the key's chain (memory backend) many times.
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let map = try store.register("m", .map)
        var live: [UInt8: [UInt8]] = [:]
        var random = SeededRandom(seed: 7)
        for step in 0..<2_000 {
            let userKey = UInt8(random.next() % 40)
            if random.next() % 3 == 0 {
                try store.mapDelete(map, 9, bytes("k"), [userKey])
                live[userKey] = nil
            } else {
                let value = [UInt8](repeating: UInt8(truncatingIfNeeded: step), count: Int(random.next() % 80))
                try store.mapPut(map, 9, bytes("k"), [userKey], value)
                live[userKey] = value
            }
        }
        let entries = try store.mapEntries(map, 9, bytes("k"))
        #expect(entries.map(\.userKey) == live.keys.sorted().map { [$0] })
        #expect(entries.map(\.value) == live.keys.sorted().map { live[$0]! })
    }

    // MARK: Borrowed values

    @Test(arguments: BackendKind.allCases)
    func inputsAreCopiedAndResultsAreBorrowedUntilTheNextCall(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let values = try store.register("v", .value)
        let maps = try store.register("m", .map)
        var key: [UInt8] = bytes("key")
        var value: [UInt8] = [1, 2, 3, 4]
        var userKey: [UInt8] = [9]
        try store.put(values, 1, key, value)
        try store.mapPut(maps, 1, key, userKey, value)
        // The caller's buffers change after the calls: the store kept copies.
        key[0] = 0x4B
        value[0] = 0xEE
        userKey[0] = 8
        #expect(try store.get(values, 1, bytes("key")) == [1, 2, 3, 4])
        #expect(try store.mapGet(maps, 1, bytes("key"), [9]) == [1, 2, 3, 4])
        #expect(try store.get(values, 1, key) == nil)

        // A borrowed result reads correctly up to the next call, and the
        // next call may reuse or free it: copy first, then call again.
        try bytes("key").withUnsafeBytes { rawKey in
            let borrowed = try #require(try store.get(values, keyGroup: 1, key: rawKey))
            #expect(Array(borrowed) == [1, 2, 3, 4])
            let copied = Array(borrowed)
            try [UInt8](repeating: 5, count: 100).withUnsafeBytes {
                try store.put(values, keyGroup: 1, key: rawKey, value: $0)
            }
            let fresh = try #require(try store.get(values, keyGroup: 1, key: rawKey))
            #expect(Array(fresh) == [UInt8](repeating: 5, count: 100))
            #expect(copied == [1, 2, 3, 4])
        }
    }

    // MARK: Registration and errors

    @Test(arguments: BackendKind.allCases)
    func registrationRules(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let counts = try store.register("counts", .value, ttlMs: 500)
        let windows = try store.register("windows", .map)
        #expect(counts != windows)
        #expect(try store.register("counts", .value, ttlMs: 500) == counts)
        #expect(try store.register("windows", .map) == windows)

        #expect(throws: StateError.conflictingRegistration(
            name: "counts", existing: StateDescriptor(name: "counts", kind: .value, ttlMs: 500),
            requested: StateDescriptor(name: "counts", kind: .map, ttlMs: 500))) {
            _ = try store.register("counts", .map, ttlMs: 500)
        }
        #expect(throws: StateError.conflictingRegistration(
            name: "counts", existing: StateDescriptor(name: "counts", kind: .value, ttlMs: 500),
            requested: StateDescriptor(name: "counts", kind: .value, ttlMs: 0))) {
            _ = try store.register("counts", .value)
        }
        #expect(throws: StateError.invalidDescriptor(name: "late", reason: "ttl -1 ms is negative (0 means no expiry)")) {
            _ = try store.register("late", .value, ttlMs: -1)
        }
        #expect(throws: StateError.invalidDescriptor(name: "", reason: "a state needs a name")) {
            _ = try store.register("", .value)
        }
        // Refused registrations left nothing behind.
        #expect(try store.register("late", .value, ttlMs: 5) != counts)
        let message = StateError.conflictingRegistration(
            name: "counts", existing: StateDescriptor(name: "counts", kind: .value, ttlMs: 500),
            requested: StateDescriptor(name: "counts", kind: .map, ttlMs: 500)).description
        #expect(message.contains("'counts'") && message.contains("value state") && message.contains("map state"))
    }

    @Test(arguments: BackendKind.allCases)
    func wrongKindAndUnknownStateAreRefused(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let values = try store.register("values", .value)
        let maps = try store.register("maps", .map)
        let wrongValue = StateError.wrongKind(name: "values", actual: .value)
        let wrongMap = StateError.wrongKind(name: "maps", actual: .map)
        #expect(throws: wrongMap) { _ = try store.get(maps, 1, [1]) }
        #expect(throws: wrongMap) { try store.put(maps, 1, [1], [2]) }
        #expect(throws: wrongMap) { try store.delete(maps, 1, [1]) }
        #expect(throws: wrongValue) { _ = try store.mapGet(values, 1, [1], [2]) }
        #expect(throws: wrongValue) { try store.mapPut(values, 1, [1], [2], [3]) }
        #expect(throws: wrongValue) { try store.mapDelete(values, 1, [1], [2]) }
        #expect(throws: wrongValue) { _ = try store.mapEntries(values, 1, [1]) }
        #expect(wrongMap.description.contains("state_map_*"))

        let unknown = StateID(99)
        #expect(throws: StateError.unknownState(unknown)) { _ = try store.get(unknown, 1, [1]) }
        #expect(throws: StateError.unknownState(unknown)) { try store.mapPut(unknown, 1, [1], [2], [3]) }
        // Nothing was written by the refused calls.
        #expect(try store.get(values, 1, [1]) == nil)
        #expect(try store.mapEntries(maps, 1, [1]).isEmpty)
    }

    @Test(arguments: BackendKind.allCases)
    func keyGroupsOutsideTheStoreAreRefused(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind, keyGroups: 32...63)
        let store = fixture.store
        #expect(store.keyGroups == 32...63)
        let values = try store.register("values", .value)
        let maps = try store.register("maps", .map)
        for keyGroup in [31, 64, 0, -1, 1_000] {
            let refused = StateError.keyGroupNotOwned(keyGroup: keyGroup, owned: 32...63)
            #expect(throws: refused) { _ = try store.get(values, keyGroup, [1]) }
            #expect(throws: refused) { try store.put(values, keyGroup, [1], [1]) }
            #expect(throws: refused) { try store.delete(values, keyGroup, [1]) }
            #expect(throws: refused) { _ = try store.mapGet(maps, keyGroup, [1], [1]) }
            #expect(throws: refused) { try store.mapPut(maps, keyGroup, [1], [1], [1]) }
            #expect(throws: refused) { try store.mapDelete(maps, keyGroup, [1], [1]) }
            #expect(throws: refused) { _ = try store.mapEntries(maps, keyGroup, [1]) }
            #expect(throws: refused) { try store.registerTimer(.eventTime, keyGroup, [1], 5) }
            #expect(throws: refused) { try store.deleteTimer(.eventTime, keyGroup, [1], 5) }
        }
        try store.put(values, 32, [1], [1])
        try store.put(values, 63, [1], [2])
        #expect(try store.get(values, 32, [1]) == [1])
        #expect(try store.get(values, 63, [1]) == [2])
        #expect(try store.earliestTimer(.eventTime) == nil)
        #expect(StateError.keyGroupNotOwned(keyGroup: 64, owned: 32...63).description.contains("key_by"))
    }

    // MARK: TTL

    @Test(arguments: BackendKind.allCases)
    func ttlExpiresEntriesAfterTheirLastWrite(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let values = try store.register("sessions", .value, ttlMs: 100)
        let maps = try store.register("windows", .map, ttlMs: 100)
        let forever = try store.register("totals", .value)

        store.processingTime = 1_000
        try store.put(values, 4, bytes("a"), [1])
        try store.put(values, 4, bytes("b"), [2])
        try store.mapPut(maps, 4, bytes("a"), [1], [10])
        try store.put(forever, 4, bytes("a"), [3])

        store.processingTime = 1_050
        try store.put(values, 4, bytes("b"), [22])  // b now expires at 1150
        try store.mapPut(maps, 4, bytes("a"), [2], [20])

        store.processingTime = 1_099
        #expect(try store.get(values, 4, bytes("a")) == [1])
        #expect(try store.mapEntries(maps, 4, bytes("a")).map(\.value) == [[10], [20]])

        store.processingTime = 1_100  // expiry is inclusive: written at 1000 + 100
        #expect(try store.get(values, 4, bytes("a")) == nil)
        #expect(try store.get(values, 4, bytes("b")) == [22])
        #expect(try store.mapGet(maps, 4, bytes("a"), [1]) == nil)
        #expect(try store.mapGet(maps, 4, bytes("a"), [2]) == [20])
        #expect(try store.mapEntries(maps, 4, bytes("a")).map(\.userKey) == [[2]])
        #expect(try store.get(forever, 4, bytes("a")) == [3])

        // The canonical form leaves expired entries out and tells when the
        // others expire.
        let entries = sortedEntries(try store.entries(in: 4...4))
        let sessions = StateDescriptor(name: "sessions", kind: .value, ttlMs: 100)
        let windows = StateDescriptor(name: "windows", kind: .map, ttlMs: 100)
        let totals = StateDescriptor(name: "totals", kind: .value)
        #expect(entries == sortedEntries([
            .value(state: sessions, keyGroup: 4, key: bytes("b"), userKey: nil, value: [22], expiresAt: 1_150),
            .value(state: windows, keyGroup: 4, key: bytes("a"), userKey: [2], value: [20], expiresAt: 1_150),
            .value(state: totals, keyGroup: 4, key: bytes("a"), userKey: nil, value: [3], expiresAt: nil),
        ]))

        store.processingTime = 5_000
        #expect(try store.get(values, 4, bytes("b")) == nil)
        #expect(try store.mapEntries(maps, 4, bytes("a")).isEmpty)
        // An expired entry written again is live again.
        try store.put(values, 4, bytes("a"), [7])
        #expect(try store.get(values, 4, bytes("a")) == [7])
        store.processingTime = 5_100
        #expect(try store.get(values, 4, bytes("a")) == nil)
    }

    // MARK: Timers

    @Test(arguments: BackendKind.allCases)
    func timersPopInTimeThenKeyGroupThenKeyOrder(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        let timers: [(Int, [UInt8], Int64)] = [
            (3, [0x62], 10), (3, [0x61], 10), (2, [0xFF], 10), (3, [0x61, 0x00], 10), (3, [], 10),
            (1, [0x61], -5), (1, [0x61], Int64.min), (5, [0x61], Int64.max), (1, [0x61], 0), (0, [0x7A], 11),
            (4, [0x61], -1), (4, [0x61], 1),
        ]
        for (keyGroup, key, time) in timers.reversed() {
            try store.registerTimer(.eventTime, keyGroup, key, time)
        }
        #expect(try store.earliestTimer(.eventTime) == Int64.min)
        #expect(try store.earliestTimer(.processingTime) == nil)
        let fired = try store.popAll(.eventTime)
        let expected = timers.sorted { a, b in
            if a.2 != b.2 { return a.2 < b.2 }
            if a.0 != b.0 { return a.0 < b.0 }
            return a.1.lexicographicallyPrecedes(b.1)
        }.map { FiredTimer(domain: .eventTime, time: $0.2, keyGroup: $0.0, key: $0.1) }
        #expect(fired == expected)
        #expect(try store.earliestTimer(.eventTime) == nil)
        #expect(try store.popTimer(.eventTime, notAfter: .max) == nil)
    }

    @Test(arguments: BackendKind.allCases)
    func timersDedupDeleteLimitAndDomains(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        try store.registerTimer(.eventTime, 7, bytes("k"), 100)
        try store.registerTimer(.eventTime, 7, bytes("k"), 100)  // a no-op
        try store.registerTimer(.eventTime, 7, bytes("k"), 200)
        try store.registerTimer(.eventTime, 8, bytes("k"), 100)
        try store.registerTimer(.processingTime, 7, bytes("k"), 50)
        #expect(try store.earliestTimer(.eventTime) == 100)
        #expect(try store.earliestTimer(.processingTime) == 50)

        // The limit is inclusive; nothing after it pops.
        #expect(try store.popTimer(.eventTime, notAfter: 99) == nil)
        #expect(try store.popTimer(.eventTime, notAfter: 100)
            == FiredTimer(domain: .eventTime, time: 100, keyGroup: 7, key: bytes("k")))
        #expect(try store.popTimer(.eventTime, notAfter: 100)
            == FiredTimer(domain: .eventTime, time: 100, keyGroup: 8, key: bytes("k")))
        #expect(try store.popTimer(.eventTime, notAfter: 100) == nil)
        #expect(try store.earliestTimer(.eventTime) == 200)

        // Delete: of the earliest, of one that does not exist (a no-op),
        // and in another domain.
        try store.deleteTimer(.eventTime, 7, bytes("k"), 200)
        try store.deleteTimer(.eventTime, 7, bytes("k"), 200)
        try store.deleteTimer(.eventTime, 7, bytes("other"), 300)
        #expect(try store.earliestTimer(.eventTime) == nil)
        #expect(try store.earliestTimer(.processingTime) == 50)

        // A popped or deleted timer can be registered again.
        try store.registerTimer(.eventTime, 7, bytes("k"), 100)
        try store.registerTimer(.eventTime, 7, bytes("k"), 200)
        #expect(try store.popAll(.eventTime).map(\.time) == [100, 200])
        #expect(try store.popAll(.processingTime)
            == [FiredTimer(domain: .processingTime, time: 50, keyGroup: 7, key: bytes("k"))])
    }

    @Test(arguments: BackendKind.allCases)
    func manyTimersInterleavedWithRegistrationsBelowTheEarliest(_ kind: BackendKind) throws {
        // More timers than the RocksDB store keeps in its in-memory head,
        // with registrations and deletes between pops.
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        var model = Set<TimerModelKey>()
        var random = SeededRandom(seed: 42)
        for index in 0..<2_000 {
            let time = Int64(random.next() % 5_000) - 2_500
            let keyGroup = Int(random.next() % 128)
            let key = bytes("k\(index % 97)")
            try store.registerTimer(.eventTime, keyGroup, key, time)
            model.insert(TimerModelKey(time: time, keyGroup: keyGroup, key: key))
        }
        var limit: Int64 = -2_600
        var rounds = 0
        while !model.isEmpty {
            rounds += 1
            try #require(rounds < 100, "timers left: \(model.count)")
            limit += 150
            let due = model.filter { $0.time <= limit }.sorted()
            let fired = try store.popAll(.eventTime, notAfter: limit)
            #expect(fired.map { TimerModelKey(time: $0.time, keyGroup: $0.keyGroup, key: $0.key) } == due)
            model.subtract(due)
            // Register some below and above the limit (until the end), delete a few.
            for _ in 0..<(limit < 2_500 ? 20 : 0) {
                let time = limit + Int64(random.next() % 400) - 200
                let keyGroup = Int(random.next() % 128)
                let key = bytes("n\(random.next() % 50)")
                try store.registerTimer(.eventTime, keyGroup, key, time)
                model.insert(TimerModelKey(time: time, keyGroup: keyGroup, key: key))
            }
            for timer in model.sorted().prefix(3) where random.next() % 2 == 0 {
                try store.deleteTimer(.eventTime, timer.keyGroup, timer.key, timer.time)
                model.remove(timer)
            }
            #expect(try store.earliestTimer(.eventTime) == model.min()?.time)
        }
        #expect(try store.earliestTimer(.eventTime) == nil)
    }

    @Test(arguments: BackendKind.allCases)
    func deletingMostTimersKeepsTheRestInOrder(_ kind: BackendKind) throws {
        // Deletes of the earliest timers, of timers in the middle, and
        // far more deletes than timers left.
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        for index in 0..<3_000 {
            try store.registerTimer(.processingTime, index % 128, bytes("k\(index % 50)"), Int64(index / 3))
        }
        var kept: [TimerModelKey] = []
        for index in 0..<3_000 {
            let timer = TimerModelKey(time: Int64(index / 3), keyGroup: index % 128, key: bytes("k\(index % 50)"))
            if index % 10 == 7 {
                kept.append(timer)
            } else {
                try store.deleteTimer(.processingTime, timer.keyGroup, timer.key, timer.time)
            }
            if index == 1_500 { #expect(try store.earliestTimer(.processingTime) == 2) }
        }
        #expect(try store.earliestTimer(.processingTime) == kept.min()?.time)
        // A deleted timer registered again is back, once.
        try store.registerTimer(.processingTime, 0, bytes("k0"), 0)
        try store.registerTimer(.processingTime, 0, bytes("k0"), 0)
        kept.append(TimerModelKey(time: 0, keyGroup: 0, key: bytes("k0")))
        let fired = try store.popAll(.processingTime)
        #expect(fired.map { TimerModelKey(time: $0.time, keyGroup: $0.keyGroup, key: $0.key) } == kept.sorted())
    }

    // MARK: Canonical form

    @Test(arguments: BackendKind.allCases)
    func forEachEntryCoversARangeInKeyGroupOrder(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind, keyGroups: 10...19)
        let store = fixture.store
        let values = try store.register("v", .value)
        let maps = try store.register("m", .map, ttlMs: 1_000)
        store.processingTime = 10
        for keyGroup in 10...19 {
            try store.put(values, keyGroup, [UInt8(keyGroup)], [1])
            try store.mapPut(maps, keyGroup, [UInt8(keyGroup)], [2], [3])
            try store.registerTimer(.processingTime, keyGroup, [UInt8(keyGroup)], Int64(100 - keyGroup))
        }
        let entries = try store.entries(in: 12...14)
        #expect(entries.map(\.keyGroup) == entries.map(\.keyGroup).sorted())
        let v = StateDescriptor(name: "v", kind: .value)
        let m = StateDescriptor(name: "m", kind: .map, ttlMs: 1_000)
        var expected: [StateEntry] = []
        for keyGroup in 12...14 {
            expected.append(.value(state: v, keyGroup: keyGroup, key: [UInt8(keyGroup)], userKey: nil, value: [1],
                                   expiresAt: nil))
            expected.append(.value(state: m, keyGroup: keyGroup, key: [UInt8(keyGroup)], userKey: [2], value: [3],
                                   expiresAt: 1_010))
            expected.append(.timer(FiredTimer(domain: .processingTime, time: Int64(100 - keyGroup), keyGroup: keyGroup,
                                              key: [UInt8(keyGroup)])))
        }
        #expect(sortedEntries(entries) == sortedEntries(expected))
        // A range beyond the store's key groups yields the owned part only.
        #expect(try store.entries(in: 0...10).count == 3)
        #expect(try store.entries(in: 0...9).isEmpty)
        #expect(try store.entries(in: 0...1_000).count == 30)
    }

    @Test(arguments: BackendKind.allCases)
    func insertRestoresEntriesAndRegistersTheirStates(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind)
        let store = fixture.store
        store.processingTime = 500
        let sessions = StateDescriptor(name: "sessions", kind: .value, ttlMs: 100)
        let windows = StateDescriptor(name: "windows", kind: .map)
        try store.insert(.value(state: sessions, keyGroup: 1, key: bytes("a"), userKey: nil, value: [1], expiresAt: 550))
        try store.insert(.value(state: sessions, keyGroup: 1, key: bytes("b"), userKey: nil, value: [2], expiresAt: 400))
        try store.insert(.value(state: windows, keyGroup: 2, key: bytes("a"), userKey: [5], value: [3], expiresAt: nil))
        try store.insert(.timer(FiredTimer(domain: .eventTime, time: 9, keyGroup: 3, key: bytes("a"))))

        // The states exist now, with the descriptors' kinds and TTLs.
        let sessionsID = try store.register(sessions)
        let windowsID = try store.register(windows)
        #expect(try store.get(sessionsID, 1, bytes("a")) == [1])
        #expect(try store.get(sessionsID, 1, bytes("b")) == nil)  // inserted already expired
        #expect(try store.mapGet(windowsID, 2, bytes("a"), [5]) == [3])
        #expect(try store.popAll(.eventTime) == [FiredTimer(domain: .eventTime, time: 9, keyGroup: 3, key: bytes("a"))])
        store.processingTime = 550  // the inserted expiry holds, not 500 + ttl
        #expect(try store.get(sessionsID, 1, bytes("a")) == nil)

        // Malformed entries: a user key for value state, none for map
        // state, a key group the store does not own, a conflicting kind.
        #expect(throws: StateError.wrongKind(name: "sessions", actual: .value)) {
            try store.insert(.value(state: sessions, keyGroup: 1, key: [1], userKey: [2], value: [], expiresAt: nil))
        }
        #expect(throws: StateError.wrongKind(name: "windows", actual: .map)) {
            try store.insert(.value(state: windows, keyGroup: 1, key: [1], userKey: nil, value: [], expiresAt: nil))
        }
        #expect(throws: StateError.keyGroupNotOwned(keyGroup: 500, owned: 0...127)) {
            try store.insert(.value(state: windows, keyGroup: 500, key: [1], userKey: [1], value: [], expiresAt: nil))
        }
        #expect(throws: StateError.self) {
            try store.insert(.value(state: StateDescriptor(name: "windows", kind: .value), keyGroup: 1, key: [1],
                                    userKey: nil, value: [], expiresAt: nil))
        }
    }

    // MARK: Scale

    @Test(arguments: BackendKind.allCases)
    func manyKeysAcrossKeyGroups(_ kind: BackendKind) throws {
        let fixture = try StoreFixture(kind, keyGroups: 0...255)
        let store = fixture.store
        let values = try store.register("values", .value)
        let maps = try store.register("maps", .map)
        let count = 20_000
        func key(_ index: Int) -> [UInt8] { bytes("key-\(index)") }
        func keyGroup(_ index: Int) -> Int { key(index).withUnsafeBytes { KeyGroups(maxParallelism: 256).keyGroup(of: $0) } }
        for index in 0..<count {
            try store.put(values, keyGroup(index), key(index), bytes("value-\(index)"))
            try store.mapPut(maps, keyGroup(index % 1_000), key(index % 1_000), bytes("\(index)"), [UInt8(index % 251)])
        }
        for index in stride(from: 0, to: count, by: 2) { try store.delete(values, keyGroup(index), key(index)) }
        for index in 0..<count {
            #expect(try store.get(values, keyGroup(index), key(index)) == (index % 2 == 0 ? nil : bytes("value-\(index)")))
        }
        var mapEntryCount = 0
        for index in 0..<1_000 {
            let entries = try store.mapEntries(maps, keyGroup(index), key(index))
            mapEntryCount += entries.count
            #expect(entries.map(\.userKey) == entries.map(\.userKey).sorted { $0.lexicographicallyPrecedes($1) })
        }
        #expect(mapEntryCount == count)
        let canonical = try store.entries(in: 0...255)
        #expect(canonical.count == count / 2 + count)
        #expect(canonical.map(\.keyGroup) == canonical.map(\.keyGroup).sorted())
    }
}

/// A timer as a comparable value, for models.
struct TimerModelKey: Hashable, Comparable {
    let time: Int64
    let keyGroup: Int
    let key: [UInt8]

    static func < (a: TimerModelKey, b: TimerModelKey) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.keyGroup != b.keyGroup { return a.keyGroup < b.keyGroup }
        return a.key.lexicographicallyPrecedes(b.key)
    }
}
