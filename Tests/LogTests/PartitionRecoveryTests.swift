import Foundation
import Log
import Testing
import TestKit

/// A partition written by a test and closed, ready to be damaged.
private struct WrittenPartition {
    let directory: TemporaryDirectory
    let path: String
    let config: TopicConfig
    /// Each batch as stored, with its first offset.
    var batches: [(bytes: [UInt8], first: Int64)] = []

    init(config: TopicConfig, batchCount: Int, seed: UInt64, valueBytesMax: Int = 300) throws {
        directory = try TemporaryDirectory(prefix: "recovery")
        path = directory.path + "/t/0"
        self.config = config
        var generator = SeededRandom(seed: seed)
        let log = try PartitionLog.open(directory: path, config: config, logger: LogCapture().logger)
        for index in 0 ..< batchCount {
            var batch = StorageFixtures.batch(
                records: Int.random(in: 1 ... 6, using: &generator),
                valueBytes: Int.random(in: 10 ... valueBytesMax, using: &generator),
                timestamp: 10_000 + Int64(index) * 100)
            let (first, _) = try log.append(&batch)
            batches.append((batch, first))
        }
        try log.close()
    }

    var endOffset: Int64 {
        let last = batches[batches.count - 1]
        return last.first + recordCount(last.bytes)
    }

    func recordCount(_ batch: [UInt8]) -> Int64 {
        Int64(batch[57]) << 24 | Int64(batch[58]) << 16 | Int64(batch[59]) << 8 | Int64(batch[60])
    }

    var logFiles: [String] { StorageFixtures.files(in: path, suffix: ".log") }

    /// The batches stored in a segment file, with their byte positions.
    func layout(of file: String) -> [(position: Int, bytes: [UInt8], first: Int64)] {
        let data = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: file)))
        var position = 0
        return StorageFixtures.batches(in: data).map { batch in
            defer { position += batch.count }
            return (position, batch, StorageFixtures.baseOffset(of: batch))
        }
    }

    func open(_ capture: LogCapture) throws(LogError) -> PartitionLog {
        try PartitionLog.open(directory: path, config: config, logger: capture.logger)
    }
}

@Suite("PartitionLog recovery")
struct PartitionRecoveryTests {
    private static let smallSegments = StorageFixtures.config([
        "segment.bytes": "4096", "index.interval.bytes": "200", "flush.mode": "never",
    ])

    /// Reads every offset from start to end and checks each slice against
    /// what was appended.
    private func expectReadable(_ log: PartitionLog, _ written: WrittenPartition, below end: Int64) throws {
        var offset = log.startOffset
        var index = 0
        while offset < end {
            let slice = try log.read(from: offset, maxBytes: 1)
            #expect(StorageFixtures.difference(slice.bytes, written.batches[index].bytes) == nil)
            offset = slice.nextOffset
            index += 1
        }
        #expect(offset == end)
    }

    @Test(arguments: 0 ..< 12)
    func aTornTailIsCutAtTheLastWholeBatch(iteration: Int) throws {
        var generator = SeededRandom(seed: 1000 + UInt64(iteration))
        let written = try WrittenPartition(config: Self.smallSegments, batchCount: 40, seed: UInt64(iteration))
        let active = try #require(written.logFiles.last)
        #expect(written.logFiles.count > 3)
        let layout = written.layout(of: active)
        let fileSize = StorageFixtures.fileSize(active)
        let cut = Int.random(in: 0 ..< fileSize, using: &generator)
        StorageFixtures.truncateFile(active, to: cut)

        // The whole batches below the cut survive.
        let kept = layout.filter { $0.position + $0.bytes.count <= cut }
        let boundary = kept.last.map { $0.position + $0.bytes.count } ?? 0
        let segmentBase = Int64(URL(fileURLWithPath: active).deletingPathExtension().lastPathComponent)!
        let expectedEnd = kept.last.map { StorageFixtures.baseOffset(of: $0.bytes) + written.recordCount($0.bytes) } ?? segmentBase

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(log.endOffset == expectedEnd)
        #expect(StorageFixtures.fileSize(active) == boundary)
        let warnings = capture.messages(atLeast: .warning)
        if cut == boundary {
            #expect(warnings.isEmpty, "\(warnings)")
        } else {
            let keptText = expectedEnd > segmentBase
                ? "kept offsets \(segmentBase) to \(expectedEnd - 1) in this segment"
                : "kept no offsets in this segment"
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains(
                "torn tail in \(active) at byte position \(boundary): cut \(cut - boundary) bytes") == true,
                "\(warnings)")
            #expect(warnings.first?.contains(keptText) == true, "\(warnings)")
        }
        try expectReadable(log, written, below: expectedEnd)
        var batch = StorageFixtures.batch(records: 2)
        #expect(try log.append(&batch) == (expectedEnd, expectedEnd + 1))
        try log.close()

        // Recovered means recovered: the next open has nothing to say.
        let quiet = LogCapture()
        let again = try written.open(quiet)
        #expect(again.endOffset == expectedEnd + 2)
        #expect(quiet.messages(atLeast: .info).isEmpty, "\(quiet.messages(atLeast: .info))")
    }

    // Only what a crash can leave is a torn tail: the file ends inside a
    // batch (a header cut short, or a length past the end of the file), or
    // zeros a file system extended the file with. Anything else after the
    // last batch, a complete batch with a bad CRC or offsets, or unreadable
    // bytes, is damage: kept in place and reported, never cut.
    @Test(arguments: ["zeros", "half a header", "a batch without its end", "random", "a batch with a bad CRC",
                      "a batch below the end offset", "a batch past the segment's offset range"])
    func whatFollowsTheLastBatchIsCutOnlyWhenAWriteWasTorn(kind: String) throws {
        let written = try WrittenPartition(config: Self.smallSegments, batchCount: 25, seed: 99)
        let active = try #require(written.logFiles.last)
        let size = StorageFixtures.fileSize(active)
        var generator = SeededRandom(seed: 5)
        var stray = StorageFixtures.batch(records: 3, valueBytes: 50)
        let garbage: [UInt8]
        let torn: Bool
        switch kind {
        case "zeros": (garbage, torn) = ([UInt8](repeating: 0, count: 4096), true)
        case "half a header": (garbage, torn) = (Array(stray[0 ..< 30]), true)
        case "a batch without its end": (garbage, torn) = (Array(stray.dropLast(9)), true)
        case "random":
            var bytes = (0 ..< 777).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            bytes[16] = 7 // not magic 2: an unreadable header
            (garbage, torn) = (bytes, false)
        case "a batch with a bad CRC":
            stray[stray.count - 1] ^= 0x40
            stray.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(written.endOffset, in: $0) }
            (garbage, torn) = (stray, false)
        case "a batch below the end offset":
            stray.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(written.endOffset - 2, in: $0) }
            (garbage, torn) = (stray, false)
        default:
            stray.withUnsafeMutableBytes { RecordBatchV2.setBaseOffset(written.endOffset + (1 << 32), in: $0) }
            (garbage, torn) = (stray, false)
        }
        StorageFixtures.appendBytes(garbage, to: active)

        let capture = LogCapture()
        let log = try written.open(capture)
        if torn {
            #expect(log.endOffset == written.endOffset)
            #expect(StorageFixtures.fileSize(active) == size)
            let warnings = capture.messages(atLeast: .warning)
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("torn tail in \(active) at byte position \(size): cut \(garbage.count) bytes") == true,
                    "\(warnings)")
        } else {
            #expect(StorageFixtures.fileSize(active) == size + garbage.count, "damage was cut")
            // The batch with a bad CRC claims plausible offsets: they count as handed out.
            #expect(log.endOffset == written.endOffset + (kind == "a batch with a bad CRC" ? 3 : 0))
            let errors = capture.messages(atLeast: .error)
            #expect(errors.count == 1)
            #expect(errors.first?.contains("\(active) at byte position \(size) (offset \(written.endOffset))") == true,
                    "\(errors)")
            #expect(capture.messages(atLeast: .warning).allSatisfy { !$0.contains("torn tail") })
        }
        try expectReadable(log, written, below: written.endOffset)
    }

    @Test func aFlippedByteInTheActiveSegmentIsReportedNotDropped() throws {
        let config = StorageFixtures.config(["index.interval.bytes": "0", "flush.mode": "never"])
        let written = try WrittenPartition(config: config, batchCount: 20, seed: 3)
        let file = try #require(written.logFiles.last)
        let layout = written.layout(of: file)
        let bad = layout[10]
        StorageFixtures.flipByte(in: file, at: bad.position + 61 + 5)

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(log.endOffset == written.endOffset, "nothing may be dropped")
        let errors = capture.messages(atLeast: .error)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("\(file) at byte position \(bad.position) (offset \(bad.first))") == true, "\(errors)")
        #expect(capture.messages(atLeast: .warning).count == 1, "no torn tail is cut")
        try expectCorruptBatch(log, file: file, position: bad.position, offset: bad.first, layout: layout, badIndex: 10)
    }

    @Test func aFlippedByteInAnOlderSegmentFailsTheReadNamingFileAndOffset() throws {
        let config = StorageFixtures.config(["segment.bytes": "3000", "index.interval.bytes": "0", "flush.mode": "never"])
        let written = try WrittenPartition(config: config, batchCount: 40, seed: 4)
        let files = written.logFiles
        #expect(files.count > 3)
        let file = files[1]
        let layout = written.layout(of: file)
        let badIndex = layout.count / 2
        let bad = layout[badIndex]
        StorageFixtures.flipByte(in: file, at: bad.position + bad.bytes.count - 3)

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(log.endOffset == written.endOffset)
        #expect(log.segmentCount == files.count)
        try expectCorruptBatch(log, file: file, position: bad.position, offset: bad.first, layout: layout, badIndex: badIndex)
    }

    @Test func anUnreadableHeaderInTheMiddleResumesAtTheNextIndexedBatch() throws {
        let config = StorageFixtures.config(["index.interval.bytes": "0", "flush.mode": "never"])
        let written = try WrittenPartition(config: config, batchCount: 20, seed: 5)
        let file = try #require(written.logFiles.last)
        let layout = written.layout(of: file)
        let bad = layout[8]
        StorageFixtures.flipByte(in: file, at: bad.position + 16)  // the magic byte

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(log.endOffset == written.endOffset)
        let errors = capture.messages(atLeast: .error)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("at byte position \(bad.position) (offset \(bad.first))") == true, "\(errors)")
        #expect(errors.first?.contains("resume at byte position \(layout[9].position)") == true, "\(errors)")
        try expectCorruptBatch(log, file: file, position: bad.position, offset: bad.first, layout: layout, badIndex: 8)
    }

    /// The read of the bad batch fails naming the file, position, offset and
    /// the repair; its neighbours read fine; the repair removes it alone.
    private func expectCorruptBatch(
        _ log: PartitionLog, file: String, position: Int, offset: Int64,
        layout: [(position: Int, bytes: [UInt8], first: Int64)], badIndex: Int
    ) throws {
        do {
            _ = try log.read(from: offset, maxBytes: 100_000)
            Issue.record("reading the corrupt batch succeeded")
        } catch {
            guard case let .corruptBatch(_, errorFile, errorPosition, errorOffset, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errorFile == file)
            #expect(errorPosition == position)
            #expect(errorOffset == offset)
            #expect(error.description.contains("streamhost topics repair t --partition 0 --dry-run"))
        }
        // The batch before reads alone: the slice stops before the bad one.
        let before = try log.read(from: layout[badIndex - 1].first, maxBytes: 1_000_000)
        #expect(StorageFixtures.difference(before.bytes, layout[badIndex - 1].bytes) == nil)
        #expect(before.nextOffset == offset)
        let after = try log.read(from: layout[badIndex + 1].first, maxBytes: 1)
        #expect(StorageFixtures.difference(after.bytes, layout[badIndex + 1].bytes) == nil)

        // The repair removes the bad batch only: its neighbours stay, and
        // the end offset does not move back.
        let end = log.endOffset
        let report = try log.repair()
        #expect(report.damage.map(\.firstOffset) == [offset])
        #expect(log.endOffset == end)
        let repaired = try log.read(from: layout[badIndex - 1].first, maxBytes: 1)
        #expect(StorageFixtures.difference(repaired.bytes, layout[badIndex - 1].bytes) == nil)
        let next = try log.read(from: offset, maxBytes: 1)
        #expect(StorageFixtures.difference(next.bytes, layout[badIndex + 1].bytes) == nil)
        var batch = StorageFixtures.batch(records: 1)
        #expect(try log.append(&batch).first == end)
    }

    @Test func missingIndexesAreRebuiltIdentically() throws {
        let written = try WrittenPartition(config: Self.smallSegments, batchCount: 40, seed: 6)
        let indexes = StorageFixtures.files(in: written.path, suffix: ".index")
            + StorageFixtures.files(in: written.path, suffix: ".timeindex")
        let originals = indexes.map { try! Data(contentsOf: URL(fileURLWithPath: $0)) }
        #expect(originals.allSatisfy { !$0.isEmpty })
        for path in indexes { try FileManager.default.removeItem(atPath: path) }

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(indexes.map { try? Data(contentsOf: URL(fileURLWithPath: $0)) } == originals)
        let rebuilt = capture.messages(atLeast: .info).filter { $0.contains("rebuilt") }
        #expect(rebuilt.count == written.logFiles.count, "\(capture.messages())")
        #expect(try log.offset(forTimestamp: 12_000) == written.batches[20].first)
        try expectReadable(log, written, below: written.endOffset)
    }

    @Test(arguments: ["swapped entries", "odd size", "entry past the end", "time index lost its last entry", "garbage time index"])
    func inconsistentIndexesAreRebuilt(damage: String) throws {
        let written = try WrittenPartition(config: Self.smallSegments, batchCount: 40, seed: 7)
        let older = written.logFiles[1].replacingOccurrences(of: ".log", with: "")
        let index = older + ".index"
        let timeIndex = older + ".timeindex"
        let original = (try Data(contentsOf: URL(fileURLWithPath: index)), try Data(contentsOf: URL(fileURLWithPath: timeIndex)))
        #expect(original.0.count >= 16)
        var damaged = original
        switch damage {
        case "swapped entries":
            damaged.0 = original.0[8 ..< 16] + original.0[0 ..< 8] + original.0[16...]
        case "odd size":
            damaged.0 = original.0 + Data([1, 2, 3])
        case "entry past the end":
            damaged.0 = original.0 + Data([0, 0, 0x7F, 0, 0, 0, 0x7F, 0])
        case "time index lost its last entry":
            damaged.1 = original.1.dropLast(12)
        default:
            damaged.1 = Data((0 ..< 36).map { UInt8($0 * 7) })
        }
        try damaged.0.write(to: URL(fileURLWithPath: index))
        try damaged.1.write(to: URL(fileURLWithPath: timeIndex))

        let capture = LogCapture()
        let log = try written.open(capture)
        #expect(try Data(contentsOf: URL(fileURLWithPath: index)) == original.0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: timeIndex)) == original.1)
        #expect(capture.messages(atLeast: .info).contains { $0.contains("rebuilt") && $0.contains(older) },
                "\(capture.messages())")
        try expectReadable(log, written, below: written.endOffset)
    }

    @Test func leftoversOfInterruptedOperationsAreRemoved() throws {
        let written = try WrittenPartition(config: Self.smallSegments, batchCount: 10, seed: 8)
        let leftovers = [
            "00000000000000099999.index", "00000000000000099999.timeindex",
            "00000000000000088888.log.deleted", "00000000000000000000.index.tmp",
        ]
        for name in leftovers {
            FileManager.default.createFile(atPath: written.path + "/" + name, contents: Data([1, 2, 3]))
        }
        let capture = LogCapture()
        let log = try written.open(capture)
        for name in leftovers {
            #expect(!FileManager.default.fileExists(atPath: written.path + "/" + name), "\(name)")
        }
        #expect(capture.messages(atLeast: .info).filter { $0.contains("removed") }.count == leftovers.count)
        #expect(log.endOffset == written.endOffset)
    }

    @Test func overlappingSegmentFilesRefuseToOpen() throws {
        let written = try WrittenPartition(config: StorageFixtures.config(["flush.mode": "never"]), batchCount: 10, seed: 9)
        let first = try #require(written.logFiles.first)
        let copy = written.path + "/00000000000000000003.log"
        try FileManager.default.copyItem(atPath: first, toPath: copy)
        do {
            _ = try written.open(LogCapture())
            Issue.record("overlapping segments opened")
        } catch {
            guard case let .overlappingSegments(_, file, baseOffset, _) = error else { Issue.record("\(error)"); return }
            #expect(file == copy)
            #expect(baseOffset == 3)
            #expect(error.description.contains("move \(copy)"))
        }
    }
}
