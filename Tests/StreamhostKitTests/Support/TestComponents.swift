import Foundation
import StreamhostKit

/// Components written with the kit for the kit's own tests.
let testPlugin = PluginDefinition(
    name: "kit-test", version: "0.0.1",
    components: [.operator(EchoOperator.self), .source(ScriptedSource.self), .sink(LifecycleSink.self)])

/// The test plugin's descriptor, as the host would get it.
nonisolated(unsafe) let testDescriptor: UnsafePointer<sh_plugin_descriptor> = testPlugin.entry(FakeHost.table)!

/// Forwards or transforms its input, or fails on purpose, by `mode`.
final class EchoOperator: Operator {
    static let name = "echo"
    static let description = "Forwards its input"
    static let configSchema: String? = #"{"type":"object","properties":{"mode":{"type":"string"}}}"#
    static let inputCount = 2
    static let stateVersion: UInt32 = 3

    let mode: String

    init(context: Context, config: Config) throws {
        mode = try config.string("mode", default: "records")
        if mode == "refuse" { throw PluginError.failed("echo: refused on purpose") }
    }

    func process(_ batch: Batch, context: Context) throws {
        switch mode {
        case "batch":
            try context.emit(batch: batch)
        case "throw":
            throw PluginError.failed("echo: process failed on purpose")
        case "describe":
            // Emits what it sees of each record as text.
            for record in batch {
                let key = record.key.map { "key=" + String(decoding: $0, as: UTF8.self) } ?? "null-key"
                let value = record.value.map { "value=" + String(decoding: $0, as: UTF8.self) } ?? "null-value"
                try context.emit(timestamp: record.timestamp, key: nil, value: "\(batch.input) \(key) \(value)")
            }
        default:
            for record in batch { try context.emit(record) }
        }
    }
}

/// Emits "0", "1", ... up to `count` (keyed "k<i>"), `max` at a time; its
/// state is the next number: 8 bytes little-endian in state version 2, 4 in
/// version 1, which `migrate` rewrites.
final class ScriptedSource: Source, Snapshotting, Migrating {
    static let name = "scripted"
    static let description = "Emits numbers"
    static let stateVersion: UInt32 = 2

    static func migrate(_ migration: Migration, context: Context) throws -> [UInt8] {
        guard migration.kind == .operatorBlob else {
            let key = migration.key.map { String(decoding: $0, as: UTF8.self) } ?? "nil"
            throw PluginError.failed(
                "scripted: no keyed state to migrate ('\(migration.stateName ?? "nil")', key \(key), "
                    + "from plugin \(migration.fromPluginVersion))")
        }
        guard migration.fromVersion == 1, migration.toVersion == 2, migration.data.count == 4 else {
            throw PluginError.failed(
                "scripted: cannot migrate \(migration.data.count) bytes from \(migration.fromVersion) to \(migration.toVersion)")
        }
        context.log("scripted: state 1 -> 2", level: .info)
        let next = Int64(Int32(littleEndian: migration.data.loadUnaligned(as: Int32.self)))
        return withUnsafeBytes(of: next.littleEndian) { Array($0) }
    }

    let count: Int
    let idleEvery: Int
    var next = 0
    let emittedCounter: Counter
    var openedWith: TaskInfo?

    init(context: Context, config: Config) throws {
        count = try config.requiredInt("count")
        idleEvery = try config.int("idle_every", default: 0)
        emittedCounter = try context.counter(named: "emitted")
    }

    func open(context: Context, info: TaskInfo) throws {
        openedWith = info
        context.log("opened \(info.stepID) \(info.instance)/\(info.parallelism)", level: .debug)
        if info.jobName != "test-job" { throw PluginError.failed("scripted: wrong job name '\(info.jobName)'") }
    }

    func poll(max: Int, context: Context) throws -> PollResult {
        if next >= count { return .end }
        if idleEvery > 0 && next > 0 && next % idleEvery == 0 && next != lastIdleAt {
            lastIdleAt = next
            context.waker.wake()
            return .idle
        }
        var emitted = 0
        while emitted < max && next < count {
            try context.emit(timestamp: Int64(next), key: "k\(next)", value: String(next))
            next += 1
            emitted += 1
            if idleEvery > 0 && next % idleEvery == 0 { break }
        }
        emittedCounter.add(Int64(emitted))
        return .emitted
    }

    private var lastIdleAt = -1

    func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]? {
        if checkpointID < 0 { throw PluginError.failed("scripted: negative checkpoint \(checkpointID)") }
        if next == 0 { return nil }
        return withUnsafeBytes(of: Int64(next).littleEndian) { Array($0) }
    }

    func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws {
        guard data.count == 8 else { throw PluginError.failed("scripted: state of \(data.count) bytes, expected 8") }
        next = Int(Int64(littleEndian: data.loadUnaligned(as: Int64.self)))
    }
}

/// Records its calls and its deinit by the `token` of its config.
final class LifecycleSink: Sink {
    static let name = "lifecycle"
    static let description = "Counts what happens to it"

    nonisolated(unsafe) private static var deinits: [String: Int] = [:]
    private static let lock = NSLock()

    static func deinitCount(_ token: String) -> Int { lock.withLock { deinits[token] ?? 0 } }

    let token: String
    var records = 0

    init(context: Context, config: Config) throws {
        token = try config.requiredString("token")
    }

    deinit {
        LifecycleSink.lock.withLock { LifecycleSink.deinits[token, default: 0] += 1 }
    }

    func process(_ batch: Batch, context: Context) throws {
        records += batch.count
    }

    func close(context: Context) throws {
        if token.hasPrefix("fail-close") { throw PluginError.failed("lifecycle: close failed for \(token)") }
    }
}

/// A plugin of one sink with timers, watermarks and checkpoint hooks, to
/// see which vtable members the kit sets.
let hooksPlugin = PluginDefinition(name: "kit-hooks", version: "0.0.1", components: [.sink(HookedSink.self)])

nonisolated(unsafe) let hooksDescriptor: UnsafePointer<sh_plugin_descriptor> = hooksPlugin.entry(FakeHost.table)!

/// Implements on_timer, on_watermark, on_checkpoint and
/// on_checkpoint_complete (abort is CheckpointHooks' default); the
/// complete and watermark callbacks fail on purpose, naming their argument,
/// so a test sees its own method was called.
final class HookedSink: Sink, TimerHandling, WatermarkHandling, CheckpointHooks {
    static let name = "hooked"
    static let description = "Implements some optional callbacks"

    init(context: Context, config: Config) throws {}

    func process(_ batch: Batch, context: Context) throws {}

    func onTimer(_ timer: StreamhostKit.Timer, context: Context) throws {}

    func onWatermark(_ watermark: Int64, context: Context) throws {
        throw PluginError.failed("hooked: watermark \(watermark)")
    }

    func onCheckpoint(_ checkpointID: Int64, context: Context) throws {}

    func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws {
        throw PluginError.failed("hooked: complete \(checkpointID)")
    }
}
