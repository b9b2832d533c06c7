import Foundation
@testable import State
import TestKit
import Testing

/// What only the RocksDB backend does: directories, errors from RocksDB,
/// state beyond its memory, the TTL compaction filter.
@Suite("RocksDBStateBackend")
struct RocksDBStateBackendTests {
    @Test func aDirectoryThatCannotBeCreatedGivesAClearError() throws {
        let directory = try TemporaryDirectory(prefix: "streamhost-state")
        let file = try directory.write("plain-file", "not a directory")
        let underFile = RocksDBStateBackend(directory: file + "/state")
        #expect {
            _ = try underFile.makeStore(stepID: "counts", instance: 0, keyGroups: 0...7)
        } throws: { error in
            guard case StateError.storage(let message)? = error as? StateError else { return false }
            return message.contains(file + "/state") && message.contains("Not a directory")
        }
        let isFile = RocksDBStateBackend(directory: file)
        #expect {
            _ = try isFile.makeStore(stepID: "counts", instance: 0, keyGroups: 0...7)
        } throws: { error in
            guard case StateError.storage(let message)? = error as? StateError else { return false }
            return message.contains(file) && message.contains("not a directory")
        }
    }

    @Test func aDatabaseThatCannotOpenReportsRocksDBsMessageAndThePath() throws {
        let directory = try TemporaryDirectory(prefix: "streamhost-state")
        let backend = RocksDBStateBackend(directory: directory.path)
        // The store's own path is taken by a file: RocksDB cannot create
        // its database there.
        try directory.write("counts-3", "in the way")
        #expect {
            _ = try backend.makeStore(stepID: "counts", instance: 3, keyGroups: 0...7)
        } throws: { error in
            guard case StateError.storage(let message)? = error as? StateError else { return false }
            return message.contains(directory.path + "/counts-3") && message.contains("step counts, instance 3")
        }
    }

    @Test func eachStoreIsADatabaseInItsStepAndInstanceDirectory() throws {
        let directory = try TemporaryDirectory(prefix: "streamhost-state")
        let backend = RocksDBStateBackend(directory: directory.path + "/nested/state")
        let first = try backend.makeStore(stepID: "window-count", instance: 0, keyGroups: 0...63)
        let second = try backend.makeStore(stepID: "odd/id", instance: 1, keyGroups: 64...127)
        defer { first.close(); second.close() }
        #expect((first as? RocksDBKeyedStateStore)?.path == directory.path + "/nested/state/window-count-0")
        #expect((second as? RocksDBKeyedStateStore)?.path == directory.path + "/nested/state/odd%2Fid-1")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/nested/state/window-count-0")
        #expect(files.contains("CURRENT"))
        let id = try first.register("v", .value)
        try first.put(id, 5, [1], [2])
        #expect(try first.get(id, 5, [1]) == [2])
        let otherID = try second.register("v", .value)
        #expect(try second.get(otherID, 64, [1]) == nil)
    }

    @Test func aStoreStartsEmptyEvenWhereAnEarlierRunLeftADatabase() throws {
        let directory = try TemporaryDirectory(prefix: "streamhost-state")
        let backend = RocksDBStateBackend(directory: directory.path)
        let first = try backend.makeStore(stepID: "s", instance: 0, keyGroups: 0...7)
        let id = try first.register("v", .value)
        try first.put(id, 1, [1], [2])
        try first.registerTimer(.eventTime, 1, [1], 10)
        first.close()
        let again = try backend.makeStore(stepID: "s", instance: 0, keyGroups: 0...7)
        defer { again.close() }
        let sameID = try again.register("v", .value)
        #expect(try again.get(sameID, 1, [1]) == nil)
        #expect(try again.earliestTimer(.eventTime) == nil)
        #expect(try again.entries(in: 0...7).isEmpty)
    }

    @Test func stateLargerThanTheCacheAndWriteBuffersIsReadBack() throws {
        let fixture = try StoreFixture(.rocksdb, keyGroups: 0...127, rocksDB: .init(
            blockCacheBytes: 1 << 20, writeBufferBytesPerStore: 1 << 20, backgroundJobs: 2))
        let store = fixture.store
        let values = try store.register("blobs", .value)
        let maps = try store.register("windows", .map)
        // 48 MiB of incompressible values: 48 times the store's memory.
        var random = SeededRandom(seed: 3)
        func value(_ index: Int) -> [UInt8] {
            var generator = SeededRandom(seed: UInt64(index))
            let words = (0..<128).map { _ in generator.next() }
            return words.withUnsafeBytes { Array($0) }
        }
        let count = 48 * 1_024
        for index in 0..<count {
            try store.put(values, index % 128, bytes("blob-\(index)"), value(index))
            if index % 4 == 0 { try store.mapPut(maps, index % 128, bytes("user-\(index % 97)"), bytes("\(index)"), [1]) }
        }
        for _ in 0..<2_000 {
            let index = Int(random.next() % UInt64(count))
            #expect(try store.get(values, index % 128, bytes("blob-\(index)")) == value(index))
        }
        #expect(try store.mapEntries(maps, 0, bytes("user-0")).count > 0)
        let path = try #require((store as? RocksDBKeyedStateStore)?.path)
        let tables = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sst") }
        #expect(!tables.isEmpty, "the values should have been flushed to table files")
        #expect(try store.entries(in: 0...127).count == count + count / 4)
    }

    @Test func compactionDropsExpiredEntriesFromDisk() throws {
        let fixture = try StoreFixture(.rocksdb, keyGroups: 0...7)
        let store = try #require(fixture.store as? RocksDBKeyedStateStore)
        let sessions = try store.register("sessions", .value, ttlMs: 100)
        let windows = try store.register("windows", .map, ttlMs: 100)
        let totals = try store.register("totals", .value)
        store.processingTime = 0
        for index in 0..<1_000 {
            try store.put(sessions, index % 8, bytes("s\(index)"), [1])
            try store.mapPut(windows, index % 8, bytes("w\(index % 10)"), bytes("\(index)"), [1])
            try store.put(totals, index % 8, bytes("t\(index)"), [1])
        }
        try store.registerTimer(.eventTime, 1, [1], 5)
        store.processingTime = 50
        try store.put(sessions, 0, bytes("late"), [2])  // expires at 150
        #expect(try store.rawEntryCount() == 3_002)

        store.processingTime = 100
        try store.compactAll()
        // The entries that expired at 100 are gone from disk; the one
        // written at 50, the plain state and the timer stay.
        #expect(try store.rawEntryCount() == 1_002)
        #expect(try store.get(sessions, 0, bytes("late")) == [2])
        #expect(try store.get(totals, 3, bytes("t3")) == [1])
        #expect(try store.earliestTimer(.eventTime) == 5)
    }
}
