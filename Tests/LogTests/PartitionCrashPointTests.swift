import DurableFiles
import Foundation
import Log
import Testing
import TestKit

/// The partition log on TestKit's `FaultyFileSystem`: a crash between any
/// two file-system calls of an append, and a full disk.
@Suite("PartitionLog crash points")
struct PartitionCrashPointTests {
    /// Small segments so that the append under test rolls a new segment
    /// (new `.log`, `.index`, `.timeindex`), and a small index interval so
    /// that it writes index entries; every append fsynced (acknowledged
    /// means durable).
    private static let config = StorageFixtures.config([
        "segment.bytes": "1024", "index.interval.bytes": "100", "flush.mode": "every-append",
    ])

    private static let first = StorageFixtures.batch(records: 3, valueBytes: 200, fill: 0x31)
    private static let second = StorageFixtures.batch(records: 3, valueBytes: 200, timestamp: 2_000, fill: 0x32)

    /// A partition holding `first`, closed.
    private func prepared() throws -> (directory: TemporaryDirectory, path: String) {
        let directory = try TemporaryDirectory(prefix: "crash-point")
        let path = directory.path + "/t/0"
        let log = try PartitionLog.open(directory: path, config: Self.config, logger: LogCapture().logger)
        var batch = Self.first
        try log.append(&batch)
        try log.close()
        return (directory, path)
    }

    /// Opens the partition, appends `second`, closes; returns whether the
    /// append returned (was acknowledged).
    private func appendSecond(_ path: String) -> Bool {
        var acknowledged = false
        do {
            let log = try PartitionLog.open(directory: path, config: Self.config, logger: LogCapture().logger)
            var batch = Self.second
            try log.append(&batch)
            acknowledged = true
            try log.close()
        } catch {}
        return acknowledged
    }

    @Test func aCrashAtAnyPointOfAnAppendLeavesTheOldOrTheNewLogNeverAMix() throws {
        let counting = try prepared()
        let counter = FaultyFileSystem()
        #expect(counter.activate { appendSecond(counting.path) })
        let count = counter.changes.count
        // The second batch as stored: with the offsets the append gave it.
        let stored = try PartitionLog.open(directory: counting.path, config: Self.config, logger: LogCapture().logger)
        let expectedTail = try stored.read(from: 3, maxBytes: 1).bytes
        try stored.close()
        #expect(StorageFixtures.baseOffset(of: expectedTail) == 3)
        // At least: the open, the append's writes, the roll's new files,
        // the index entries and their fsyncs.
        #expect(count >= 8, "\(counter.changes)")

        var outcomes: Set<Int64> = []
        for crashPoint in 0 ... count {
            let (directory, path) = try prepared()
            let faulty = FaultyFileSystem()
            faulty.crash(afterChanges: crashPoint)
            let acknowledged = faulty.activate { appendSecond(path) }
            #expect(faulty.hasCrashed == (crashPoint < count), "crash point \(crashPoint)")

            // Recovery: the partition opened again on the real file system.
            let log = try PartitionLog.open(directory: path, config: Self.config, logger: LogCapture().logger)
            let end = log.endOffset
            #expect(end == 3 || end == 6, "crash point \(crashPoint): end offset \(end)")
            if acknowledged { #expect(end == 6, "crash point \(crashPoint): an acknowledged append was lost") }
            let head = try log.read(from: 0, maxBytes: 1)
            #expect(StorageFixtures.difference(head.bytes, Self.first) == nil, "crash point \(crashPoint)")
            if end == 6 {
                let tail = try log.read(from: 3, maxBytes: 1)
                #expect(StorageFixtures.difference(tail.bytes, expectedTail) == nil, "crash point \(crashPoint)")
            }
            // The recovered partition takes the next append at its end.
            var next = StorageFixtures.batch(records: 1, valueBytes: 10, timestamp: 3_000)
            #expect(try log.append(&next).first == end)
            try log.close()
            outcomes.insert(end)
            _ = directory
        }
        #expect(outcomes == [3, 6], "both the old and the new log were seen")
    }

    @Test func aFullDiskDuringAnAppendNamesTheFileAndLosesNothingAcknowledged() throws {
        let directory = try TemporaryDirectory(prefix: "full-disk")
        let path = directory.path + "/t/0"
        let config = StorageFixtures.config(["segment.bytes": "\(64 << 10)", "flush.mode": "every-append"])
        let faulty = FaultyFileSystem()
        // The sixth write to a segment file finds the disk full, and so do
        // all after it.
        faulty.inject(.error(.noSpace), on: .write, pathContaining: ".log", skipping: 5, times: nil)
        var stored: [[UInt8]] = []
        var failure: LogError?
        let log = try faulty.activate { try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger) }
        faulty.activate {
            for index in 0 ..< 10 {
                var batch = StorageFixtures.batch(records: 4, valueBytes: 100, fill: UInt8(0x40 + index))
                do throws(LogError) {
                    try log.append(&batch)
                    stored.append(batch)
                } catch {
                    failure = error
                    break
                }
            }
        }
        #expect(stored.count == 5)
        let error = try #require(failure)
        guard case let .io(failedPath, operation, code, _) = error else {
            Issue.record("expected an I/O error, got \(error)")
            return
        }
        #expect(code == ENOSPC && operation == "write")
        #expect(failedPath.hasPrefix(path + "/") && failedPath.hasSuffix(".log"))
        #expect(error.description.contains("No space left on device"))
        #expect(error.description.contains("the append was not stored"))
        #expect(log.endOffset == 20)

        // Room again: appends go on at the same offset, nothing skipped.
        faulty.clearFaults()
        var more = StorageFixtures.batch(records: 4, valueBytes: 100, fill: 0x7a)
        #expect(try faulty.activate { try log.append(&more) }.first == 20)
        stored.append(more)
        try log.close()

        let reopened = try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger)
        #expect(reopened.endOffset == 24)
        var offset: Int64 = 0
        for batch in stored {
            let slice = try reopened.read(from: offset, maxBytes: 1)
            #expect(StorageFixtures.difference(slice.bytes, batch) == nil)
            offset = slice.nextOffset
        }
        try reopened.close()
    }
}
