import CLZ4
import CSnappy
import CZlib
import CZstd
import Testing
import TestKit
@testable import Log

/// Compressors written against the libraries directly, as a Kafka client
/// would use them, so the decoder is tested against bytes it did not make.
enum TestCompressors {
    /// gzip framing (RFC 1952), as Java's GZIPOutputStream writes it.
    static func gzip(_ input: [UInt8], zlibFraming: Bool = false) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = zlibFraming ? 15 : 15 + 16
        precondition(deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let written = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<written])
    }

    /// A raw snappy block.
    static func snappy(_ input: [UInt8]) -> [UInt8] {
        var length = snappy_max_compressed_length(input.count)
        var output = [UInt8](repeating: 0, count: length)
        input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                precondition(snappy_compress(
                    source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
                    target.baseAddress!.assumingMemoryBound(to: CChar.self), &length) == SNAPPY_OK)
            }
        }
        return Array(output[..<length])
    }

    /// snappy-java's stream framing (what Kafka's Java client writes):
    /// the 16-byte header, then blocks of big-endian length + raw snappy.
    static func xerialSnappy(_ input: [UInt8], blockSize: Int = 32 * 1024) -> [UInt8] {
        var output: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]
        var start = 0
        repeat {
            let block = snappy(Array(input[start ..< min(start + blockSize, input.count)]))
            withUnsafeBytes(of: Int32(block.count).bigEndian) { output += $0 }
            output += block
            start += blockSize
        } while start < input.count
        return output
    }

    /// An LZ4 frame with the library's default (linked-block) settings.
    static func lz4Frame(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(input.count, nil))
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                LZ4F_compressFrame(target.baseAddress, target.count, source.baseAddress, source.count, nil)
            }
        }
        precondition(LZ4F_isError(written) == 0)
        return Array(output[..<written])
    }

    static func zstd(_ input: [UInt8], level: Int32 = 1) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                ZSTD_compress(target.baseAddress, target.count, source.baseAddress, source.count, level)
            }
        }
        precondition(ZSTD_isError(written) == 0)
        return Array(output[..<written])
    }
}

@Suite struct CodecTests {
    /// A plain batch of random records and the same records compressed by
    /// `compress` and stored under codec id `codec`.
    static func batches(
        seed: UInt64, codec: Int16, _ compress: ([UInt8]) -> [UInt8]
    ) throws -> (records: [LogRecord], compressed: [UInt8]) {
        var generator = RecordGenerator(seed: seed)
        let records = generator.records(count: 200)
        let plain = try RecordBatchV2.encode(records, baseOffset: 500)
        let compressed = BatchBytes.replacingRecords(
            of: plain, with: compress(BatchBytes.records(of: plain)), codec: codec)
        return (records, compressed)
    }

    static let foreignEncodings: [(name: String, codec: Int16, compress: @Sendable ([UInt8]) -> [UInt8])] = [
        ("gzip", 1, { TestCompressors.gzip($0) }),
        ("gzip with zlib framing", 1, { TestCompressors.gzip($0, zlibFraming: true) }),
        ("gzip, two concatenated members", 1, { bytes in
            let half = bytes.count / 2
            return TestCompressors.gzip(Array(bytes[..<half])) + TestCompressors.gzip(Array(bytes[half...]))
        }),
        ("raw snappy", 2, { TestCompressors.snappy($0) }),
        ("xerial snappy", 2, { TestCompressors.xerialSnappy($0) }),
        ("xerial snappy, 1 KiB blocks", 2, { TestCompressors.xerialSnappy($0, blockSize: 1024) }),
        ("lz4 frame, linked blocks", 3, { TestCompressors.lz4Frame($0) }),
        ("zstd level 1", 4, { TestCompressors.zstd($0) }),
        ("zstd level 19", 4, { TestCompressors.zstd($0, level: 19) }),
    ]

    @Test func decodesBatchesCompressedByTheLibrariesDirectly() throws {
        for (index, encoding) in Self.foreignEncodings.enumerated() {
            let (records, compressed) = try Self.batches(seed: UInt64(index) + 1, codec: encoding.codec, encoding.compress)
            let header = try compressed.withUnsafeBytes { try RecordBatchHeader.parse($0) }
            #expect(header.compression.rawValue == encoding.codec)
            expectRoundTrip(records, decoded: try decode(compressed), baseOffset: 500, encoding.name)
        }
    }

    @Test func ourLZ4FramesUseIndependentBlocks() throws {
        // Kafka's Java reader decompresses each block on its own, so the
        // frame descriptor's FLG byte must have block independence (bit 5).
        var generator = RecordGenerator(seed: 3)
        let bytes = try RecordBatchV2.encode(generator.records(count: 300), compression: .lz4)
        let frame = BatchBytes.records(of: bytes)
        #expect(Array(frame[0..<4]) == [0x04, 0x22, 0x4D, 0x18])  // LZ4 frame magic, little-endian
        #expect(frame[4] & 0x20 != 0)
        #expect(frame[5] >> 4 & 0x07 == 4)  // block maximum size 64 KiB
    }

    @Test func compressedBatchesAreSmallerForRepetitiveRecords() throws {
        let records = (0..<500).map { LogRecord(timestamp: 1_700_000_000_000 + Int64($0), key: [UInt8]("user-\($0 % 10)"),
                                                value: [UInt8]("{\"event\":\"click\",\"page\":\"/home\"}")) }
        let plain = try RecordBatchV2.encode(records).count
        for codec in [CompressionCodec.lz4, .zstd] {
            let compressed = try RecordBatchV2.encode(records, compression: codec)
            #expect(compressed.count * 3 < plain, "\(codec): \(compressed.count) of \(plain)")
            expectRoundTrip(records, decoded: try decode(compressed), baseOffset: 0, "\(codec)")
        }
    }

    /// Each codec stops at the output bound instead of inflating on.
    @Test func decompressionIsBounded() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let limit = 64 * 1024
        for (name, codec, compressed) in [
            ("gzip", CompressionCodec.gzip, TestCompressors.gzip(zeros)),
            ("snappy", .snappy, TestCompressors.snappy(zeros)),
            ("xerial snappy", .snappy, TestCompressors.xerialSnappy(zeros)),
            ("lz4", .lz4, TestCompressors.lz4Frame(zeros)),
            ("zstd", .zstd, TestCompressors.zstd(zeros)),
        ] {
            let error = #expect(throws: LogFormatError.self, "\(name)") {
                try compressed.withUnsafeBytes { input in
                    try RecordCompression.withDecompressed(codec, input, limit: limit) { _ throws(LogFormatError) in }
                }
            }
            #expect(error?.kind == .decompressionFailed, "\(name)")
            #expect(error?.message.contains("more than \(limit) bytes") == true, "\(name): \(String(describing: error))")
            // The same input within a large enough bound decompresses whole.
            let count = try compressed.withUnsafeBytes { input in
                try RecordCompression.withDecompressed(codec, input, limit: 2 << 20) { (output) throws(LogFormatError) in
                    output.count
                }
            }
            #expect(count == zeros.count, "\(name)")
        }
    }

    @Test func truncatedCompressedStreamsAreErrors() throws {
        let input = Array((0..<20_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
        for (name, codec, compressed) in [
            ("gzip", CompressionCodec.gzip, TestCompressors.gzip(input)),
            ("snappy", .snappy, TestCompressors.snappy(input)),
            ("xerial snappy", .snappy, TestCompressors.xerialSnappy(input, blockSize: 4096)),
            ("lz4", .lz4, TestCompressors.lz4Frame(input)),
            ("zstd", .zstd, TestCompressors.zstd(input)),
        ] {
            for length in stride(from: 0, to: compressed.count, by: max(1, compressed.count / 97)) {
                let prefix = Array(compressed[..<length])
                let result = prefix.withUnsafeBytes { raw in
                    Result { () throws(LogFormatError) in
                        try RecordCompression.withDecompressed(codec, raw, limit: 1 << 20) { (output) throws(LogFormatError) in
                            Array(output)
                        }
                    }
                }
                // A prefix may by chance be a whole stream of fewer bytes
                // (xerial block boundaries); it must never yield the full input.
                if case .success(let output) = result {
                    #expect(output != input, "\(name): \(length)-byte prefix decoded to the whole input")
                    #expect(name == "xerial snappy", "\(name): \(length)-byte prefix decoded without error")
                }
            }
        }
    }

    @Test func garbageIsAnErrorForEveryCodec() throws {
        var generator = SeededRandom(seed: 99)
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            for length in [0, 1, 5, 16, 100, 4096] {
                let garbage = generator.bytes(length)
                #expect(throws: LogFormatError.self, "\(codec), \(length) bytes") {
                    try garbage.withUnsafeBytes { input in
                        try RecordCompression.withDecompressed(codec, input, limit: 1 << 20) { _ throws(LogFormatError) in }
                    }
                }
            }
        }
    }

    /// Contexts are cached per thread: a failed stream must not poison the
    /// next one, and threads must not share a context.
    @Test func cachedContextsSurviveErrorsAndConcurrency() async throws {
        let records = (0..<300).map { LogRecord(timestamp: Int64($0), key: nil, value: [UInt8]("value \($0)")) }
        for codec in [CompressionCodec.lz4, .zstd] {
            let good = try RecordBatchV2.encode(records, compression: codec)
            var broken = good
            broken.removeLast(3)
            broken = BatchBytes.replacingRecords(of: good, with: BatchBytes.records(of: broken), codec: codec.rawValue)
            #expect(throws: LogFormatError.self) { try decode(broken) }
            expectRoundTrip(records, decoded: try decode(good), baseOffset: 0, "\(codec) after an error")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var generator = RecordGenerator(seed: 500 + UInt64(task))
                    for round in 0..<10 {
                        let records = generator.records(count: 50)
                        let codec: CompressionCodec = (task + round) % 2 == 0 ? .zstd : .lz4
                        let bytes = try RecordBatchV2.encode(records, compression: codec)
                        expectRoundTrip(records, decoded: try decode(bytes), baseOffset: 0, "task \(task), round \(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
