import Foundation
@testable import State
import TestKit
import Testing

/// Damaged snapshots: every flipped byte, every truncation, a missing file
/// or a file of another size gives a `StateError.snapshot` naming the file
/// (never a crash, never a silently smaller store).
@Suite("Damaged keyed-state snapshots")
struct StateSnapshotCorruptionTests {
    /// A small canonical snapshot: two states, a TTL entry, map entries,
    /// timers of both domains, in three key groups.
    static func smallSnapshot(_ fixture: SnapshotFixture) throws -> StateRestoreSource {
        let store = try makeStore(.memory, fixture, keyGroups: 0...7, name: "small", processingTime: 100)
        let counts = try store.register("counts", .value)
        let sessions = try store.register("sessions", .value, ttlMs: 1_000)
        let windows = try store.register("windows", .map)
        try store.put(counts, 1, bytes("a"), bytes("1"))
        try store.put(counts, 4, bytes("b"), bytes("22"))
        try store.put(sessions, 4, bytes("b"), bytes("s"))
        try store.mapPut(windows, 6, bytes("c"), [0, 1], bytes("w"))
        try store.mapPut(windows, 6, bytes("c"), [0, 2], bytes("x"))
        try store.registerTimer(.eventTime, 1, bytes("a"), 5)
        try store.registerTimer(.processingTime, 6, bytes("c"), -7)
        return try fixture.snapshot(store, .canonical)
    }

    static func restore(_ source: StateRestoreSource, _ fixture: SnapshotFixture, keyGroups: ClosedRange<Int> = 0...7)
        throws -> [StateEntry]
    {
        let store = try makeStore(.memory, fixture, keyGroups: keyGroups, name: "target", restoringFrom: [source],
                                  processingTime: 100)
        return try store.entries(in: keyGroups)
    }

    static func path(_ source: StateRestoreSource) -> String {
        source.directory + "/" + source.handle.files[0].relativePath
    }

    @Test func everyFlippedByteIsFoundAndNamed() throws {
        let fixture = try SnapshotFixture()
        let source = try Self.smallSnapshot(fixture)
        let path = Self.path(source)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try Self.restore(source, fixture).count == 5 + 2)
        for offset in 0..<intact.count {
            var damaged = intact
            damaged[offset] ^= 0x40
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try Self.restore(source, fixture)
            } throws: { error in
                guard case StateError.snapshot(let file, _, _)? = error as? StateError else { return false }
                return file == path
            }
        }
        try intact.write(to: URL(fileURLWithPath: path))
        #expect(try Self.restore(source, fixture).count == 7)
    }

    @Test func everyTruncationIsFound() throws {
        let fixture = try SnapshotFixture()
        let source = try Self.smallSnapshot(fixture)
        let path = Self.path(source)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in 0..<intact.count {
            try intact.prefix(length).write(to: URL(fileURLWithPath: path))
            // As the handle says: the size check finds it.
            #expect(throws: (any Error).self) { _ = try Self.restore(source, fixture) }
            // With a handle that agrees on the size: the frame checks find it.
            var lying = source
            lying.handle.files[0].byteSize = length
            #expect {
                _ = try Self.restore(lying, fixture)
            } throws: { error in
                guard case StateError.snapshot(let file, _, _)? = error as? StateError else { return false }
                return file == path
            }
        }
    }

    @Test func theMessagesSayWhatAndWhere() throws {
        let fixture = try SnapshotFixture()
        let source = try Self.smallSnapshot(fixture)
        let path = Self.path(source)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))

        var badMagic = intact
        badMagic[0] = UInt8(ascii: "X")
        try badMagic.write(to: URL(fileURLWithPath: path))
        #expect(throws: StateError.snapshot(path: path, offset: 0,
                                            problem: "bad magic number: not a canonical keyed-state snapshot")) {
            _ = try Self.restore(source, fixture)
        }

        // A flip in the last block: its offset and CRC are named.
        var flipped = intact
        let blockByte = intact.count - 32 - (8 + 3 * 32 + 4) - 10
        flipped[blockByte] ^= 1
        try flipped.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Self.restore(source, fixture)
            Issue.record("a damaged block was restored")
        } catch let error as StateError {
            let message = error.description
            #expect(message.contains(path) && message.contains("CRC-32C mismatch") && message.contains("key group 6")
                    && message.contains("at byte offset"), "\(message)")
        }

        try intact.prefix(intact.count - 1).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Self.restore(source, fixture)
            Issue.record("a truncated file was restored")
        } catch let error as StateError {
            #expect(error.description.contains("has \(intact.count - 1) bytes, its snapshot handle says \(intact.count)"))
        }

        try FileManager.default.removeItem(atPath: path)
        #expect(throws: StateError.snapshot(path: path, offset: nil, problem: "the file is missing")) {
            _ = try Self.restore(source, fixture)
        }
    }

    @Test func aSubRangeReadsOnlyItsBlocks() throws {
        let fixture = try SnapshotFixture()
        let source = try Self.smallSnapshot(fixture)
        let path = Self.path(source)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Damage the last block's payload (key group 6): key groups 0...5
        // still restore, 6 does not.
        data[data.count - 32 - (8 + 3 * 32 + 4) - 10] ^= 1
        try data.write(to: URL(fileURLWithPath: path))
        let entries = try Self.restore(source, fixture, keyGroups: 0...5)
        #expect(entries.count == 4)
        #expect(throws: (any Error).self) { _ = try Self.restore(source, fixture, keyGroups: 6...7) }
    }

    @Test func aNewerFormatVersionIsRefusedByName() throws {
        let fixture = try SnapshotFixture()
        var source = try Self.smallSnapshot(fixture)
        source.handle.formatVersion = 2
        #expect {
            _ = try Self.restore(source, fixture)
        } throws: { error in
            (error as? StateError)?.description.contains("version 2") == true
        }
    }

    // MARK: Native RocksDB snapshots

    static func nativeSnapshot(_ fixture: SnapshotFixture) throws -> StateRestoreSource {
        let store = try makeStore(.rocksdb, fixture, keyGroups: 0...63, name: "native")
        defer { store.close() }
        try CanonicalFormTests.fill(store)
        return try fixture.snapshot(store, .native)
    }

    @Test(arguments: [BackendKind.memory, .rocksdb])
    func aDamagedNativeFileIsFoundByItsChecksum(target: BackendKind) throws {
        let fixture = try SnapshotFixture()
        let source = try Self.nativeSnapshot(fixture)
        #expect(source.handle.files.contains { $0.relativePath.hasSuffix(".sst") })
        var restores = 0
        for file in source.handle.files {
            let path = source.directory + "/" + file.relativePath
            let intact = try Data(contentsOf: URL(fileURLWithPath: path))
            // A spread of offsets in every file (every byte of every SST
            // would be thousands of restores; the check is one CRC over the
            // whole file either way).
            let step = max(1, intact.count / 7)
            for offset in Swift.stride(from: 0, to: intact.count, by: step) + [intact.count - 1] {
                var damaged = intact
                damaged[offset] ^= 0x01
                // The snapshot's SST files are hard links to the live
                // database's: replace the name, never write through it.
                try FileManager.default.removeItem(atPath: path)
                try damaged.write(to: URL(fileURLWithPath: path))
                #expect {
                    _ = try makeStore(target, fixture, keyGroups: 0...63, name: "target-\(restores)", restoringFrom: [source])
                } throws: { error in
                    guard case StateError.snapshot(let named, nil, let problem)? = error as? StateError else { return false }
                    return named == path && problem.contains("CRC-32C")
                }
                restores += 1
            }
            try FileManager.default.removeItem(atPath: path)
            try intact.write(to: URL(fileURLWithPath: path))
        }
        let restored = try makeStore(target, fixture, keyGroups: 0...63, name: "intact", restoringFrom: [source])
        defer { restored.close() }
        #expect(try restored.entries(in: 0...63).count == 700 + 3_000 + 100 + 600)
    }

    @Test(arguments: [BackendKind.memory, .rocksdb])
    func aMissingOrResizedNativeFileIsNamed(target: BackendKind) throws {
        let fixture = try SnapshotFixture()
        let source = try Self.nativeSnapshot(fixture)
        let sst = try #require(source.handle.files.first { $0.relativePath.hasSuffix(".sst") })
        let path = source.directory + "/" + sst.relativePath
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: StateError.snapshot(path: path, offset: nil, problem: "the file is missing")) {
            _ = try makeStore(target, fixture, keyGroups: 0...63, name: "missing", restoringFrom: [source])
        }
        try intact.prefix(intact.count - 3).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try makeStore(target, fixture, keyGroups: 0...63, name: "short", restoringFrom: [source])
        } throws: { error in
            (error as? StateError)?.description.contains("has \(intact.count - 3) bytes, its snapshot handle says "
                + "\(intact.count)") == true
        }
        var escaping = source
        escaping.handle.files[0].relativePath = "../elsewhere"
        #expect(throws: (any Error).self) {
            _ = try makeStore(target, fixture, keyGroups: 0...63, name: "escaping", restoringFrom: [escaping])
        }
    }
}
