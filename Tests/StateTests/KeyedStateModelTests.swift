import State
import TestKit
import Testing

/// Random operations on a store, checked step by step against a plain
/// Swift model of the contract. A failure names the backend and the seed;
/// the same seed replays the same operations.
@Suite("KeyedStateStore against a model")
struct KeyedStateModelTests {
    struct Entry: Equatable {
        var value: [UInt8]
        var expiresAt: Int64
    }

    /// What the store should hold.
    struct Model {
        var now: Int64 = 0
        /// [state index: [key group, key, user key (empty for value state)]: entry]
        var entries: [[ModelKey: Entry]]
        var timers: [TimeDomain: Set<TimerModelKey>] = [.eventTime: [], .processingTime: []]

        func live(_ state: Int, _ key: ModelKey) -> [UInt8]? {
            guard let entry = entries[state][key], entry.expiresAt > now else { return nil }
            return entry.value
        }
    }

    struct ModelKey: Hashable {
        var keyGroup: Int
        var key: [UInt8]
        var userKey: [UInt8]
    }

    static let descriptors = [
        StateDescriptor(name: "plain", kind: .value),
        StateDescriptor(name: "expiring", kind: .value, ttlMs: 40),
        StateDescriptor(name: "map", kind: .map),
        StateDescriptor(name: "expiring-map", kind: .map, ttlMs: 25),
    ]

    static let cases: [(BackendKind, UInt64)] = BackendKind.allCases.flatMap { kind in
        [1, 2, 3, 0xDEAD_BEEF].map { (kind, UInt64($0)) }
    }

    @Test(arguments: cases)
    func randomOperationsMatchTheModel(_ kind: BackendKind, _ seed: UInt64) throws {
        let fixture = try StoreFixture(kind, keyGroups: 4...11)
        let store = fixture.store
        var random = SeededRandom(seed: seed)
        let ids = try Self.descriptors.map { try store.register($0) }
        var model = Model(entries: Array(repeating: [:], count: Self.descriptors.count))

        func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        func randomKey() -> [UInt8] {
            // A small key space, so operations meet each other; lengths 0...4.
            (0..<pick(5)).map { _ in UInt8(pick(3)) }
        }
        func randomValue() -> [UInt8] {
            let length = pick(4) == 0 ? pick(300) : pick(12)
            return (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }

        for step in 0..<4_000 {
            let context = Comment(rawValue: "\(kind), seed \(seed), step \(step)")
            let stateIndex = pick(Self.descriptors.count)
            let descriptor = Self.descriptors[stateIndex]
            let id = ids[stateIndex]
            let keyGroup = 4 + pick(8)
            let key = randomKey()
            let isMap = descriptor.kind == .map
            let userKey = isMap ? randomKey() : []
            let modelKey = ModelKey(keyGroup: keyGroup, key: key, userKey: userKey)
            let expiry = descriptor.ttlMs > 0 ? model.now + descriptor.ttlMs : Int64.max

            switch pick(12) {
            case 0, 1, 2:
                let value = randomValue()
                if isMap { try store.mapPut(id, keyGroup, key, userKey, value) } else { try store.put(id, keyGroup, key, value) }
                model.entries[stateIndex][modelKey] = Entry(value: value, expiresAt: expiry)
            case 3, 4:
                let found = isMap ? try store.mapGet(id, keyGroup, key, userKey) : try store.get(id, keyGroup, key)
                #expect(found == model.live(stateIndex, modelKey), context)
            case 5:
                if isMap { try store.mapDelete(id, keyGroup, key, userKey) } else { try store.delete(id, keyGroup, key) }
                model.entries[stateIndex][modelKey] = nil
            case 6:
                guard isMap else { continue }
                let expected = model.entries[stateIndex]
                    .filter { $0.key.keyGroup == keyGroup && $0.key.key == key && $0.value.expiresAt > model.now }
                    .sorted { $0.key.userKey.lexicographicallyPrecedes($1.key.userKey) }
                let found = try store.mapEntries(id, keyGroup, key)
                #expect(found.map(\.userKey) == expected.map(\.key.userKey), context)
                #expect(found.map(\.value) == expected.map(\.value.value), context)
            case 7:
                let domain: TimeDomain = pick(2) == 0 ? .eventTime : .processingTime
                let time = Int64(pick(200)) - 100
                try store.registerTimer(domain, keyGroup, key, time)
                model.timers[domain]!.insert(TimerModelKey(time: time, keyGroup: keyGroup, key: key))
            case 8:
                let domain: TimeDomain = pick(2) == 0 ? .eventTime : .processingTime
                // Delete an existing timer most of the time.
                let existing = model.timers[domain]!.randomElement(using: &random)
                let timer = pick(4) > 0 && existing != nil
                    ? existing! : TimerModelKey(time: Int64(pick(200)) - 100, keyGroup: keyGroup, key: key)
                try store.deleteTimer(domain, timer.keyGroup, timer.key, timer.time)
                model.timers[domain]!.remove(timer)
            case 9:
                let domain: TimeDomain = pick(2) == 0 ? .eventTime : .processingTime
                let limit = Int64(pick(220)) - 110
                let expected = model.timers[domain]!.min().flatMap { $0.time <= limit ? $0 : nil }
                let fired = try store.popTimer(domain, notAfter: limit)
                #expect(fired.map { TimerModelKey(time: $0.time, keyGroup: $0.keyGroup, key: $0.key) } == expected,
                        context)
                #expect(fired?.domain ?? domain == domain, context)
                if let expected { model.timers[domain]!.remove(expected) }
            case 10:
                let domain: TimeDomain = pick(2) == 0 ? .eventTime : .processingTime
                #expect(try store.earliestTimer(domain) == model.timers[domain]!.min()?.time, context)
            default:
                model.now += Int64(pick(10))
                store.processingTime = model.now
            }
        }

        // Finally the whole content, in canonical form.
        var expected: [StateEntry] = []
        for (stateIndex, entries) in model.entries.enumerated() {
            let descriptor = Self.descriptors[stateIndex]
            for (key, entry) in entries where entry.expiresAt > model.now {
                expected.append(.value(
                    state: descriptor, keyGroup: key.keyGroup, key: key.key,
                    userKey: descriptor.kind == .map ? key.userKey : nil, value: entry.value,
                    expiresAt: descriptor.ttlMs > 0 ? entry.expiresAt : nil))
            }
        }
        for (domain, timers) in model.timers {
            for timer in timers {
                expected.append(.timer(FiredTimer(domain: domain, time: timer.time, keyGroup: timer.keyGroup, key: timer.key)))
            }
        }
        let found = try store.entries(in: 0...100)
        #expect(found.map(\.keyGroup) == found.map(\.keyGroup).sorted())
        #expect(sortedEntries(found) == sortedEntries(expected), "\(kind), seed \(seed)")
    }
}
