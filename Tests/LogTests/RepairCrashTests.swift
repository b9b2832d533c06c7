import Foundation
import Synchronization
import Testing
import TestKit
@testable import Log

/// Crash safety of repair: a repair stopped at each of its steps, as a
/// process killed there would leave it, then the partition reopened. A
/// reader sees the partition before the repair or after it, never a mix,
/// and the end offset never moves back (no offset is handed out twice).
@Suite("Repair crash safety")
struct RepairCrashTests {
    static let config = StorageFixtures.config(["index.interval.bytes": "0", "flush.mode": "every-append"])

    /// A partition of three ten-record batches with a flipped byte in batch
    /// `damaged` (0-based).
    static func makeDamaged(at path: String, damaged: Int) throws {
        let log = try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger)
        var positions: [Int] = []
        for index in 0 ..< 3 {
            positions.append(log.sizeInBytes)
            var batch = StorageFixtures.batch(records: 10, valueBytes: 20, fill: UInt8(0x41 + index))
            _ = try log.append(&batch)
        }
        try log.close()
        StorageFixtures.flipByte(in: path + "/00000000000000000000.log", at: positions[damaged] + 70)
    }

    /// The offsets readable from the start, up to the first error.
    static func readable(_ log: PartitionLog) throws -> [Int64] {
        var offsets: [Int64] = []
        var offset = log.startOffset
        while offset < log.endOffset {
            guard let slice = try? log.read(from: offset, maxBytes: 1 << 20) else { break }
            let records = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
            offsets += records.map(\.offset).filter { $0 >= offset }
            offset = slice.nextOffset
        }
        return offsets
    }

    @Test(arguments: [1, 2])
    func aRepairStoppedAtAnyStepLeavesTheOldOrTheRepairedPartition(damaged: Int) throws {
        let directory = try TemporaryDirectory(prefix: "repair-crash")
        let original = directory.path + "/original/t/0"
        try Self.makeDamaged(at: original, damaged: damaged)
        let before = Array(Int64(0) ..< Int64(10 * damaged))
        let after = before + Array(Int64(10 * damaged + 10) ..< 30)

        // Every step a whole repair takes.
        let reference = directory.path + "/reference/t/0"
        try CompactionFixtures.copy(original, to: reference)
        let steps = Mutex<[CompactionSwap.Step]>([])
        do {
            let log = try PartitionLog.open(directory: reference, config: Self.config, logger: LogCapture().logger)
            _ = try log.repair(dryRun: false) { step in
                steps.withLock { $0.append(step) }
                return true
            }
            #expect(try Self.readable(log) == after)
            try log.close()
        }
        let all = steps.withLock { $0 }
        #expect(all.count >= 6, "\(all)")

        for (number, stop) in all.enumerated() {
            let trial = directory.path + "/trial-\(number)/t/0"
            try CompactionFixtures.copy(original, to: trial)
            let log = try PartitionLog.open(directory: trial, config: Self.config, logger: LogCapture().logger)
            let taken = Mutex(0)
            _ = try log.repair(dryRun: false) { _ in
                taken.withLock { count in
                    count += 1
                    return count <= number
                }
            }
            // Stopped at `stop`: the partition was abandoned as a crash leaves it.
            let reopened = try PartitionLog.open(directory: trial, config: Self.config, logger: LogCapture().logger)
            #expect(reopened.endOffset == 30, "stopped at \(stop)")
            let seen = try Self.readable(reopened)
            #expect(seen == before || seen == after, "stopped at \(stop): read \(seen)")
            var batch = StorageFixtures.batch(records: 2)
            #expect(try reopened.append(&batch) == (30, 31), "stopped at \(stop)")
            // A second repair finishes the job, whatever the first left.
            _ = try reopened.repair()
            #expect(try Self.readable(reopened) == after + [30, 31], "stopped at \(stop)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: trial)
                .filter { $0.hasSuffix(".cleaned") || $0.hasPrefix("compaction.swap") }
            #expect(leftovers.isEmpty, "stopped at \(stop): \(leftovers)")
            try reopened.close()
        }
    }
}
