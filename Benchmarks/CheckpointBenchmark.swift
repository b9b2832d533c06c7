#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import State

/// Benchmark 6 (`--only checkpoint`, not part of a plain run): keyed-state
/// snapshots of one store holding `keys` value entries (16-byte keys,
/// 16-byte values, 128 key groups), on both backends.
///
/// Per backend and key count, once (each step is one long operation, and
/// the large cases take minutes, so there are no repetitions): the fill;
/// a first checkpoint (the memory backend's canonical form, RocksDB's
/// native checkpoint): the capture (the task's pause) and the write;
/// then 1% of the keys updated and a second checkpoint, whose new bytes
/// show what the native form shares; a canonical savepoint of the RocksDB
/// store; then restores of the second checkpoint into a fresh store of
/// the same backend and of the canonical form into the other backend, each
/// checked by reading keys back.
struct CheckpointBenchmark {
    let environment: BenchmarkEnvironment
    let keyCounts: [Int]
    static let keyGroupCount = 128

    struct Row {
        var backend = ""
        var keys = 0
        var fillSeconds = 0.0
        var captureSeconds = 0.0
        var writeSeconds = 0.0
        var totalBytes = 0
        var newBytes = 0
        var secondCaptureSeconds = 0.0
        var secondWriteSeconds = 0.0
        var secondTotalBytes = 0
        var secondNewBytes = 0
        var savepointCaptureSeconds: Double?
        var savepointWriteSeconds: Double?
        var savepointBytes: Int?
        var restoreSameSeconds = 0.0
        var restoreOtherSeconds = 0.0
        var otherBackend = ""
    }

    func run(report: Report) throws {
        print("== Benchmark 6: keyed-state snapshots ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("input         N value entries (16-byte keys `key-` + 12 digits, 16-byte values) in one store "
            + "of \(Self.keyGroupCount) key groups; N = " + keyCounts.map(Format.grouped).joined(separator: ", "))
        print("cores         \(report.machine.activeProcessorCount) (nproc \(report.machine.nproc))")
        print("")
        var rows: [Row] = []
        for keys in keyCounts {
            for backend in ["memory", "rocksdb"] {
                rows.append(try measure(backend: backend, keys: keys))
            }
        }
        print("| backend | keys | capture (pause) | write | total bytes | new bytes | 2nd capture | 2nd write | "
            + "2nd total | 2nd new | canonical savepoint capture / write / bytes | restore, same backend | "
            + "restore canonical into the other |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for row in rows {
            let savepoint = row.savepointCaptureSeconds.map {
                "\(Self.milliseconds($0)) / \(Self.milliseconds(row.savepointWriteSeconds ?? 0)) / "
                    + Format.grouped(row.savepointBytes ?? 0)
            } ?? "(the checkpoint is canonical)"
            print("| \(row.backend) | \(Format.grouped(row.keys)) | \(Self.milliseconds(row.captureSeconds)) "
                + "| \(Self.milliseconds(row.writeSeconds)) | \(Format.grouped(row.totalBytes)) "
                + "| \(Format.grouped(row.newBytes)) | \(Self.milliseconds(row.secondCaptureSeconds)) "
                + "| \(Self.milliseconds(row.secondWriteSeconds)) | \(Format.grouped(row.secondTotalBytes)) "
                + "| \(Format.grouped(row.secondNewBytes)) | \(savepoint) | \(Self.milliseconds(row.restoreSameSeconds)) "
                + "| \(Self.milliseconds(row.restoreOtherSeconds)) into \(row.otherBackend) |")
        }
        print("")
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds >= 10 ? Format.fixed(seconds, 1) + " s" : Format.fixed(seconds * 1000, 1) + " ms"
    }

    private func makeBackend(_ name: String, directory: String) -> any StateBackend {
        name == "memory" ? MemoryStateBackend() : RocksDBStateBackend(directory: directory)
    }

    /// Seconds `body` took.
    private func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = Sample.monotonicNanoseconds()
        let result = try body()
        return (result, Double(Sample.monotonicNanoseconds() - start) / 1e9)
    }

    private func measure(backend name: String, keys: Int) throws -> Row {
        var row = Row()
        row.backend = name
        row.keys = keys
        let base = environment.scratchDirectory + "/checkpoint-\(name)-\(keys)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let groups = KeyGroups(maxParallelism: Self.keyGroupCount)
        let all = 0...(Self.keyGroupCount - 1)
        let key = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        defer { key.deallocate() }
        let value = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        defer { value.deallocate() }
        func writeKey(_ index: Int) -> UnsafeRawBufferPointer {
            key.copyMemory(from: "key-", byteCount: 4)
            var rest = index
            for position in stride(from: 15, through: 4, by: -1) {
                key.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: position, as: UInt8.self)
                rest /= 10
            }
            return UnsafeRawBufferPointer(start: key, count: 16)
        }
        func writeValue(_ index: Int, round: Int) -> UnsafeRawBufferPointer {
            value.storeBytes(of: UInt64(index), as: UInt64.self)
            value.storeBytes(of: UInt64(round), toByteOffset: 8, as: UInt64.self)
            return UnsafeRawBufferPointer(start: value, count: 16)
        }

        print("-- \(name), \(Format.grouped(keys)) keys")
        let backend = makeBackend(name, directory: base + "/live")
        let store = try backend.makeStore(stepID: "bench", instance: 0, keyGroups: all)
        let state = try store.register(StateDescriptor(name: "counts", kind: .value))
        (_, row.fillSeconds) = try timed {
            for index in 0..<keys {
                let keyBytes = writeKey(index)
                try store.put(state, keyGroup: groups.keyGroup(of: keyBytes), key: keyBytes,
                              value: writeValue(index, round: 0))
            }
        }
        print("fill          \(Self.milliseconds(row.fillSeconds))")

        let checkpointFormat: StateSnapshotFormat = name == "rocksdb" ? .native : .canonical
        let (writer, capture) = try timed { try store.captureSnapshot(checkpointFormat) }
        let (first, write) = try timed { try writer.write(to: base + "/chk-1") }
        row.captureSeconds = capture
        row.writeSeconds = write
        row.totalBytes = first.totalBytes
        row.newBytes = first.newBytes
        print("checkpoint 1  capture \(Self.milliseconds(capture)), write \(Self.milliseconds(write)), "
            + "\(Format.grouped(first.totalBytes)) bytes (\(Format.grouped(first.newBytes)) new) in "
            + "\(first.files.count) files")

        let updates = max(1, keys / 100)
        var random = SplitMix(seed: 11)
        for _ in 0..<updates {
            let index = Int(random.next() % UInt64(keys))
            let keyBytes = writeKey(index)
            try store.put(state, keyGroup: groups.keyGroup(of: keyBytes), key: keyBytes, value: writeValue(index, round: 1))
        }
        let (secondWriter, secondCapture) = try timed { try store.captureSnapshot(checkpointFormat) }
        let (second, secondWrite) = try timed { try secondWriter.write(to: base + "/chk-2") }
        row.secondCaptureSeconds = secondCapture
        row.secondWriteSeconds = secondWrite
        row.secondTotalBytes = second.totalBytes
        row.secondNewBytes = second.newBytes
        print("checkpoint 2  after \(Format.grouped(updates)) updates: capture \(Self.milliseconds(secondCapture)), "
            + "write \(Self.milliseconds(secondWrite)), \(Format.grouped(second.totalBytes)) bytes "
            + "(\(Format.grouped(second.newBytes)) new)")

        var canonical = StateRestoreSource(directory: base + "/chk-2", handle: second)
        if name == "rocksdb" {
            let (savepointWriter, savepointCapture) = try timed { try store.captureSnapshot(.canonical) }
            let (savepoint, savepointWrite) = try timed { try savepointWriter.write(to: base + "/savepoint") }
            row.savepointCaptureSeconds = savepointCapture
            row.savepointWriteSeconds = savepointWrite
            row.savepointBytes = savepoint.totalBytes
            canonical = StateRestoreSource(directory: base + "/savepoint", handle: savepoint)
            print("savepoint     canonical: capture \(Self.milliseconds(savepointCapture)), write "
                + "\(Self.milliseconds(savepointWrite)), \(Format.grouped(savepoint.totalBytes)) bytes")
        }
        store.close()

        // Restores: checked by reading keys back.
        func check(_ restored: any KeyedStateStore, _ label: String) throws {
            let id = try restored.register(StateDescriptor(name: "counts", kind: .value))
            var checker = SplitMix(seed: 5)
            for _ in 0..<1_000 {
                let index = Int(checker.next() % UInt64(keys))
                let keyBytes = writeKey(index)
                guard let found = try restored.get(id, keyGroup: groups.keyGroup(of: keyBytes), key: keyBytes),
                      found.count == 16, found.loadUnaligned(as: UInt64.self) == UInt64(index) else {
                    throw BenchmarkError(description: "checkpoint: key \(index) is missing after the \(label) restore")
                }
            }
        }
        let sameBackend = makeBackend(name, directory: base + "/restored-same")
        let (restored, restoreSame) = try timed {
            try sameBackend.makeStore(stepID: "bench", instance: 0, keyGroups: all,
                                      restoringFrom: [StateRestoreSource(directory: base + "/chk-2", handle: second)],
                                      transform: nil)
        }
        try check(restored, "same-backend")
        restored.close()
        row.restoreSameSeconds = restoreSame
        print("restore       \(second.format) into \(name): \(Self.milliseconds(restoreSame))")

        row.otherBackend = name == "memory" ? "rocksdb" : "memory"
        let otherBackend = makeBackend(row.otherBackend, directory: base + "/restored-other")
        let (other, restoreOther) = try timed {
            try otherBackend.makeStore(stepID: "bench", instance: 0, keyGroups: all, restoringFrom: [canonical],
                                       transform: nil)
        }
        try check(other, "cross-backend")
        other.close()
        row.restoreOtherSeconds = restoreOther
        print("restore       canonical into \(row.otherBackend): \(Self.milliseconds(restoreOther))")
        print("load average  \(Machine.loadAverage())")
        print("")
        return row
    }
}
