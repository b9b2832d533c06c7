import Foundation
import Log
import Testing
import TestKit

/// Damage in a segment that is not the last one is not a torn write: open
/// must keep it, and reads of its offsets must fail rather than skip them.
@Suite("Inactive segment damage")
struct InactiveSegmentDamageTests {
    @Test func aBrokenBatchLengthInAnOlderSegmentFailsReadsInsteadOfLeavingAGap() throws {
        let directory = try TemporaryDirectory(prefix: "inactive-damage")
        let path = directory.file("p")
        let config = StorageFixtures.config(["segment.bytes": "2048", "flush.mode": "never"])
        do {
            let log = try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger)
            for _ in 0..<40 {
                var batch = StorageFixtures.batch(records: 5, valueBytes: 40)
                _ = try log.append(&batch)
            }
            #expect(log.segmentCount > 2)
            try log.close()
        }
        let segment = try #require(StorageFixtures.files(in: path, suffix: ".log").sorted().first)
        let batches = StorageFixtures.batches(in: Array(try Data(contentsOf: URL(fileURLWithPath: segment))))
        #expect(batches.count > 2)
        // Make the second batch's length field claim more than the file holds.
        let secondStart = batches[0].count
        StorageFixtures.flipByte(in: segment, at: secondStart + 8)

        let capture = LogCapture()
        let log = try PartitionLog.open(directory: path, config: config, logger: capture.logger)
        #expect(StorageFixtures.fileSize(segment) == batches.reduce(0) { $0 + $1.count }, "the damaged segment was cut")
        #expect(capture.messages(atLeast: .error).contains {
            $0.contains("corrupt batch in \(segment) at byte position \(secondStart) (offset 5)")
        })
        #expect(try log.read(from: 0, maxBytes: 1 << 20).batchCount == 1)
        do {
            _ = try log.read(from: 5, maxBytes: 1 << 20)
            Issue.record("reading the damaged offsets succeeded")
        } catch {
            guard case .corruptBatch(_, let file, let position, let offset, _) = error else {
                Issue.record("expected corruptBatch, got \(error)")
                return
            }
            #expect(file == segment && position == secondStart && offset == 5)
        }
        // Offsets after the damaged segment are still readable.
        let next = log.segmentBaseOffsets[1]
        #expect(try log.read(from: next, maxBytes: 1 << 20).firstOffset <= next)
        // Repair removes the damaged batch only (the next valid batch is
        // found byte by byte): the batches after it stay, and a read from
        // the removed offsets goes on at the next whole batch.
        let end = log.endOffset
        #expect(try log.repair().damage.map { [$0.firstOffset, $0.lastOffset] } == [[5, 9]])
        #expect(log.endOffset == end)
        #expect(try log.read(from: 5, maxBytes: 1 << 20).firstOffset == 10)
    }
}
