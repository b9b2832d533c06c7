import Foundation
import Log
import Testing
import TestKit

/// Append throughput of one partition, run on demand:
///
///     STREAMHOST_LOG_THROUGHPUT=1 swift test -c release --filter PartitionThroughput
///
/// Appends 16 KB batches (16 records of 1000-byte values, uncompressed) to
/// a fresh partition under the system's temporary directory, with
/// segment.bytes = 256 MiB, and prints MB/s for `flush.mode=never` (page
/// cache only) and `flush.mode=bytes` with flush.bytes = 1 MiB (one fsync
/// per MiB appended); the final flush is not timed. Each append copies the
/// batch (append takes it inout and sets its base offset), validates header
/// and CRC, and pwrites it. The cases run one after the other.
@Suite("PartitionLog throughput", .serialized, .enabled(if: ProcessInfo.processInfo.environment["STREAMHOST_LOG_THROUGHPUT"] != nil))
struct PartitionThroughputTests {
    static let totalBytes = 512 << 20

    @Test(arguments: [("never", [String: String]()), ("bytes", ["flush.bytes": "\(1 << 20)"])])
    func appendThroughput(mode: String, extra: [String: String]) throws {
        let directory = try TemporaryDirectory(prefix: "throughput")
        var properties = ["flush.mode": mode, "segment.bytes": "\(256 << 20)"]
        for (key, value) in extra { properties[key] = value }
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(properties), logger: LogCapture().logger)
        let template = StorageFixtures.batch(records: 16, valueBytes: 1000)
        let count = Self.totalBytes / template.count
        let start = Date()
        for _ in 0 ..< count {
            var batch = template
            try log.append(&batch)
        }
        // The clock stops before the final flush: "never" then measures
        // appends into the page cache alone, and "bytes" has fsynced all but
        // the last partial MiB.
        let seconds = Date().timeIntervalSince(start)
        try log.flush()
        let megabytes = Double(count * template.count) / 1_000_000
        print("append \(mode) \(properties): \(count) batches of \(template.count) bytes, "
            + "\(String(format: "%.0f", megabytes)) MB in \(String(format: "%.2f", seconds)) s = "
            + "\(String(format: "%.0f", megabytes / seconds)) MB/s")
        #expect(log.endOffset == Int64(count * 16))
        #expect(log.sizeInBytes == count * template.count)
        try log.close()
    }
}
