import Core
import Testing
import TestKit
@testable import Log

/// `RecordBatchV2.filter`: what compaction does to one batch.
@Suite struct RecordBatchFilteringTests {
    /// A batch holding `records` at `baseOffset` with producer fields set, so
    /// a test can see that filtering keeps them.
    static func producerBatch(_ records: [LogRecord], baseOffset: Int64, compression: CompressionCodec = .none) throws
        -> [UInt8]
    {
        var batch = try RecordBatchV2.encode(
            records, baseOffset: baseOffset, compression: compression, producerID: 77, producerEpoch: 3,
            baseSequence: 12, isTransactional: false)
        batch.withUnsafeMutableBytes { RecordBatchV2.setPartitionLeaderEpoch(9, in: $0) }
        return batch
    }

    static func decode(_ batch: [UInt8]) throws -> [DecodedRecord] {
        try batch.withUnsafeBytes { try RecordBatchV2.decode($0) }
    }

    static func header(_ batch: [UInt8]) throws -> RecordBatchHeader {
        try batch.withUnsafeBytes { try RecordBatchV2.checkCRC($0) }
    }

    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func keptRecordsKeepTheirOffsetsTimestampsAndTheBatchItsOffsetRange(codec: CompressionCodec) throws {
        var generator = RecordGenerator(seed: UInt64(codec.rawValue) + 40)
        for round in 0 ..< 30 {
            let records = generator.records(count: Int.random(in: 1 ... 60, using: &generator.random))
            let batch = try Self.producerBatch(records, baseOffset: 1_000 + Int64(round) * 100, compression: codec)
            let original = try Self.decode(batch)
            let keep = Set(original.map(\.offset).filter { _ in Bool.random(using: &generator.random) })
            let filtered = try batch.withUnsafeBytes { bytes in
                try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { keep.contains($0.offset) }
            }
            #expect(filtered.recordsRead == records.count)
            #expect(filtered.recordsKept == keep.count)
            #expect(filtered.tombstonesKept == original.filter { keep.contains($0.offset) && $0.value == nil }.count)
            switch filtered.outcome {
            case .removed:
                #expect(keep.isEmpty)
            case .unchanged:
                #expect(keep.count == records.count)
            case let .rewritten(bytes):
                #expect(!keep.isEmpty && keep.count < records.count)
                let before = try Self.header(batch)
                let after = try Self.header(bytes)
                #expect(after.baseOffset == before.baseOffset)
                #expect(after.lastOffsetDelta == before.lastOffsetDelta, "the batch still spans its offsets")
                #expect(after.recordCount == Int32(keep.count))
                #expect(after.producerId == 77 && after.producerEpoch == 3 && after.baseSequence == 12)
                #expect(after.partitionLeaderEpoch == 9)
                #expect(after.compression == codec)
                #expect(!after.hasDeleteHorizon)
                #expect(after.maxTimestamp == original.filter { keep.contains($0.offset) }.map(\.timestamp).max())
                #expect(try Self.decode(bytes) == original.filter { keep.contains($0.offset) })
            }
        }
    }

    @Test func aTombstoneKeptGetsTheDeleteHorizonOnceAndTimestampsStay() throws {
        let records = [
            LogRecord(timestamp: 5_000, key: Array("a".utf8), value: Array("1".utf8)),
            LogRecord(timestamp: 5_010, key: Array("b".utf8), value: nil),
            LogRecord(timestamp: 4_990, key: Array("c".utf8), value: Array("3".utf8),
                      headers: [RecordHeader(key: "h", value: [1, 2])]),
        ]
        let batch = try Self.producerBatch(records, baseOffset: 40)
        let stamped = try batch.withUnsafeBytes { bytes in
            try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: 90_000) { _ in true }
        }
        #expect(stamped.deleteHorizon == 90_000)
        guard case let .rewritten(bytes) = stamped.outcome else {
            Issue.record("a kept tombstone without a horizon must rewrite the batch")
            return
        }
        let header = try Self.header(bytes)
        #expect(header.hasDeleteHorizon)
        #expect(header.baseTimestamp == 90_000)
        #expect(header.maxTimestamp == 5_010)
        #expect(try Self.decode(bytes) == Self.decode(batch), "records, timestamps and headers are unchanged")

        // A later pass keeps the first horizon rather than moving it.
        let again = try bytes.withUnsafeBytes { stampedBytes in
            try RecordBatchV2.filter(stampedBytes, deleteHorizonForTombstones: 200_000) { $0.offset != 40 }
        }
        #expect(again.deleteHorizon == 90_000)
        guard case let .rewritten(second) = again.outcome else {
            Issue.record("removing a record must rewrite the batch")
            return
        }
        #expect(try Self.header(second).baseTimestamp == 90_000)
        #expect(try Self.decode(second) == Array(try Self.decode(batch).dropFirst()))

        // Without a kept tombstone, nothing is stamped.
        let none = try batch.withUnsafeBytes { bytes in
            try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: 90_000) { !$0.isTombstone }
        }
        #expect(none.deleteHorizon == nil)
        guard case let .rewritten(third) = none.outcome else {
            Issue.record("removing the tombstone must rewrite the batch")
            return
        }
        #expect(!(try Self.header(third)).hasDeleteHorizon)
    }

    @Test func logAppendTimeBatchesKeepTheStampedTime() throws {
        var batch = try Self.producerBatch(
            (0 ..< 4).map { LogRecord(timestamp: Int64($0), key: [UInt8($0)], value: [1]) }, baseOffset: 0)
        // Mark the batch LogAppendTime with a stamped maxTimestamp of 777.
        batch[22] |= 0x08
        withUnsafeBytes(of: Int64(777).bigEndian) { batch.replaceSubrange(35 ..< 43, with: $0) }
        BatchBytes.reseal(&batch)
        let filtered = try batch.withUnsafeBytes { bytes in
            try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { $0.offset % 2 == 1 }
        }
        guard case let .rewritten(bytes) = filtered.outcome else {
            Issue.record("expected a rewritten batch")
            return
        }
        #expect(try Self.header(bytes).timestampType == .logAppendTime)
        #expect(try Self.decode(bytes).map(\.timestamp) == [777, 777])
        #expect(try Self.decode(bytes).map(\.offset) == [1, 3])
    }

    @Test func gzipAndSnappyBatchesAreRewrittenUncompressed() throws {
        for (name, codec, compress) in CodecTests.foreignEncodings where codec == 1 || codec == 2 {
            let (records, compressed) = try CodecTests.batches(seed: 9, codec: codec, compress)
            let filtered = try compressed.withUnsafeBytes { bytes in
                try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { $0.offset % 3 != 0 }
            }
            guard case let .rewritten(bytes) = filtered.outcome else {
                Issue.record("\(name): expected a rewritten batch")
                continue
            }
            #expect(try Self.header(bytes).compression == .none, "\(name)")
            let kept = try Self.decode(bytes)
            #expect(kept.map(\.offset) == (500 ..< 500 + Int64(records.count)).filter { $0 % 3 != 0 }, "\(name)")
            #expect(kept.map(\.value) == records.enumerated().filter { (500 + $0.offset) % 3 != 0 }.map(\.element.value))
        }
    }

    @Test func aDamagedBatchIsAnErrorNotAGuess() throws {
        var batch = try Self.producerBatch([LogRecord(timestamp: 1, key: [1], value: [2])], baseOffset: 0)
        batch[batch.count - 2] ^= 0xFF
        #expect(throws: LogFormatError.self) {
            try batch.withUnsafeBytes { bytes in
                try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { _ in true }
            }
        }
    }

    @Test func firstRecordWithoutKeyFindsIt() throws {
        let keyed = try RecordBatchV2.encode([LogRecord(timestamp: 1, key: [], value: [1])], compression: .zstd)
        #expect(try keyed.withUnsafeBytes { try RecordBatchV2.firstRecordWithoutKey($0) } == nil)
        let mixed = try RecordBatchV2.encode(
            [LogRecord(timestamp: 1, key: [1], value: [1]), LogRecord(timestamp: 1, key: nil, value: [1]),
             LogRecord(timestamp: 1, key: nil, value: nil)], compression: .lz4)
        #expect(try mixed.withUnsafeBytes { try RecordBatchV2.firstRecordWithoutKey($0) } == 1)
    }

    @Test func decodingIntoColumnsStopsAtRecordsMaxAndContinuesAfterTheLastRecordAcrossGaps() throws {
        let records = (0 ..< 10).map { LogRecord(timestamp: Int64($0), key: [UInt8($0)], value: [UInt8($0)]) }
        let batch = try Self.producerBatch(records, baseOffset: 100, compression: .lz4)
        let kept: Set<Int64> = [101, 104, 105, 108]
        let filtered = try batch.withUnsafeBytes { bytes in
            try RecordBatchV2.filter(bytes, deleteHorizonForTombstones: nil) { kept.contains($0.offset) }
        }
        guard case let .rewritten(sparse) = filtered.outcome else {
            Issue.record("expected a rewritten batch")
            return
        }
        // (from, recordsMax) -> (appended values, next offset)
        let cases: [(Int64, Int, [UInt8], Int64)] = [
            (100, 2, [1, 4], 105), (105, 1, [5], 106), (106, 5, [8], 110), (109, 3, [], 110),
            (100, 0, [], 100), (100, 4, [1, 4, 5, 8], 110),
        ]
        for (from, limit, values, next) in cases {
            let into = RecordBatch()
            let result = try sparse.withUnsafeBytes { bytes in
                try RecordBatchV2.decode(bytes, into: into, fromOffset: from, recordsMax: limit)
            }
            #expect(result.appended == values.count, "from \(from), max \(limit)")
            #expect(result.nextOffset == next, "from \(from), max \(limit)")
            #expect((0 ..< into.count).map { into.withRecord(at: $0) { _, _, value in value?.first } } == values.map { $0 })
        }
    }
}
