import Foundation
import Log
import Testing
import TestKit

/// A small tmpfs to fill up: the real ENOSPC, from the kernel.
private enum SmallFileSystem {
    /// Whether `mount -t tmpfs` works here (it needs root); probed once.
    static let isAvailable: Bool = {
        guard let directory = try? TemporaryDirectory(prefix: "tmpfs-probe") else { return false }
        guard mount(directory.path, bytes: 64 << 10) else { return false }
        unmount(directory.path)
        return true
    }()

    static func mount(_ path: String, bytes: Int) -> Bool {
        let outcome = try? ProcessRunner.run("mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path], timeoutSeconds: 30)
        return outcome?.status == 0
    }

    static func unmount(_ path: String) {
        _ = try? ProcessRunner.run("umount", [path], timeoutSeconds: 30)
    }
}

@Suite("PartitionLog on a full disk")
struct PartitionDiskFullTests {
    @Test(
        .enabled(
            if: SmallFileSystem.isAvailable,
            "`mount -t tmpfs` is refused here (it needs root), so the test cannot fill a real file system"),
        arguments: ["every-append", "never"])
    func aFailedWriteLeavesNoPartialBatchAndThePartitionReadable(flushMode: String) throws {
        let mountPoint = try TemporaryDirectory(prefix: "full-disk")
        #expect(SmallFileSystem.mount(mountPoint.path, bytes: 256 << 10))
        defer { SmallFileSystem.unmount(mountPoint.path) }
        let directory = mountPoint.path + "/t/0"
        // Segments of 64 KiB, so one roll also happens on the way to full.
        let config = StorageFixtures.config(["segment.bytes": "\(64 << 10)", "flush.mode": flushMode])
        let log = try PartitionLog.open(directory: directory, config: config, logger: LogCapture().logger)

        var stored: [[UInt8]] = []
        var failure: LogError?
        for index in 0 ..< 100 {
            var batch = StorageFixtures.batch(records: 16, valueBytes: 1000, fill: UInt8(index))
            do {
                try log.append(&batch)
                stored.append(batch)
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "256 KiB should fill up within 100 batches of 16 KB")
        #expect(stored.count > 5)
        guard case let .io(path, _, code, _) = error else {
            Issue.record("expected an I/O error, got \(error)")
            return
        }
        #expect(code == ENOSPC)
        #expect(path.hasPrefix(directory))
        #expect(error.description.contains("No space left on device"))
        #expect(error.description.contains("the append was not stored"))

        // Nothing of the failed batch is visible, in memory or on disk.
        let end = Int64(stored.count * 16)
        #expect(log.endOffset == end)
        let logBytes = StorageFixtures.files(in: directory, suffix: ".log").map(StorageFixtures.fileSize).reduce(0, +)
        #expect(logBytes == log.sizeInBytes)
        #expect(log.sizeInBytes == stored.map(\.count).reduce(0, +))

        // Further appends fail the same clean way, or fit if they are small.
        for _ in 0 ..< 3 {
            var batch = StorageFixtures.batch(records: 16, valueBytes: 1000)
            #expect(throws: LogError.self) { try log.append(&batch) }
            #expect(log.endOffset == end)
        }
        try expectReadable(log, stored)
        try? log.close()

        let capture = LogCapture()
        let reopened = try PartitionLog.open(directory: directory, config: config, logger: capture.logger)
        #expect(reopened.endOffset == end)
        #expect(capture.messages(atLeast: .warning).isEmpty, "no torn tail: \(capture.messages(atLeast: .warning))")
        try expectReadable(reopened, stored)
        try? reopened.close()
    }

    private func expectReadable(_ log: PartitionLog, _ stored: [[UInt8]]) throws {
        var offset: Int64 = 0
        for batch in stored {
            let slice = try log.read(from: offset, maxBytes: 1)
            #expect(StorageFixtures.difference(slice.bytes, batch) == nil)
            offset = slice.nextOffset
        }
    }
}
