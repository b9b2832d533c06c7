import Foundation
import Log
import Testing
import TestKit

/// What a test appended: each batch's bytes as stored (offsets assigned).
private struct AppendedLog {
    var batches: [[UInt8]] = []
    var firstOffsets: [Int64] = []
    var lastOffsets: [Int64] = []

    mutating func append(_ batch: [UInt8], first: Int64, last: Int64) {
        batches.append(batch)
        firstOffsets.append(first)
        lastOffsets.append(last)
    }

    /// The index of the batch holding `offset`.
    func batchIndex(holding offset: Int64) -> Int? {
        lastOffsets.firstIndex { $0 >= offset }.flatMap { firstOffsets[$0] <= offset ? $0 : nil }
    }
}

@Suite("PartitionLog")
struct PartitionLogTests {
    /// Appends `count` batches of random sizes; returns what was stored.
    private func appendRandomBatches(
        to log: PartitionLog, count: Int, generator: inout SeededRandom, valueBytesMax: Int = 200,
        timestamp: (Int) -> Int64 = { 1_000 + Int64($0) * 10 }
    ) throws -> AppendedLog {
        var appended = AppendedLog()
        for index in 0 ..< count {
            var batch = StorageFixtures.batch(
                records: Int.random(in: 1 ... 8, using: &generator),
                valueBytes: Int.random(in: 0 ... valueBytesMax, using: &generator),
                timestamp: timestamp(index), fill: UInt8(truncatingIfNeeded: index))
            let (first, last) = try log.append(&batch)
            appended.append(batch, first: first, last: last)
        }
        return appended
    }

    /// Checks that a read from every offset returns the batch holding it,
    /// followed by the next batches, within maxBytes (but at least one).
    private func expectEveryOffsetReadable(
        _ log: PartitionLog, _ appended: AppendedLog, generator: inout SeededRandom
    ) throws {
        let end = try #require(appended.lastOffsets.last) + 1
        #expect(log.endOffset == end)
        for offset in log.startOffset ..< end {
            let maxBytes = Int.random(in: 0 ... 3000, using: &generator)
            let slice = try log.read(from: offset, maxBytes: maxBytes)
            let index = try #require(appended.batchIndex(holding: offset))
            let batches = StorageFixtures.batches(in: slice.bytes)
            #expect(slice.batchCount == batches.count)
            #expect(slice.firstOffset == appended.firstOffsets[index])
            #expect(batches.count >= 1)
            #expect(batches.count == 1 || slice.bytes.count <= maxBytes)
            for (number, batch) in batches.enumerated() where batch != appended.batches[index + number] {
                Issue.record("offset \(offset): batch \(number) of the slice differs from batch \(index + number) appended")
                return
            }
            #expect(slice.nextOffset == appended.lastOffsets[index + batches.count - 1] + 1)
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func appendAndReadAcrossManySegmentRolls(seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        let directory = try TemporaryDirectory(prefix: "partition")
        let config = StorageFixtures.config([
            "segment.bytes": "\(Int.random(in: 1024 ... 4096, using: &generator))",
            "index.interval.bytes": "\(Int.random(in: 0 ... 600, using: &generator))",
            "flush.mode": "never",
        ])
        let capture = LogCapture()
        let log = try PartitionLog.open(directory: directory.path + "/orders/0", config: config, logger: capture.logger)
        let appended = try appendRandomBatches(to: log, count: 250, generator: &generator)
        #expect(log.segmentCount > 20, "segment.bytes \(config.segmentBytes) should roll often")
        #expect(log.startOffset == 0)
        try expectEveryOffsetReadable(log, appended, generator: &generator)

        // Reading on from nextOffset walks the whole log, batch by batch.
        var offset = log.startOffset
        var all: [[UInt8]] = []
        while offset < log.endOffset {
            let slice = try log.read(from: offset, maxBytes: 10_000)
            all += StorageFixtures.batches(in: slice.bytes)
            offset = slice.nextOffset
        }
        let walkedEverything = all == appended.batches
        #expect(walkedEverything, "\(all.count) batches read, \(appended.batches.count) appended")
        #expect(try log.read(from: log.endOffset, maxBytes: 100).isEmpty)
        #expect(throws: LogError.self) { try log.read(from: log.endOffset + 1, maxBytes: 100) }

        // Every segment is within segment.bytes unless it holds one batch only.
        let logFiles = StorageFixtures.files(in: log.directory, suffix: ".log")
        #expect(logFiles.count == log.segmentCount)
        let indexFiles = StorageFixtures.files(in: log.directory, suffix: ".index")
            + StorageFixtures.files(in: log.directory, suffix: ".timeindex")
        let indexBytes = indexFiles.map { try? Data(contentsOf: URL(fileURLWithPath: $0)) }
        let bases = log.segmentBaseOffsets
        let size = log.sizeInBytes
        try log.close()

        // Reopening recovers exactly: same offsets, bytes, and index files
        // untouched, with nothing to report.
        let reopened = try PartitionLog.open(directory: directory.path + "/orders/0", config: config, logger: capture.logger)
        #expect(reopened.segmentBaseOffsets == bases)
        #expect(reopened.sizeInBytes == size)
        #expect(indexFiles.map { try? Data(contentsOf: URL(fileURLWithPath: $0)) } == indexBytes)
        #expect(capture.messages(atLeast: .info).isEmpty, "\(capture.messages(atLeast: .info))")
        try expectEveryOffsetReadable(reopened, appended, generator: &generator)
        var next = StorageFixtures.batch(records: 2)
        #expect(try reopened.append(&next) == (reopened.endOffset - 2, reopened.endOffset - 1))
        #expect(try reopened.append(&next).first == appended.lastOffsets.last! + 3)
    }

    @Test func appendAssignsOffsetsInPlace() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: TopicConfig())
        var first = StorageFixtures.batch(records: 3)
        var second = StorageFixtures.batch(records: 2)
        #expect(try log.append(&first) == (0, 2))
        #expect(try log.append(&second) == (3, 4))
        #expect(StorageFixtures.baseOffset(of: first) == 0)
        #expect(StorageFixtures.baseOffset(of: second) == 3)
        #expect(log.endOffset == 5)
        #expect(log.flushedOffset == 5, "flush.mode defaults to every-append")
        let slice = try log.read(from: 4, maxBytes: 1)
        #expect(StorageFixtures.difference(slice.bytes, second) == nil)
        #expect(slice.firstOffset == 3)
        #expect(slice.nextOffset == 5)
        let decoded = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode($0) }
        #expect(decoded.map(\.offset) == [3, 4])
    }

    /// `message.timestamp.type=LogAppendTime`: the log stamps each batch
    /// with its clock at append (attributes bit 3, maxTimestamp, a new
    /// CRC), and every record reads that time back as its timestamp; on a
    /// CreateTime topic the producer's timestamps stay.
    @Test(arguments: [("LogAppendTime", true), ("CreateTime", false)])
    func logAppendTimeStampsEachBatchWithTheAppendTime(type: String, stamped: Bool) throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(["message.timestamp.type": type]),
            clock: { 5_000_000 })
        var batch = StorageFixtures.batch(records: 3, timestamp: 1_000)
        try log.append(&batch)
        let slice = try log.read(from: 0, maxBytes: 1 << 20)
        #expect(slice.bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
        let decoded = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode($0) }
        #expect(decoded.map(\.timestamp) == (stamped ? [5_000_000, 5_000_000, 5_000_000] : [1_000, 1_001, 1_002]))
        let values: [[UInt8]?] = [0x61, 0x62, 0x63].map { [UInt8](repeating: $0, count: 16) }
        #expect(decoded.map(\.value) == values)
    }

    @Test func appendRefusesBadBatchesAndStoresNothing() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(["max.message.bytes": "500"]))
        var good = StorageFixtures.batch(records: 2)
        try log.append(&good)
        let size = log.sizeInBytes

        var flipped = StorageFixtures.batch(records: 2)
        flipped[flipped.count - 1] ^= 1
        let two = StorageFixtures.batch() + StorageFixtures.batch()
        let truncated = Array(StorageFixtures.batch().dropLast())
        var large = StorageFixtures.batch(records: 1, valueBytes: 600)
        let empty: [UInt8] = []
        for (name, batch) in [("flipped", flipped), ("two", two), ("truncated", truncated), ("large", large), ("empty", empty)] {
            var copy = batch
            #expect(throws: LogError.self, "\(name)") { try log.append(&copy) }
        }
        do {
            try log.append(&large)
            Issue.record("a batch above max.message.bytes was stored")
        } catch {
            guard case .invalidBatch = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("max.message.bytes=500"))
            #expect(error.description.contains("nothing was stored"))
        }
        #expect(log.endOffset == 2)
        #expect(log.sizeInBytes == size)
    }

    @Test func offsetForTimestampFindsTheFirstRecordAtOrAfterIt() throws {
        var generator = SeededRandom(seed: 7)
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0",
            config: StorageFixtures.config(["segment.bytes": "2048", "index.interval.bytes": "300", "flush.mode": "never"]))
        // Timestamps mostly grow, with some going back in time, as
        // producers' clocks do.
        var records: [(offset: Int64, timestamp: Int64)] = []
        for index in 0 ..< 150 {
            let base = Int64(index) * 100 + (index % 7 == 3 ? -450 : 0)
            var batch = StorageFixtures.batch(
                records: Int.random(in: 1 ... 5, using: &generator), valueBytes: 40, timestamp: base)
            let (first, last) = try log.append(&batch)
            for offset in first ... last { records.append((offset, base + (offset - first))) }
        }
        #expect(log.segmentCount > 5)
        for target in stride(from: Int64(-600), through: 15_100, by: 37) {
            let expected = records.first { $0.timestamp >= target }?.offset
            #expect(try log.offset(forTimestamp: target) == expected, "timestamp \(target)")
        }
    }

    @Test func segmentMsRollsByRecordTimestamps() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(["segment.ms": "1000"]))
        for index in 0 ..< 10 {
            var batch = StorageFixtures.batch(timestamp: Int64(index) * 400)
            try log.append(&batch)
        }
        // Timestamps 0, 400, … 3600: a segment takes the batches within
        // 1000 ms of its first one.
        #expect(log.segmentBaseOffsets == [0, 3, 6, 9])
    }

    @Test func retentionByTimeDeletesOldSegmentsButNeverTheActiveOne() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0",
            config: StorageFixtures.config(["segment.bytes": "1024", "retention.ms": "10000", "flush.mode": "never"]))
        // Ten segments of about 1 KiB; segment n holds timestamps n * 1000 ...
        for index in 0 ..< 40 {
            var batch = StorageFixtures.batch(records: 1, valueBytes: 160, timestamp: Int64(index / 4) * 1000 + Int64(index % 4))
            try log.append(&batch)
        }
        let bases = log.segmentBaseOffsets
        #expect(bases == Array(stride(from: 0, to: 40, by: 4)))
        #expect(try log.applyRetention(now: 10_000) == 0, "nothing is more than 10 s old")
        // At 13_500, segments whose newest record is before 3_500 go: 0, 1, 2, 3.
        #expect(try log.applyRetention(now: 13_500) == 4)
        #expect(log.segmentBaseOffsets == Array(bases.dropFirst(4)))
        #expect(log.startOffset == bases[4])
        #expect(StorageFixtures.files(in: log.directory, suffix: ".log").count == 6)
        #expect(StorageFixtures.files(in: log.directory, suffix: ".index").count == 6)
        do {
            _ = try log.read(from: 0, maxBytes: 100)
            Issue.record("offset 0 should be gone")
        } catch {
            guard case let .offsetOutOfRange(_, requested, start, end) = error else { Issue.record("\(error)"); return }
            #expect(requested == 0 && start == bases[4] && end == 40)
        }
        // Far in the future everything is old, yet the active segment stays.
        #expect(try log.applyRetention(now: 1_000_000) == 5)
        #expect(log.segmentBaseOffsets == [bases[9]])
        #expect(try log.read(from: 39, maxBytes: 1).nextOffset == 40)
    }

    @Test func retentionBySizeKeepsAtLeastRetentionBytes() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0",
            config: StorageFixtures.config(["segment.bytes": "1024", "retention.bytes": "3000", "retention.ms": "-1"]))
        for _ in 0 ..< 40 {
            var batch = StorageFixtures.batch(records: 1, valueBytes: 200)
            try log.append(&batch)
        }
        let sizeBefore = log.sizeInBytes
        let deleted = try log.applyRetention(now: Int64.max / 2)
        #expect(deleted > 0)
        #expect(log.sizeInBytes >= 3000)
        // One more deleted segment would have gone below retention.bytes.
        let segmentBytes = (sizeBefore - log.sizeInBytes) / deleted
        #expect(log.sizeInBytes - segmentBytes < 3000)
        #expect(try log.applyRetention(now: Int64.max / 2) == 0)
    }

    @Test func compactedTopicsAreLeftToCompaction() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0",
            config: StorageFixtures.config(["segment.bytes": "1024", "retention.bytes": "0", "cleanup.policy": "compact"]))
        for _ in 0 ..< 20 {
            var batch = StorageFixtures.batch(records: 1, valueBytes: 200)
            try log.append(&batch)
        }
        #expect(try log.applyRetention(now: Int64.max / 2) == 0)
        #expect(log.startOffset == 0)

        // compact,delete topics get both: retention deletes their old segments.
        log.update(config: StorageFixtures.config([
            "segment.bytes": "1024", "retention.bytes": "0", "cleanup.policy": "compact,delete",
        ]))
        #expect(try log.applyRetention(now: Int64.max / 2) > 0)
        #expect(log.startOffset > 0)
    }

    @Test(arguments: ["compact", "compact,delete"])
    func compactedTopicsRefuseRecordsWithoutAKey(policy: String) throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(["cleanup.policy": policy]))
        for codec in [CompressionCodec.none, .zstd] {
            var batch = try RecordBatchV2.encode([
                LogRecord(timestamp: 1, key: Array("a".utf8), value: [1]),
                LogRecord(timestamp: 2, key: Array("b".utf8), value: nil),
                LogRecord(timestamp: 3, key: nil, value: [3]),
            ], compression: codec)
            do {
                try log.append(&batch)
                Issue.record("a keyless record was stored (\(codec))")
            } catch {
                guard case .invalidBatch = error else { Issue.record("unexpected \(error)"); continue }
                #expect(error.description.contains("record 2 of the batch (0-based) has no key"), "\(error)")
                #expect(error.description.contains("cleanup.policy=\(policy)"))
                #expect(error.description.contains("nothing was stored"))
            }
        }
        #expect(log.endOffset == 0)
        #expect(log.sizeInBytes == 0)
        // Keys may be empty, values null (tombstones).
        var keyed = try RecordBatchV2.encode([
            LogRecord(timestamp: 1, key: [], value: [1]), LogRecord(timestamp: 2, key: Array("b".utf8), value: nil),
        ])
        #expect(try log.append(&keyed) == (0, 1))
    }

    @Test func flushModesControlWhenDataIsFsynced() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        func open(_ name: String, _ properties: [String: String]) throws -> PartitionLog {
            try PartitionLog.open(directory: directory.path + "/\(name)/0", config: StorageFixtures.config(properties))
        }
        let everyAppend = try open("every", ["flush.mode": "every-append"])
        let never = try open("never", ["flush.mode": "never"])
        let bytes = try open("bytes", ["flush.mode": "bytes", "flush.bytes": "1000"])
        let interval = try open("interval", ["flush.mode": "interval", "flush.ms": "100"])
        // An interval no test run reaches: that appends alone never flush
        // does not depend on how fast this machine appends.
        let hourly = try open("hourly", ["flush.mode": "interval", "flush.ms": "3600000"])
        var bytesFlushes: [Int64] = []
        for _ in 0 ..< 10 {
            for log in [everyAppend, never, bytes, interval, hourly] {
                var batch = StorageFixtures.batch(records: 1, valueBytes: 300)
                try log.append(&batch)
            }
            #expect(everyAppend.flushedOffset == everyAppend.endOffset)
            #expect(never.flushedOffset == 0)
            bytesFlushes.append(bytes.flushedOffset)
        }
        // Batches of ~380 bytes: every third append reaches 1000 bytes.
        #expect(bytesFlushes == [0, 0, 3, 3, 3, 6, 6, 6, 9, 9])
        #expect(hourly.flushedOffset == 0)
        // The background flush of the 100 ms interval comes; the deadline
        // is a bound against hanging, not a measure of its speed.
        let deadline = Date().addingTimeInterval(120)
        while interval.flushedOffset < interval.endOffset && Date() < deadline { usleep(10_000) }
        #expect(interval.flushedOffset == interval.endOffset)
        try never.flush()
        #expect(never.flushedOffset == never.endOffset)
    }

    @Test func truncateRemovesTheBatchHoldingTheOffsetAndAfter() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let config = StorageFixtures.config(["segment.bytes": "1024", "index.interval.bytes": "0"])
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: config)
        var appended = AppendedLog()
        for index in 0 ..< 30 {
            var batch = StorageFixtures.batch(records: 3, valueBytes: 100, timestamp: Int64(index) * 10)
            let (first, last) = try log.append(&batch)
            appended.append(batch, first: first, last: last)
        }
        let segments = log.segmentCount
        // Offset 40 is inside the batch 39...41, which goes whole.
        #expect(try log.truncate(toOffset: 40) == 39)
        #expect(log.endOffset == 39)
        #expect(log.segmentCount < segments)
        #expect(StorageFixtures.files(in: log.directory, suffix: ".log").count == log.segmentCount)
        #expect(throws: LogError.self) { try log.read(from: 40, maxBytes: 10) }
        let kept = try log.read(from: 38, maxBytes: 1)
        #expect(StorageFixtures.difference(kept.bytes, appended.batches[12]) == nil)
        #expect(try log.offset(forTimestamp: 125) == nil, "timestamps of removed batches are gone from the time index")
        var batch = StorageFixtures.batch(records: 1)
        #expect(try log.append(&batch) == (39, 39))
        try log.close()
        let capture = LogCapture()
        let reopened = try PartitionLog.open(directory: directory.path + "/t/0", config: config, logger: capture.logger)
        #expect(reopened.endOffset == 40)
        #expect(capture.messages(atLeast: .info).isEmpty, "\(capture.messages(atLeast: .info))")
        // Truncating to the start leaves one empty segment at that offset.
        #expect(try reopened.truncate(toOffset: 0) == 0)
        #expect(reopened.segmentBaseOffsets == [0])
        #expect(reopened.sizeInBytes == 0)
    }

    @Test func aClosedPartitionRefusesWork() throws {
        let directory = try TemporaryDirectory(prefix: "partition")
        let log = try PartitionLog.open(directory: directory.path + "/t/3", config: TopicConfig())
        #expect(log.partition == TopicPartition(topic: "t", partition: 3))
        try log.close()
        try log.close()
        var batch = StorageFixtures.batch()
        #expect(throws: LogError.partitionClosed(TopicPartition(topic: "t", partition: 3))) { try log.append(&batch) }
        #expect(throws: LogError.self) { try log.read(from: 0, maxBytes: 1) }
    }
}
