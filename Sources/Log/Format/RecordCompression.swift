import CLZ4
import CSnappy
import CZlib
import CZstd

/// The codecs of a RecordBatch v2's records section, over Debian's zlib,
/// snappy, lz4 and zstd.
///
/// Reads all five codecs in the framings Kafka clients write: gzip (RFC
/// 1952, as Java's GZIPOutputStream writes it; zlib-wrapped and concatenated
/// members are accepted too), snappy (raw, or the xerial "SNAPPY" block
/// framing of Kafka's Java client), lz4 (the LZ4 frame format) and zstd
/// (frame format). Writes lz4 and zstd.
///
/// # Thread safety
/// Any thread may call; zstd and lz4 contexts come from `CodecContexts`,
/// one per thread.
enum RecordCompression {
    /// lz4's fast mode. Frames use 64 KiB independent blocks: Kafka's Java
    /// reader decompresses every block on its own, so linked blocks (the
    /// lz4frame default) would be unreadable to it.
    static let lz4CompressionLevel: Int32 = 0
    /// Kafka's default `compression.zstd.level`.
    static let zstdCompressionLevel: Int32 = 3

    // MARK: Compressing

    /// The most bytes `compress` can write for `inputCount` bytes.
    static func compressBound(_ codec: CompressionCodec, inputCount: Int) throws(LogFormatError) -> Int {
        switch codec {
        case .none:
            return inputCount
        case .lz4:
            var preferences = lz4Preferences()
            return LZ4F_compressFrameBound(inputCount, &preferences)
        case .zstd:
            return ZSTD_compressBound(inputCount)
        case .gzip, .snappy:
            throw LogFormatError(
                .unsupportedCompression, "writing \(codec) is not supported; write none, lz4 or zstd")
        }
    }

    /// Compresses `input` into `output` (at least `compressBound` bytes) and
    /// returns the bytes written.
    static func compress(
        _ codec: CompressionCodec, _ input: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawPointer, capacity: Int
    ) throws(LogFormatError) -> Int {
        switch codec {
        case .none:
            precondition(input.count <= capacity)
            if input.count > 0 { output.copyMemory(from: input.baseAddress!, byteCount: input.count) }
            return input.count
        case .lz4:
            var preferences = lz4Preferences()
            let written = LZ4F_compressFrame(output, capacity, input.baseAddress, input.count, &preferences)
            guard LZ4F_isError(written) == 0 else {
                throw LogFormatError(.compressionFailed, "lz4: \(String(cString: LZ4F_getErrorName(written)))")
            }
            return written
        case .zstd:
            guard let context = CodecContexts.zstdCompression() else {
                throw LogFormatError(.compressionFailed, "zstd: cannot allocate a compression context")
            }
            let written = ZSTD_compressCCtx(
                context, output, capacity, input.baseAddress, input.count, zstdCompressionLevel)
            guard ZSTD_isError(written) == 0 else {
                throw LogFormatError(.compressionFailed, "zstd: \(String(cString: ZSTD_getErrorName(written)))")
            }
            return written
        case .gzip, .snappy:
            throw LogFormatError(
                .unsupportedCompression, "writing \(codec) is not supported; write none, lz4 or zstd")
        }
    }

    private static func lz4Preferences() -> LZ4F_preferences_t {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum
        preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
        preferences.compressionLevel = lz4CompressionLevel
        return preferences
    }

    // MARK: Decompressing

    /// Decompresses `input` and calls `body` with the result, which is valid
    /// only inside `body`. Errors name byte 61 of the batch, where the
    /// compressed records start; more than `limit` bytes of output is an error.
    static func withDecompressed<R>(
        _ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, limit: Int,
        _ body: (UnsafeRawBufferPointer) throws(LogFormatError) -> R
    ) throws(LogFormatError) -> R {
        if codec == .none { return try body(input) }
        var output = OutputBuffer(initialCapacity: min(limit, max(input.count * 4, 4096)), limit: limit)
        defer { output.deallocate() }
        switch codec {
        case .none:
            preconditionFailure("handled above")
        case .gzip:
            try inflateGzip(input, into: &output)
        case .snappy:
            try uncompressSnappy(input, into: &output)
        case .lz4:
            try decompressLZ4(input, into: &output)
        case .zstd:
            try decompressZstd(input, into: &output)
        }
        return try body(UnsafeRawBufferPointer(start: output.base, count: output.count))
    }

    static func failure(_ codec: CompressionCodec, _ message: String) -> LogFormatError {
        LogFormatError(.decompressionFailed, "\(codec): \(message)", at: RecordBatchHeader.Field.records)
    }

    /// Growable output for the streaming decoders, bounded by `limit`.
    struct OutputBuffer {
        private(set) var base: UnsafeMutableRawPointer
        private(set) var capacity: Int
        var count = 0
        let limit: Int

        init(initialCapacity: Int, limit: Int) {
            capacity = max(initialCapacity, 1)
            base = .allocate(byteCount: capacity, alignment: 16)
            self.limit = limit
        }

        var free: Int { capacity - count }
        var end: UnsafeMutableRawPointer { base + count }

        /// Makes room for at least `needed` more bytes (at least doubling);
        /// false when that would pass the limit.
        mutating func reserve(_ needed: Int = 1) -> Bool {
            guard count + needed > capacity else { return true }
            guard count + needed <= limit else { return false }
            let newCapacity = min(limit, max(capacity * 2, count + needed))
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
            return true
        }

        func deallocate() { base.deallocate() }
    }

    private static func tooLarge(_ codec: CompressionCodec, _ limit: Int) -> LogFormatError {
        failure(codec, "records decompress to more than \(limit) bytes (RecordBatchV2.decompressedBytesMax)")
    }

    // gzip: zlib's inflate with automatic gzip/zlib header detection.
    private static func inflateGzip(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer) throws(LogFormatError) {
        guard input.count > 0 else { throw failure(.gzip, "the compressed records are empty") }
        var stream = z_stream()
        // 15 window bits + 32: detect a gzip or a zlib header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw failure(.gzip, "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            guard output.reserve() else { throw tooLarge(.gzip, output.limit) }
            let chunk = min(output.free, Int(UInt32.max))
            stream.next_out = output.end.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(chunk)
            let status = inflate(&stream, Z_NO_FLUSH)
            output.count += chunk - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                // Java's GZIPInputStream reads concatenated members; so do we.
                if stream.avail_in == 0 { return }
                guard inflateReset(&stream) == Z_OK else { throw failure(.gzip, "inflateReset failed") }
            case Z_OK, Z_BUF_ERROR:
                if stream.avail_out > 0 && stream.avail_in == 0 {
                    throw failure(.gzip, "the compressed records end in the middle of the stream")
                }
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "inflate returned \(status)"
                throw failure(.gzip, detail)
            }
        }
    }

    /// The xerial snappy-java stream header: 0x82 "SNAPPY" 0x00, then a
    /// big-endian version and minimum compatible version.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderSize = 16

    private static func uncompressSnappy(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer) throws(LogFormatError) {
        let isXerial = input.count >= xerialMagic.count && xerialMagic.withUnsafeBytes {
            $0.elementsEqual(UnsafeRawBufferPointer(rebasing: input[..<xerialMagic.count]))
        }
        guard isXerial else {
            try uncompressSnappyBlock(input, into: &output)
            return
        }
        guard input.count >= xerialHeaderSize else {
            throw failure(.snappy, "xerial header of \(xerialHeaderSize) bytes is cut short")
        }
        var position = xerialHeaderSize
        while position < input.count {
            guard input.count - position >= 4 else {
                throw failure(.snappy, "xerial block length at byte \(position) of the compressed records is cut short")
            }
            let length = input.loadBigEndian(at: position, as: Int32.self)
            guard length >= 0, Int(length) <= input.count - position - 4 else {
                throw failure(
                    .snappy, "xerial block length \(length) at byte \(position) of the compressed records is out of bounds")
            }
            position += 4
            try uncompressSnappyBlock(UnsafeRawBufferPointer(rebasing: input[position ..< position + Int(length)]), into: &output)
            position += Int(length)
        }
    }

    private static func uncompressSnappyBlock(_ block: UnsafeRawBufferPointer, into output: inout OutputBuffer) throws(LogFormatError) {
        guard block.count > 0 else { throw failure(.snappy, "a compressed block is empty") }
        let source = block.baseAddress!.assumingMemoryBound(to: CChar.self)
        var length = 0
        guard snappy_uncompressed_length(source, block.count, &length) == SNAPPY_OK else {
            throw failure(.snappy, "a block's uncompressed length is unreadable")
        }
        guard length <= output.limit - output.count, output.reserve(length) else { throw tooLarge(.snappy, output.limit) }
        var written = length
        guard snappy_uncompress(source, block.count, output.end.assumingMemoryBound(to: CChar.self), &written) == SNAPPY_OK,
              written == length
        else {
            throw failure(.snappy, "a block is corrupt")
        }
        output.count += written
    }

    private static func decompressLZ4(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer) throws(LogFormatError) {
        guard input.count > 0 else { throw failure(.lz4, "the compressed records are empty") }
        guard let context = CodecContexts.lz4Decompression() else {
            throw failure(.lz4, "cannot create a decompression context")
        }
        var consumed = 0
        while true {
            guard output.reserve() else { throw tooLarge(.lz4, output.limit) }
            var produced = output.free
            var taken = input.count - consumed
            let hint = LZ4F_decompress(context, output.end, &produced, input.baseAddress! + consumed, &taken, nil)
            guard LZ4F_isError(hint) == 0 else {
                throw failure(.lz4, String(cString: LZ4F_getErrorName(hint)))
            }
            consumed += taken
            output.count += produced
            if hint == 0 && consumed == input.count { return }
            if taken == 0 && produced == 0 && output.free > 0 { throw failure(.lz4, "the decoder made no progress") }
            if consumed == input.count && output.free > 0 {
                throw failure(.lz4, "the compressed records end in the middle of a frame")
            }
        }
    }

    private static func decompressZstd(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer) throws(LogFormatError) {
        guard input.count > 0 else { throw failure(.zstd, "the compressed records are empty") }
        guard let context = CodecContexts.zstdDecompression() else {
            throw failure(.zstd, "cannot create a decompression context")
        }
        // Frames written in one shot (ours, and most libraries') state their
        // size: decode those straight into a buffer of that size. Streaming
        // remains for frames without it, several frames, and errors.
        let contentSize = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if contentSize < UInt64.max - 1, contentSize <= UInt64(output.limit), output.reserve(Int(contentSize)) {
            let written = ZSTD_decompressDCtx(context, output.end, output.free, input.baseAddress, input.count)
            if ZSTD_isError(written) == 0 && written == Int(contentSize) {
                output.count += written
                return
            }
            ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        }
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            guard output.reserve() else { throw tooLarge(.zstd, output.limit) }
            var target = ZSTD_outBuffer(dst: output.end, size: output.free, pos: 0)
            let consumedBefore = source.pos
            let hint = ZSTD_decompressStream(context, &target, &source)
            guard ZSTD_isError(hint) == 0 else {
                throw failure(.zstd, String(cString: ZSTD_getErrorName(hint)))
            }
            output.count += target.pos
            if hint == 0 && source.pos == source.size { return }
            if source.pos == consumedBefore && target.pos == 0 && target.size > 0 {
                throw failure(.zstd, "the decoder made no progress")
            }
            if source.pos == source.size && target.pos < target.size {
                throw failure(.zstd, "the compressed records end in the middle of a frame")
            }
        }
    }
}
