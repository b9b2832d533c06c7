import Core
import Testing
import TestKit
@testable import Log

/// Mutants of RecordBatch v2 batches in every codec, read by both decode
/// entry points: each is a `LogFormatError` that names a byte offset, or
/// records that both entry points agree on; nothing crashes or reads past
/// the bytes given (`RecordBatchCorruptionTests.decodeBoth` decodes
/// exact-size copies). Mutants reach the records three ways: as they are
/// (the CRC refuses most), with the CRC recomputed, and with the mutated
/// records section recompressed by each codec, so that varints, lengths
/// and header counts are fuzzed inside the decompressed bytes too.
@Suite struct RecordBatchFuzzTests {
    static let iterations = 4_000
    static let seed: UInt64 = 0x5EED_0B47

    /// A batch with keys, null keys and values, headers and timestamp
    /// deltas of both signs, in every codec (gzip and snappy, which this
    /// host does not write, by the libraries directly).
    static func seeds() throws -> [[UInt8]] {
        let records = [
            LogRecord(timestamp: 10, key: [UInt8]("a"), value: [UInt8]("first"),
                      headers: [RecordHeader(key: "trace", value: [1, 2]), RecordHeader(key: "n", value: nil)]),
            LogRecord(timestamp: 12, key: nil, value: [UInt8]("second")),
            LogRecord(timestamp: 9, key: [UInt8]("c"), value: nil),
            LogRecord(timestamp: 1 << 40, key: [UInt8](repeating: 0x41, count: 200), value: [UInt8]("{\"x\":1}")),
        ]
        let plain = try RecordBatchV2.encode(records, baseOffset: 40)
        let section = BatchBytes.records(of: plain)
        return [
            plain,
            try RecordBatchV2.encode(records, baseOffset: 7, compression: .lz4),
            try RecordBatchV2.encode(records, baseOffset: 7, compression: .zstd),
            try RecordBatchV2.encode(
                [records[1]], baseOffset: 1 << 33, producerID: 5, producerEpoch: 1, baseSequence: 3,
                isTransactional: true),
            BatchBytes.replacingRecords(of: plain, with: TestCompressors.gzip(section), codec: 1),
            BatchBytes.replacingRecords(of: plain, with: TestCompressors.snappy(section), codec: 2),
            BatchBytes.replacingRecords(of: plain, with: TestCompressors.xerialSnappy(section), codec: 2),
        ]
    }

    /// The codecs a mutated records section is recompressed with.
    static let recompressions: [(codec: Int16, compress: @Sendable ([UInt8]) -> [UInt8])] = [
        (1, { TestCompressors.gzip($0) }), (2, { TestCompressors.snappy($0) }),
        (2, { TestCompressors.xerialSnappy($0) }), (3, { TestCompressors.lz4Frame($0) }),
        (4, { TestCompressors.zstd($0) }),
    ]

    /// What is wrong with the outcome of decoding `bytes`, if anything.
    static func problem(decoding bytes: [UInt8]) -> String? {
        switch RecordBatchCorruptionTests.decodeBoth(bytes) {
        case .failure(let error):
            if error.byteOffset == nil { return "an error without a byte offset: \(error)" }
            if error.message.isEmpty { return "an error without a message" }
        case .success(let records):
            let header = bytes.withUnsafeBytes { try? RecordBatchHeader.parse($0) }
            if records.count != header.map({ Int($0.recordCount) }) {
                return "\(records.count) records decoded, the header says \(String(describing: header?.recordCount))"
            }
        }
        // With the CRC skipped the records are still bounds-checked.
        let target = RecordBatch()
        let unverified = bytes.withUnsafeBytes { raw in
            Result { () throws(LogFormatError) in
                try RecordBatchV2.decode(raw, into: target, fromOffset: .min, crcVerified: true)
            }
        }
        if case .failure(let error) = unverified, error.byteOffset == nil {
            return "an error without a byte offset (CRC skipped): \(error)"
        }
        return nil
    }

    /// What is wrong with decoding `bytes` as consecutive batches (a log
    /// slice: the mutant between two good batches), if anything.
    static func problem(decodingSlice bytes: [UInt8], good: [UInt8]) -> String? {
        let slice = good + bytes + good
        let result = slice.withUnsafeBytes { raw in
            Result { () throws(RecordBatchV2.BatchesError) in try RecordBatchV2.decode(batchesIn: raw) }
        }
        switch result {
        case .failure(let error):
            guard error.batchPosition >= good.count, error.batchPosition < slice.count else {
                return "the failing batch is placed at \(error.batchPosition), outside the mutant"
            }
            if error.error.byteOffset == nil { return "a slice error without a byte offset: \(error)" }
        case .success(let records):
            let alone = bytes.withUnsafeBytes { try? RecordBatchV2.decode(batchesIn: $0) }
            if records.count != 2 * 4 + (alone?.count ?? -1) {
                return "a slice decoded to \(records.count) records around a mutant that alone gives \(String(describing: alone?.count))"
            }
        }
        return nil
    }

    @Test(.timeLimit(.minutes(10))) func mutantsAreErrorsWithAnOffsetOrRecords() throws {
        let seeds = try Self.seeds()
        for seed in seeds { #expect(Self.problem(decoding: seed) == nil) }
        var fuzzer = MutationFuzzer(seed: Self.seed, seeds: seeds)
        var decoded = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            var mutant = fuzzer.next()
            switch iteration % 3 {
            case 0:
                break
            case 1:
                if mutant.count >= RecordBatchHeader.size { BatchBytes.reseal(&mutant) }
            default:
                // Mutate the plain records, then compress them: the
                // decompressed bytes are what is malformed.
                let plain = seeds[0]
                let records = fuzzer.mutate(BatchBytes.records(of: plain))
                let codec = Self.recompressions[fuzzer.below(Self.recompressions.count)]
                mutant = BatchBytes.replacingRecords(of: plain, with: codec.compress(records), codec: codec.codec)
            }
            if let problem = Self.problem(decoding: mutant) ?? Self.problem(decodingSlice: mutant, good: seeds[0]),
               failures.count < 10
            {
                failures.append("seed \(fuzzer.seed) iteration \(iteration): \(problem): \(MutationFuzzer.describe(mutant))")
            }
            if (try? mutant.withUnsafeBytes { try RecordBatchV2.decode($0) }) != nil { decoded += 1 }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // Some mutants survive (a changed value byte, offset or timestamp).
        #expect(decoded > 0)
    }
}
