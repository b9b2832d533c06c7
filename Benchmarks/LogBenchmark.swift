#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import Log
import Checksums

/// Benchmark 3: the durable log against `dd` on the same file system, in
/// the same run.
///
/// - `log.append.*`: `PartitionLog.append` of pre-encoded RecordBatch v2
///   batches of about 16 KB (100-byte or 1 KB values, null keys) into a
///   fresh topic, with `flush.mode=never` (no fsync) or `flush.mode=bytes`,
///   `flush.bytes=1048576` (fsync per MiB). The timed part is the appends
///   plus, in the fsync mode, the final `flush()` of the last partial MiB;
///   opening the data directory, creating the topic and closing are not
///   timed. Every repetition writes into a new directory and deletes it
///   afterwards, and calls sync(2) (untimed) before it starts, so no case
///   pays for another's writeback.
/// - `dd.write.*`: the baselines, writing the same number of bytes into a
///   file in the same directory: `bs=16k` without sync (for `never`),
///   `bs=1M oflag=dsync` (each 1 MiB write synced: the baseline of
///   fsync-per-MiB), and `bs=16k conv=fsync` (one fsync at the end, for
///   reference).
/// - `log.read.sequential`: `PartitionLog.read(from:maxBytes:)` with 1 MiB
///   reads over a whole partition just written (so in the page cache),
///   against `dd bs=1M of=/dev/null` over its segment files.
/// - `log.catchup.decode`: a consumer from offset 0 of the same partition
///   (100-byte values): 1 MiB reads, every batch decoded into one reused
///   Core `RecordBatch` with `RecordBatchV2.decode(_:into:)`.
///
/// Benchmark 3b (`--only compaction`, `runCompaction`): one compaction pass.
/// - `log.compact.100B.100k-keys`: `PartitionLog.compact(force: true)` of a
///   compacted topic whose inactive segments hold `compactionBytes` of
///   100-byte records in 16 KB batches, keys cycling over 100,000 keys (so
///   each key was written about 20 times per 256 MiB); the pass reads every
///   inactive segment twice (offset map, then rewrite) and writes and
///   fsyncs what it keeps. Each repetition compacts a fresh copy of the same
///   input (copied and `sync`ed untimed), read from the page cache.
/// - `dd.copy.1M`: the baseline, `dd if=SEGMENT of=COPY bs=1M` for each of
///   the same inactive segment files: reading and writing the same bytes
///   once, without sync.
struct LogBenchmark {
    let environment: BenchmarkEnvironment
    /// Bytes one append repetition writes.
    let appendBytes: Int
    /// Bytes of the partition that the read and catch-up cases read.
    let catchUpBytes: Int
    /// Bytes of inactive segments one compaction repetition compacts.
    var compactionBytes: Int = 256 << 20
    /// Distinct keys of the compaction input.
    let compactionKeyCount = 100_000
    /// The size batches are filled up to: Kafka's default `batch.size`.
    let batchBytesTarget = 16_384
    let readBytesMax = 1 << 20
    let flushBytes = 1 << 20
    /// Distinct pre-encoded batches, appended round-robin: enough that the
    /// source bytes are not all in L1/L2, few enough to cost little memory.
    let batchPoolCount = 64

    var workspace: String { environment.scratchDirectory + "/log" }

    /// Pre-encoded batches, one pool per value size. A class so that
    /// `append(&pool.batches[i])` rewrites baseOffset in place instead of
    /// copying a shared array.
    final class BatchPool {
        var batches: [[UInt8]]
        let recordsPerBatch: Int
        let valueSize: Int
        var batchBytes: Int { batches[0].count }
        init(batches: [[UInt8]], recordsPerBatch: Int, valueSize: Int) {
            self.batches = batches
            self.recordsPerBatch = recordsPerBatch
            self.valueSize = valueSize
        }
    }

    /// Encodes `batchPoolCount` batches of as many `valueSize`-byte records
    /// as fit in `batchBytesTarget` (all records of a batch share a
    /// timestamp, so every batch has the same size).
    func makePool(valueSize: Int) throws -> BatchPool {
        func encode(records count: Int, variant: Int) throws -> [UInt8] {
            var records: [LogRecord] = []
            records.reserveCapacity(count)
            for index in 0..<count {
                var value = [UInt8](repeating: 0, count: valueSize)
                var state = UInt64(truncatingIfNeeded: variant &* 1_000_003 &+ index) &+ 0x9E37_79B9_7F4A_7C15
                for byte in 0..<valueSize {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    value[byte] = 0x20 + UInt8(truncatingIfNeeded: state >> 59) // printable, not all zero
                }
                records.append(LogRecord(timestamp: 1_700_000_000_000, key: nil, value: value))
            }
            return try RecordBatchV2.encode(records)
        }
        var count = (batchBytesTarget - RecordBatchHeader.size) / (valueSize + 6)
        while try encode(records: count, variant: 0).count > batchBytesTarget { count -= 1 }
        var batches: [[UInt8]] = []
        for variant in 0..<batchPoolCount { batches.append(try encode(records: count, variant: variant)) }
        precondition(Set(batches.map(\.count)).count == 1, "pool batches differ in size")
        return BatchPool(batches: batches, recordsPerBatch: count, valueSize: valueSize)
    }

    /// A case with its byte count, for MB/s.
    struct ByteCase {
        let benchmark: BenchmarkCase
        let bytes: Int
    }

    private static func config(_ properties: [String: String]) throws -> TopicConfig {
        try TopicConfig(properties)
    }

    private func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    private func runDD(_ arguments: [String], name: String) throws {
        let result = try runProcess("dd", arguments)
        guard result.status == 0 else {
            throw BenchmarkError(description: "\(name): dd \(arguments.joined(separator: " ")) failed "
                + "(status \(result.status)): \(result.output)")
        }
    }

    // MARK: Append

    func appendCases(pools: [BatchPool]) throws -> [ByteCase] {
        var cases: [ByteCase] = []
        let modes: [(name: String, properties: [String: String], sync: Bool)] = [
            ("never", ["flush.mode": "never"], false),
            ("fsync-per-MiB", ["flush.mode": "bytes", "flush.bytes": String(flushBytes)], true),
        ]
        for mode in modes {
            for pool in pools {
                let batchCount = (appendBytes + pool.batchBytes - 1) / pool.batchBytes
                let bytes = batchCount * pool.batchBytes
                let records = batchCount * pool.recordsPerBatch
                let config = try Self.config(mode.properties)
                let name = "log.append.\(pool.valueSize)B.\(mode.name)"
                let directory = workspace + "/" + name
                let input = "PartitionLog.append of \(Format.grouped(batchCount)) pre-encoded batches of "
                    + "\(Format.grouped(pool.batchBytes)) bytes (\(pool.recordsPerBatch) records of \(pool.valueSize)-byte "
                    + "values, null keys, no compression, \(batchPoolCount) distinct batches round-robin) into a fresh "
                    + "topic; " + mode.properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                        .joined(separator: ", ")
                    + (mode.sync ? "; timed: appends + final flush()" : "; timed: appends")
                let sync = mode.sync
                cases.append(ByteCase(benchmark: BenchmarkCase(name: name, input: input, records: records,
                                                               calls: batchCount) {
                    removeTree(directory)
                    Glibc.sync()
                    let data = try DataDirectory.open(path: directory)
                    let log = try data.createTopic(name: "bench", partitions: 1, config: config).partition(0)
                    let sample = try Sample.measure {
                        for index in 0..<batchCount {
                            try log.append(&pool.batches[index % pool.batches.count])
                        }
                        if sync { try log.flush() }
                    }
                    let end = log.endOffset
                    let size = log.sizeInBytes
                    try data.close()
                    removeTree(directory)
                    guard end == Int64(records), size == bytes else {
                        throw BenchmarkError(description: "\(name): the log holds \(end) records in \(size) bytes, "
                            + "expected \(records) in \(bytes)")
                    }
                    return sample
                }, bytes: bytes))
            }
        }
        return cases
    }

    /// dd writing `appendBytes` with each sync discipline.
    func ddWriteCases() -> [ByteCase] {
        let blocks16k = appendBytes / 16_384
        let blocks1M = appendBytes / (1 << 20)
        let variants: [(name: String, arguments: [String], blocks: Int)] = [
            ("dd.write.16k.nosync", ["bs=16k", "count=\(blocks16k)"], blocks16k),
            ("dd.write.1M.dsync", ["bs=1M", "count=\(blocks1M)", "oflag=dsync"], blocks1M),
            ("dd.write.16k.fsync-at-end", ["bs=16k", "count=\(blocks16k)", "conv=fsync"], blocks16k),
        ]
        return variants.map { variant in
            let file = workspace + "/\(variant.name).out"
            let arguments = ["if=/dev/zero", "of=\(file)"] + variant.arguments
            let name = variant.name
            let bytes = variant.blocks * (variant.name.contains(".1M.") ? 1 << 20 : 16_384)
            return ByteCase(benchmark: BenchmarkCase(
                name: name, input: "dd " + arguments.joined(separator: " ") + " (a new file; process start included)",
                records: variant.blocks, calls: nil
            ) {
                removeTree(file)
                Glibc.sync()
                let sample = try Sample.measure { try runDD(arguments, name: name) }
                removeTree(file)
                return sample
            }, bytes: bytes)
        }
    }

    // MARK: Read and catch-up

    /// Writes the partition the read cases read: `catchUpBytes` of 100-byte
    /// records, no fsync.
    func writeReadPartition(pool: BatchPool) throws -> (data: DataDirectory, log: PartitionLog, records: Int, bytes: Int) {
        let directory = workspace + "/read"
        removeTree(directory)
        let data = try DataDirectory.open(path: directory)
        let log = try data.createTopic(name: "bench", partitions: 1, config: try Self.config(["flush.mode": "never"]))
            .partition(0)
        let batchCount = (catchUpBytes + pool.batchBytes - 1) / pool.batchBytes
        for index in 0..<batchCount { try log.append(&pool.batches[index % pool.batches.count]) }
        return (data, log, batchCount * pool.recordsPerBatch, batchCount * pool.batchBytes)
    }

    func readCases(log: PartitionLog, records: Int, bytes: Int, recordsPerBatch: Int) throws -> [ByteCase] {
        let segmentFiles = try FileManager.default.contentsOfDirectory(atPath: log.directory)
            .filter { $0.hasSuffix(".log") }.sorted().map { log.directory + "/" + $0 }
        let readBytesMax = readBytesMax
        let end = log.endOffset
        let read = BenchmarkCase(
            name: "log.read.sequential",
            input: "PartitionLog.read(from:maxBytes: 1 MiB) from offset 0 to the end of a partition of "
                + "\(Format.grouped(bytes)) bytes in \(segmentFiles.count) segment(s), written just before "
                + "(page cache); every slice's batches are CRC-checked by the log",
            records: records, calls: nil
        ) {
            var readBytes = 0
            let sample = try Sample.measure {
                var offset: Int64 = 0
                while offset < end {
                    let slice = try log.read(from: offset, maxBytes: readBytesMax)
                    readBytes += slice.bytes.count
                    offset = slice.nextOffset
                }
            }
            guard readBytes == bytes else {
                throw BenchmarkError(description: "log.read.sequential read \(readBytes) bytes, expected \(bytes)")
            }
            return sample
        }
        let ddRead = BenchmarkCase(
            name: "dd.read.1M",
            input: "dd if=SEGMENT of=/dev/null bs=1M for each of the \(segmentFiles.count) segment file(s) "
                + "(\(segmentFiles.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")); "
                + "process starts included)",
            records: records, calls: nil
        ) {
            try Sample.measure {
                for file in segmentFiles { try runDD(["if=\(file)", "of=/dev/null", "bs=1M"], name: "dd.read.1M") }
            }
        }
        let catchUp = BenchmarkCase(
            name: "log.catchup.decode",
            input: "consumer from offset 0: PartitionLog.read(maxBytes: 1 MiB) + RecordBatchV2.decode(_:into:crcVerified: true) of "
                + "every batch into one reused Core RecordBatch (removeAll per batch); \(Format.grouped(bytes)) bytes, "
                + "100-byte values, \(recordsPerBatch) records/batch, page cache",
            records: records, calls: records / recordsPerBatch
        ) {
            let batch = RecordBatch(recordCapacity: 256, valueBytesCapacity: 64 * 1024)
            var decoded = 0
            var valueBytes = 0
            let sample = try Sample.measure {
                var offset: Int64 = 0
                while offset < end {
                    let slice = try log.read(from: offset, maxBytes: readBytesMax)
                    try slice.bytes.withUnsafeBytes { buffer in
                        var position = 0
                        while position < buffer.count {
                            // batchLength (big-endian Int32 at byte 8) counts the bytes after it.
                            let length = Int(UInt32(buffer[position + 8]) << 24 | UInt32(buffer[position + 9]) << 16
                                | UInt32(buffer[position + 10]) << 8 | UInt32(buffer[position + 11]))
                            let total = RecordBatchHeader.logOverhead + length
                            // As the host's log reader does: the slice's CRCs were checked by read.
                            decoded += try RecordBatchV2.decode(
                                UnsafeRawBufferPointer(rebasing: buffer[position ..< position + total]), into: batch,
                                crcVerified: true)
                            valueBytes += batch.valueBytesCount
                            batch.removeAll()
                            position += total
                        }
                    }
                    offset = slice.nextOffset
                }
            }
            guard decoded == records else {
                throw BenchmarkError(description: "log.catchup.decode decoded \(decoded) records, expected \(records)")
            }
            precondition(valueBytes == records * 100, "decoded values have the wrong size")
            return sample
        }
        return [ByteCase(benchmark: read, bytes: bytes), ByteCase(benchmark: ddRead, bytes: bytes),
                ByteCase(benchmark: catchUp, bytes: bytes)]
    }

    // MARK: Compaction

    /// Writes the compaction input into `directory`: 4 inactive segments of
    /// `compactionBytes / 4` each, then one batch in the active segment.
    /// Returns the inactive segments' files, their bytes and records.
    func writeCompactionInput(_ directory: String) throws -> (files: [String], bytes: Int, records: Int) {
        removeTree(directory)
        let data = try DataDirectory.open(path: directory)
        let segmentBytes = compactionBytes / 4
        let log = try data.createTopic(name: "bench", partitions: 1, config: try Self.config([
            "cleanup.policy": "compact", "segment.bytes": String(segmentBytes), "flush.mode": "never",
        ])).partition(0)
        let valueSize = 100
        let perBatch = (batchBytesTarget - RecordBatchHeader.size) / (valueSize + 12 + 8)
        var next = 0
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while log.segmentCount < 5 {
            var records: [LogRecord] = []
            records.reserveCapacity(perBatch)
            for _ in 0..<perBatch {
                let key = Array(String(format: "key-%08d", next % compactionKeyCount).utf8)
                var value = [UInt8](repeating: 0, count: valueSize)
                for byte in 0..<valueSize {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    value[byte] = 0x20 + UInt8(truncatingIfNeeded: state >> 59)
                }
                records.append(LogRecord(timestamp: 1_700_000_000_000 + Int64(next), key: key, value: value))
                next += 1
            }
            var batch = try RecordBatchV2.encode(records)
            try log.append(&batch)
        }
        let bases = log.segmentBaseOffsets
        let records = Int(bases[4])
        try data.close()
        let partition = directory + "/topics/bench/0"
        let files = try FileManager.default.contentsOfDirectory(atPath: partition)
            .filter { $0.hasSuffix(".log") }.sorted().prefix(4).map { partition + "/" + $0 }
        let bytes = try files.reduce(0) {
            $0 + ((try FileManager.default.attributesOfItem(atPath: $1)[.size] as? NSNumber)?.intValue ?? 0)
        }
        return (files, bytes, records)
    }

    func compactionCases() throws -> [ByteCase] {
        let template = workspace + "/compaction-input"
        let input = try writeCompactionInput(template)
        let keyCount = compactionKeyCount
        let work = workspace + "/compaction-work"
        let compact = BenchmarkCase(
            name: "log.compact.100B.100k-keys",
            input: "PartitionLog.compact(force: true) of \(input.files.count) inactive segments, "
                + "\(Format.grouped(input.bytes)) bytes, \(Format.grouped(input.records)) records with 100-byte values "
                + "and 12-byte keys cycling over \(Format.grouped(keyCount)) keys, 16 KB uncompressed batches; "
                + "a fresh copy per repetition (cp + sync untimed), page cache; timed: the pass (map, rewrite, "
                + "fsync of the output, swap)",
            records: input.records, calls: nil
        ) {
            removeTree(work)
            let copied = try runProcess("cp", ["-r", template, work])
            guard copied.status == 0 else {
                throw BenchmarkError(description: "cp -r \(template) \(work) failed: \(copied.output)")
            }
            Glibc.sync()
            let data = try DataDirectory.open(path: work)
            let log = try data.topic(named: "bench").partition(0)
            var result: CompactionResult?
            let sample = try Sample.measure { result = try log.compact(force: true) }
            try data.close()
            removeTree(work)
            guard let result, result.skipped == nil, result.bytesRead == input.bytes,
                  result.recordsRead == input.records, result.recordsKept == keyCount
            else {
                throw BenchmarkError(description: "log.compact: unexpected result \(String(describing: result)); "
                    + "expected \(input.bytes) bytes and \(input.records) records read, \(keyCount) kept")
            }
            return sample
        }
        let copies = workspace + "/dd-copies"
        let files = input.files
        let ddCopy = BenchmarkCase(
            name: "dd.copy.1M",
            input: "dd if=SEGMENT of=COPY bs=1M for each of the same \(files.count) segment files (page cache, "
                + "no sync; process starts included)",
            records: (input.bytes + (1 << 20) - 1) >> 20, calls: nil
        ) {
            removeTree(copies)
            try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
            Glibc.sync()
            let sample = try Sample.measure {
                for (index, file) in files.enumerated() {
                    try runDD(["if=\(file)", "of=\(copies)/\(index)", "bs=1M"], name: "dd.copy.1M")
                }
            }
            removeTree(copies)
            return sample
        }
        return [ByteCase(benchmark: compact, bytes: input.bytes), ByteCase(benchmark: ddCopy, bytes: input.bytes)]
    }

    /// Benchmark 3b: compaction against `dd` copying the same segment files.
    func runCompaction(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 3b: log compaction ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        removeTree(workspace)
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer { removeTree(workspace) }
        let df = (try? runProcess("df", ["-hT", workspace]).output)?
            .split(separator: "\n").last.map(String.init) ?? "unknown"
        print("workspace     \(workspace)  [df -hT: \(df)]")
        print("units         MB = 10^6 bytes of input segments, MiB = 2^20 bytes")
        print("")
        let cases = try compactionCases()
        let measurements = try measureInterleaved(cases.map(\.benchmark), repetitions: options.repetitions,
                                                  warmups: options.warmups)
        let rows = zip(measurements, cases.map(\.bytes)).map { ($0, $1) }
        for (m, bytes) in rows { block(m, bytes: bytes, report: report) }
        let baselines = ["log.compact.100B.100k-keys": "dd.copy.1M"]
        printDerived(rows, baselines: baselines, report: report)
        table(rows, baselines: baselines, byName: Dictionary(uniqueKeysWithValues: rows.map { ($0.0.benchmark.name, $0) }))
    }

    // MARK: Report

    private func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> Double { Double(bytes) / seconds / 1e6 }

    func block(_ measurement: Measurement, bytes: Int, report: Report) {
        let benchmark = measurement.benchmark
        print("benchmark   \(benchmark.name)")
        print("input       \(benchmark.input)")
        print("bytes       \(Format.grouped(bytes)) per repetition (\(Format.fixed(Double(bytes) / 1_048_576, 1)) MiB)")
        let isDD = benchmark.name.hasPrefix("dd.")
        print(isDD ? "blocks      \(Format.grouped(benchmark.records)) per repetition"
                   : "records     \(Format.grouped(benchmark.records)) per repetition")
        var median = "\(Format.fixed(measurement.medianSeconds, 4)) s, "
            + "\(Format.fixed(megabytesPerSecond(bytes, measurement.medianSeconds), 1)) MB/s"
        if !isDD { median += ", \(Format.rate(measurement.recordsPerSecond))" }
        median += "; CPU \(Format.fixed(measurement.medianCPUSeconds, 3)) s of this process"
            + (isDD ? " (dd's own CPU not counted)" : "")
        print("median      \(median)")
        print("repetitions " + measurement.samples.map { Format.fixed($0.seconds, 4) }.joined(separator: " ")
            + " s = " + measurement.samples.map { Format.fixed(megabytesPerSecond(bytes, $0.seconds), 1) }
                .joined(separator: " ") + " MB/s")
        print("")
    }

    func table(_ rows: [(Measurement, Int)], baselines: [String: String], byName: [String: (Measurement, Int)]) {
        print("| case | bytes/rep | records/rep | median s | MB/s | records/s | ratio to baseline | repetitions (MB/s) |")
        print("|---|---:|---:|---:|---:|---:|---|---|")
        for (m, bytes) in rows {
            let isDD = m.benchmark.name.hasPrefix("dd.")
            let megabytes = megabytesPerSecond(bytes, m.medianSeconds)
            var ratio = "–"
            if let baseline = baselines[m.benchmark.name], let (b, bBytes) = byName[baseline] {
                ratio = Format.fixed(megabytes / megabytesPerSecond(bBytes, b.medianSeconds), 3) + " of " + baseline
            }
            print("| \(m.benchmark.name) | \(Format.grouped(bytes)) | \(isDD ? "–" : Format.grouped(m.benchmark.records)) "
                + "| \(Format.fixed(m.medianSeconds, 4)) | \(Format.fixed(megabytes, 1)) "
                + "| \(isDD ? "–" : Format.rate(m.recordsPerSecond).replacingOccurrences(of: " records/s", with: "")) "
                + "| \(ratio) | "
                + m.samples.map { Format.fixed(megabytesPerSecond(bytes, $0.seconds), 1) }.joined(separator: ", ") + " |")
        }
        print("")
    }

    func printDerived(_ rows: [(Measurement, Int)], baselines: [String: String], report: Report) {
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.0.benchmark.name, $0) })
        for (m, bytes) in rows {
            guard let baseline = baselines[m.benchmark.name], let (b, bBytes) = byName[baseline] else { continue }
            let perRepetition = zip(m.samples, b.samples).map { sample, baseSample in
                Format.fixed(megabytesPerSecond(bytes, sample.seconds) / megabytesPerSecond(bBytes, baseSample.seconds), 3)
            }
            report.derived("\(m.benchmark.name) / \(baseline)",
                "bandwidth ratio of medians \(Format.fixed(megabytesPerSecond(bytes, m.medianSeconds) / megabytesPerSecond(bBytes, b.medianSeconds), 3)); "
                + "per repetition " + perRepetition.joined(separator: " "))
        }
        print("")
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 3: the log ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        removeTree(workspace)
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer { removeTree(workspace) }
        let df = (try? runProcess("df", ["-hT", workspace]).output)?
            .split(separator: "\n").last.map(String.init) ?? "unknown"
        print("workspace     \(workspace)  [df -hT: \(df)]")
        print("crc32c        hardware \(CRC32C.isHardwareAccelerated ? "yes" : "no")")
        print("units         MB = 10^6 bytes, MiB = 2^20 bytes")
        print("")

        let pools = [try makePool(valueSize: 100), try makePool(valueSize: 1000)]
        let appends = try appendCases(pools: pools) + transactionalAppendCases(pool: pools[0])
            + validationCases(pool: pools[0]) + ddWriteCases()
        let appendMeasurements = try measureInterleaved(appends.map(\.benchmark), repetitions: options.repetitions,
                                                        warmups: options.warmups)
        let appendRows = zip(appendMeasurements, appends.map(\.bytes)).map { ($0, $1) }
        for (m, bytes) in appendRows { block(m, bytes: bytes, report: report) }
        var baselines: [String: String] = [:]
        for pool in pools {
            baselines["log.append.\(pool.valueSize)B.never"] = "dd.write.16k.nosync"
            baselines["log.append.\(pool.valueSize)B.fsync-per-MiB"] = "dd.write.1M.dsync"
        }
        baselines["dd.write.16k.fsync-at-end"] = "dd.write.1M.dsync"
        baselines["log.append.\(pools[0].valueSize)B.lz4.never"] = "log.append.\(pools[0].valueSize)B.never"
        baselines["log.validate.\(pools[0].valueSize)B"] = "log.append.\(pools[0].valueSize)B.never"
        baselines["log.validate.\(pools[0].valueSize)B.lz4"] = "log.append.\(pools[0].valueSize)B.lz4.never"
        baselines["log.append.\(pools[0].valueSize)B.encoded.txn-per-MiB"] = "log.append.\(pools[0].valueSize)B.encoded.fsync-per-MiB"
        printDerived(appendRows, baselines: baselines, report: report)
        table(appendRows, baselines: baselines,
              byName: Dictionary(uniqueKeysWithValues: appendRows.map { ($0.0.benchmark.name, $0) }))
        print("load average  \(Machine.loadAverage()) (after the appends)")
        print("")

        let written = try writeReadPartition(pool: pools[0])
        let reads = try readCases(log: written.log, records: written.records, bytes: written.bytes,
                                  recordsPerBatch: pools[0].recordsPerBatch)
        let cachedNote = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").filter { $0.hasPrefix("MemTotal") || $0.hasPrefix("Cached") || $0.hasPrefix("Dirty") }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            .joined(separator: "; ") ?? "unknown"
        print("read input    \(Format.grouped(written.bytes)) bytes written with flush.mode=never just before; "
            + "/proc/meminfo: \(cachedNote)")
        print("")
        let readMeasurements = try measureInterleaved(reads.map(\.benchmark), repetitions: options.repetitions,
                                                      warmups: options.warmups)
        try written.data.close()
        removeTree(workspace + "/read")
        let readRows = zip(readMeasurements, reads.map(\.bytes)).map { ($0, $1) }
        for (m, bytes) in readRows { block(m, bytes: bytes, report: report) }
        let readBaselines = ["log.read.sequential": "dd.read.1M", "log.catchup.decode": "dd.read.1M"]
        printDerived(readRows, baselines: readBaselines, report: report)
        table(readRows, baselines: readBaselines,
              byName: Dictionary(uniqueKeysWithValues: readRows.map { ($0.0.benchmark.name, $0) }))
    }
}
