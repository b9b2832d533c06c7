import Testing
@testable import Log
import Checksums

/// A batch with no records, written field by field from the spec: the
/// 61-byte header alone, batchLength 49, CRC over bytes 21..<61.
func handWrittenEmptyBatch(
    baseOffset: Int64 = 1000, attributes: Int16 = 0, magic: Int8 = 2, batchLength: Int32 = 49,
    recordCount: Int32 = 0
) -> [UInt8] {
    var head = BigEndianBytes()
    head.int64(baseOffset)
    head.int32(batchLength)
    head.int32(7)  // partitionLeaderEpoch
    head.int8(magic)
    var covered = BigEndianBytes()
    covered.int16(attributes)
    covered.int32(4)  // lastOffsetDelta
    covered.int64(1_700_000_000_000)  // baseTimestamp
    covered.int64(1_700_000_000_123)  // maxTimestamp
    covered.int64(99)  // producerId
    covered.int16(3)  // producerEpoch
    covered.int32(12)  // baseSequence
    covered.int32(recordCount)
    head.uint32(CRC32C.checksum(covered.bytes))
    return head.bytes + covered.bytes
}

@Suite struct RecordBatchHeaderTests {
    @Test func parsesEveryField() throws {
        let bytes = handWrittenEmptyBatch(attributes: 0b0011_1011)
        #expect(bytes.count == RecordBatchHeader.size)
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader.parse($0) }
        #expect(header.baseOffset == 1000)
        #expect(header.batchLength == 49)
        #expect(header.partitionLeaderEpoch == 7)
        #expect(header.magic == 2)
        #expect(header.crc == bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) })
        #expect(header.attributes == 0b0011_1011)
        #expect(header.compression == .lz4)
        #expect(header.timestampType == .logAppendTime)
        #expect(header.isTransactional)
        #expect(header.isControl)
        #expect(!header.hasDeleteHorizon)
        #expect(header.lastOffsetDelta == 4)
        #expect(header.lastOffset == 1004)
        #expect(header.nextOffset == 1005)
        #expect(header.baseTimestamp == 1_700_000_000_000)
        #expect(header.maxTimestamp == 1_700_000_000_123)
        #expect(header.producerId == 99)
        #expect(header.producerEpoch == 3)
        #expect(header.baseSequence == 12)
        #expect(header.recordCount == 0)
        #expect(header.totalSize == 61)
    }

    @Test func plainAttributes() throws {
        let header = try handWrittenEmptyBatch().withUnsafeBytes { try RecordBatchHeader.parse($0) }
        #expect(header.compression == CompressionCodec.none)
        #expect(header.timestampType == .createTime)
        #expect(!header.isTransactional)
        #expect(!header.isControl)
    }

    @Test func shortInputIsTruncated() {
        let bytes = handWrittenEmptyBatch()
        for length in 0..<RecordBatchHeader.size {
            #expect(throws: LogFormatError(
                .truncated, "\(length) bytes is fewer than the 61-byte header", at: length)
            ) {
                try bytes.withUnsafeBytes { try RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
            }
        }
    }

    @Test func rejectsOtherMagic() {
        for magic: Int8 in [0, 1, 3, -1] {
            let error = #expect(throws: LogFormatError.self) {
                try handWrittenEmptyBatch(magic: magic).withUnsafeBytes { try RecordBatchHeader.parse($0) }
            }
            #expect(error?.kind == .unsupportedMagic)
            #expect(error?.byteOffset == 16)
        }
    }

    @Test func rejectsBatchLengthOutOfBounds() {
        for length: Int32 in [-1, 0, 48, Int32(RecordBatchHeader.batchBytesMax) + 1, .max] {
            let error = #expect(throws: LogFormatError.self) {
                try handWrittenEmptyBatch(batchLength: length).withUnsafeBytes { try RecordBatchHeader.parse($0) }
            }
            #expect(error?.kind == .invalidBatchLength, "batchLength \(length)")
            #expect(error?.byteOffset == 8)
        }
        #expect(throws: Never.self) {
            try handWrittenEmptyBatch(batchLength: Int32(RecordBatchHeader.batchBytesMax))
                .withUnsafeBytes { try RecordBatchHeader.parse($0) }
        }
    }

    @Test func rejectsUnknownCodecAndNegativeCount() {
        for codec: Int16 in 5...7 {
            let error = #expect(throws: LogFormatError.self) {
                try handWrittenEmptyBatch(attributes: codec).withUnsafeBytes { try RecordBatchHeader.parse($0) }
            }
            #expect(error?.kind == .unsupportedCompression)
            #expect(error?.byteOffset == 21)
        }
        let error = #expect(throws: LogFormatError.self) {
            try handWrittenEmptyBatch(recordCount: -1).withUnsafeBytes { try RecordBatchHeader.parse($0) }
        }
        #expect(error?.byteOffset == 57)
    }

    @Test func errorDescriptionNamesTheOffset() {
        let error = LogFormatError(.crcMismatch, "stored CRC-32C 0x00000001 does not match", at: 17)
        #expect(error.description.contains("at byte 17"))
    }
}

@Suite struct RecordBatchV2CRCTests {
    @Test func verifiesHandWrittenBatch() throws {
        let bytes = handWrittenEmptyBatch()
        #expect(bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
        // Trailing bytes (the next batch in a segment) are not covered.
        #expect((bytes + [1, 2, 3]).withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
        let header = try bytes.withUnsafeBytes { try RecordBatchV2.checkCRC($0) }
        #expect(header.baseOffset == 1000)
    }

    @Test func flipInCoveredBytesFailsFlipOutsideDoesNot() {
        let bytes = handWrittenEmptyBatch()
        for index in 0..<bytes.count {
            var flipped = bytes
            flipped[index] ^= 0x10
            let valid = flipped.withUnsafeBytes { RecordBatchV2.verifyCRC($0) }
            // baseOffset (0..<8) and partitionLeaderEpoch (12..<16) are outside
            // the CRC; every other byte is covered or checked by parse().
            let outside = index < 8 || (12..<16).contains(index)
            #expect(valid == outside, "byte \(index)")
        }
    }

    @Test func crcMismatchNamesTheCRCField() {
        var bytes = handWrittenEmptyBatch()
        bytes[40] ^= 1
        let error = #expect(throws: LogFormatError.self) { try bytes.withUnsafeBytes { try RecordBatchV2.checkCRC($0) } }
        #expect(error?.kind == .crcMismatch)
        #expect(error?.byteOffset == 17)
    }

    @Test func incompleteBatchFails() {
        let bytes = handWrittenEmptyBatch(batchLength: 60)
        #expect(!bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
        let error = #expect(throws: LogFormatError.self) { try bytes.withUnsafeBytes { try RecordBatchV2.checkCRC($0) } }
        #expect(error?.kind == .truncated)
    }

    @Test func setBaseOffsetKeepsCRCValid() throws {
        var bytes = handWrittenEmptyBatch()
        bytes.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(-5 &+ 1 << 40, in: $0) }
        #expect(bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader.parse($0) }
        #expect(header.baseOffset == (1 << 40) - 5)
        #expect(Array(bytes[0..<8]) == [0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFB])
        bytes.withUnsafeMutableBytes { RecordBatchV2.setPartitionLeaderEpoch(9, in: $0) }
        #expect(bytes.withUnsafeBytes { RecordBatchV2.verifyCRC($0) })
    }
}
