import Log
import Testing
import TestKit

/// What the former throughput test checked besides its timing (the
/// measurement itself is Benchmark 3's `log.append.*` cases, in
/// streamhost-bench): after appending 16 KB batches in either flush mode,
/// the partition holds every record and exactly the bytes appended, and a
/// final flush makes them all durable.
@Suite("PartitionLog append accounting")
struct PartitionAppendAccountingTests {
    @Test(arguments: [("never", [String: String]()), ("bytes", ["flush.bytes": "\(1 << 20)"])])
    func appendsAreCountedExactly(mode: String, extra: [String: String]) throws {
        let directory = try TemporaryDirectory(prefix: "accounting")
        var properties = ["flush.mode": mode, "segment.bytes": "\(256 << 20)"]
        for (key, value) in extra { properties[key] = value }
        let log = try PartitionLog.open(
            directory: directory.path + "/t/0", config: StorageFixtures.config(properties), logger: LogCapture().logger)
        let template = StorageFixtures.batch(records: 16, valueBytes: 1000)
        // A little over 2 MiB: the bytes mode fsyncs twice on the way.
        let count = (2 << 20) / template.count + 3
        for _ in 0 ..< count {
            var batch = template
            try log.append(&batch)
        }
        #expect(log.endOffset == Int64(count * 16))
        #expect(log.sizeInBytes == count * template.count)
        try log.flush()
        #expect(log.flushedOffset == log.endOffset)
        try log.close()
    }
}
