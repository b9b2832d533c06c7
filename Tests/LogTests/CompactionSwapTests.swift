import Foundation
import Synchronization
import Testing
import TestKit
@testable import Log

/// Crash safety of compaction: a pass stopped at any of its steps, as a
/// process killed there would leave it, and then the partition reopened.
/// What a reader sees must be exactly the records from before the pass or
/// exactly those after it, never a mix, and reads must not fail.
@Suite("Compaction crash safety")
struct CompactionSwapTests {
    static let retentionMs: Int64 = 1000
    static let config = CompactionFixtures.config([
        "segment.bytes": "1500", "delete.retention.ms": "\(retentionMs)", "index.interval.bytes": "200",
    ])
    static let now: Int64 = 5_000_000

    /// A closed partition at `path` with several segments, repeated keys,
    /// tombstones and mixed codecs, already compacted once (so the next pass
    /// also rewrites clean segments and meets delete horizons).
    static func makePartition(at path: String, seed: UInt64) throws {
        var generator = SeededRandom(seed: seed)
        let clock = TestClock(now - 10 * retentionMs)
        let log = try PartitionLog.open(directory: path, config: config, clock: clock.function)
        var model = CompactionModel(deleteRetentionMs: retentionMs)
        for round in 0 ..< 2 {
            for index in 0 ..< 40 {
                let records = CompactionFixtures.records(
                    count: Int.random(in: 1 ... 6, using: &generator), keys: 15, tombstoneShare: 15,
                    timestamp: Int64(round * 1000 + index * 10), generator: &generator)
                try CompactionFixtures.append(
                    records, to: log, codec: [.none, .lz4, .zstd].randomElement(using: &generator)!, model: &model)
            }
            if round == 0 { try log.compact(force: true) }
        }
        try log.close()
    }

    static func open(_ path: String, _ capture: LogCapture = LogCapture()) throws(LogError) -> PartitionLog {
        try PartitionLog.open(directory: path, config: config, logger: capture.logger, clock: { now })
    }

    /// The records a reader sees, read from the start.
    static func visible(_ path: String) throws -> [CompactionModel.Record] {
        let log = try open(path)
        defer { try? log.close() }
        return try CompactionFixtures.read(log, from: 0)
    }

    /// Runs a pass on a copy of `original` and returns every step it took and
    /// the records it leaves.
    static func reference(of original: String, in directory: TemporaryDirectory) throws
        -> (steps: [CompactionSwap.Step], after: [CompactionModel.Record])
    {
        let copy = directory.path + "/reference/t/0"
        try CompactionFixtures.copy(original, to: copy)
        let steps = Mutex<[CompactionSwap.Step]>([])
        let log = try open(copy)
        let result = try log.runCompaction(force: true, offsetMapBytesMax: 1 << 20) { step in
            steps.withLock { $0.append(step) }
            return true
        }
        #expect(result?.skipped == nil)
        try log.close()
        return (steps.withLock { $0 }, try visible(copy))
    }

    /// Stops a pass over a copy of `original` at step `stop` (0-based);
    /// returns the copy's path.
    static func crash(_ original: String, at stop: Int, into path: String) throws -> String {
        try CompactionFixtures.copy(original, to: path)
        let log = try open(path)
        let taken = Mutex(0)
        let result = try log.runCompaction(force: true, offsetMapBytesMax: 1 << 20) { _ in
            taken.withLock { count in
                defer { count += 1 }
                return count < stop
            }
        }
        #expect(result == nil, "the pass was to stop at step \(stop)")
        #expect(throws: LogError.partitionClosed(log.partition)) { _ = try log.read(from: 0, maxBytes: 1) }
        return path
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aCrashAtAnyStepLeavesTheOldOrTheNewSegments(seed: UInt64) throws {
        let directory = try TemporaryDirectory(prefix: "swap")
        let original = directory.path + "/original/t/0"
        try Self.makePartition(at: original, seed: seed)
        let before = try Self.visible(directory.path + "/before/t/0", copying: original)
        let (steps, after) = try Self.reference(of: original, in: directory)
        #expect(CompactionFixtures.difference(before, after) != nil, "the pass must change something")
        let commit = try #require(steps.firstIndex(of: .committed))
        #expect(steps.contains { if case .installed = $0 { true } else { false } })
        #expect(steps.contains { if case .removed = $0 { true } else { false } }, "segments are merged")
        var generator = SeededRandom(seed: seed + 50)

        for (index, step) in steps.enumerated() {
            let trial = try Self.crash(original, at: index, into: directory.path + "/trial-\(index)/t/0")
            let capture = LogCapture()
            let log = try Self.open(trial, capture)
            let expected = index < commit ? before : after
            let seen = try CompactionFixtures.read(log, from: 0)
            if let difference = CompactionFixtures.difference(seen, expected) {
                let which = index < commit ? "old" : "new"
                Issue.record("seed \(seed), stopped after step \(index) (\(step)): expected the \(which) records: \(difference)")
                continue
            }
            for _ in 0 ..< 5 {
                let offset = Int64.random(in: 0 ... log.endOffset, using: &generator)
                let read = try CompactionFixtures.read(log, from: offset, maxBytes: Int.random(in: 0 ... 2000, using: &generator))
                #expect(read == expected.filter { $0.offset >= offset }, "from offset \(offset) after step \(index)")
            }
            #expect(log.endOffset == (before.last?.offset ?? -1) + 1)
            for suffix in [CompactionSwap.cleanedSuffix, CompactionSwap.recordName, CompactionSwap.temporaryRecordName] {
                #expect(CompactionFixtures.names(in: trial, suffix: suffix).isEmpty, "\(suffix) left after step \(index)")
            }
            #expect(capture.messages(atLeast: .warning).isEmpty, "\(capture.messages(atLeast: .warning))")
            // A pass now leaves what the completed one left.
            try log.compact(force: true)
            #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), after) == nil,
                    "a pass after the crash at step \(index)")
            try log.close()
        }
    }

    @Test func aCrashWhileCompletingACommittedSwapIsCompletedAtTheNextOpen() throws {
        let directory = try TemporaryDirectory(prefix: "swap")
        let original = directory.path + "/original/t/0"
        try Self.makePartition(at: original, seed: 9)
        let (steps, after) = try Self.reference(of: original, in: directory)
        let commit = try #require(steps.firstIndex(of: .committed))
        // Stopped right after the commit point: nothing installed yet.
        let committed = try Self.crash(original, at: commit, into: directory.path + "/committed/t/0")
        #expect(!CompactionFixtures.names(in: committed, suffix: CompactionSwap.cleanedSuffix).isEmpty)

        // Count recovery's steps, then stop recovery at each of them.
        let counting = directory.path + "/counting/t/0"
        try CompactionFixtures.copy(committed, to: counting)
        let recoverySteps = Mutex(0)
        try CompactionSwap.recover(directory: counting, partition: TopicPartition(topic: "t", partition: 0),
                                   logger: LogCapture().logger) { _ in
            recoverySteps.withLock { $0 += 1 }
            return true
        }
        let count = recoverySteps.withLock { $0 }
        #expect(count >= 4)
        for stop in 0 ..< count {
            let trial = directory.path + "/recovery-\(stop)/t/0"
            try CompactionFixtures.copy(committed, to: trial)
            let taken = Mutex(0)
            let finished = try CompactionSwap.recover(
                directory: trial, partition: TopicPartition(topic: "t", partition: 0), logger: LogCapture().logger
            ) { _ in
                taken.withLock { number in
                    defer { number += 1 }
                    return number < stop
                }
            }
            #expect(!finished)
            #expect(CompactionFixtures.difference(try Self.visible(trial), after) == nil, "recovery stopped at step \(stop)")
        }
    }

    @Test func aDamagedSwapRecordKeepsThePartitionClosedAndSaysWhy() throws {
        let directory = try TemporaryDirectory(prefix: "swap")
        let original = directory.path + "/original/t/0"
        try Self.makePartition(at: original, seed: 10)
        let (steps, _) = try Self.reference(of: original, in: directory)
        let commit = try #require(steps.firstIndex(of: .committed))
        let committed = try Self.crash(original, at: commit, into: directory.path + "/committed/t/0")
        let record = committed + "/" + CompactionSwap.recordName
        StorageFixtures.flipByte(in: record, at: 40)
        do {
            _ = try Self.open(committed)
            Issue.record("a partition with a damaged swap record opened")
        } catch {
            guard case let .corruptCompactionRecord(_, path, detail) = error else { Issue.record("\(error)"); return }
            #expect(path == record)
            #expect(detail.contains("CRC-32C does not match"))
            #expect(error.description.contains("no mix of old and new segments"))
        }
    }

    @Test func theSwapRecordRoundTripsAndRefusesWhatIsNotOne() throws {
        let record = CompactionSwap.Record(replaced: [0, 120, 4000], installed: [0, 4000])
        #expect(try CompactionSwap.Record.decode(record.encoded()).get() == record)
        let bad: [[UInt8]] = [
            [], Array("streamhost compaction swap v1\n".utf8), Array(record.encoded().dropLast(3)),
            CompactionSwap.Record(replaced: [0], installed: [5]).encoded(),
        ]
        for bytes in bad {
            #expect((try? CompactionSwap.Record.decode(bytes).get()) == nil, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// The records of a copy of `original`.
    static func visible(_ copy: String, copying original: String) throws -> [CompactionModel.Record] {
        try CompactionFixtures.copy(original, to: copy)
        return try visible(copy)
    }
}
