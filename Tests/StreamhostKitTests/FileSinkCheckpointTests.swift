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
    func sink(
        _ path: String, index: UInt32 = 0, parallelism: UInt32 = 1, restoring blobs: [[UInt8]] = [],
        maxBytes: Int = 1 << 20
    ) -> Harness {
        let harness = Harness(fileSink, config: [
            "path": .string(path), "rolling_max_bytes": .int(Int64(maxBytes)), "rolling_interval_ms": .int(0),
        ])
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

    func hidden(_ scratch: Scratch) -> [String] {
        scratch.entries().filter { $0.hasPrefix(".") }.sorted()
    }

    /// Issue 11 item 4: one part file per checkpoint (about 700 after 12
    /// minutes at 1 s) is gone: the in-progress file spans checkpoints and
    /// rolls by size (and age); a rolled file is final once the checkpoint
    /// after it completes.
    @Test func partFilesRollBySizeNotPerCheckpoint() {
        let scratch = Scratch()
        let sink = sink(scratch.file("out.jsonl"), maxBytes: 12)
        for id in Int64(1) ... 200 {
            #expect(sink.process(lines(["r\(id)"])) == SH_OK)
            checkpoint(sink, id)
            _ = snapshot(sink, id)
            complete(sink, id)
        }
        // "rN\n" is 3 to 5 bytes: a file rolls at its 3rd or 4th record.
        let files = finals(scratch)
        #expect(files.count >= 200 / 4 && files.count <= 200 / 3, "\(files.count) files")
        #expect(sink.close() == SH_OK)
        let all = finals(scratch).sorted { Int($0.key.split(separator: "-").last!)! < Int($1.key.split(separator: "-").last!)! }
        #expect(all.map(\.value).joined() == (1 ... 200).map { "r\($0)\n" }.joined())
        #expect(hidden(scratch).isEmpty)

        // Without a size or age to reach, 200 checkpoints make one file.
        let other = Scratch()
        let big = self.sink(other.file("out.jsonl"))
        for id in Int64(1) ... 200 {
            #expect(big.process(lines(["r\(id)"])) == SH_OK)
            checkpoint(big, id)
            _ = snapshot(big, id)
            complete(big, id)
        }
        #expect(finals(other).isEmpty, "nothing rolled yet: nothing final")
        #expect(big.close() == SH_OK)
        #expect(finals(other) == ["out.jsonl.part-0-0": (1 ... 200).map { "r\($0)\n" }.joined()])
    }

    @Test func aRolledFileWaitsForTheCheckpointAfterIt() {
        let scratch = Scratch()
        let sink = sink(scratch.file("out.jsonl"), maxBytes: 6)
        #expect(sink.process(lines(["a1", "a2"])) == SH_OK)  // 6 bytes: rolled
        #expect(finals(scratch).isEmpty)
        #expect(hidden(scratch) == [".out.jsonl.part-0-0.inprogress"])
        checkpoint(sink, 1)
        _ = snapshot(sink, 1)
        #expect(sink.process(lines(["b1"])) == SH_OK)
        // A failed checkpoint keeps its file pending for the next one.
        #expect(sink.vtable.on_checkpoint_abort!(sink.instance, sink.fake.raw, 1) == SH_OK)
        #expect(finals(scratch).isEmpty)
        checkpoint(sink, 2)
        complete(sink, 2)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "a1\na2\n"])
        #expect(sink.close() == SH_OK)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "a1\na2\n", "out.jsonl.part-0-1": "b1\n"])
    }

    /// A kill after a checkpoint: the restore cuts the in-progress file to
    /// its checkpointed length and makes it final; the replay goes to a new
    /// file: every record once.
    @Test func aRestoreCutsTheInProgressFileToTheCheckpointAndFinishesIt() {
        let scratch = Scratch()
        let first = sink(scratch.file("out.jsonl"))
        #expect(first.process(lines(["kept"])) == SH_OK)
        checkpoint(first, 7)
        let blob = snapshot(first, 7)
        #expect(first.process(lines(["replayed"])) == SH_OK)
        // The crash: flush what the writer buffered, as a process would have
        // written it before dying, then drop the instance.
        checkpoint(first, 8)
        first.destroy()
        #expect(hidden(scratch) == [".out.jsonl.part-0-0.inprogress"])
        #expect(scratch.read(".out.jsonl.part-0-0.inprogress") == "kept\nreplayed\n")

        let second = sink(scratch.file("out.jsonl"), restoring: [blob])
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "kept\n"])
        #expect(hidden(scratch).isEmpty)
        #expect(second.process(lines(["replayed"])) == SH_OK)
        #expect(second.close() == SH_OK)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "kept\n", "out.jsonl.part-0-1": "replayed\n"])
        // Restoring the same blob again finds its part final already.
        let third = sink(scratch.file("out.jsonl"), restoring: [blob])
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "kept\n", "out.jsonl.part-0-1": "replayed\n"])
        third.destroy()
    }

    /// Issue 11 item 4: after a drained stop the next run resumed from the
    /// last checkpoint and rewrote a final part file (196 -> 293 lines). A
    /// final file is never written again: numbering skips existing names.
    @Test func aRestartAfterADrainedStopRewritesNoFinalFile() {
        let scratch = Scratch()
        let first = sink(scratch.file("out.jsonl"), maxBytes: 4)
        #expect(first.process(lines(["a1"])) == SH_OK)
        checkpoint(first, 1)
        let blob = snapshot(first, 1)
        complete(first, 1)
        #expect(first.process(lines(["b1"])) == SH_OK)  // 6 bytes: rolled
        #expect(first.process(lines(["b2"])) == SH_OK)
        #expect(first.close() == SH_OK)  // the drain: everything final
        let drained = finals(scratch)
        #expect(drained == ["out.jsonl.part-0-0": "a1\nb1\n", "out.jsonl.part-0-1": "b2\n"])

        // The restart resumes from checkpoint 1 and replays b1, b2.
        let second = sink(scratch.file("out.jsonl"), restoring: [blob], maxBytes: 4)
        for text in ["b1", "b2", "c1"] { #expect(second.process(lines([text])) == SH_OK) }
        #expect(second.close() == SH_OK)
        let after = finals(scratch)
        for (name, text) in drained { #expect(after[name] == text, "\(name) was rewritten") }
        #expect(after.count == drained.count + 2)
        #expect(hidden(scratch).isEmpty)
    }

    /// Rescale 2 -> 1: one instance restores both blobs, finishes both old
    /// instances' checkpointed files and removes their later in-progress
    /// files; numbering continues past every restored counter.
    @Test func aRestoreAtAnotherParallelismFinishesEveryInstancesParts() {
        let scratch = Scratch()
        var blobs: [[UInt8]] = []
        for index in 0 ..< 2 {
            let sink = sink(scratch.file("out.jsonl"), index: UInt32(index), parallelism: 2, maxBytes: 8)
            #expect(sink.process(lines(["from \(index)"])) == SH_OK)
            checkpoint(sink, 4)
            blobs.append(snapshot(sink, 4))
            // After the checkpoint: the file rolls and a new one starts.
            #expect(sink.process(lines(["after \(index)"])) == SH_OK)
            #expect(sink.process(lines(["later \(index)"])) == SH_OK)
            checkpoint(sink, 5)  // flushes, as a process does before it dies
            sink.destroy()
        }
        #expect(hidden(scratch).count == 4)
        let merged = sink(scratch.file("out.jsonl"), restoring: blobs)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "from 0\n", "out.jsonl.part-1-0": "from 1\n"])
        #expect(hidden(scratch).isEmpty, "\(hidden(scratch))")
        #expect(merged.process(lines(["new"])) == SH_OK)
        #expect(merged.close() == SH_OK)
        #expect(finals(scratch).count == 3)
        #expect(finals(scratch).values.filter { $0 == "new\n" }.count == 1)
        #expect(finals(scratch)["out.jsonl.part-0-0"] == "from 0\n")
    }

    /// An in-progress file shorter than its checkpointed length was
    /// changed outside the job: the restore refuses instead of padding it.
    @Test func aRestoreRefusesAnInProgressFileShorterThanItsCheckpoint() {
        let scratch = Scratch()
        let first = sink(scratch.file("out.jsonl"))
        #expect(first.process(lines(["kept"])) == SH_OK)
        checkpoint(first, 1)
        let blob = snapshot(first, 1)
        first.destroy()
        #expect(truncate(scratch.file(".out.jsonl.part-0-0.inprogress"), 2) == 0)
        let second = Harness(fileSink, config: ["path": .string(scratch.file("out.jsonl"))])
        #expect(second.create() == SH_OK)
        let status = blob.withUnsafeBufferPointer {
            second.vtable.restore!(second.instance, second.fake.raw, 2, $0.baseAddress, $0.count)
        }
        #expect(status != SH_OK)
        #expect(second.lastError.contains("holds 2 bytes, fewer than the 5 the checkpoint fsynced"), "\(second.lastError)")
        #expect(finals(scratch).isEmpty)
        second.destroy()
    }

    /// A snapshot of the build before rolling (state version 1, "FSK1":
    /// pending files named .pending) still restores.
    @Test func aVersion1SnapshotStillRestores() {
        let scratch = Scratch()
        var blob = Array("FSK1".utf8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { blob += $0 } }
        put(UInt32(0)); put(UInt64(1)); put(UInt64(0)); put(UInt32(1))
        put(Int64(3)); put(UInt32(0)); put(UInt64(0))
        FileManager.default.createFile(atPath: scratch.file(".out.jsonl.part-0-0.pending"), contents: Data("old\n".utf8))
        let sink = sink(scratch.file("out.jsonl"), restoring: [blob])
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "old\n"])
        #expect(sink.process(lines(["new"])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(finals(scratch) == ["out.jsonl.part-0-0": "old\n", "out.jsonl.part-0-1": "new\n"])
    }

    @Test func theFileSourceHasNoCheckpointCallbacksTheHostsDefaultsApply() {
        // The file source implements none of CheckpointHooks: its vtable
        // leaves them NULL (nothing to do, the header's default) and the
        // sink's has all three.
        let source = fileSource.pointee.vtable.pointee
        #expect(source.on_checkpoint == nil && source.on_checkpoint_complete == nil && source.on_checkpoint_abort == nil)
        #expect(source.snapshot == nil && source.restore == nil && source.migrate == nil)
        let sink = fileSink.pointee.vtable.pointee
        #expect(sink.on_checkpoint != nil && sink.on_checkpoint_complete != nil && sink.on_checkpoint_abort != nil)
        #expect(sink.snapshot != nil && sink.restore != nil && sink.migrate != nil)
    }
}
