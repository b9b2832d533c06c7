import Core
import Testing
import TestKit
@testable import Log
import Checksums

/// A batch assembled by hand, field by field, from the Kafka protocol's
/// RecordBatch v2 description; the varints are written out as bytes here,
/// not produced by the code under test.
enum GoldenBatch {
    static let records: [LogRecord] = [
        LogRecord(timestamp: 1000, key: [UInt8]("k"), value: [UInt8]("hello"),
                  headers: [RecordHeader(key: "h", value: [UInt8]("v"))]),
        LogRecord(timestamp: 1005, key: nil, value: []),
        LogRecord(timestamp: 998, key: [], value: nil),
        LogRecord(timestamp: 1300, key: nil, value: [UInt8](repeating: 0xAB, count: 64)),
    ]

    static var bytes: [UInt8] {
        var recordBytes: [UInt8] = []
        // Record 0: body of 16 bytes (length varint zigzag(16) = 0x20).
        recordBytes += [0x20, 0x00, 0x00, 0x00]  // length, attributes, timestampDelta 0, offsetDelta 0
        recordBytes += [0x02] + [UInt8]("k")  // key length 1
        recordBytes += [0x0A] + [UInt8]("hello")  // value length 5
        recordBytes += [0x02, 0x02] + [UInt8]("h") + [0x02] + [UInt8]("v")  // 1 header: "h" = "v"
        // Record 1: timestampDelta 5, offsetDelta 1, null key, empty value, no headers.
        recordBytes += [0x0C, 0x00, 0x0A, 0x02, 0x01, 0x00, 0x00]
        // Record 2: timestampDelta -2, offsetDelta 2, empty key, null value.
        recordBytes += [0x0C, 0x00, 0x03, 0x04, 0x00, 0x01, 0x00]
        // Record 3: body 72 bytes (zigzag 144 = 0x90 0x01), timestampDelta 300
        // (zigzag 600 = 0xD8 0x04), offsetDelta 3, null key, value of 64 bytes
        // (zigzag 128 = 0x80 0x01).
        recordBytes += [0x90, 0x01, 0x00, 0xD8, 0x04, 0x06, 0x01, 0x80, 0x01]
        recordBytes += [UInt8](repeating: 0xAB, count: 64) + [0x00]
        precondition(recordBytes.count == 105)

        var covered = BigEndianBytes()
        covered.int16(0)  // attributes: no compression, CreateTime
        covered.int32(3)  // lastOffsetDelta
        covered.int64(1000)  // baseTimestamp
        covered.int64(1300)  // maxTimestamp
        covered.int64(-1)  // producerId
        covered.int16(-1)  // producerEpoch
        covered.int32(-1)  // baseSequence
        covered.int32(4)  // recordCount
        covered.raw(recordBytes)

        var batch = BigEndianBytes()
        batch.int64(0)  // baseOffset
        batch.int32(154)  // batchLength: 49 + 105
        batch.int32(-1)  // partitionLeaderEpoch
        batch.int8(2)  // magic
        batch.uint32(CRC32C.checksum(covered.bytes))
        batch.raw(covered.bytes)
        return batch.bytes
    }
}

/// Random records for property tests; everything derives from the seed.
struct RecordGenerator {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func bytes(maxCount: Int) -> [UInt8]? {
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<3: return nil
        case 3..<5: return []
        case 5: return random.bytes(Int.random(in: 1_000...70_000, using: &random))
        default: return random.bytes(Int.random(in: 1...maxCount, using: &random))
        }
    }

    mutating func timestamp(near base: Int64) -> Int64 {
        switch Int.random(in: 0..<50, using: &random) {
        case 0: return .min
        case 1: return .max
        case 2..<10: return base &- Int64.random(in: 0...5_000_000, using: &random)
        default: return base &+ Int64.random(in: 0...5_000_000, using: &random)
        }
    }

    mutating func records(count: Int, withHeaders: Bool = true) -> [LogRecord] {
        let base = Int64.random(in: -(1 << 40)...(1 << 41), using: &random)
        return (0..<count).map { _ in
            var headers: [RecordHeader] = []
            if withHeaders {
                for index in 0..<Int.random(in: 0...3, using: &random) {
                    let key = index == 0 ? "" : "header-\(Int.random(in: 0...999, using: &random))-é"
                    headers.append(RecordHeader(key: key, value: bytes(maxCount: 40)))
                }
            }
            return LogRecord(timestamp: timestamp(near: base), key: bytes(maxCount: 64),
                             value: bytes(maxCount: 300), headers: headers)
        }
    }

    mutating func recordCount() -> Int {
        Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 1...3, using: &random)
            : Int.random(in: 1...500, using: &random)
    }
}

func decode(_ bytes: [UInt8]) throws(LogFormatError) -> [DecodedRecord] {
    let result = bytes.withUnsafeBytes { raw in Result { () throws(LogFormatError) in try RecordBatchV2.decode(raw) } }
    return try result.get()
}

func expectRoundTrip(
    _ records: [LogRecord], decoded: [DecodedRecord], baseOffset: Int64, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(decoded.count == records.count, "\(context)", sourceLocation: sourceLocation)
    for (index, (record, back)) in zip(records, decoded).enumerated() where
        back != DecodedRecord(offset: baseOffset + Int64(index), timestamp: record.timestamp, key: record.key,
                              value: record.value, headers: record.headers) {
        Issue.record("\(context): record \(index) decoded as \(back)", sourceLocation: sourceLocation)
        return
    }
}

@Suite struct RecordBatchEncodingTests {
    @Test func goldenBatchDecodes() throws {
        let decoded = try decode(GoldenBatch.bytes)
        expectRoundTrip(GoldenBatch.records, decoded: decoded, baseOffset: 0, "golden")
        let header = try GoldenBatch.bytes.withUnsafeBytes { try RecordBatchHeader.parse($0) }
        #expect(header.totalSize == GoldenBatch.bytes.count)
    }

    @Test func encoderProducesTheGoldenBytes() throws {
        #expect(try RecordBatchV2.encode(GoldenBatch.records) == GoldenBatch.bytes)
    }

    @Test func coreBatchEncoderProducesTheGoldenBytesWithoutHeaders() throws {
        // The Core encoder has no headers: drop record 0's header from both sides.
        var records = GoldenBatch.records
        records[0].headers = []
        let batch = RecordBatch()
        for record in records {
            batch.append(timestamp: record.timestamp, key: record.key, value: record.value)
        }
        #expect(try RecordBatchV2.encode(batch) == RecordBatchV2.encode(records))
    }

    @Test func headerFieldsFollowTheArguments() throws {
        let bytes = try RecordBatchV2.encode(
            [LogRecord(timestamp: 50, key: nil, value: [1]), LogRecord(timestamp: 40, key: nil, value: [2])],
            baseOffset: 77, compression: .zstd, producerID: 9, producerEpoch: 2, baseSequence: 30,
            isTransactional: true, isControl: true)
        let header = try bytes.withUnsafeBytes { try RecordBatchV2.checkCRC($0) }
        #expect(header.baseOffset == 77)
        #expect(header.partitionLeaderEpoch == -1)
        #expect(header.compression == .zstd)
        #expect(header.isTransactional && header.isControl)
        #expect(header.timestampType == .createTime)
        #expect(header.lastOffsetDelta == 1)
        #expect(header.baseTimestamp == 50)
        #expect(header.maxTimestamp == 50)
        #expect(header.producerId == 9 && header.producerEpoch == 2 && header.baseSequence == 30)
        #expect(header.recordCount == 2)
        #expect(header.totalSize == bytes.count)
        let decoded = try decode(bytes)
        #expect(decoded.map(\.offset) == [77, 78])
        #expect(decoded.map(\.timestamp) == [50, 40])
    }

    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func randomRoundTrips(codec: CompressionCodec) throws {
        for seed in UInt64(1)...25 {
            var generator = RecordGenerator(seed: seed &* 7919 &+ UInt64(codec.rawValue))
            let records = generator.records(count: generator.recordCount())
            let baseOffset = Int64.random(in: 0...(1 << 50), using: &generator.random)
            let bytes = try RecordBatchV2.encode(records, baseOffset: baseOffset, compression: codec)
            #expect(bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) }, "seed \(seed)")
            expectRoundTrip(records, decoded: try decode(bytes), baseOffset: baseOffset, "\(codec), seed \(seed)")
        }
    }

    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func coreBatchRoundTrips(codec: CompressionCodec) throws {
        for seed in UInt64(100)...115 {
            var generator = RecordGenerator(seed: seed)
            let records = generator.records(count: generator.recordCount(), withHeaders: false)
            let source = RecordBatch(recordCapacity: 4)
            for record in records { source.append(timestamp: record.timestamp, key: record.key, value: record.value) }

            let fromColumns = try RecordBatchV2.encode(source, baseOffset: 10, compression: codec)
            let fromRecords = try RecordBatchV2.encode(records, baseOffset: 10, compression: codec)
            #expect(fromColumns == fromRecords, "seed \(seed)")

            let target = RecordBatch(recordCapacity: 2)
            let appended = try fromColumns.withUnsafeBytes { try RecordBatchV2.decode($0, into: target) }
            #expect(appended == records.count)
            #expect(target.count == records.count)
            for index in 0..<target.count {
                target.withRecord(at: index) { timestamp, key, value in
                    #expect(timestamp == records[index].timestamp)
                    #expect(key.map { Array($0) } == records[index].key, "seed \(seed), record \(index)")
                    #expect(value.map { Array($0) } == records[index].value, "seed \(seed), record \(index)")
                }
            }
        }
    }

    @Test func encodesARangeOfACoreBatch() throws {
        let source = RecordBatch()
        for index in 0..<10 { source.append(timestamp: Int64(index), key: [UInt8]?.none, value: [UInt8]?.none) }
        let bytes = try RecordBatchV2.encode(source, records: 3..<7, baseOffset: 100)
        let decoded = try decode(bytes)
        #expect(decoded.map(\.offset) == [100, 101, 102, 103])
        #expect(decoded.map(\.timestamp) == [3, 4, 5, 6])
        #expect(decoded.allSatisfy { $0.key == nil && $0.value == nil })
    }

    @Test func decodeIntoSkipsRecordsBeforeFromOffset() throws {
        let records = (0..<10).map { LogRecord(timestamp: Int64($0), key: nil, value: [UInt8($0)]) }
        for codec in [CompressionCodec.none, .lz4] {
            let bytes = try RecordBatchV2.encode(records, baseOffset: 1000, compression: codec)
            for (fromOffset, expected) in [(0, 10), (1000, 10), (1004, 6), (1009, 1), (1010, 0), (5000, 0)] {
                let target = RecordBatch()
                let appended = try bytes.withUnsafeBytes {
                    try RecordBatchV2.decode($0, into: target, fromOffset: Int64(fromOffset))
                }
                #expect(appended == expected, "\(codec), from \(fromOffset)")
                if expected > 0 {
                    #expect(target.withRecord(at: 0) { _, _, value in value.map { Array($0) } }
                            == [UInt8(10 - expected)])
                }
            }
        }
    }

    @Test func logAppendTimeGivesEveryRecordTheMaxTimestamp() throws {
        var bytes = try RecordBatchV2.encode([
            LogRecord(timestamp: 5, key: nil, value: nil), LogRecord(timestamp: 9, key: nil, value: nil),
        ])
        bytes[22] |= 0x08  // attributes bit 3: LogAppendTime
        BatchBytes.reseal(&bytes)
        #expect(try decode(bytes).map(\.timestamp) == [9, 9])
    }

    @Test func rejectsEmptyAndWriteOnlyCodecs() {
        let error = #expect(throws: LogFormatError.self) { try RecordBatchV2.encode([]) }
        #expect(error?.kind == .invalidArgument)
        for codec in [CompressionCodec.gzip, .snappy] {
            let error = #expect(throws: LogFormatError.self) {
                try RecordBatchV2.encode([LogRecord(timestamp: 0, key: nil, value: nil)], compression: codec)
            }
            #expect(error?.kind == .unsupportedCompression)
        }
    }

    @Test func rejectsABatchOverTheSizeBound() {
        let value = [UInt8](repeating: 1, count: RecordBatchHeader.batchBytesMax)
        let error = #expect(throws: LogFormatError.self) {
            try RecordBatchV2.encode([LogRecord(timestamp: 0, key: nil, value: value)])
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description.contains("batchBytesMax") == true)
    }

    @Test func varintSizesMatchTheSpecExamples() {
        // Boundaries of 1..5-byte varints (after zigzag).
        #expect(Varint.size(Int32(0)) == 1)
        #expect(Varint.size(Int32(-64)) == 1)
        #expect(Varint.size(Int32(64)) == 2)
        #expect(Varint.size(Int32(-8192)) == 2)
        #expect(Varint.size(Int32(8192)) == 3)
        #expect(Varint.size(Int32.max) == 5)
        #expect(Varint.size(Int32.min) == 5)
        #expect(Varint.size(Int64.min) == 10)
        #expect(Varint.size(Int64(Int32.min)) == 5)
    }
}
