import Foundation
import Testing
import TestKit
@testable import Log

/// Offsets with gaps, as compaction leaves them: whole batches missing
/// between others, batches that keep their offset range while holding only
/// some of their records, and segments whose first batch starts above the
/// segment's base offset. The segment files are written by hand here, so
/// these tests do not depend on the cleaner.
@Suite("PartitionLog offset gaps")
struct PartitionGapTests {
    /// A partition directory of hand-made segments and the records it holds.
    struct GappedPartition {
        let directory: TemporaryDirectory
        let path: String
        /// Every record the segments hold, in offset order.
        var records: [DecodedRecord] = []
        /// (first offset, last offset) of every stored batch, in order.
        var batchRanges: [(first: Int64, last: Int64)] = []
        var segmentBases: [Int64] = []
        /// The offset after the active segment's last batch.
        var endOffset: Int64 = 0

        /// Writes `segmentCount` segments of random batches; each batch of the
        /// inactive segments loses random records (sometimes all of them, so
        /// it goes), as compaction would leave it. The active segment is
        /// whole, as compaction never touches it.
        init(seed: UInt64, segmentCount: Int = 4, batchesPerSegment: Int = 12) throws {
            var generator = SeededRandom(seed: seed)
            directory = try TemporaryDirectory(prefix: "gaps")
            path = directory.path + "/t/0"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            var offset: Int64 = 0
            for segment in 0 ..< segmentCount {
                let isActive = segment == segmentCount - 1
                segmentBases.append(offset)
                var file: [UInt8] = []
                for _ in 0 ..< batchesPerSegment {
                    let count = Int.random(in: 1 ... 9, using: &generator)
                    let original = (0 ..< count).map { index in
                        LogRecord(
                            timestamp: 10_000 + (offset + Int64(index)) * 10,
                            key: Array("key-\(Int.random(in: 0 ..< 20, using: &generator))".utf8),
                            value: Array(repeating: UInt8(truncatingIfNeeded: offset), count: Int.random(in: 0 ... 90, using: &generator)))
                    }
                    let codec: CompressionCodec = [.none, .lz4, .zstd].randomElement(using: &generator)!
                    let batch = try RecordBatchV2.encode(original, baseOffset: offset, compression: codec)
                    let keepAll = isActive || Int.random(in: 0 ..< 4, using: &generator) == 0
                    let dropAll = !keepAll && Int.random(in: 0 ..< 3, using: &generator) == 0
                    let keep = (0 ..< count).map { _ in keepAll || (!dropAll && Bool.random(using: &generator)) }
                    let filtered = try batch.withUnsafeBytes { bytes in
                        try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { keep[Int($0.offset - offset)] }
                    }
                    let stored: [UInt8]
                    switch filtered.outcome {
                    case .removed: stored = []
                    case .unchanged: stored = batch
                    case let .rewritten(bytes): stored = bytes
                    }
                    if !stored.isEmpty {
                        file += stored
                        records += try stored.withUnsafeBytes { try RecordBatchV2.decode($0) }
                        batchRanges.append((offset, offset + Int64(count) - 1))
                    }
                    offset += Int64(count)
                }
                // A gap between segments too: the next one starts a little later.
                if !isActive { offset += Int64.random(in: 0 ... 3, using: &generator) }
                FileManager.default.createFile(
                    atPath: path + "/" + SegmentFileName.stem(segmentBases[segment]) + ".log", contents: Data(file))
            }
            endOffset = batchRanges.last.map { $0.last + 1 } ?? 0
        }

        func open(_ capture: LogCapture, indexIntervalBytes: Int) throws(LogError) -> PartitionLog {
            try PartitionLog.open(
                directory: path,
                config: StorageFixtures.config(["index.interval.bytes": "\(indexIntervalBytes)", "flush.mode": "never"]),
                logger: capture.logger)
        }

        /// The records from `offset` on.
        func records(from offset: Int64) -> [DecodedRecord] {
            records.filter { $0.offset >= offset }
        }
    }

    /// Reads from `offset` to the end, slice by slice; every slice must make
    /// progress. Returns the records at or after `offset`.
    static func readAll(_ log: PartitionLog, from offset: Int64, maxBytes: Int) throws -> [DecodedRecord] {
        var position = offset
        var result: [DecodedRecord] = []
        while position < log.endOffset {
            let slice = try log.read(from: position, maxBytes: maxBytes)
            #expect(slice.nextOffset > position, "a read from \(position) made no progress")
            guard slice.nextOffset > position else { break }
            let records = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
            result += records.filter { $0.offset >= position }
            position = slice.nextOffset
        }
        return result
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func readsFromEveryOffsetReturnTheNextRecordsAfterRecoveryAndReopen(seed: UInt64) throws {
        let written = try GappedPartition(seed: seed)
        var generator = SeededRandom(seed: seed + 100)
        for round in 0 ..< 2 {
            // Round 0 rebuilds the missing indexes; round 1 opens with them
            // (the quick check of inactive segments).
            let capture = LogCapture()
            let interval = [0, 150, 4096][Int(seed) % 3]
            let log = try written.open(capture, indexIntervalBytes: interval)
            #expect(capture.messages(atLeast: .warning).isEmpty, "round \(round): \(capture.messages())")
            #expect(log.startOffset == 0)
            #expect(log.endOffset == written.endOffset)
            #expect(log.segmentBaseOffsets == written.segmentBases)
            for offset in 0 ... written.endOffset {
                let maxBytes = Int.random(in: 0 ... 2_000, using: &generator)
                let read = try Self.readAll(log, from: offset, maxBytes: maxBytes)
                if read != written.records(from: offset) {
                    let expected = written.records(from: offset).count
                    Issue.record("round \(round), seed \(seed): from \(offset): \(read.count) records, expected \(expected)")
                    break
                }
            }
            // The first slice from a removed offset starts with the first
            // batch holding a higher offset.
            for offset in 0 ..< written.endOffset {
                let slice = try log.read(from: offset, maxBytes: 1)
                let batch = try #require(written.batchRanges.first { $0.last >= offset })
                #expect(slice.firstOffset == batch.first, "from \(offset)")
            }
            try log.close()
        }
    }

    @Test func timestampLookupsSkipGaps() throws {
        let written = try GappedPartition(seed: 11)
        let log = try written.open(LogCapture(), indexIntervalBytes: 100)
        let last = try #require(written.records.last)
        for timestamp in stride(from: Int64(9_000), through: last.timestamp + 20, by: 7) {
            let expected = written.records.first { $0.timestamp >= timestamp }?.offset
            #expect(try log.offset(forTimestamp: timestamp) == expected, "timestamp \(timestamp)")
        }
    }

    @Test func anEmptyReadInATrailingGapPointsAtTheEnd() throws {
        // The last inactive segment lost its tail; the active segment is empty.
        let directory = try TemporaryDirectory(prefix: "gaps")
        let path = directory.path + "/t/0"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let batch = try RecordBatchV2.encode(
            (0 ..< 5).map { LogRecord(timestamp: 1, key: [UInt8($0)], value: [UInt8($0)]) }, baseOffset: 0)
        let filtered = try batch.withUnsafeBytes { bytes in
            try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { $0.offset == 1 }
        }
        guard case let .rewritten(kept) = filtered.outcome else { Issue.record("expected a rewritten batch"); return }
        FileManager.default.createFile(atPath: path + "/00000000000000000000.log", contents: Data(kept))
        FileManager.default.createFile(atPath: path + "/00000000000000000020.log", contents: Data())
        let log = try PartitionLog.open(directory: path, config: StorageFixtures.config(["flush.mode": "never"]))
        #expect(log.endOffset == 20, "the end offset stays where the active segment starts")
        let inBatch = try log.read(from: 3, maxBytes: 100)
        #expect(inBatch.batchCount == 1 && inBatch.nextOffset == 5)
        let pastBatch = try log.read(from: 7, maxBytes: 100)
        #expect(pastBatch.isEmpty && pastBatch.nextOffset == 20)
        var next = StorageFixtures.batch(records: 2)
        #expect(try log.append(&next) == (20, 21))
        #expect(try log.read(from: 7, maxBytes: 100).firstOffset == 20)
    }

    @Test func truncatingInsideAGapKeepsEverythingBelowIt() throws {
        let written = try GappedPartition(seed: 21, segmentCount: 3)
        // A removed offset inside the second segment: one no stored batch spans.
        let gapOffset = try #require((written.segmentBases[1] ..< written.segmentBases[2]).first { offset in
            !written.batchRanges.contains { $0.first <= offset && offset <= $0.last }
        })
        let log = try written.open(LogCapture(), indexIntervalBytes: 0)
        let end = try log.truncate(toOffset: gapOffset)
        let kept = written.batchRanges.filter { $0.last < gapOffset }
        // The segment holding the gap is now the active one; it ends after its
        // last batch below the gap, or at its base offset when it has none.
        #expect(end == max(written.segmentBases[1], (kept.last?.last ?? -1) + 1))
        #expect(try Self.readAll(log, from: 0, maxBytes: 500) == written.records.filter { $0.offset < gapOffset })
        var batch = StorageFixtures.batch(records: 3)
        #expect(try log.append(&batch).first == end)
    }

    @Test func aBatchBelowThePreviousOneIsStillCorruption() throws {
        let directory = try TemporaryDirectory(prefix: "gaps")
        let path = directory.path + "/t/0"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        func batch(_ base: Int64) throws -> [UInt8] {
            try RecordBatchV2.encode([LogRecord(timestamp: 1, key: [1], value: [1])], baseOffset: base)
        }
        // Offsets 0, 5, then 3: the third goes backwards.
        let first = try batch(0) + batch(5)
        let backwards = try batch(3)
        FileManager.default.createFile(atPath: path + "/00000000000000000000.log", contents: Data(first + backwards))
        FileManager.default.createFile(atPath: path + "/00000000000000000010.log", contents: Data(try batch(10)))
        let capture = LogCapture()
        let log = try PartitionLog.open(
            directory: path, config: StorageFixtures.config(["flush.mode": "never", "index.interval.bytes": "0"]),
            logger: capture.logger)
        #expect(capture.messages(atLeast: .error).contains { $0.contains("not above the previous batch's last offset 5") },
                "\(capture.messages())")
        do {
            _ = try log.read(from: 6, maxBytes: 100)
            Issue.record("the backwards batch was read")
        } catch {
            guard case let .corruptBatch(_, _, position, _, _) = error else { Issue.record("\(error)"); return }
            #expect(position == first.count)
        }
        #expect(try log.read(from: 1, maxBytes: 10_000).nextOffset == 6, "the slice stops before the bad batch")
    }
}
