import Core
import Foundation
import Log
import PluginHost
import Testing
import TestKit
@testable import Runtime

/// The log sink's two-phase commit and the log source's checkpointed
/// positions, driven through `ComponentInstance` the way the checkpoint
/// coordinator calls them (on_checkpoint, snapshot, complete or abort,
/// restore before open), with crashes simulated by destroying an instance
/// without close.
@Suite("Exactly-once log connectors")
struct LogExactlyOnceTests {
    let directory: TemporaryDirectory
    let services: LogClientServices

    init() throws {
        directory = try TemporaryDirectory(prefix: "exactly-once")
        services = LogClientServices.dataDirectory(path: directory.file("data"), cleanerIntervalMilliseconds: nil)
    }

    static let sink = loadComponent("logsink")
    static let source = loadComponent("logsource")

    static func loadComponent(_ plugin: String) -> Component {
        do {
            return try PluginLoader.load(path: BuildProducts.plugin(plugin)).components[0]
        } catch {
            fatalError("cannot load \(plugin): \(error)")
        }
    }

    func instance(
        _ component: Component, step: String, config: [(String, JSONValue)], instance: Int = 0
    ) throws -> ComponentInstance {
        let context = InstanceContext(
            jobName: "job", stepID: step, instance: instance, kind: component.kind, componentName: component.name,
            config: .object(JSONObject(config)))
        context.logServices = services
        return try ComponentInstance(component: component, context: context)
    }

    func open(_ instance: ComponentInstance, index: Int = 0, parallelism: Int = 1, checkpointMs: Int64 = 1000) throws {
        try instance.open(
            instance: index, parallelism: parallelism, maxParallelism: 128, keyGroups: 0 ... 127,
            inputCount: instance.component.kind == .source ? 0 : 1, checkpointIntervalMs: checkpointMs)
    }

    func sink(index: Int = 0, parallelism: Int = 1, delivery: String? = nil, restoring blobs: [[UInt8]] = [],
              checkpointMs: Int64 = 1000) throws -> ComponentInstance {
        var config: [(String, JSONValue)] = [("topic", "out"), ("partitioner", "round_robin")]
        if let delivery { config.append(("delivery", .string(delivery))) }
        let sink = try instance(Self.sink, step: "write", config: config, instance: index)
        for blob in blobs { try sink.restore(stateVersion: 1, blob: blob) }
        try open(sink, index: index, parallelism: parallelism, checkpointMs: checkpointMs)
        return sink
    }

    static func batch(_ values: [String]) -> RecordBatch {
        let batch = RecordBatch(recordCapacity: values.count)
        for value in values {
            Array(value.utf8).withUnsafeBytes { batch.append(timestamp: 1, key: nil, value: $0) }
        }
        return batch
    }

    /// Every value of topic `topic` a reader with `isolation` sees now.
    func values(_ topic: String = "out", _ isolation: LogIsolation = .readCommitted) throws -> [String] {
        var values: [String] = []
        for partition in 0 ..< (try services.partitionCount(topic: topic)) {
            let reader = try services.openReader(topic: topic, partition: partition, start: .earliest, isolation: isolation)
            while let (records, _) = try reader.read(max: 1000) {
                for index in 0 ..< records.count {
                    records.withRecord(at: index) { _, _, value in
                        values.append(String(decoding: value ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self))
                    }
                }
            }
        }
        return values.sorted()
    }

    static func names(_ prefix: String, _ range: Range<Int>) -> [String] { range.map { "\(prefix)\($0)" } }

    // MARK: logsink

    @Test func aPreCommittedTransactionIsCommittedOnceByTheRestoreAfterACrash() throws {
        try services.ensureTopic("out", partitions: 2)
        let first = try sink()
        try first.process(Self.batch(Self.names("a", 0 ..< 10)), input: 0)
        try first.onCheckpoint(1)
        let blob = try #require(try first.snapshot(checkpointID: 1))
        try first.process(Self.batch(Self.names("b", 0 ..< 5)), input: 0)
        // The crash: no complete, no close.
        first.destroy()
        #expect(try values() == [])
        #expect(try values("out", .readUncommitted).count == 15)

        // Restore from checkpoint 1, whose completion was never delivered.
        let second = try instance(Self.sink, step: "write", config: [("topic", "out")])
        try second.restore(stateVersion: 1, blob: blob)
        // What the runtime does after every restore: b's transaction goes.
        #expect(try services.abortOpenTransactions(prefix: "job/") == ["job/write/0-1"])
        try open(second)
        #expect(try values() == Self.names("a", 0 ..< 10).sorted())
        // Restoring the same blob again (another instance, or a second
        // failure) commits nothing twice.
        let third = try instance(Self.sink, step: "write", config: [("topic", "out")])
        try third.restore(stateVersion: 1, blob: blob)
        #expect(try values().count == 10)

        try second.process(Self.batch(Self.names("c", 0 ..< 3)), input: 0)
        try second.onCheckpoint(2)
        #expect(try values().count == 10)
        try second.onCheckpointComplete(2)
        #expect(try values() == (Self.names("a", 0 ..< 10) + Self.names("c", 0 ..< 3)).sorted())
        second.destroy()
        third.destroy()
    }

    @Test func anAbortedCheckpointKeepsItsRecordsForTheNextOneThatCompletes() throws {
        try services.ensureTopic("out", partitions: 1)
        let sink = try sink()
        let empty = try sink.snapshot(checkpointID: 0)
        try sink.process(Self.batch(["x1", "x2"]), input: 0)
        try sink.onCheckpoint(1)
        _ = try sink.snapshot(checkpointID: 1)
        try sink.onCheckpointAbort(1)
        #expect(try values() == [])
        try sink.process(Self.batch(["y1"]), input: 0)
        try sink.onCheckpoint(2)
        let blob = try #require(try sink.snapshot(checkpointID: 2))
        try sink.onCheckpointComplete(2)
        #expect(try values() == ["x1", "x2", "y1"])
        // Checkpoint 2's blob listed both transactions: restoring it again
        // finds them committed.
        let again = try self.sink(restoring: [blob])
        #expect(try values() == ["x1", "x2", "y1"])
        again.destroy()

        // A failed job restored from a checkpoint before the records: they
        // never appear.
        try sink.process(Self.batch(["z1"]), input: 0)
        try sink.onCheckpoint(3)
        sink.destroy()
        let restored = try self.sink(restoring: empty.map { [$0] } ?? [])
        _ = try services.abortOpenTransactions(prefix: "job/")
        #expect(try values() == ["x1", "x2", "y1"])
        restored.destroy()
    }

    @Test func aRestoreAtAnotherParallelismCommitsEveryInstancesTransactionsOnce() throws {
        try services.ensureTopic("out", partitions: 3)
        var blobs: [[UInt8]] = []
        for index in 0 ..< 2 {
            let sink = try sink(index: index, parallelism: 2)
            try sink.process(Self.batch(Self.names("i\(index)-", 0 ..< 4)), input: 0)
            try sink.onCheckpoint(5)
            blobs.append(try #require(try sink.snapshot(checkpointID: 5)))
            sink.destroy()
        }
        #expect(try values() == [])
        // Three instances now; every one gets every old blob.
        var sinks: [ComponentInstance] = []
        for index in 0 ..< 3 { sinks.append(try sink(index: index, parallelism: 3, restoring: blobs)) }
        #expect(try values() == (Self.names("i0-", 0 ..< 4) + Self.names("i1-", 0 ..< 4)).sorted())
        // New transactions do not reuse the old ids: they commit normally.
        for (index, sink) in sinks.enumerated() {
            try sink.process(Self.batch(["new\(index)"]), input: 0)
            try sink.onCheckpoint(6)
            try sink.onCheckpointComplete(6)
        }
        #expect(try values().count == 11)
        for sink in sinks { sink.destroy() }
    }

    @Test func closeCommitsWhatIsOpenAndPending() throws {
        try services.ensureTopic("out", partitions: 1)
        let sink = try sink()
        try sink.process(Self.batch(["p"]), input: 0)
        try sink.onCheckpoint(1)
        try sink.process(Self.batch(["q"]), input: 0)
        try sink.close()
        #expect(try values() == ["p", "q"])
        sink.destroy()
    }

    @Test func withoutCheckpointsOrAtLeastOnceRecordsAreVisibleAtOnce() throws {
        try services.ensureTopic("out", partitions: 1)
        let plain = try sink(checkpointMs: 0)
        try plain.process(Self.batch(["one"]), input: 0)
        #expect(try values() == ["one"])
        let atLeastOnce = try sink(delivery: "at_least_once")
        try atLeastOnce.process(Self.batch(["two"]), input: 0)
        #expect(try values() == ["one", "two"])
        #expect(try atLeastOnce.snapshot(checkpointID: 1) == nil)
        plain.destroy()
        atLeastOnce.destroy()
    }

    @Test func aBadDeliveryIsRefusedWithItsName() throws {
        #expect {
            _ = try instance(Self.sink, step: "write", config: [("topic", "out"), ("delivery", "twice")])
        } throws: { error in
            "\(error)".contains("config 'delivery' is \"twice\"")
        }
    }

    // MARK: logsource

    /// Appends `count` values per partition, plainly.
    func fill(_ topic: String, partitions: Int, count: Int) throws {
        try services.ensureTopic(topic, partitions: partitions)
        for partition in 0 ..< partitions {
            _ = try services.append(topic: topic, partition: partition,
                                    records: Self.batch(Self.names("p\(partition)-", 0 ..< count)))
        }
    }

    func source(index: Int = 0, parallelism: Int = 1, extra: [(String, JSONValue)] = [], restoring blobs: [[UInt8]] = [],
                checkpointMs: Int64 = 1000) throws -> ComponentInstance {
        let source = try instance(Self.source, step: "read", config: [("topic", "in")] + extra, instance: index)
        for blob in blobs { try source.restore(stateVersion: 1, blob: blob) }
        try open(source, index: index, parallelism: parallelism, checkpointMs: checkpointMs)
        return source
    }

    /// Polls until the source ends; returns the values it emitted.
    static func drain(_ source: ComponentInstance, max: Int = 1000, polls: Int = 1000) throws -> [String] {
        var values: [String] = []
        for _ in 0 ..< polls {
            let outcome = try source.poll(max: max)
            for batch in source.context.takeOutput() {
                for index in 0 ..< batch.count {
                    batch.withRecord(at: index) { _, _, value in
                        values.append(String(decoding: value ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self))
                    }
                }
            }
            if outcome == .end { break }
        }
        return values
    }

    @Test func aRestoredSourceContinuesAtItsSnapshotPositions() throws {
        try fill("in", partitions: 2, count: 10)
        let first = try source()
        let early = try Self.drain(first, max: 7, polls: 1)
        #expect(early.count == 7)
        let blob = try #require(try first.snapshot(checkpointID: 1))
        _ = try Self.drain(first, max: 3, polls: 1)
        first.destroy()

        // Same parallelism: one blob; then two instances, each seeing it.
        let again = try source(restoring: [blob])
        let rest = try Self.drain(again)
        #expect((early + rest).sorted() == (Self.names("p0-", 0 ..< 10) + Self.names("p1-", 0 ..< 10)).sorted())
        again.destroy()
        var rescaled: [String] = []
        for index in 0 ..< 2 {
            let source = try source(index: index, parallelism: 2, restoring: [blob])
            rescaled += try Self.drain(source)
            source.destroy()
        }
        #expect(rescaled.sorted() == rest.sorted())
    }

    @Test func withCheckpointsGroupOffsetsAreCommittedWhenTheCheckpointCompletes() throws {
        try fill("in", partitions: 1, count: 20)
        let source = try source(extra: [("group", "g"), ("commit_every_records", 1)])
        _ = try Self.drain(source, max: 5, polls: 1)
        #expect(try services.committedOffset(group: "g", topic: "in", partition: 0) == nil)
        _ = try source.snapshot(checkpointID: 1)
        _ = try Self.drain(source, max: 5, polls: 1)
        #expect(try services.committedOffset(group: "g", topic: "in", partition: 0) == nil)
        try source.onCheckpointComplete(1)
        #expect(try services.committedOffset(group: "g", topic: "in", partition: 0) == 5)
        source.destroy()
    }

    @Test func readCommittedSourcesSkipOpenAndAbortedTransactions() throws {
        try fill("in", partitions: 1, count: 2)
        let open = try services.beginTransaction(transactionalId: "other/w/0-0")
        _ = try open.append(topic: "in", partition: 0, records: Self.batch(["open"]))
        let aborted = try services.beginTransaction(transactionalId: "other/w/1-0")
        _ = try aborted.append(topic: "in", partition: 0, records: Self.batch(["aborted"]))
        try aborted.abort()
        let committed = try source()
        #expect(try Self.drain(committed).sorted() == ["p0-0", "p0-1"])
        let uncommitted = try source(extra: [("isolation", "read_uncommitted")])
        #expect(try Self.drain(uncommitted).sorted() == ["aborted", "open", "p0-0", "p0-1"])
        try open.commit()
        let later = try source()
        #expect(try Self.drain(later).sorted() == ["open", "p0-0", "p0-1"])
        for source in [committed, uncommitted, later] { source.destroy() }
    }
}
