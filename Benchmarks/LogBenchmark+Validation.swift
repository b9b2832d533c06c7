#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import Log

/// The cost of checking every record of a batch on append
/// (`RecordBatchV2.validateRecords`, which `PartitionLog.append` runs), on
/// the 100-byte pool and on the same records compressed with lz4:
///
/// - `log.append.<value>B.lz4.never`: `PartitionLog.append` of the pool's
///   records re-encoded as lz4 batches, `flush.mode=never`; against
///   `log.append.<value>B.never` (the same records uncompressed).
/// - `log.validate.<value>B` and `log.validate.<value>B.lz4`:
///   `validateRecords(crcVerified: true)` alone over the same batches as
///   the appends, no disk: what an append pays for the check (the lz4 one
///   decompresses each batch into one buffer per call).
extension LogBenchmark {
    func validationCases(pool: BatchPool) throws -> [ByteCase] {
        let lz4Batches: [[UInt8]] = try pool.batches.map { batch in
            let records = try batch.withUnsafeBytes { try RecordBatchV2.decode($0) }.map {
                LogRecord(timestamp: $0.timestamp, key: $0.key, value: $0.value)
            }
            return try RecordBatchV2.encode(records, compression: .lz4)
        }
        let batchCount = (appendBytes + pool.batchBytes - 1) / pool.batchBytes
        let recordCount = batchCount * pool.recordsPerBatch
        let lz4Bytes = (0..<batchCount).reduce(0) { $0 + lz4Batches[$1 % lz4Batches.count].count }
        let config = try TopicConfig(["flush.mode": "never"])
        let appendName = "log.append.\(pool.valueSize)B.lz4.never"
        let directory = workspace + "/" + appendName
        let lz4Pool = BatchPool(batches: lz4Batches, recordsPerBatch: pool.recordsPerBatch, valueSize: pool.valueSize)
        let append = BenchmarkCase(
            name: appendName,
            input: "PartitionLog.append of \(Format.grouped(batchCount)) lz4 batches (the records of "
                + "log.append.\(pool.valueSize)B.never, \(Format.grouped(lz4Bytes / batchCount)) bytes each on average) "
                + "into a fresh topic; flush.mode=never; timed: appends",
            records: recordCount, calls: batchCount
        ) {
            try? FileManager.default.removeItem(atPath: directory)
            Glibc.sync()
            let data = try DataDirectory.open(path: directory)
            let log = try data.createTopic(name: "bench", partitions: 1, config: config).partition(0)
            let sample = try Sample.measure {
                for index in 0..<batchCount { try log.append(&lz4Pool.batches[index % lz4Pool.batches.count]) }
            }
            let end = log.endOffset
            try data.close()
            try? FileManager.default.removeItem(atPath: directory)
            guard end == Int64(recordCount) else {
                throw BenchmarkError(description: "\(appendName): the log holds \(end) records, expected \(recordCount)")
            }
            return sample
        }
        var cases = [ByteCase(benchmark: append, bytes: lz4Bytes)]
        for (suffix, batches) in [("", pool.batches), (".lz4", lz4Batches)] {
            let name = "log.validate.\(pool.valueSize)B\(suffix)"
            let bytes = (0..<batchCount).reduce(0) { $0 + batches[$1 % batches.count].count }
            let validate = BenchmarkCase(
                name: name,
                input: "RecordBatchV2.validateRecords(crcVerified: true) of \(Format.grouped(batchCount)) "
                    + "batches\(suffix.isEmpty ? "" : " (lz4)") of \(pool.recordsPerBatch) records of "
                    + "\(pool.valueSize)-byte values, in memory: the record check of one append each",
                records: recordCount, calls: batchCount
            ) {
                try Sample.measure {
                    for index in 0..<batchCount {
                        try batches[index % batches.count].withUnsafeBytes {
                            try RecordBatchV2.validateRecords($0, crcVerified: true)
                        }
                    }
                }
            }
            cases.append(ByteCase(benchmark: validate, bytes: bytes))
        }
        return cases
    }
}
