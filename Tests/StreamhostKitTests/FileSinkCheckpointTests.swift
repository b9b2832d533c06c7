import Foundation
import StreamhostKit
import Testing

/// SINK "file" when the job takes checkpoints: part files that become
/// final when their checkpoint completes, and the restore after a crash.
/// Also the kit's checkpoint thunks.
@Suite struct FileSinkCheckpointTests {
    nonisolated(unsafe) static let job = strdup("job")!
    nonisolated(unsafe) static let step = strdup("out")!

    /// A file sink created and opened as instance `index` of `parallelism`
    /// of a job that checkpoints, after restoring `blobs`.
    func sink(_ path: String, index: UInt32 = 0, parallelism: UInt32 = 1, restoring blobs: [[UInt8]] = []) -> Harness {
        let harness = Harness(fileSink, config: ["path": .string(path)])
        #expect(harness.create() == SH_OK, "\(harness.lastError)")
        for blob in blobs {
            let status = blob.withUnsafeBufferPointer {
                harness.vtable.restore!(harness.instance, harness.fake.raw, 1, $0.baseAddress, $0.count)
            }
            #expect(status == SH_OK, "\(harness.lastError)")
        }
        var info = sh_task_info()
        info.struct_size = UInt32(MemoryLayout<sh_task_info>.size)
        info.instance = index
        info.parallelism = parallelism
        info.max_parallelism = 128
        info.key_group_last = 127
        info.input_count = 1
        info.job_name = UnsafePointer(Self.job)
        info.step_id = UnsafePointer(Self.step)
        info.checkpoint_interval_ms = 1000
        #expect(harness.vtable.open!(harness.instance, harness.fake.raw, &info) == SH_OK, "\(harness.lastError)")
        return harness
    }

    func lines(_ texts: [String]) -> [SeenRecord] {
        texts.enumerated().map { SeenRecord(timestamp: Int64($0.offset), key: nil, value: $0.element) }
    }

    func checkpoint(_ sink: Harness, _ id: Int64) {
        #expect(sink.vtable.on_checkpoint!(sink.instance, sink.fake.raw, id) == SH_OK, "\(sink.lastError)")
    }

    func complete(_ sink: Harness, _ id: Int64) {
        #expect(sink.vtable.on_checkpoint_complete!(sink.instance, sink.fake.raw, id) == SH_OK, "\(sink.lastError)")
    }

    func snapshot(_ sink: Harness, _ id: Int64) -> [UInt8] {
        var blob = sh_blob(data: nil, len: 0)
        #expect(sink.vtable.snapshot!(sink.instance, sink.fake.raw, id, &blob) == SH_OK, "\(sink.lastError)")
        guard let data = blob.data else { return [] }
        defer { FakeHost.table.pointee.free!(data) }
        return Array(UnsafeBufferPointer(start: data, count: blob.len))
    }

    /// The final part files and their contents.
    func finals(_ scratch: Scratch) -> [String: String] {
        var result: [String: String] = [:]
        for name in scratch.entries() where name.hasPrefix("out.jsonl.part-") { result[name] = scratch.read(name) }
        return result
    }

    @Test func partFilesBecomeFinalWhenTheirCheckpointCompletes() {
        let scratch = Scratch()
        let sink = sink(scratch.file("out.jsonl"))
        #expect(sink.process(lines(["a1", "a2"])) == SH_OK)
        checkpoint(sink, 1)
        _ = snapshot(sink, 1)
        #expect(finals(scratch).isEmpty)
        #expect(scratch.exists(".out.jsonl.part-0-0.pending"))
        #expect(sink.process(lines(["b1"])) == SH_OK)
        complete(sink, 1)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "a1\na2\n"])
        // A failed checkpoint keeps its part pending for the next one.
        checkpoint(sink, 2)
        #expect(sink.vtable.on_checkpoint_abort!(sink.instance, sink.fake.raw, 2) == SH_OK)
        #expect(finals(scratch).count == 1)
        #expect(sink.process(lines(["c1"])) == SH_OK)
        checkpoint(sink, 3)
        complete(sink, 3)
        #expect(finals(scratch) == [
            "out.jsonl.part-0-0": "a1\na2\n", "out.jsonl.part-0-1": "b1\n", "out.jsonl.part-0-2": "c1\n",
        ])
        #expect(sink.process(lines(["d1"])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(finals(scratch)["out.jsonl.part-0-3"] == "d1\n")
        #expect(!scratch.entries().contains { $0.hasSuffix(".pending") || $0.hasSuffix(".inprogress") })
    }

    @Test func aRestoreFinishesThePendingPartsAndDropsWhatCameAfterTheCheckpoint() {
        let scratch = Scratch()
        let first = sink(scratch.file("out.jsonl"))
        #expect(first.process(lines(["kept"])) == SH_OK)
        checkpoint(first, 7)
        let blob = snapshot(first, 7)
        #expect(first.process(lines(["replayed"])) == SH_OK)
        // The crash: the in-progress file stays as a killed process leaves it.
        let inProgress = scratch.file(".out.jsonl.part-0.inprogress")
        let leftover = try? Data(contentsOf: URL(fileURLWithPath: inProgress))
        first.destroy()
        if let leftover { FileManager.default.createFile(atPath: inProgress, contents: leftover) }

        let second = sink(scratch.file("out.jsonl"), restoring: [blob])
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "kept\n"])
        #expect(!scratch.exists(".out.jsonl.part-0.inprogress"))
        #expect(second.process(lines(["replayed"])) == SH_OK)
        #expect(second.close() == SH_OK)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "kept\n", "out.jsonl.part-0-1": "replayed\n"])
        // Restoring the same blob again finds its part final already.
        let third = sink(scratch.file("out.jsonl"), restoring: [blob])
        #expect(finals(scratch).count == 2)
        third.destroy()
    }

    @Test func aRestoreAtAnotherParallelismFinishesEveryInstancesParts() {
        let scratch = Scratch()
        var blobs: [[UInt8]] = []
        for index in 0 ..< 2 {
            let sink = sink(scratch.file("out.jsonl"), index: UInt32(index), parallelism: 2)
            #expect(sink.process(lines(["from \(index)"])) == SH_OK)
            checkpoint(sink, 4)
            blobs.append(snapshot(sink, 4))
            #expect(sink.process(lines(["after \(index)"])) == SH_OK)
            sink.destroy()
        }
        // One instance now: it gets both blobs.
        let merged = sink(scratch.file("out.jsonl"), restoring: blobs)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "from 0\n", "out.jsonl.part-1-0": "from 1\n"])
        #expect(merged.process(lines(["new"])) == SH_OK)
        #expect(merged.close() == SH_OK)
        // Numbering continues past every restored part: nothing is overwritten.
        #expect(finals(scratch)["out.jsonl.part-0-1"] == "new\n")
        #expect(finals(scratch).count == 3)
    }

    @Test func componentsWithoutCheckpointCallbacksGetTheKitsNoOps() {
        let scratch = Scratch()
        let source = Harness(fileSource, config: ["path": .string(scratch.write("in.jsonl", "x\n"))])
        #expect(source.create() == SH_OK)
        #expect(source.vtable.on_checkpoint!(source.instance, source.fake.raw, 1) == SH_OK)
        #expect(source.vtable.on_checkpoint_complete!(source.instance, source.fake.raw, 1) == SH_OK)
        #expect(source.vtable.on_checkpoint_abort!(source.instance, source.fake.raw, 1) == SH_OK)
        source.destroy()
    }
}
