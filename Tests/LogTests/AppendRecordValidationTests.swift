import Core
import Log
import Testing
import TestKit

/// A batch whose header and CRC are valid but whose records are not is
/// refused by `PartitionLog.append` with nothing stored: every reader would
/// fail on it later (Kafka's LogValidator refuses it the same way).
@Suite("Append record validation")
struct AppendRecordValidationTests {
    /// A partition holding one good two-record batch, for the refusals to
    /// leave unchanged.
    private func openWithOneBatch(_ directory: TemporaryDirectory) throws -> PartitionLog {
        let log = try PartitionLog.open(directory: directory.path + "/t/0", config: StorageFixtures.config([:]))
        var good = StorageFixtures.batch(records: 2)
        try log.append(&good)
        return log
    }

    /// Where record 1 of `StorageFixtures.batch(records: 2)` starts: record
    /// 0's one-byte length varint (zigzag) gives its size.
    private func secondRecordStart(_ batch: [UInt8]) -> Int {
        precondition(batch[61] < 0x80, "record 0's length is one byte")
        return 61 + 1 + Int(batch[61] >> 1)
    }

    /// Appends `batch`, expects a refusal of `kind` naming `words`, and
    /// checks that nothing was stored.
    private func expectRefused(
        _ batch: [UInt8], by log: PartitionLog, invalidRecord: Bool, naming words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let end = log.endOffset
        let size = log.sizeInBytes
        var copy = batch
        do {
            try log.append(&copy)
            Issue.record("the batch was stored", sourceLocation: sourceLocation)
        } catch {
            switch error {
            case .invalidRecord: #expect(invalidRecord, "\(error)", sourceLocation: sourceLocation)
            case .invalidBatch: #expect(!invalidRecord, "\(error)", sourceLocation: sourceLocation)
            default: Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            }
            let text = error.description
            for word in ["topic t, partition 0", "nothing was stored"] + words {
                #expect(text.contains(word), "\(text) should name \(word)", sourceLocation: sourceLocation)
            }
        }
        #expect(log.endOffset == end, sourceLocation: sourceLocation)
        #expect(log.sizeInBytes == size, sourceLocation: sourceLocation)
        let stored = try log.read(from: 0, maxBytes: 1 << 20).bytes
        #expect(try stored.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }.count == 2,
                sourceLocation: sourceLocation)
    }

    @Test func offsetDeltasOutOfOrderAreAnInvalidRecord() throws {
        let directory = try TemporaryDirectory(prefix: "append-validate")
        let log = try openWithOneBatch(directory)
        var batch = StorageFixtures.batch(records: 2)
        // Record 1: length, attributes, timestampDelta (one byte each), then
        // offsetDelta 1 (zigzag 2) becomes 0.
        let at = secondRecordStart(batch) + 3
        #expect(batch[at] == 2)
        batch[at] = 0
        BatchBytes.reseal(&batch)
        try expectRefused(batch, by: log, invalidRecord: true, naming: ["record 1", "offsetDelta 0, expected 1"])
    }

    @Test func unreadableRecordsAreRefusedAsCorrupt() throws {
        let directory = try TemporaryDirectory(prefix: "append-validate")
        let log = try openWithOneBatch(directory)
        let good = StorageFixtures.batch(records: 2)

        // Record 0's length runs past the batch.
        var tooLong = good
        tooLong[61] = 0x7E
        BatchBytes.reseal(&tooLong)
        try expectRefused(tooLong, by: log, invalidRecord: false, naming: ["record 0", "length 63"])

        // Record 1's key length is a varint that never ends inside the record.
        var badVarint = good
        let keyAt = secondRecordStart(good) + 4
        for index in keyAt ..< keyAt + 6 { badVarint[index] = 0xFF }
        BatchBytes.reseal(&badVarint)
        try expectRefused(badVarint, by: log, invalidRecord: false, naming: ["record 1", "key"])

        // recordCount 3 (lastOffsetDelta 2) over two records.
        var miscounted = good
        miscounted.replaceSubrange(23 ..< 27, with: [0, 0, 0, 2])
        miscounted.replaceSubrange(57 ..< 61, with: [0, 0, 0, 3])
        BatchBytes.reseal(&miscounted)
        try expectRefused(miscounted, by: log, invalidRecord: false, naming: ["record 2"])

        // A header count that the record's bytes cannot hold.
        var headers = good
        let headerCountAt = secondRecordStart(good) + Int(good[secondRecordStart(good)] >> 1)
        #expect(headers[headerCountAt] == 0)
        headers[headerCountAt] = 20
        BatchBytes.reseal(&headers)
        try expectRefused(headers, by: log, invalidRecord: false, naming: ["record 1", "header count 10"])
    }

    @Test func compressedRecordsThatDoNotDecompressAreRefused() throws {
        let directory = try TemporaryDirectory(prefix: "append-validate")
        let log = try openWithOneBatch(directory)
        let good = StorageFixtures.batch(records: 2)
        // An lz4 frame magic followed by garbage, and a gzip header the
        // same; codec bits 3 (lz4) and 1 (gzip).
        let lz4 = BatchBytes.replacingRecords(
            of: good, with: [0x04, 0x22, 0x4D, 0x18] + [UInt8](repeating: 0xA5, count: 40), codec: 3)
        try expectRefused(lz4, by: log, invalidRecord: false, naming: ["lz4"])
        let gzip = BatchBytes.replacingRecords(
            of: good, with: [0x1F, 0x8B, 0x08, 0] + [UInt8](repeating: 0x5A, count: 40), codec: 1)
        try expectRefused(gzip, by: log, invalidRecord: false, naming: ["gzip"])
    }

    @Test func validBatchesStillAppend() throws {
        let directory = try TemporaryDirectory(prefix: "append-validate")
        let log = try openWithOneBatch(directory)
        let records = (0 ..< 5).map { LogRecord(timestamp: 1_000 + Int64($0), key: [UInt8($0)], value: [1, 2, 3]) }
        for codec in [CompressionCodec.none, .lz4, .zstd] {
            var batch = try RecordBatchV2.encode(records, compression: codec)
            let (first, last) = try log.append(&batch)
            #expect(last - first == 4, "\(codec)")
        }
        #expect(log.endOffset == 17)
    }
}
