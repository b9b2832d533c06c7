#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import Log

/// Transactional appends against plain ones, the same records and the same
/// durability:
///
/// - `log.append.<value>B.encoded.fsync-per-MiB`: each batch is encoded from
///   its records (`RecordBatchV2.encode` of `LogRecord`s) and appended with
///   `PartitionLog.append`; `flush.mode=bytes`, `flush.bytes=1048576`,
///   timed with the final `flush()`.
/// - `log.append.<value>B.encoded.txn-per-MiB`: the same records through
///   `TransactionCoordinator.append` (encoded as transactional batches), in
///   transactions of 1 MiB of batches, each committed (fsync of the data,
///   two fsynced registry records, a marker): what an exactly-once sink
///   does with a checkpoint per MiB. Same topic config.
extension LogBenchmark {
    func transactionalAppendCases(pool: BatchPool) throws -> [ByteCase] {
        let records: [[LogRecord]] = try pool.batches.map { batch in
            try batch.withUnsafeBytes { try RecordBatchV2.decode($0) }.map {
                LogRecord(timestamp: $0.timestamp, key: $0.key, value: $0.value)
            }
        }
        let batchCount = (appendBytes + pool.batchBytes - 1) / pool.batchBytes
        let bytes = batchCount * pool.batchBytes
        let recordCount = batchCount * pool.recordsPerBatch
        let batchesPerTransaction = Swift.max(1, flushBytes / pool.batchBytes)
        let config = try TopicConfig(["flush.mode": "bytes", "flush.bytes": String(flushBytes)])
        var cases: [ByteCase] = []
        for transactional in [false, true] {
            let name = "log.append.\(pool.valueSize)B.encoded.\(transactional ? "txn-per-MiB" : "fsync-per-MiB")"
            let directory = workspace + "/" + name
            let input = "\(Format.grouped(batchCount)) batches of \(pool.recordsPerBatch) records of "
                + "\(pool.valueSize)-byte values, each encoded from LogRecords and appended "
                + (transactional
                    ? "with TransactionCoordinator.append, a transaction committed every \(batchesPerTransaction) batches"
                    : "with PartitionLog.append")
                + "; flush.mode=bytes, flush.bytes=\(flushBytes); timed: encode + appends"
                + (transactional ? " + commits" : " + final flush()")
            cases.append(ByteCase(benchmark: BenchmarkCase(name: name, input: input, records: recordCount,
                                                           calls: batchCount) {
                try? FileManager.default.removeItem(atPath: directory)
                Glibc.sync()
                let data = try DataDirectory.open(path: directory)
                let log = try data.createTopic(name: "bench", partitions: 1, config: config).partition(0)
                let coordinator = data.transactions
                var transactions = 0
                let sample = try Sample.measure {
                    var handle: TransactionHandle?
                    for index in 0..<batchCount {
                        let batch = records[index % records.count]
                        if transactional {
                            if handle == nil {
                                handle = try coordinator.begin(transactionalId: "bench")
                                transactions += 1
                            }
                            try coordinator.append(handle!, topic: "bench", partition: 0, records: batch)
                            if (index + 1) % batchesPerTransaction == 0 {
                                try coordinator.commit(handle!)
                                handle = nil
                            }
                        } else {
                            var encoded = try RecordBatchV2.encode(batch)
                            try log.append(&encoded)
                        }
                    }
                    if let handle { try coordinator.commit(handle) }
                    if !transactional { try log.flush() }
                }
                let end = log.endOffset
                let visible = log.lastStableOffset
                try data.close()
                try? FileManager.default.removeItem(atPath: directory)
                // Each transaction adds one marker offset.
                guard end == Int64(recordCount + transactions), visible == end else {
                    throw BenchmarkError(description: "\(name): the log ends at \(end) (stable \(visible)), expected "
                        + "\(recordCount) records and \(transactions) markers")
                }
                return sample
            }, bytes: bytes))
        }
        return cases
    }
}
