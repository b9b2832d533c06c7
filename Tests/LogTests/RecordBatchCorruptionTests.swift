import Core
import Testing
@testable import Log

/// Damaged batches: every one must be an error (or, outside the CRC, a
/// changed offset), never a crash or a read past the bytes given.
@Suite struct RecordBatchCorruptionTests {
    static func smallBatch(_ codec: CompressionCodec) throws -> [UInt8] {
        try RecordBatchV2.encode([
            LogRecord(timestamp: 10, key: [UInt8]("a"), value: [UInt8]("first"),
                      headers: [RecordHeader(key: "trace", value: [1, 2])]),
            LogRecord(timestamp: 12, key: nil, value: [UInt8]("second")),
            LogRecord(timestamp: 11, key: [UInt8]("c"), value: nil),
        ], baseOffset: 40, compression: codec)
    }

    /// Decodes with both entry points; they must agree on success or failure.
    static func decodeBoth(_ bytes: [UInt8]) -> Result<[DecodedRecord], LogFormatError> {
        // Exact-size copies so that any over-read hits the end of the buffer.
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(LogFormatError) in try RecordBatchV2.decode(raw) }
        }
        let target = RecordBatch()
        let intoResult = bytes.withUnsafeBytes { raw in
            Result { () throws(LogFormatError) in try RecordBatchV2.decode(raw, into: target, fromOffset: .min) }
        }
        switch (result, intoResult) {
        case (.success(let records), .success(let count)): #expect(records.count == count)
        case (.failure, .failure): break
        default: Issue.record("decode and decode(into:) disagree: \(result) vs \(intoResult)")
        }
        return result
    }

    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func everySingleByteFlipIsDetected(codec: CompressionCodec) throws {
        let bytes = try Self.smallBatch(codec)
        let original = try decode(bytes)
        for index in bytes.indices {
            for mask: UInt8 in [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= mask
                let result = Self.decodeBoth(damaged)
                // baseOffset (0..<8) and partitionLeaderEpoch (12..<16) are
                // outside the CRC by design: the log rewrites them.
                if index < 8 {
                    let records = try result.get()
                    #expect(records.map(\.value) == original.map(\.value))
                    #expect(records[0].offset != original[0].offset)
                } else if (12..<16).contains(index) {
                    #expect(try result.get() == original)
                } else if case .success = result {
                    Issue.record("\(codec): flipping byte \(index) with \(mask) went undetected")
                }
            }
        }
    }

    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func everyTruncationIsAnError(codec: CompressionCodec) throws {
        let bytes = try Self.smallBatch(codec)
        for length in 0..<bytes.count {
            let result = Self.decodeBoth(Array(bytes[..<length]))
            guard case .failure(let error) = result else {
                Issue.record("\(codec): \(length)-byte prefix decoded")
                continue
            }
            #expect(error.kind == .truncated, "\(codec): \(length) bytes: \(error)")
        }
    }

    /// Corruption that a CRC cannot catch (a buggy writer computed a CRC over
    /// bad records): random damage, resealed, must be an error or decode to
    /// something, and never crash.
    @Test(arguments: [CompressionCodec.none, .lz4, .zstd])
    func resealedRandomDamageNeverCrashes(codec: CompressionCodec) throws {
        var generator = RecordGenerator(seed: 2024 &+ UInt64(codec.rawValue))
        let bytes = try RecordBatchV2.encode(generator.records(count: 12), compression: codec)
        var failures = 0
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator.random) {
                let index = Int.random(in: RecordBatchHeader.size ..< damaged.count, using: &generator.random)
                damaged[index] = UInt8.random(in: 0...255, using: &generator.random)
            }
            BatchBytes.reseal(&damaged)
            if case .failure(let error) = Self.decodeBoth(damaged) {
                failures += 1
                #expect(error.kind == .malformedRecord || error.kind == .decompressionFailed, "\(error)")
                #expect(error.byteOffset != nil)
            }
        }
        #expect(failures > 0)
    }

    /// Specific malformations, each resealed so only the record checks see them.
    @Test func malformedRecordsNameTheirOffset() throws {
        // A one-record batch: record bytes start at 61:
        // 61 length, 62 attributes, 63 timestampDelta, 64 offsetDelta,
        // 65 key length (1), 66 "k", 67 value length (2), 68..69 "vv", 70 header count.
        let bytes = try RecordBatchV2.encode([LogRecord(timestamp: 0, key: [UInt8]("k"), value: [UInt8]("vv"))])
        #expect(bytes.count == 71)
        func expectMalformed(
            _ edit: (inout [UInt8]) -> Void, at offset: Int, _ fragment: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            var damaged = bytes
            edit(&damaged)
            BatchBytes.reseal(&damaged)
            guard case .failure(let error) = Self.decodeBoth(damaged) else {
                Issue.record("decoded despite \(fragment)", sourceLocation: sourceLocation)
                return
            }
            #expect(error.kind == .malformedRecord, sourceLocation: sourceLocation)
            #expect(error.byteOffset == offset, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
        expectMalformed({ $0[61] = 0x7F }, at: 61, "length -64")
        expectMalformed({ $0[61] = 0x16 }, at: 61, "length 11 is outside")
        expectMalformed({ $0[65] = 0x03 }, at: 65, "key length -2 is negative")
        expectMalformed({ $0[65] = 0x12 }, at: 65, "key length 9 runs past")
        expectMalformed({ $0[67] = 0x08 }, at: 67, "value length 4 runs past")
        expectMalformed({ $0[70] = 0x02 }, at: 70, "header count 1")
        expectMalformed({ $0[70] = 0x01 }, at: 70, "header count -1")
        // A varint whose every byte has the continuation bit runs past the record.
        expectMalformed({ for index in 63..<71 { $0[index] = 0xFF } }, at: 63, "timestampDelta varint runs past")
        // A record whose length claims one byte more than its fields take.
        expectMalformed({ $0[61] = 0x14; $0.append(0); Self.fixBatchLength(&$0) }, at: 71,
                        "length says 10 bytes but its fields take 9")
        // A byte after the last record.
        expectMalformed({ $0.append(0); Self.fixBatchLength(&$0) }, at: 71, "1 bytes follow the last of 1 records")
        // recordCount larger than the bytes can hold.
        expectMalformed({ $0[60] = 5 }, at: 57, "recordCount 5")
        // recordCount 0 with a record present.
        expectMalformed({ $0[60] = 0 }, at: 61, "bytes follow the last of 0 records")
    }

    @Test func overlongVarintIsAnError() throws {
        // An offsetDelta of six bytes: longer than a varint may be.
        var record: [UInt8] = [0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x01, 0x00]
        record.insert(UInt8(record.count * 2), at: 0)
        let plain = try RecordBatchV2.encode([LogRecord(timestamp: 0, key: nil, value: nil)])
        var bytes = BatchBytes.replacingRecords(of: plain, with: record, codec: 0)
        BatchBytes.reseal(&bytes)
        guard case .failure(let error) = Self.decodeBoth(bytes) else {
            Issue.record("six-byte varint decoded")
            return
        }
        #expect(error.message.contains("offsetDelta varint is longer than 5 bytes"), "\(error)")
        #expect(error.byteOffset == 64)
    }

    @Test func errorsInCompressedRecordsSayTheyAreDecompressedOffsets() throws {
        let plain = try RecordBatchV2.encode([LogRecord(timestamp: 0, key: [UInt8]("k"), value: [UInt8]("vv"))])
        var records = BatchBytes.records(of: plain)
        records[4] = 0x03  // key length -2
        let bytes = BatchBytes.replacingRecords(of: plain, with: TestCompressors.zstd(records), codec: 4)
        guard case .failure(let error) = Self.decodeBoth(bytes) else {
            Issue.record("negative key length decoded")
            return
        }
        #expect(error.inDecompressedRecords)
        #expect(error.byteOffset == 4)
        #expect(error.description.contains("at byte 4 of the decompressed records"))
    }

    static func fixBatchLength(_ batch: inout [UInt8]) {
        withUnsafeBytes(of: Int32(batch.count - 12).bigEndian) { batch.replaceSubrange(8..<12, with: $0) }
    }

    /// baseOffset is outside the CRC: extreme values must not trap anywhere.
    @Test func extremeBaseOffsetsDoNotTrap() throws {
        var bytes = try Self.smallBatch(.none)
        for baseOffset in [Int64.max, Int64.max - 1, Int64.min] {
            bytes.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(baseOffset, in: $0) }
            let header = try bytes.withUnsafeBytes { try RecordBatchHeader.parse($0) }
            _ = (header.lastOffset, header.nextOffset)
            let records = try Self.decodeBoth(bytes).get()
            #expect(records.first?.offset == baseOffset)
            let target = RecordBatch()
            _ = try bytes.withUnsafeBytes { try RecordBatchV2.decode($0, into: target, fromOffset: 0) }
        }
    }
}
