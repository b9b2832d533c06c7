import Foundation
import Log
import Testing
import TestKit

@Suite("DataDirectory")
struct DataDirectoryTests {
    @Test func topicsAreCreatedListedAndKeptAcrossReopen() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path + "/data", logger: LogCapture().logger)
        try data.createTopic(name: "orders", partitions: 3, config: StorageFixtures.config(["segment.bytes": "2048"]))
        try data.createTopic(name: "audit.log-v2_b", partitions: 1)
        try data.createTopic(name: "Alpha", partitions: 2)
        #expect(data.topics == ["Alpha", "audit.log-v2_b", "orders"])

        let orders = try data.topic(named: "orders")
        #expect(orders.partitionCount == 3)
        #expect(orders.config.segmentBytes == 2048)
        for number in 0 ..< 3 {
            var batch = StorageFixtures.batch(records: number + 1)
            try orders.partition(number).append(&batch)
        }
        #expect(throws: LogError.unknownPartition(topic: "orders", partition: 3, partitionCount: 3)) {
            try orders.partition(3)
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/data/topics/orders/2/00000000000000000000.log"))
        let metadata = try String(contentsOfFile: directory.path + "/data/topics/orders/config.json", encoding: .utf8)
        #expect(metadata.contains("\"segment.bytes\" : 2048"))
        #expect(metadata.contains("\"partitions\" : 3"))
        try data.close()

        let reopened = try DataDirectory.open(path: directory.path + "/data", logger: LogCapture().logger)
        #expect(reopened.topics == ["Alpha", "audit.log-v2_b", "orders"])
        let again = try reopened.topic(named: "orders")
        #expect(again.config.segmentBytes == 2048)
        #expect(try again.partitions.map(\.endOffset) == [1, 2, 3])
        #expect(try again.partition(1).partition == TopicPartition(topic: "orders", partition: 1))
        try reopened.close()
    }

    @Test(arguments: [
        ("", "empty"), (".", "'.' and '..'"), ("..", "'.' and '..'"), ("a/b", "'/'"), ("a b", "' '"),
        ("zürich", "U+FC"), ("tab\t", "U+9"), (String(repeating: "x", count: 250), "250 characters"),
    ])
    func topicNamesFollowKafkasRules(name: String, reason: String) throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        do {
            try data.createTopic(name: name, partitions: 1)
            Issue.record("'\(name)' was accepted")
        } catch {
            guard case .invalidTopicName(name, _) = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.description.contains("[A-Za-z0-9._-]"))
        }
        #expect(data.topics.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/topics").isEmpty)
        // The longest allowed name works.
        try data.createTopic(name: String(repeating: "y", count: 249), partitions: 1)
    }

    @Test func partitionCountsAndDuplicatesAreRefused() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        for count in [0, -1, TopicLimits.partitionsMax + 1] {
            #expect(throws: LogError.invalidPartitionCount(topic: "t", count: count)) {
                try data.createTopic(name: "t", partitions: count)
            }
        }
        try data.createTopic(name: "t", partitions: 1)
        #expect(throws: LogError.topicExists("t")) { try data.createTopic(name: "t", partitions: 2) }
        #expect(throws: LogError.unknownTopic("u")) { try data.topic(named: "u") }
        #expect(throws: LogError.unknownTopic("u")) { try data.deleteTopic(named: "u") }
        #expect(try data.topic(named: "t").partitionCount == 1)
    }

    @Test func aSecondOpenerIsRefusedNamingTheHoldersPid() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let first = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        do {
            _ = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
            Issue.record("a second open of a locked data directory succeeded")
        } catch {
            #expect(error == .dataDirectoryLocked(path: directory.path, pid: getpid()))
            #expect(error.description.contains("in use by process \(getpid())"))
        }
        try first.close()
        let second = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        try second.close()
    }

    @Test func aLockHeldByAnotherProcessIsRefusedNamingItsPid() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        try "4242\n".write(toFile: directory.path + "/lock", atomically: false, encoding: .utf8)
        // flock(1) holds the same kind of lock the data directory takes,
        // from another process, until the test releases it: `held` says it
        // has the lock, `release` lets it go.
        let held = directory.path + "/held"
        let release = directory.path + "/release"
        let holder = Thread {
            _ = try? ProcessRunner.run(
                "flock", ["--exclusive", directory.path + "/lock", "sh", "-c",
                          "touch \"$0\"; while [ ! -e \"$1\" ]; do sleep 0.01; done", held, release],
                timeoutSeconds: 120)
        }
        holder.start()
        try #require(ProgressWait.until { FileManager.default.fileExists(atPath: held) })
        #expect(throws: LogError.dataDirectoryLocked(path: directory.path, pid: 4242)) {
            try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        }
        // Once the holder exits, the kernel releases its lock.
        FileManager.default.createFile(atPath: release, contents: nil)
        try #require(ProgressWait.until { holder.isFinished })
        let reopened = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        try reopened.close()
    }

    @Test func deleteTopicRemovesItsFilesAndClosesItsPartitions() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        let topic = try data.createTopic(name: "gone", partitions: 2)
        var batch = StorageFixtures.batch()
        try topic.partition(0).append(&batch)
        try data.createTopic(name: "kept", partitions: 1)
        try data.deleteTopic(named: "gone")
        #expect(data.topics == ["kept"])
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/topics/gone"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/trash").isEmpty)
        #expect(throws: LogError.partitionClosed(TopicPartition(topic: "gone", partition: 0))) {
            try topic.partition(0).append(&batch)
        }
        // The name is free again, with fresh partitions.
        let recreated = try data.createTopic(name: "gone", partitions: 1)
        #expect(try recreated.partition(0).endOffset == 0)
    }

    @Test func alterConfigIsValidatedStoredAndApplied() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let path = directory.path + "/data"
        let data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        let topic = try data.createTopic(name: "t", partitions: 2)
        let file = path + "/topics/t/config.json"
        let before = try String(contentsOfFile: file, encoding: .utf8)

        // One bad value: nothing changes, in memory or on disk.
        do {
            try data.alterConfig(topic: "t", changes: ["retention.ms": "1000", "segment.bytes": "12"])
            Issue.record("segment.bytes=12 was accepted")
        } catch {
            guard case .invalidConfig("segment.bytes", "12", _) = error else { Issue.record("\(error)"); return }
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before)
        #expect(topic.config == TopicConfig())

        let changed = try data.alterConfig(topic: "t", changes: ["retention.ms": "1000", "flush.mode": "never"])
        #expect(changed.retentionMs == 1000)
        #expect(topic.config == changed)
        #expect(topic.partitions.allSatisfy { $0.config == changed })
        let reset = try data.alterConfig(topic: "t", changes: [:], resetting: ["retention.ms"])
        #expect(reset.retentionMs == TopicConfig().retentionMs)
        #expect(reset.flushMode == .never)
        #expect(throws: LogError.unknownTopic("u")) { try data.alterConfig(topic: "u", changes: [:]) }
        try data.close()

        let reopened = try DataDirectory.open(path: path, logger: LogCapture().logger)
        #expect(try reopened.topic(named: "t").config == reset)
        try reopened.close()
    }

    @Test(arguments: ["not json", "bad value", "newer version", "missing partition", "missing file"])
    func unusableMetadataIsReportedWithItsPath(damage: String) throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let path = directory.path
        let data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        try data.createTopic(name: "t", partitions: 2)
        try data.close()
        let file = path + "/topics/t/config.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        switch damage {
        case "not json": try "{ \"version\": 1, ".write(toFile: file, atomically: true, encoding: .utf8)
        case "bad value":
            try text.replacingOccurrences(of: "\"flush.mode\" : \"every-append\"", with: "\"flush.mode\" : \"sometimes\"")
                .write(toFile: file, atomically: true, encoding: .utf8)
        case "newer version":
            try text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9")
                .write(toFile: file, atomically: true, encoding: .utf8)
        case "missing partition": try FileManager.default.removeItem(atPath: path + "/topics/t/1")
        default: try FileManager.default.removeItem(atPath: file)
        }
        do {
            _ = try DataDirectory.open(path: path, logger: LogCapture().logger)
            Issue.record("opened with damaged metadata")
        } catch {
            guard case .corruptMetadata(file, _) = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains(file))
            if damage == "bad value" { #expect(error.description.contains("flush.mode=sometimes")) }
            if damage == "newer version" { #expect(error.description.contains("version 9")) }
        }
        // The failed open released the lock: fixing the file is enough.
        if damage != "missing partition" && damage != "missing file" {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let fixed = try DataDirectory.open(path: path, logger: LogCapture().logger)
            #expect(fixed.topics == ["t"])
            try fixed.close()
        }
    }

    @Test func interruptedCreatesAndDeletesAreCleanedUpAtOpen() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        for leftover in ["staging/half/0", "trash/old.123/0"] {
            try FileManager.default.createDirectory(
                atPath: directory.path + "/" + leftover, withIntermediateDirectories: true)
        }
        FileManager.default.createFile(atPath: directory.path + "/trash/old.123/0/00000000000000000000.log", contents: Data([1]))
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        #expect(data.topics.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/staging"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/trash"))
        try data.close()
    }

    @Test func aClosedDataDirectoryRefusesWork() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        let topic = try data.createTopic(name: "t", partitions: 1)
        try data.close()
        try data.close()
        #expect(throws: LogError.dataDirectoryClosed(path: directory.path)) { try data.topic(named: "t") }
        #expect(throws: LogError.dataDirectoryClosed(path: directory.path)) { try data.createTopic(name: "u", partitions: 1) }
        var batch = StorageFixtures.batch()
        #expect(throws: LogError.partitionClosed(TopicPartition(topic: "t", partition: 0))) {
            try topic.partition(0).append(&batch)
        }
    }

    @Test func retentionRunsOverEveryPartition() throws {
        let directory = try TemporaryDirectory(prefix: "data")
        let data = try DataDirectory.open(path: directory.path, logger: LogCapture().logger)
        let config = StorageFixtures.config(["segment.bytes": "1024", "retention.ms": "1000", "flush.mode": "never"])
        let topics = [try data.createTopic(name: "a", partitions: 2, config: config), try data.createTopic(name: "b", partitions: 1, config: config)]
        for topic in topics {
            for partition in topic.partitions {
                for index in 0 ..< 12 {
                    var batch = StorageFixtures.batch(records: 1, valueBytes: 300, timestamp: Int64(index) * 100)
                    try partition.append(&batch)
                }
            }
        }
        let segmentsBefore = topics.flatMap(\.partitions).map(\.segmentCount)
        #expect(segmentsBefore.allSatisfy { $0 > 2 })
        let deleted = try data.applyRetention(now: 1_000_000)
        #expect(deleted == segmentsBefore.map { $0 - 1 }.reduce(0, +))
        #expect(topics.flatMap(\.partitions).allSatisfy { $0.segmentCount == 1 })
    }
}
