import Core
import Foundation
import Log
import PluginHost
import Testing
import TestKit
@testable import Runtime

/// The log services' reader over a compacted partition, whose offsets have
/// gaps, and the background cleaner the services run.
@Suite struct LogClientServicesTests {
    /// A compacted topic "state" of one partition with many segments, keys
    /// that repeat and a compaction pass done; returns what a reader sees as
    /// (offset, value) in order, and the end offset.
    static func compactedTopic(at path: String, compact: Bool = true) throws -> (records: [(Int64, [UInt8])], end: Int64) {
        let data = try DataDirectory.open(path: path)
        defer { try? data.close() }
        let log = try data.createTopic(name: "state", partitions: 1, config: TopicConfig([
            "cleanup.policy": "compact", "segment.bytes": "1024", "flush.mode": "never",
        ])).partitions[0]
        var generator = SeededRandom(seed: 21)
        for batchNumber in 0 ..< 80 {
            let records = (0 ..< Int.random(in: 1 ... 9, using: &generator)).map { index in
                LogRecord(timestamp: Int64(batchNumber), key: Array("k\(Int.random(in: 0 ..< 6, using: &generator))".utf8),
                          value: Array("v\(batchNumber)-\(index)".utf8))
            }
            var batch = try RecordBatchV2.encode(records)
            try log.append(&batch)
        }
        if compact { try log.compact(force: true) }
        var records: [(Int64, [UInt8])] = []
        var offset: Int64 = 0
        while offset < log.endOffset {
            let slice = try log.read(from: offset, maxBytes: 1 << 20)
            records += try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
                .filter { $0.offset >= offset }.map { ($0.offset, $0.value ?? []) }
            offset = slice.nextOffset
        }
        return (records, log.endOffset)
    }

    @Test func readersNeverSkipOrRepeatRecordsAcrossGapsWhateverTheirMax() throws {
        let directory = try TemporaryDirectory(prefix: "services")
        let (expected, end) = try Self.compactedTopic(at: directory.path + "/data")
        #expect(expected.count < 300, "the pass removed records, leaving gaps")
        let services = LogClientServices.dataDirectory(path: directory.path + "/data", cleanerIntervalMilliseconds: nil)
        defer { services.close() }
        var generator = SeededRandom(seed: 22)
        for start in [Int64(0)] + (0 ..< 20).map({ _ in Int64.random(in: 0 ... end, using: &generator) }) {
            let reader = try services.openReader(topic: "state", partition: 0, start: .offset(start))
            var values: [[UInt8]] = []
            var previous = start
            while let (records, next) = try reader.read(max: Int.random(in: 1 ... 7, using: &generator)) {
                #expect(next > previous, "the position moves on")
                previous = next
                for index in 0 ..< records.count {
                    values.append(records.withRecord(at: index) { _, _, value in Array(value!) })
                }
            }
            #expect(values == expected.filter { $0.0 >= start }.map(\.1), "from offset \(start)")
            #expect(previous == end || values.isEmpty)
        }
    }

    @Test func theServicesRunABackgroundCleaner() throws {
        let directory = try TemporaryDirectory(prefix: "services")
        let path = directory.path + "/data"
        let (uncompacted, _) = try Self.compactedTopic(at: path, compact: false)
        let services = LogClientServices.dataDirectory(path: path, cleanerIntervalMilliseconds: 5)
        defer { services.close() }
        #expect(try services.partitionCount(topic: "state") == 1)  // opens the directory
        // A completed pass leaves the cleaner's checkpoint; wait for it (bounded).
        let checkpoint = path + "/topics/state/0/cleaner-checkpoint"
        for _ in 0 ..< 6000 where !FileManager.default.fileExists(atPath: checkpoint) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let reader = try services.openReader(topic: "state", partition: 0, start: .earliest)
        var count = 0
        while let (records, _) = try reader.read(max: 1000) { count += records.count }
        #expect(count < uncompacted.count)
    }
}
