#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import State

/// Benchmark 5 (`--only state-rss`, not part of a plain run): the resident
/// memory of the process after putting many small keys into one RocksDB
/// store with the backend's default configuration.
///
/// Keys are `k` and 11 digits (12 bytes), in ascending order, spread over
/// 128 key groups by murmur2; values are 8 bytes. The benchmark prints
/// VmRSS and VmHWM (peak) from /proc/self/status before, every million keys,
/// after the puts, after a million random gets and after closing, with the
/// block cache's usage and the database's size on disk. Run it on its own:
/// other benchmarks in the same process would raise the baseline.
struct StateRSSBenchmark {
    let environment: BenchmarkEnvironment
    let keys: Int
    let reads = 1_000_000

    func run(report: Report) throws {
        print("== Benchmark 5: RocksDB resident memory ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        let configuration = RocksDBStateBackend.Configuration()
        print("input         \(Format.grouped(keys)) puts of 12-byte keys and 8-byte values into one value state "
            + "of one RocksDB store (128 key groups)")
        print("configuration block cache \(configuration.blockCacheBytes >> 20) MiB shared, memtables "
            + "\(configuration.writeBufferBytesPerStore >> 20) MiB per store (db_write_buffer_size; write_buffer_size "
            + "half of it, 2 per column family), \(configuration.backgroundJobs) background jobs, WAL off, LZ4")
        print("cores         \(report.machine.activeProcessorCount) (nproc \(report.machine.nproc))")
        let directory = environment.scratchDirectory + "/state-rss"
        printMemory("before")
        let backend = RocksDBStateBackend(directory: directory, configuration: configuration)
        let store = try backend.makeStore(stepID: "rss", instance: 0, keyGroups: 0...127)
        let state = try store.register(StateDescriptor(name: "counts", kind: .value))
        let groups = KeyGroups(maxParallelism: 128)
        let key = UnsafeMutableRawPointer.allocate(byteCount: 12, alignment: 8)
        defer { key.deallocate() }
        func writeKey(_ index: Int) {
            key.storeBytes(of: UInt8(ascii: "k"), as: UInt8.self)
            var rest = index
            for position in stride(from: 11, through: 1, by: -1) {
                key.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: position, as: UInt8.self)
                rest /= 10
            }
        }
        var value = UInt64(0)
        let start = Sample.monotonicNanoseconds()
        try withUnsafeMutableBytes(of: &value) { valueBytes in
            for index in 0..<keys {
                writeKey(index)
                let keyBytes = UnsafeRawBufferPointer(start: key, count: 12)
                valueBytes.storeBytes(of: UInt64(index), as: UInt64.self)
                try store.put(state, keyGroup: groups.keyGroup(of: keyBytes), key: keyBytes,
                              value: UnsafeRawBufferPointer(valueBytes))
                if (index + 1) % 1_000_000 == 0 {
                    let seconds = Double(Sample.monotonicNanoseconds() - start) / 1e9
                    printMemory("after \(Format.grouped(index + 1)) puts (\(Format.fixed(seconds, 1)) s)",
                                cache: backend.blockCacheUsageBytes)
                }
            }
        }
        let putSeconds = Double(Sample.monotonicNanoseconds() - start) / 1e9
        print("puts          \(Format.fixed(putSeconds, 2)) s, \(Format.rate(Double(keys) / putSeconds)), "
            + "\(Format.fixed(putSeconds * 1e9 / Double(keys), 1)) ns/put")
        printMemory("after the puts", cache: backend.blockCacheUsageBytes)

        var random = SplitMix(seed: 7)
        var found = 0
        let readStart = Sample.monotonicNanoseconds()
        for _ in 0..<reads {
            writeKey(Int(random.next() % UInt64(keys)))
            let keyBytes = UnsafeRawBufferPointer(start: key, count: 12)
            if try store.get(state, keyGroup: groups.keyGroup(of: keyBytes), key: keyBytes) != nil { found += 1 }
        }
        let readSeconds = Double(Sample.monotonicNanoseconds() - readStart) / 1e9
        guard found == reads else {
            throw BenchmarkError(description: "state-rss: \(found) of \(reads) random gets found their key")
        }
        print("gets          \(Format.grouped(reads)) random gets, \(Format.fixed(readSeconds, 2)) s, "
            + "\(Format.fixed(readSeconds * 1e9 / Double(reads), 1)) ns/get")
        printMemory("after the gets", cache: backend.blockCacheUsageBytes)
        store.close()
        printMemory("after close", cache: backend.blockCacheUsageBytes)
        print("on disk       \(Format.grouped(Self.directoryBytes(directory))) bytes in \(directory)")
        print("")
    }

    private func printMemory(_ label: String, cache: Int? = nil) {
        let memory = Self.processMemory()
        var line = "memory        \(label): VmRSS \(Format.fixed(Double(memory.rss) / 1_048_576, 1)) MiB, "
            + "VmHWM \(Format.fixed(Double(memory.peak) / 1_048_576, 1)) MiB"
        if let cache { line += ", block cache \(Format.fixed(Double(cache) / 1_048_576, 1)) MiB" }
        print(line)
    }

    /// VmRSS and VmHWM in bytes.
    static func processMemory() -> (rss: Int, peak: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.split(separator: " ").compactMap { Int($0) }
                return (digits.first ?? 0) * 1024
            }
            return 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    static func directoryBytes(_ path: String) -> Int {
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return 0 }
        return names.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0
            return total + size
        }
    }
}
