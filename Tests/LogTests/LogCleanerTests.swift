import Dispatch
import Foundation
import Synchronization
import Testing
import TestKit
@testable import Log

/// Compaction over a data directory: on demand, in the background, and of
/// the consumer-offsets topic.
@Suite("LogCleaner")
struct LogCleanerTests {
    @Test func compactOnDemandCoversEveryPartitionAndRefusesTopicsThatDoNotCompact() throws {
        let directory = try TemporaryDirectory(prefix: "cleaner")
        let data = try DataDirectory.open(path: directory.path + "/data", logger: LogCapture().logger)
        defer { try? data.close() }
        // A day of delete.retention.ms: kept tombstones do not make the next pass due.
        let topic = try data.createTopic(
            name: "profiles", partitions: 3, config: CompactionFixtures.config(["delete.retention.ms": "86400000"]))
        try data.createTopic(name: "events", partitions: 1)
        var models = Array(repeating: CompactionModel(deleteRetentionMs: 86_400_000), count: 3)
        var generator = SeededRandom(seed: 12)
        for index in 0 ..< 90 {
            let number = index % 3
            try CompactionFixtures.append(
                CompactionFixtures.records(count: 5, keys: 6, timestamp: Int64(index), generator: &generator),
                to: topic.partitions[number], model: &models[number])
        }
        let ends = topic.partitions.map { $0.segmentBaseOffsets.last! }
        let results = try data.compact(topic: "profiles")
        #expect(results.map(\.partition.partition) == [0, 1, 2])
        for (number, result) in results.enumerated() {
            #expect(result.skipped == nil, "\(result)")
            #expect(result.compactedBelowOffset == ends[number])
            models[number].pass(end: ends[number], now: 0)
            #expect(CompactionFixtures.difference(
                try CompactionFixtures.read(topic.partitions[number], from: 0), models[number].visible) == nil)
        }
        #expect(throws: LogError.notCompacted(topic: "events", policy: "delete")) { try data.compact(topic: "events") }
        #expect(throws: LogError.unknownTopic("nope")) { try data.compact(topic: "nope") }
        #expect(LogError.notCompacted(topic: "events", policy: "delete").description.contains(
            "streamhost topics alter events --config cleanup.policy=compact"))

        // compactAll passes over compacted topics only, and only where due.
        let all = try data.compactAll()
        #expect(all.count == 3)
        #expect(all.allSatisfy { $0.skipped?.contains("nothing was appended") == true }, "\(all)")
    }

    @Test func theBackgroundCleanerCompactsWhileAppendsGoOn() throws {
        let directory = try TemporaryDirectory(prefix: "cleaner")
        let data = try DataDirectory.open(path: directory.path + "/data", logger: LogCapture().logger)
        defer { try? data.close() }
        let log = try data.createTopic(
            name: "state", partitions: 1, config: CompactionFixtures.config(["min.cleanable.dirty.ratio": "0.1"])
        ).partitions[0]
        let compacted = Mutex<[CompactionResult]>([])
        let round = DispatchSemaphore(value: 0)
        let cleaner = LogCleaner(directory: data, intervalMilliseconds: 5, logger: LogCapture().logger) { results in
            compacted.withLock { $0 += results.filter { $0.skipped == nil } }
            round.signal()
        }
        cleaner.start()
        cleaner.start()  // harmless
        var model = CompactionModel(deleteRetentionMs: 0)
        var generator = SeededRandom(seed: 13)
        // Appends go on while the cleaner runs its rounds; wait (bounded) for
        // rounds that compacted, without assuming how long anything takes.
        var index = 0
        var waited = 0
        while compacted.withLock({ $0.count }) < 3 && waited < 2_000 {
            for _ in 0 ..< 20 {
                try CompactionFixtures.append(
                    CompactionFixtures.records(count: 5, keys: 10, timestamp: Int64(index), generator: &generator),
                    to: log, model: &model)
                index += 1
            }
            _ = round.wait(timeout: .now() + .milliseconds(100))
            waited += 1
        }
        cleaner.stop()
        cleaner.stop()  // harmless
        let results = compacted.withLock { $0 }
        #expect(results.count >= 3, "the cleaner should have compacted in several rounds")
        // Replaying the passes in order gives what a reader sees.
        for result in results { model.pass(end: result.compactedBelowOffset, now: 0) }
        #expect(CompactionFixtures.difference(try CompactionFixtures.read(log, from: 0), model.visible) == nil)
        #expect(results.map(\.compactedBelowOffset) == results.map(\.compactedBelowOffset).sorted())
    }

    @Test func consumerOffsetsAreCompactedAndReadBackRight() throws {
        let directory = try TemporaryDirectory(prefix: "cleaner")
        let path = directory.path + "/data"
        var data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        var groups = try ConsumerGroups(directory: data)
        let config = try data.topic(named: ConsumerGroups.topicName).config
        #expect(config.cleanupPolicy == .compact)
        #expect(config.segmentBytes == ConsumerGroups.segmentBytes)
        #expect(config.retentionMs == -1)
        // Small segments so that commits fill several.
        try data.alterConfig(topic: ConsumerGroups.topicName, changes: ["segment.bytes": "1024", "flush.mode": "never"])
        var expected: [ConsumerGroups.Key: Int64] = [:]
        var generator = SeededRandom(seed: 14)
        for offset in Int64(0) ..< 600 {
            let key = ConsumerGroups.Key(
                group: "g\(Int.random(in: 0 ..< 3, using: &generator))", topic: "orders",
                partition: Int.random(in: 0 ..< 4, using: &generator))
            try groups.commit(group: key.group, topic: key.topic, partition: key.partition, offset: offset)
            expected[key] = offset
        }
        let log = try data.topic(named: ConsumerGroups.topicName).partitions[0]
        let sizeBefore = log.sizeInBytes
        let result = try #require(try data.compact(topic: ConsumerGroups.topicName).first)
        #expect(result.skipped == nil)
        #expect(result.recordsKept <= expected.count, "one record per key below the active segment")
        #expect(log.sizeInBytes < sizeBefore / 4, "\(log.sizeInBytes) bytes after compaction, \(sizeBefore) before")
        #expect(groups.all.map(\.offset) == expected.sorted { $0.key < $1.key }.map(\.value))

        // A fresh table is rebuilt from the compacted topic.
        try data.close()
        data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        groups = try ConsumerGroups(directory: data)
        #expect(groups.all.map(\.key) == expected.keys.sorted())
        #expect(groups.all.map(\.offset) == expected.sorted { $0.key < $1.key }.map(\.value))
        try data.close()
    }

    @Test func anOffsetsTopicFromAnOlderBuildIsSwitchedToCompact() throws {
        let directory = try TemporaryDirectory(prefix: "cleaner")
        let data = try DataDirectory.open(path: directory.path + "/data", logger: LogCapture().logger)
        defer { try? data.close() }
        try data.createTopic(name: ConsumerGroups.topicName, partitions: 1)
        _ = try ConsumerGroups(directory: data)
        #expect(try data.topic(named: ConsumerGroups.topicName).config.cleanupPolicy == .compact)
    }
}
