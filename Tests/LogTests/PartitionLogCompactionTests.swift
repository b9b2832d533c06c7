import Foundation
import Synchronization
import Testing
import TestKit
@testable import Log

@Suite("PartitionLog compaction")
struct PartitionLogCompactionTests {
    /// Random appends (keys that repeat, tombstones, codecs) with many
    /// segment rolls and compaction passes at advancing times, checked after
    /// every pass against `CompactionModel`: the records read from the
    /// start and from random offsets, the start and end offsets; then again
    /// after a reopen (recovery of compacted segments) and one more pass.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func compactionMatchesTheModel(seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        let directory = try TemporaryDirectory(prefix: "compaction")
        let path = directory.path + "/t/0"
        let retention = Int64.random(in: 0 ... 40, using: &generator)
        let config = CompactionFixtures.config([
            "segment.bytes": "\(Int.random(in: 1024 ... 4096, using: &generator))",
            "index.interval.bytes": "\(Int.random(in: 0 ... 700, using: &generator))",
            "delete.retention.ms": "\(retention)",
        ])
        let clock = TestClock(1_000_000)
        let capture = LogCapture()
        var log = try PartitionLog.open(directory: path, config: config, logger: capture.logger, clock: clock.function)
        var model = CompactionModel(deleteRetentionMs: retention)
        let keys = Int.random(in: 3 ... 30, using: &generator)
        var passes = 0

        func check(_ label: String) throws {
            let all = try CompactionFixtures.read(log, from: log.startOffset)
            if let difference = CompactionFixtures.difference(all, model.visible) {
                Issue.record("seed \(seed), \(label): reading from the start: \(difference)")
                return
            }
            for _ in 0 ..< 12 {
                let offset = Int64.random(in: 0 ... log.endOffset, using: &generator)
                let maxBytes = Int.random(in: 0 ... 3000, using: &generator)
                let read = try CompactionFixtures.read(log, from: offset, maxBytes: maxBytes)
                if let difference = CompactionFixtures.difference(read, model.visible(from: offset)) {
                    Issue.record("seed \(seed), \(label): reading from \(offset) with maxBytes \(maxBytes): \(difference)")
                    return
                }
            }
        }

        func pass(_ label: String) throws {
            let end = log.segmentBaseOffsets.last!
            let endBefore = log.endOffset
            let result = try log.compact(force: true)
            if end == log.startOffset {
                #expect(result.skipped != nil, "only the active segment: nothing to compact")
            } else {
                #expect(result.skipped == nil, "\(result)")
                #expect(result.compactedBelowOffset == end)
                model.pass(end: end, now: clock.now)
                passes += 1
            }
            #expect(log.endOffset == endBefore, "compaction never moves the end offset")
            #expect(log.startOffset == 0, "compaction never moves the start offset")
            try check(label)
        }

        for round in 0 ..< 14 {
            for _ in 0 ..< Int.random(in: 1 ... 12, using: &generator) {
                let records = CompactionFixtures.records(
                    count: Int.random(in: 1 ... 8, using: &generator), keys: keys, tombstoneShare: 12,
                    timestamp: clock.now, generator: &generator)
                let codec = [CompressionCodec.none, .none, .lz4, .zstd].randomElement(using: &generator)!
                try CompactionFixtures.append(records, to: log, codec: codec, model: &model)
                clock.advance(by: Int64.random(in: 0 ... 4, using: &generator))
            }
            if Bool.random(using: &generator) || round == 13 { try pass("round \(round)") }
        }
        #expect(passes >= 3, "the test should compact several times")
        #expect(log.segmentCount > 1)
        #expect(capture.messages(atLeast: .warning).isEmpty, "\(capture.messages(atLeast: .warning))")

        // Reopen: the compacted segments pass recovery as they are.
        try log.close()
        let reopened = LogCapture()
        log = try PartitionLog.open(directory: path, config: config, logger: reopened.logger, clock: clock.function)
        #expect(!reopened.messages().contains { $0.contains("rebuilt") || $0.contains("torn") }, "\(reopened.messages())")
        try check("after reopening")
        clock.advance(by: retention + 1)
        try pass("a pass after reopening")
        // Compaction's point: what is left below the end is one record per key.
        let compacted = model.visible.filter { $0.offset < log.segmentBaseOffsets.last! }
        #expect(Set(compacted.compactMap(\.key)).count == compacted.count)
        try log.close()
    }

    @Test func tombstonesStayForDeleteRetentionAfterTheFirstPassThatKeepsThem() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let clock = TestClock(10_000)
        // segment.ms=100 and record timestamps decide the rolls.
        let config = CompactionFixtures.config([
            "delete.retention.ms": "1000", "segment.ms": "100", "segment.bytes": "1048576", "min.cleanable.dirty.ratio": "0",
        ])
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: config, clock: clock.function)
        var model = CompactionModel(deleteRetentionMs: 1000)
        func record(_ key: String, _ value: String?, at time: Int64) -> LogRecord {
            LogRecord(timestamp: time, key: Array(key.utf8), value: value.map { Array($0.utf8) })
        }
        try CompactionFixtures.append(
            [record("a", "1", at: 1), record("a", nil, at: 2), record("b", "1", at: 3),
             record("c", nil, at: 4), record("c", "2", at: 5)], to: log, model: &model)
        try CompactionFixtures.append([record("d", "1", at: 1_000)], to: log, model: &model)  // rolls
        #expect(log.segmentCount == 2)
        func keysAndValues() throws -> [String] {
            try CompactionFixtures.read(log, from: 0).map {
                String(decoding: $0.key!, as: UTF8.self) + "=" + ($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "∅")
            }
        }

        var result = try log.compact(force: true)
        // a's value is superseded by its tombstone; c's tombstone by its value.
        #expect(try keysAndValues() == ["a=∅", "b=1", "c=2", "d=1"])
        #expect(result.tombstonesRemoved == 0)
        clock.advance(by: 999)
        result = try log.compact(force: true)
        #expect(try keysAndValues() == ["a=∅", "b=1", "c=2", "d=1"], "the horizon has not passed")
        clock.advance(by: 1)
        result = try log.compact(force: true)
        #expect(result.tombstonesRemoved == 1)
        #expect(try keysAndValues() == ["b=1", "c=2", "d=1"])
        model.pass(end: 5, now: 10_000)
        model.pass(end: 5, now: 10_999)
        model.pass(end: 5, now: 11_000)
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)

        // Without force, a pass becomes due when a kept horizon passes.
        try CompactionFixtures.append([record("e", nil, at: 2_000)], to: log, model: &model)  // rolls
        try CompactionFixtures.append([record("f", "1", at: 3_000)], to: log, model: &model)  // rolls
        #expect(log.segmentCount == 4)
        #expect(try log.compact().skipped == nil, "new dirty segments")
        #expect(try keysAndValues() == ["b=1", "c=2", "d=1", "e=∅", "f=1"])
        let idle = try log.compact()
        #expect(idle.skipped?.contains("nothing was appended") == true, "\(idle)")
        clock.advance(by: 1000)
        let due = try log.compact()
        #expect(due.skipped == nil, "the tombstone's horizon passed")
        #expect(due.tombstonesRemoved == 1)
        #expect(try keysAndValues() == ["b=1", "c=2", "d=1", "f=1"])
    }

    @Test func compressedBatchesOfEveryCodecAreFilteredAndRewritten() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: CompactionFixtures.config(["segment.bytes": "1048576", "segment.ms": "100"]))
        var model = CompactionModel(deleteRetentionMs: 0)
        // gzip and snappy are written by the libraries directly (this build
        // only reads them); lz4 and zstd by the encoder.
        let foreign = CodecTests.foreignEncodings.filter { $0.codec == 1 || $0.codec == 2 }
        var timestamp: Int64 = 1
        for (index, encoding) in foreign.enumerated() {
            let records = (0 ..< 20).map {
                LogRecord(timestamp: timestamp + Int64($0), key: Array("k\($0 % 7)".utf8), value: Array("\(index)-\($0)".utf8))
            }
            let plain = try RecordBatchV2.encode(records)
            var batch = BatchBytes.replacingRecords(
                of: plain, with: encoding.compress(BatchBytes.records(of: plain)), codec: encoding.codec)
            let (first, _) = try log.append(&batch)
            model.append(records.enumerated().map {
                .init(offset: first + Int64($0.offset), timestamp: $0.element.timestamp, key: $0.element.key, value: $0.element.value)
            })
            timestamp += 100
        }
        for codec in [CompressionCodec.lz4, .zstd] {
            let records = (0 ..< 20).map {
                LogRecord(timestamp: timestamp + Int64($0), key: Array("k\($0 % 5)".utf8), value: Array("\(codec)-\($0)".utf8))
            }
            try CompactionFixtures.append(records, to: log, codec: codec, model: &model)
            timestamp += 100
        }
        try CompactionFixtures.append(
            [LogRecord(timestamp: timestamp + 10_000, key: [1], value: [1])], to: log, model: &model)  // rolls
        let end = log.segmentBaseOffsets.last!
        let result = try log.compact(force: true)
        #expect(result.skipped == nil)
        model.pass(end: end, now: 0)
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)
        #expect(result.recordsKept == 7, "one record per key of k0…k6")

        // Every stored batch below the end is CRC-valid; gzip and snappy
        // ones were rewritten uncompressed, lz4 and zstd kept their codec.
        let slice = try log.read(from: 0, maxBytes: 1 << 20)
        var codecs: [CompressionCodec] = []
        try slice.bytes.withUnsafeBytes { bytes in
            var position = 0
            while position < bytes.count {
                let header = try RecordBatchV2.checkCRC(UnsafeRawBufferPointer(rebasing: bytes[position...]))
                codecs.append(header.compression)
                position += header.totalSize
            }
        }
        #expect(!codecs.contains(.gzip) && !codecs.contains(.snappy), "\(codecs)")
        #expect(codecs.contains(.zstd), "\(codecs)")
    }

    @Test func theDirtyRatioAndTheCompactionLagDecideWhatIsCompacted() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let clock = TestClock(100_000)
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0",
            config: CompactionFixtures.config(["min.cleanable.dirty.ratio": "0.5", "segment.bytes": "1048576", "segment.ms": "10"]),
            clock: clock.function)
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 3)
        // Each call starts a new segment (segment.ms=10 and timestamps far apart).
        func append(at timestamp: Int64, records count: Int) throws {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: count, keys: 1_000_000, tombstoneShare: 0, timestamp: timestamp,
                                           generator: &generator),
                to: log, model: &model)
        }
        func pass(force: Bool = false) throws -> CompactionResult {
            let end = log.segmentBaseOffsets.last!
            let result = try log.compact(force: force)
            if result.skipped == nil { model.pass(end: result.compactedBelowOffset, now: clock.now) }
            #expect(result.skipped != nil || result.compactedBelowOffset <= end)
            return result
        }
        try append(at: 1_000, records: 150)
        #expect(try pass().skipped?.contains("only its active segment") == true)
        try append(at: 2_000, records: 1)
        let first = try pass()
        #expect(first.skipped == nil, "everything is dirty")
        #expect(first.dirtyRatio == 1)
        // One small dirty segment against a large compacted one.
        try append(at: 3_000, records: 1)
        let low = try pass()
        #expect(low.skipped?.contains("is not above min.cleanable.dirty.ratio=0.5") == true, "\(low)")
        #expect(low.dirtyRatio > 0 && low.dirtyRatio <= 0.5, "\(low.dirtyRatio)")
        let forced = try pass(force: true)
        #expect(forced.skipped == nil, "force ignores the ratio")

        // min.compaction.lag.ms: segments with records newer than the lag stay.
        log.update(config: CompactionFixtures.config([
            "min.cleanable.dirty.ratio": "0", "segment.bytes": "1048576", "segment.ms": "10", "min.compaction.lag.ms": "50000",
        ]))
        try append(at: 60_000, records: 5)  // the segment from 3_000 becomes inactive: old enough
        try append(at: 70_000, records: 5)  // the segment from 60_000 becomes inactive: within the lag
        let bases = log.segmentBaseOffsets
        let lagged = try pass()
        #expect(lagged.skipped == nil, "\(lagged)")
        #expect(lagged.compactedBelowOffset == bases[bases.count - 2])
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)
        clock.advance(by: -60_000)
        #expect(try pass(force: true).skipped?.contains("newer than min.compaction.lag.ms=50000") == true)
    }

    @Test func aSmallOffsetMapCompactsInSeveralPassesAndEndsTheSame() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let clock = TestClock(1_000)
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: CompactionFixtures.config(["segment.bytes": "1024"]),
            clock: clock.function)
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 8)
        for index in 0 ..< 120 {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 3, keys: 400, tombstoneShare: 0, timestamp: Int64(index), generator: &generator),
                to: log, model: &model)
        }
        let active = log.segmentBaseOffsets.last!
        var ends: [Int64] = []
        while ends.last != active && ends.count < 500 {
            // 1 byte: every pass maps exactly one dirty segment.
            let result = try log.compact(force: true, offsetMapBytesMax: 1)
            #expect(result.skipped == nil)
            #expect(result.compactedBelowOffset > (ends.last ?? 0))
            #expect(log.segmentBaseOffsets.contains(result.compactedBelowOffset))
            model.pass(end: result.compactedBelowOffset, now: clock.now)
            ends.append(result.compactedBelowOffset)
            #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)
        }
        #expect(ends.count > 3, "\(ends)")
    }

    @Test func keylessRecordsWrittenBeforeTheTopicWasCompactedAreKept() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let config = CompactionFixtures.config(["segment.ms": "10", "segment.bytes": "1048576"])
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(["flush.mode": "never", "segment.ms": "10"]))
        var model = CompactionModel(deleteRetentionMs: 0)
        try CompactionFixtures.append(
            [LogRecord(timestamp: 1, key: nil, value: [1]), LogRecord(timestamp: 2, key: [7], value: [2]),
             LogRecord(timestamp: 3, key: nil, value: [3]), LogRecord(timestamp: 4, key: [7], value: [4])],
            to: log, model: &model)
        log.update(config: config)
        try CompactionFixtures.append([LogRecord(timestamp: 100, key: [8], value: [5])], to: log, model: &model)
        try log.compact(force: true)
        model.pass(end: 4, now: 0)
        let read = try CompactionFixtures.read(log, from: 0)
        #expect(read.map(\.offset) == [0, 2, 3, 4])
        #expect(CompactionFixtures.difference(read, model.visible) == nil)
    }

    @Test func appendsAndReadsGoOnWhileAPassRewritesSegments() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: CompactionFixtures.config())
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 4)
        for index in 0 ..< 60 {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 4, keys: 8, timestamp: Int64(index), generator: &generator),
                to: log, model: &model)
        }
        let end = log.segmentBaseOffsets.last!
        // The pass stops after writing its first segment until this thread
        // has appended and read: were the lock held, that would never happen.
        let paused = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        let resumedInTime = Mutex(true)
        let firstStep = Mutex(true)
        let result = Mutex<Result<CompactionResult?, LogError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let outcome = Result { () throws(LogError) in
                try log.runCompaction(force: true, offsetMapBytesMax: 1 << 20) { step in
                    guard case .cleanedWritten = step else { return true }
                    let isFirst = firstStep.withLock { first in
                        defer { first = false }
                        return first
                    }
                    if isFirst {
                        paused.signal()
                        if resume.wait(timeout: .now() + 120) == .timedOut { resumedInTime.withLock { $0 = false } }
                    }
                    return true
                }
            }
            result.withLock { $0 = outcome }
            done.signal()
        }.start()
        #expect(paused.wait(timeout: .now() + 120) == .success)
        for index in 0 ..< 30 {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 4, keys: 8, timestamp: 1_000 + Int64(index), generator: &generator),
                to: log, model: &model)
            _ = try log.read(from: 0, maxBytes: 100)
        }
        resume.signal()
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(resumedInTime.withLock { $0 })
        let outcome = try #require(result.withLock { $0 })
        let compaction = try #require(try outcome.get())
        #expect(compaction.skipped == nil)
        #expect(compaction.compactedBelowOffset == end)
        model.pass(end: end, now: 0)
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)
    }

    @Test func aPassThatRetentionOvertakesChangesNothing() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let config = CompactionFixtures.config(["cleanup.policy": "compact,delete", "retention.bytes": "3000"])
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: config)
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 5)
        for index in 0 ..< 40 {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 4, keys: 8, timestamp: Int64(index), generator: &generator),
                to: log, model: &model)
        }
        let before = try CompactionFixtures.read(log, from: 0)
        let result = try log.runCompaction(force: true, offsetMapBytesMax: 1 << 20) { step in
            if case .cleanedSynced = step { _ = try? log.applyRetention(now: 0) }
            return true
        }
        #expect(result?.skipped?.contains("changed during the pass") == true, "\(String(describing: result))")
        let start = log.startOffset
        #expect(start > 0, "retention deleted old segments")
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: start), before.filter { $0.offset >= start }) == nil)
        #expect(CompactionFixtures.names(in: directory.path + "/t/0", suffix: ".cleaned").isEmpty)
        #expect(CompactionFixtures.names(in: directory.path + "/t/0", suffix: "compaction.swap").isEmpty)
        #expect(try log.compact(force: true).skipped == nil, "the next pass runs")
    }

    @Test func damageInAnOldSegmentStopsThePassAndChangesNothing() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let path = directory.path + "/t/0"
        let config = CompactionFixtures.config()
        var log = try PartitionLog.open(directory: path, config: config)
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 6)
        for index in 0 ..< 40 {
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 4, keys: 8, timestamp: Int64(index), generator: &generator),
                to: log, model: &model)
        }
        try log.close()
        let second = StorageFixtures.files(in: path, suffix: ".log")[1]
        StorageFixtures.flipByte(in: second, at: 100)
        log = try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger)
        let files = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        do {
            try log.compact(force: true)
            Issue.record("a pass over a damaged segment succeeded")
        } catch {
            guard case let .corruptBatch(_, file, _, _, detail) = error else { Issue.record("\(error)"); return }
            #expect(file == second)
            #expect(detail.contains("compaction, which stopped and changed nothing"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == files)
        let firstSegment = try log.read(from: 0, maxBytes: 1 << 20)
        #expect(firstSegment.batchCount > 0)
    }

    @Test func aTruncationBelowTheCompactedPartMakesWhatFollowsDirtyAgain() throws {
        let directory = try TemporaryDirectory(prefix: "compaction")
        let path = directory.path + "/t/0"
        let config = CompactionFixtures.config(["segment.ms": "10", "segment.bytes": "1048576"])
        var log = try PartitionLog.open(directory: path, config: config)
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 9)
        var timestamp: Int64 = 0
        func segment() throws {  // each call starts a new segment (segment.ms=10)
            timestamp += 1000
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 20, keys: 5, tombstoneShare: 0, timestamp: timestamp, generator: &generator),
                to: log, model: &model)
        }
        func pass() throws {
            let end = log.segmentBaseOffsets.last!
            #expect(try log.compact(force: true).compactedBelowOffset == end)
            model.pass(end: end, now: 0)
        }
        for _ in 0 ..< 3 { try segment() }
        try pass()
        for _ in 0 ..< 3 { try segment() }
        try pass()
        let checkpointed = log.segmentBaseOffsets.last!
        let end = try log.truncate(toOffset: checkpointed - 30)
        #expect(end < checkpointed)
        model.truncate(to: end)
        // Reopened: the checkpoint must not survive on disk either.
        try log.close()
        log = try PartitionLog.open(directory: path, config: config)
        for _ in 0 ..< 3 { try segment() }
        try pass()
        let difference = CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible)
        #expect(difference == nil, "\(difference ?? "")")
        let compacted = model.visible.filter { $0.offset < log.segmentBaseOffsets.last! }
        #expect(Set(compacted.compactMap(\.key)).count == compacted.count, "one record per key below the active segment")
    }
}
