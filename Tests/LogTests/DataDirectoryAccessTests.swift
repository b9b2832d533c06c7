import Foundation
import Log
import Testing
import TestKit

/// Read-only access and adding partitions (issue 11, items 9 and 16).
@Suite("DataDirectory access")
struct DataDirectoryAccessTests {
    @Test func aReadOnlyOpenOfAMissingPathCreatesNothing() throws {
        let directory = try TemporaryDirectory(prefix: "access")
        let typo = directory.path + "/dtaa"
        for access in [DataDirectory.Access.readOnly, .readOnlyExcept(["__consumer_offsets"])] {
            #expect(throws: LogError.noDataDirectory(path: typo, detail: "the directory does not exist")) {
                _ = try DataDirectory.open(path: typo, access: access, logger: LogCapture().logger)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: typo))
        // An existing directory that streamhost never wrote is not one either.
        try FileManager.default.createDirectory(atPath: typo, withIntermediateDirectories: false)
        do {
            _ = try DataDirectory.open(path: typo, access: .readOnly, logger: LogCapture().logger)
            Issue.record("a directory without topics/ opened")
        } catch {
            guard case .noDataDirectory = error else { throw error }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: typo).isEmpty)
    }

    @Test func aReadOnlyDirectoryRefusesChangesAndSharesItsLock() throws {
        let directory = try TemporaryDirectory(prefix: "access")
        let path = directory.path + "/data"
        do {
            let data = try DataDirectory.open(path: path, logger: LogCapture().logger)
            try data.createTopic(name: "t", partitions: 1)
            try data.close()
        }
        let reader = try DataDirectory.open(path: path, access: .readOnly, logger: LogCapture().logger)
        let second = try DataDirectory.open(path: path, access: .readOnly, logger: LogCapture().logger)
        #expect(throws: LogError.self) { try reader.createTopic(name: "u", partitions: 1) }
        #expect(throws: LogError.self) { try reader.alterConfig(topic: "t", changes: ["retention.ms": "1"]) }
        #expect(throws: LogError.self) { try reader.addPartitions(topic: "t", count: 2) }
        #expect(throws: LogError.self) { try reader.deleteTopic(named: "t") }
        #expect(throws: LogError.self) {
            var batch = StorageFixtures.batch()
            _ = try reader.topic(named: "t").partition(0).append(&batch)
        }
        do {
            _ = try DataDirectory.open(path: path, logger: LogCapture().logger)
            Issue.record("a writer opened a directory two readers hold")
        } catch {
            guard case .dataDirectoryLocked = error else { throw error }
        }
        try reader.close()
        try second.close()
        #expect(!FileManager.default.fileExists(atPath: path + "/topics/u"))
    }

    @Test func partitionsAreOnlyAdded() throws {
        let directory = try TemporaryDirectory(prefix: "access")
        let path = directory.path + "/data"
        let data = try DataDirectory.open(path: path, logger: LogCapture().logger)
        let topic = try data.createTopic(name: "t", partitions: 2)
        var batch = StorageFixtures.batch(records: 3)
        try topic.partition(1).append(&batch)
        #expect(throws: LogError.partitionsNotAdded(topic: "t", current: 2, requested: 2)) {
            try data.addPartitions(topic: "t", count: 2)
        }
        #expect(throws: LogError.partitionsNotAdded(topic: "t", current: 2, requested: 1)) {
            try data.addPartitions(topic: "t", count: 1)
        }
        let grown = try data.addPartitions(topic: "t", count: 4)
        #expect(grown.partitionCount == 4)
        #expect(try grown.partition(1).endOffset == 3)
        var more = StorageFixtures.batch(records: 2)
        try grown.partition(3).append(&more)
        try data.close()

        let reopened = try DataDirectory.open(path: path, logger: LogCapture().logger)
        let again = try reopened.topic(named: "t")
        #expect(again.partitionCount == 4)
        #expect(try again.partition(1).endOffset == 3 && again.partition(3).endOffset == 2)
        try reopened.close()
    }
}
