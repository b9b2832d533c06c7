#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import State

/// Benchmark 4: keyed state, per operation, through `any KeyedStateStore`
/// (as the runtime calls it), on each backend.
///
/// - `state.<backend>.value.get.<N>` / `.value.put.<N>`: a value state holding
///   N keys (12-byte keys `k00000000042`, 8-byte values); each operation
///   reads, or overwrites with a new 8-byte value, one key picked uniformly
///   at random (a pre-drawn sequence, seed 42).
/// - `state.<backend>.map.get.<N>` / `.map.put.<N>`: a map state holding N
///   entries, N/4 keys with 4 user keys each (8-byte big-endian numbers, as
///   window starts would be); one random entry per operation.
/// - `state.<backend>.window-count.<N>`: a tumbling-window count over N keys
///   as an operator would run it: per record a `mapGet` and `mapPut` of
///   (key, window start) and an event-time `registerTimer` at the window's
///   end; every 100,000 records (one window) the watermark passes and every
///   due timer is popped, its count read and its entry deleted. Time goes on
///   across repetitions, so every repetition does the same mix.
///
/// - `state.baseline.dictionary.get.<N>`: the same random lookups in a Swift
///   `Dictionary` of the same N keys: what one lookup in a hash table that
///   size costs on this machine (mostly cache misses once N is large), to
///   read the state figures against.
///
/// N is 10,000 (the tables fit in the caches: the per-call cost of the
/// code), 100,000 and 1,000,000 (random keys miss the caches: memory
/// latency dominates).
///
/// Key groups are murmur2 of the key over 128 (computed before timing), the
/// store owns all 128. Populating a store is not timed; the stores of one
/// backend are populated before its cases run, and a backend's cases run
/// interleaved with each other but not with the other backend's (RocksDB's
/// background threads would otherwise land in the memory figures).
/// RocksDB runs with the backend's default configuration in the scratch
/// directory; after populating, a RocksDB store is flushed and fully
/// compacted (untimed), so the cases start without compactions pending.
struct StateBenchmark {
    let environment: BenchmarkEnvironment
    let keyCounts: [Int]
    /// Operations per repetition, per backend.
    let memoryOperations: Int
    let rocksDBOperations: Int

    static let keyBytes = 12
    static let maxParallelism = 128
    static let windowRecords: Int64 = 100_000

    /// Keys, their key groups and a random order of operations.
    final class Workload {
        let count: Int
        let keys: UnsafeMutableRawPointer
        let keyGroups: [Int]
        /// Indexes into the keys (or map entries), one per operation.
        let order: [Int32]

        init(count: Int, operations: Int) {
            self.count = count
            keys = .allocate(byteCount: count * StateBenchmark.keyBytes, alignment: 8)
            let groups = KeyGroups(maxParallelism: StateBenchmark.maxParallelism)
            var keyGroups: [Int] = []
            keyGroups.reserveCapacity(count)
            for index in 0..<count {
                let text = Array("k" + String(index).leftPadded(to: StateBenchmark.keyBytes - 1))
                let key = keys + index * StateBenchmark.keyBytes
                for (offset, character) in text.enumerated() {
                    key.storeBytes(of: character.asciiValue!, toByteOffset: offset, as: UInt8.self)
                }
                keyGroups.append(groups.keyGroup(of: UnsafeRawBufferPointer(start: key, count: StateBenchmark.keyBytes)))
            }
            self.keyGroups = keyGroups
            var random = SplitMix(seed: 42)
            order = (0..<operations).map { _ in Int32(truncatingIfNeeded: random.next() % UInt64(count)) }
        }

        deinit { keys.deallocate() }

        @inline(__always)
        func key(_ index: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: keys + index * StateBenchmark.keyBytes, count: StateBenchmark.keyBytes)
        }
    }

    /// One store with a value state of N keys and a map state of N entries.
    final class PopulatedStore {
        let store: any KeyedStateStore
        let values: StateID
        let maps: StateID
        let windows: StateID
        /// Records the window-count case has processed so far (its clock).
        var windowRecords: Int64 = 0
        var windowCounted: UInt64 = 0

        init(store: any KeyedStateStore, workload: Workload) throws {
            self.store = store
            values = try store.register(StateDescriptor(name: "values", kind: .value))
            maps = try store.register(StateDescriptor(name: "maps", kind: .map))
            windows = try store.register(StateDescriptor(name: "window-counts", kind: .map))
            var value = UInt64(0)
            for index in 0..<workload.count {
                value = UInt64(index)
                try withUnsafeBytes(of: &value) { bytes in
                    try store.put(values, keyGroup: workload.keyGroups[index], key: workload.key(index), value: bytes)
                    let keyIndex = index >> 2
                    var userKey = UInt64(index & 3).bigEndian
                    try withUnsafeBytes(of: &userKey) { userKey in
                        try store.mapPut(maps, keyGroup: workload.keyGroups[keyIndex], key: workload.key(keyIndex),
                                         userKey: userKey, value: bytes)
                    }
                }
            }
        }
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 4: keyed state ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        var all: [Measurement] = []
        for backendName in ["memory", "rocksdb"] {
            let operations = backendName == "memory" ? memoryOperations : rocksDBOperations
            var cases: [BenchmarkCase] = []
            var keep: [PopulatedStore] = []
            let backend: any StateBackend = backendName == "memory"
                ? MemoryStateBackend()
                : RocksDBStateBackend(directory: environment.scratchDirectory + "/state")
            for count in keyCounts {
                let workload = Workload(count: count, operations: operations)
                if backendName == "memory" { cases.append(dictionaryBaseline(workload)) }
                let start = Sample.monotonicNanoseconds()
                let populated = try PopulatedStore(
                    store: try backend.makeStore(stepID: "bench-\(count)", instance: 0,
                                                 keyGroups: 0...(Self.maxParallelism - 1)),
                    workload: workload)
                // Measure reads and writes, not the compactions the
                // population left behind.
                try (populated.store as? RocksDBKeyedStateStore)?.compactAll()
                let seconds = Double(Sample.monotonicNanoseconds() - start) / 1e9
                var note = "populated \(Format.grouped(count)) values + \(Format.grouped(count)) map entries in "
                    + "\(Format.fixed(seconds, 2)) s"
                if let memory = backend as? MemoryStateBackend {
                    note += ", \(Format.grouped(memory.usedBytes)) bytes held by the backend so far"
                }
                writeStandardError("  [setup] \(backendName) \(Format.grouped(count)) keys: \(note)\n")
                keep.append(populated)
                cases += makeCases(backend: backendName, store: populated, workload: workload, setupNote: note)
            }
            let measurements = try measureInterleaved(cases, repetitions: options.repetitions, warmups: options.warmups)
            for measurement in measurements { report.block(measurement) }
            all += measurements
            for populated in keep { populated.store.close() }
        }
        print("")
        report.table(all)
    }

    private func makeCases(backend: String, store populated: PopulatedStore, workload: Workload, setupNote: String)
        -> [BenchmarkCase]
    {
        let store = populated.store
        let count = workload.count
        let operations = workload.order.count
        let suffix = "\(backend).%@.\(count >= 1_000_000 ? "\(count / 1_000_000)M" : "\(count / 1_000)k")"
        func name(_ operation: String) -> String { "state." + String(format: suffix, operation) }
        let values = populated.values
        let maps = populated.maps
        let order = workload.order
        let keyGroups = workload.keyGroups

        let valueGet = BenchmarkCase(
            name: name("value.get"),
            input: "\(Format.grouped(operations)) gets of random keys of a value state of \(Format.grouped(count)) "
                + "keys (12-byte keys, 8-byte values); \(setupNote)",
            records: operations, calls: nil) {
            var found = 0
            let sample = try Sample.measure {
                for index in order {
                    let index = Int(index)
                    if let value = try store.get(values, keyGroup: keyGroups[index], key: workload.key(index)) {
                        found &+= value.count
                    }
                }
            }
            guard found == operations * 8 else {
                throw BenchmarkError(description: "\(name("value.get")): found \(found / 8) of \(operations) values")
            }
            return sample
        }
        let valuePut = BenchmarkCase(
            name: name("value.put"),
            input: "\(Format.grouped(operations)) overwrites of random keys of the same value state (8-byte values)",
            records: operations, calls: nil) {
            var value = UInt64(0)
            return try withUnsafeMutableBytes(of: &value) { bytes in
                try Sample.measure {
                    for index in order {
                        let index = Int(index)
                        bytes.storeBytes(of: UInt64(index), as: UInt64.self)
                        try store.put(values, keyGroup: keyGroups[index], key: workload.key(index),
                                      value: UnsafeRawBufferPointer(bytes))
                    }
                }
            }
        }
        let mapGet = BenchmarkCase(
            name: name("map.get"),
            input: "\(Format.grouped(operations)) map gets of random entries of a map state of \(Format.grouped(count)) "
                + "entries (\(Format.grouped(count / 4)) keys x 4 user keys of 8 bytes, 8-byte values)",
            records: operations, calls: nil) {
            var found = 0
            var userKey = UInt64(0)
            let sample = try withUnsafeMutableBytes(of: &userKey) { userKeyBytes in
                try Sample.measure {
                    for index in order {
                        let keyIndex = Int(index) >> 2
                        userKeyBytes.storeBytes(of: UInt64(index & 3).bigEndian, as: UInt64.self)
                        if let value = try store.mapGet(maps, keyGroup: keyGroups[keyIndex], key: workload.key(keyIndex),
                                                        userKey: UnsafeRawBufferPointer(userKeyBytes)) {
                            found &+= value.count
                        }
                    }
                }
            }
            guard found == operations * 8 else {
                throw BenchmarkError(description: "\(name("map.get")): found \(found / 8) of \(operations) entries")
            }
            return sample
        }
        let mapPut = BenchmarkCase(
            name: name("map.put"),
            input: "\(Format.grouped(operations)) map overwrites of random entries of the same map state",
            records: operations, calls: nil) {
            var userKey = UInt64(0)
            var value = UInt64(0)
            return try withUnsafeMutableBytes(of: &userKey) { userKeyBytes in
                try withUnsafeMutableBytes(of: &value) { valueBytes in
                    try Sample.measure {
                        for index in order {
                            let keyIndex = Int(index) >> 2
                            userKeyBytes.storeBytes(of: UInt64(index & 3).bigEndian, as: UInt64.self)
                            valueBytes.storeBytes(of: UInt64(index), as: UInt64.self)
                            try store.mapPut(maps, keyGroup: keyGroups[keyIndex], key: workload.key(keyIndex),
                                             userKey: UnsafeRawBufferPointer(userKeyBytes),
                                             value: UnsafeRawBufferPointer(valueBytes))
                        }
                    }
                }
            }
        }
        let windowCount = BenchmarkCase(
            name: name("window-count"),
            input: "\(Format.grouped(operations)) records of a tumbling-window count over \(Format.grouped(count)) "
                + "random keys: per record mapGet + mapPut of (key, window start) + registerTimer(event time, window "
                + "end); every \(Format.grouped(Int(Self.windowRecords))) records the due timers fire (popTimer + "
                + "mapGet + mapDelete each)",
            records: operations, calls: nil) {
            try Sample.measure { try Self.windowCount(populated, workload: workload) }
        }
        return [valueGet, valuePut, mapGet, mapPut, windowCount]
    }

    /// The 12 bytes of a benchmark key, as a Dictionary key.
    struct KeyWords: Hashable {
        let head: UInt64
        let tail: UInt32
    }

    /// A Swift Dictionary from the same keys to 8-byte values, read in the
    /// same order: what one random lookup in a hash table of this size
    /// costs on this machine, with Swift's hashing.
    private func dictionaryBaseline(_ workload: Workload) -> BenchmarkCase {
        var dictionary: [KeyWords: UInt64] = [:]
        dictionary.reserveCapacity(workload.count)
        func words(_ index: Int) -> KeyWords {
            let key = workload.key(index)
            return KeyWords(head: key.loadUnaligned(as: UInt64.self), tail: key.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        }
        for index in 0..<workload.count { dictionary[words(index)] = UInt64(index) }
        let order = workload.order
        let count = workload.count
        return BenchmarkCase(
            name: "state.baseline.dictionary.get.\(count >= 1_000_000 ? "\(count / 1_000_000)M" : "\(count / 1_000)k")",
            input: "\(Format.grouped(order.count)) lookups of random keys in a Swift Dictionary<(UInt64, UInt32), UInt64> "
                + "of the same \(Format.grouped(count)) keys, in the same order (a baseline, not the state API)",
            records: order.count, calls: nil) {
            var sum: UInt64 = 0
            let sample = Sample.measure {
                for index in order { sum &+= dictionary[words(Int(index))] ?? 0 }
            }
            guard sum != 0 else { throw BenchmarkError(description: "the dictionary baseline found nothing") }
            return sample
        }
    }

    /// Runs `workload.order` through the window count; the clock is one ms
    /// per record, continuing from the last repetition.
    static func windowCount(_ populated: PopulatedStore, workload: Workload) throws {
        let store = populated.store
        let windows = populated.windows
        var userKey = UInt64(0)
        var count = UInt64(0)
        try withUnsafeMutableBytes(of: &userKey) { userKeyBytes in
            try withUnsafeMutableBytes(of: &count) { countBytes in
                for index in workload.order {
                    let index = Int(index)
                    let time = populated.windowRecords
                    populated.windowRecords += 1
                    let windowStart = time - time % windowRecords
                    if time == windowStart && time > 0 {
                        // The watermark passed the previous window: fire it.
                        while let timer = try store.popTimer(.eventTime, notAfter: time - 1) {
                            try timer.key.withUnsafeBytes { key in
                                userKeyBytes.storeBytes(of: UInt64(timer.time + 1 - windowRecords).bigEndian,
                                                        as: UInt64.self)
                                let userKey = UnsafeRawBufferPointer(userKeyBytes)
                                if let value = try store.mapGet(windows, keyGroup: timer.keyGroup, key: key,
                                                                userKey: userKey) {
                                    populated.windowCounted &+= value.loadUnaligned(as: UInt64.self)
                                }
                                try store.mapDelete(windows, keyGroup: timer.keyGroup, key: key, userKey: userKey)
                            }
                        }
                    }
                    let keyGroup = workload.keyGroups[index]
                    let key = workload.key(index)
                    userKeyBytes.storeBytes(of: UInt64(windowStart).bigEndian, as: UInt64.self)
                    let userKey = UnsafeRawBufferPointer(userKeyBytes)
                    let current = try store.mapGet(windows, keyGroup: keyGroup, key: key, userKey: userKey)
                    countBytes.storeBytes(of: (current?.loadUnaligned(as: UInt64.self) ?? 0) + 1, as: UInt64.self)
                    try store.mapPut(windows, keyGroup: keyGroup, key: key, userKey: userKey,
                                     value: UnsafeRawBufferPointer(countBytes))
                    try store.registerTimer(.eventTime, keyGroup: keyGroup, key: key,
                                            time: windowStart + windowRecords - 1)
                }
            }
        }
    }
}

/// SplitMix64, for the pre-drawn key order.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
