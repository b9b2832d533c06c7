@testable import State
import Testing

/// What only the memory backend does: its bound and its byte accounting,
/// and the incremental TTL sweep.
@Suite("MemoryStateBackend")
struct MemoryStateBackendTests {
    @Test func aPutThatWouldPassTheBoundThrowsNamingTheStateAndChangesNothing() throws {
        let backend = MemoryStateBackend(memoryBytesMax: 256 << 10)
        let store = try backend.makeStore(stepID: "counts", instance: 0, keyGroups: 0...15)
        defer { store.close() }
        let big = try store.register("big-values", .value)
        let value = [UInt8](repeating: 0x5A, count: 1_000)
        var written = 0
        var refusal: StateError?
        while refusal == nil {
            do {
                try store.put(big, written % 16, bytes("key-\(written)"), value)
                written += 1
            } catch let error as StateError {
                refusal = error
            }
            try #require(written < 1_000, "the bound never refused a put")
        }
        guard case .memoryBoundExceeded(let state, let bound, let used) = refusal else {
            Issue.record("expected memoryBoundExceeded, got \(String(describing: refusal))")
            return
        }
        #expect(state == "big-values")
        #expect(bound == 256 << 10)
        #expect(used <= bound && used > bound - 2 * 1_100)
        #expect(backend.usedBytes <= bound)
        let message = refusal!.description
        #expect(message.contains("'big-values'") && message.contains("rocksdb")
            && message.contains("state.memory_bytes_max"))
        #expect(written > 150)  // most of the bound went to the values

        // The refused put left nothing; earlier values are intact.
        #expect(try store.get(big, written % 16, bytes("key-\(written)")) == nil)
        #expect(try store.get(big, 0, bytes("key-0")) == value)
        // An overwrite that fits the entry needs no new memory.
        try store.put(big, 0, bytes("key-0"), [UInt8](repeating: 1, count: 1_000))
        // Freeing memory makes room again.
        for index in 0..<10 { try store.delete(big, index % 16, bytes("key-\(index)")) }
        try store.put(big, written % 16, bytes("key-\(written)"), value)
        #expect(try store.get(big, written % 16, bytes("key-\(written)")) == value)
    }

    @Test func theBoundIsSharedByTheBackendsStoresAndCoversMapsAndTimers() throws {
        let backend = MemoryStateBackend(memoryBytesMax: 128 << 10)
        let first = try backend.makeStore(stepID: "a", instance: 0, keyGroups: 0...7)
        let second = try backend.makeStore(stepID: "a", instance: 1, keyGroups: 8...15)
        defer { first.close(); second.close() }
        let windows = try first.register("windows", .map)
        var index = 0
        do {
            while true {
                try first.mapPut(windows, index % 8, bytes("k\(index % 10)"), bytes("\(index)"),
                                 [UInt8](repeating: 1, count: 500))
                index += 1
            }
        } catch StateError.memoryBoundExceeded(let state, _, _) {
            #expect(state == "windows")
        }
        // The first store took the bound: the second cannot add a timer.
        #expect {
            try second.registerTimer(.eventTime, 8, bytes("k"), 5)
        } throws: { error in
            guard case StateError.memoryBoundExceeded(let state, _, _)? = error as? StateError else { return false }
            return state == "event-time timers"
        }
        // Closing the first store gives its memory back to the second.
        let before = backend.usedBytes
        first.close()
        #expect(backend.usedBytes < before)
        try second.registerTimer(.eventTime, 8, bytes("k"), 5)
        #expect(try second.earliestTimer(.eventTime) == 5)
    }

    @Test func bytesAreCountedForEveryAllocationAndReturnedWhenFreed() throws {
        let backend = MemoryStateBackend()
        let store = try backend.makeStore(stepID: "s", instance: 0, keyGroups: 0...31)
        let empty = backend.usedBytes
        #expect(empty > 0)  // the per-key-group timer tables
        let values = try store.register("v", .value)
        let maps = try store.register("m", .map)
        let registered = backend.usedBytes
        #expect(registered > empty)

        for index in 0..<5_000 {
            try store.put(values, index % 32, bytes("key-\(index)"), bytes("value-\(index)"))
            try store.mapPut(maps, index % 32, bytes("key-\(index % 50)"), bytes("\(index)"), [1, 2])
            try store.registerTimer(.processingTime, index % 32, bytes("key-\(index)"), Int64(index))
        }
        let full = backend.usedBytes
        // At least the payload: keys, values, user keys, timer keys.
        #expect(full - registered > 5_000 * (8 + 9 + 10 + 2 + 8))
        // Overwriting with values of the same size allocates nothing.
        for index in 0..<5_000 {
            try store.put(values, index % 32, bytes("key-\(index)"), bytes("VALUE-\(index)"))
        }
        #expect(backend.usedBytes == full)

        for index in 0..<5_000 {
            try store.delete(values, index % 32, bytes("key-\(index)"))
            try store.mapDelete(maps, index % 32, bytes("key-\(index % 50)"), bytes("\(index)"))
            if index % 2 == 0 { try store.deleteTimer(.processingTime, index % 32, bytes("key-\(index)"), Int64(index)) }
        }
        #expect(try store.popAll(.processingTime).count == 2_500)
        // Every entry freed, and the emptied tables with them.
        #expect(backend.usedBytes == registered)
        store.close()
        #expect(backend.usedBytes == 0)
    }

    @Test func writesSweepExpiredEntriesThatNobodyReads() throws {
        let backend = MemoryStateBackend()
        let store = try backend.makeStore(stepID: "s", instance: 0, keyGroups: 0...63)
        defer { store.close() }
        let sessions = try store.register("sessions", .value, ttlMs: 1_000)
        let windows = try store.register("windows", .map, ttlMs: 1_000)
        let baseline = backend.usedBytes
        store.processingTime = 0
        for index in 0..<10_000 {
            try store.put(sessions, index % 64, bytes("session-\(index)"), [UInt8](repeating: 1, count: 40))
            try store.mapPut(windows, index % 64, bytes("user-\(index % 100)"), bytes("\(index)"), [1])
        }
        let full = backend.usedBytes
        // Later, writes keep going to a few keys only; nobody reads the
        // expired ones, yet they go.
        store.processingTime = 5_000
        for index in 0..<20_000 {
            try store.put(sessions, index % 64, bytes("live"), [2])
            try store.mapPut(windows, index % 64, bytes("live"), [0], [2])
        }
        let swept = backend.usedBytes
        #expect(swept - baseline < (full - baseline) / 10, "used \(swept) of \(full) (baseline \(baseline))")
        #expect(try store.entries(in: 0...63).count == 2 * 64)
    }

    @Test func registeringAfterABoundRefusalLeavesNoHalfState() throws {
        // A bound too small for the tables of a new state over many key groups.
        let backend = MemoryStateBackend(memoryBytesMax: 2 * 4_096 * 24 + 10_000)
        let store = try backend.makeStore(stepID: "s", instance: 0, keyGroups: 0...4_095)
        defer { store.close() }
        #expect(throws: StateError.self) { _ = try store.register("windows", .map) }
        // The name is free again, and a smaller state fits.
        #expect(throws: StateError.self) { _ = try store.get(0, 0, [1]) }
        store.close()
        let fresh = try backend.makeStore(stepID: "s", instance: 1, keyGroups: 0...15)
        defer { fresh.close() }
        let id = try fresh.register("windows", .map)
        try fresh.mapPut(id, 1, [1], [2], [3])
        #expect(try fresh.mapGet(id, 1, [1], [2]) == [3])
    }
}
