import Foundation
import Log
import Testing
import TestKit

/// Repair and the rules around damage (issue 11, items 1 and 2): damage is
/// never cut by an open, a read-only open writes nothing, and a repair
/// removes only the damaged bytes and never lets an offset be handed out
/// twice.
@Suite("PartitionLog repair")
struct PartitionRepairTests {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/t/0" }
    static let config = StorageFixtures.config(["index.interval.bytes": "0", "flush.mode": "never"])

    init() throws { directory = try TemporaryDirectory(prefix: "repair") }

    /// Three batches of ten records each (offsets 0-9, 10-19, 20-29);
    /// returns the byte position of each batch in the one segment.
    func writeThreeBatches() throws -> [Int] {
        let log = try PartitionLog.open(directory: path, config: Self.config, logger: LogCapture().logger)
        var positions: [Int] = []
        for index in 0 ..< 3 {
            positions.append(log.sizeInBytes)
            var batch = StorageFixtures.batch(records: 10, valueBytes: 20, fill: UInt8(0x41 + index))
            _ = try log.append(&batch)
        }
        try log.close()
        return positions
    }

    var segment: String { path + "/00000000000000000000.log" }

    /// Every file of the partition and its bytes.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
        }
        return files
    }

    func open(readOnly: Bool = false, _ capture: LogCapture = LogCapture()) throws(LogError) -> PartitionLog {
        try PartitionLog.open(directory: path, config: Self.config, logger: capture.logger, readOnly: readOnly)
    }

    /// The offsets of every record readable from the start, stopping at the
    /// first error (returned).
    func readableOffsets(_ log: PartitionLog) -> (offsets: [Int64], error: LogError?) {
        var offsets: [Int64] = []
        var offset = log.startOffset
        while offset < log.endOffset {
            do {
                let slice = try log.read(from: offset, maxBytes: 1 << 20)
                let records = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
                offsets += records.map(\.offset).filter { $0 >= offset }
                offset = slice.nextOffset
            } catch let error as LogError {
                return (offsets, error)
            } catch {
                Issue.record("\(error)")
                return (offsets, nil)
            }
        }
        return (offsets, nil)
    }

    // MARK: Item 2: a bit flip in the last complete batch is damage

    @Test func aFlippedByteInTheLastCompleteBatchIsKeptByEveryOpen() throws {
        let positions = try writeThreeBatches()
        StorageFixtures.flipByte(in: segment, at: positions[2] + 70)
        let damaged = try snapshot()

        // A read-only open reports it and writes nothing.
        let readCapture = LogCapture()
        let reader = try open(readOnly: true, readCapture)
        #expect(reader.endOffset == 30, "offsets 20 to 29 were handed out and stay")
        let read = readableOffsets(reader)
        #expect(read.offsets == Array(0 ..< 20))
        guard case let .corruptBatch(_, file, position, offset, detail)? = read.error else {
            Issue.record("expected corruptBatch, got \(String(describing: read.error))")
            return
        }
        #expect(file == segment && position == positions[2] && offset == 20)
        #expect(detail.contains("CRC-32C"))
        #expect(readCapture.messages(atLeast: .warning).allSatisfy { !$0.contains("torn tail") })
        #expect(throws: LogError.self) {
            var batch = StorageFixtures.batch()
            _ = try reader.append(&batch)
        }
        try reader.close()
        #expect(try snapshot() == damaged, "a read-only open changed the partition")

        // A writing open keeps the damage too (only repair removes it) and
        // appends after it, above every offset handed out.
        let capture = LogCapture()
        let writer = try open(capture)
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == damaged["00000000000000000000.log"])
        let errors = capture.messages(atLeast: .error)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("\(segment) at byte position \(positions[2]) (offset 20)") == true, "\(errors)")
        var batch = StorageFixtures.batch(records: 2)
        #expect(try writer.append(&batch) == (30, 31))
        let after = readableOffsets(writer)
        #expect(after.offsets == Array(0 ..< 20))
        #expect(try writer.read(from: 30, maxBytes: 1).firstOffset == 30, "the batch after the damage is found")
        try writer.close()
    }

    @Test func aGenuineTornTailIsLeftByAReadOnlyOpenAndCutByAWritingOne() throws {
        let positions = try writeThreeBatches()
        StorageFixtures.truncateFile(segment, to: positions[2] + 40)
        try FileManager.default.removeItem(atPath: path + "/00000000000000000000.index")
        let torn = try snapshot()

        let capture = LogCapture()
        let reader = try open(readOnly: true, capture)
        #expect(reader.endOffset == 20)
        #expect(readableOffsets(reader).offsets == Array(0 ..< 20))
        #expect(capture.messages(atLeast: .warning).first?.contains("left in place") == true)
        try reader.close()
        #expect(try snapshot() == torn, "a read-only open cut, rebuilt or created a file")

        let writer = try open()
        #expect(writer.endOffset == 20)
        #expect(StorageFixtures.fileSize(segment) == positions[2])
        try writer.close()
    }

    // MARK: Item 1: repair keeps whole batches and never reuses offsets

    @Test func repairRemovesOnlyTheDamagedBatchAndKeepsTheEndOffset() throws {
        let positions = try writeThreeBatches()
        StorageFixtures.flipByte(in: segment, at: positions[1] + 70)
        let log = try open()
        #expect(readableOffsets(log).offsets == Array(0 ..< 10))

        let damaged = try snapshot()
        let plan = try log.repair(dryRun: true)
        #expect(try snapshot() == damaged, "a dry run changed the partition")
        #expect(plan.damage.count == 1)
        let damage = try #require(plan.damage.first)
        #expect(damage.firstOffset == 10 && damage.lastOffset == 19)
        #expect(damage.position == positions[1] && damage.bytes == positions[2] - positions[1])
        #expect(damage.claimedRecords == 10)
        #expect(plan.recordsKept == 20 && plan.recordsKeptAfterDamage == 10)

        let report = try log.repair()
        #expect(report.damage == plan.damage && !report.dryRun)
        #expect(log.endOffset == 30)
        #expect(readableOffsets(log).offsets == Array(0 ..< 10) + Array(20 ..< 30))
        #expect(readableOffsets(log).error == nil)
        // A read from inside the removed range returns the next whole batch.
        #expect(try log.read(from: 12, maxBytes: 1).firstOffset == 20)
        var batch = StorageFixtures.batch(records: 5)
        #expect(try log.append(&batch) == (30, 34), "offsets 10 to 29 were handed out before")
        try log.close()

        let reopened = try open()
        #expect(reopened.endOffset == 35)
        #expect(readableOffsets(reopened).offsets == Array(0 ..< 10) + Array(20 ..< 35))
        #expect(try reopened.repair(dryRun: true).damage.isEmpty)
        try reopened.close()
    }

    @Test func repairOfTheLastBatchKeepsTheEndOffsetAcrossARestart() throws {
        let positions = try writeThreeBatches()
        StorageFixtures.flipByte(in: segment, at: positions[2] + 70)
        let log = try open()
        let report = try log.repair()
        #expect(report.damage.map { [$0.firstOffset, $0.lastOffset] } == [[20, 29]])
        #expect(log.endOffset == 30)
        try log.close()

        // The end offset is recorded by the new active segment's name, so a
        // restart cannot hand out offsets 20 to 29 again.
        let reopened = try open()
        #expect(reopened.endOffset == 30)
        #expect(reopened.segmentBaseOffsets == [0, 30])
        var batch = StorageFixtures.batch(records: 3)
        #expect(try reopened.append(&batch) == (30, 32))
        #expect(readableOffsets(reopened).offsets == Array(0 ..< 20) + Array(30 ..< 33))
        try reopened.close()
    }

    @Test func aReadOnlyPartitionRefusesRepairButAllowsADryRun() throws {
        let positions = try writeThreeBatches()
        StorageFixtures.flipByte(in: segment, at: positions[0] + 70)
        let damaged = try snapshot()
        let log = try open(readOnly: true)
        #expect(try log.repair(dryRun: true).damage.map(\.firstOffset) == [0])
        #expect(throws: LogError.self) { _ = try log.repair() }
        try log.close()
        #expect(try snapshot() == damaged)
    }
}

extension PartitionRepairTests {
    /// A segment whose only batch has an unreadable header: its raw offset
    /// fields still count as handed out, appends never take that segment's
    /// name, and repair makes way for a new segment above them.
    @Test func aSegmentHoldingOnlyDamageNeverGivesItsOffsetsOrNameAway() throws {
        do {
            let log = try open()
            var batch = StorageFixtures.batch(records: 10, valueBytes: 20)
            _ = try log.append(&batch)
            try log.close()
        }
        StorageFixtures.flipByte(in: segment, at: 16) // the magic byte: the header no longer parses
        let damaged = try Data(contentsOf: URL(fileURLWithPath: segment))

        let log = try open()
        #expect(log.endOffset == 10, "offsets 0 to 9 were handed out")
        var batch = StorageFixtures.batch(records: 2)
        #expect(try log.append(&batch) == (10, 11))
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)).prefix(damaged.count) == damaged)
        let report = try log.repair()
        #expect(report.damage.map { [$0.firstOffset, $0.lastOffset] } == [[0, 9]])
        #expect(log.endOffset == 12)
        #expect(readableOffsets(log).offsets == [10, 11])
        try log.close()
        let reopened = try open()
        #expect(reopened.endOffset == 12)
        try reopened.close()
    }
}
