#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import PluginHost
import StreamhostABI
import Testing

@Suite("HostAPI")
struct HostAPITests {
    func makeContext(kind: ComponentKind = .operator, config: JSONValue = .object(JSONObject())) -> InstanceContext {
        InstanceContext(jobName: "job", stepID: "step", instance: 1, kind: kind, componentName: "c", config: config,
                        batchRecordsMax: 4)
    }

    @Test func tableAdvertisesVersionAndServices() {
        let table = HostAPI.table.pointee
        #expect(table.struct_size == UInt32(MemoryLayout<sh_host_api>.size))
        #expect(table.abi_major == 1 && table.abi_minor == 3)
        #expect(table.services & UInt64(SH_SERVICE_CORE) != 0)
        #expect(table.services & UInt64(SH_SERVICE_KEYED_STATE) != 0)
        #expect(table.services & UInt64(SH_SERVICE_TIMERS) != 0)
        #expect(table.services & UInt64(SH_SERVICE_CHECKPOINTS) != 0)
        #expect(String(cString: table.host_version) == HostAPI.hostVersion)
    }

    @Test func unimplementedServicesSayUnsupported() {
        let context = makeContext()
        context.runCallback { unimplementedServicesSayUnsupported(context) }
    }

    func unimplementedServicesSayUnsupported(_ context: InstanceContext) {
        let table = HostAPI.table.pointee
        var transaction: OpaquePointer?
        #expect(table.log_txn_begin(context.opaque, "txn", &transaction) == Status.unsupported)
        let message = String(cString: table.last_error(context.opaque)!)
        #expect(message.contains("log_txn_begin: this job runs without the durable log"))
        var partitions: UInt32 = 0
        #expect(table.log_partitions(context.opaque, "orders", &partitions) == Status.unsupported)
        #expect(String(cString: table.last_error(context.opaque)!).contains("log_partitions"))
    }

    @Test func configLookupsFollowTypes() {
        let config: JSONValue = .object(JSONObject([
            ("path", .string("/tmp/x")), ("count", .int(5)), ("ratio", .double(2.5)), ("flag", .bool(true)),
            ("csv", .object(JSONObject([("delimiter", .string(";"))]))),
        ]))
        let context = makeContext(config: config)
        context.runCallback { configLookupsFollowTypes(context) }
    }

    func configLookupsFollowTypes(_ context: InstanceContext) {
        let table = HostAPI.table.pointee
        var text: UnsafePointer<CChar>?
        #expect(table.config_string(context.opaque, "csv.delimiter", &text) == Status.ok)
        #expect(String(cString: text!) == ";")
        var integer: Int64 = 0
        #expect(table.config_int64(context.opaque, "count", &integer) == Status.ok && integer == 5)
        #expect(table.config_int64(context.opaque, "path", &integer) == Status.wrongType)
        #expect(String(cString: table.last_error(context.opaque)!) == "config 'path' is string, not an integer")
        #expect(table.config_int64(context.opaque, "absent", &integer) == Status.notFound)
        var double = 0.0
        #expect(table.config_double(context.opaque, "count", &double) == Status.ok && double == 5)
        #expect(table.config_double(context.opaque, "ratio", &double) == Status.ok && double == 2.5)
        var flag: Int32 = 0
        #expect(table.config_bool(context.opaque, "flag", &flag) == Status.ok && flag == 1)
        var json: UnsafePointer<CChar>?
        var length = 0
        #expect(table.config_json(context.opaque, "csv", &json, &length) == Status.ok)
        #expect(String(cString: json!) == "{\"delimiter\":\";\"}" && length == 17)
        #expect(table.config_json(context.opaque, nil, &json, &length) == Status.ok)
        #expect(String(cString: json!).hasPrefix("{\"path\":\"/tmp/x\""))
    }

    /// Emits one record with `ctx` through the host table.
    func emit(_ ctx: OpaquePointer) -> sh_status {
        let value: [UInt8] = Array("v".utf8)
        return value.withUnsafeBufferPointer { buffer -> sh_status in
            var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: buffer.baseAddress, value_len: 1)
            return HostAPI.table.pointee.emit(ctx, &record)
        }
    }

    @Test func emitOutsideACallbackIsRefused() {
        let context = makeContext()
        var breaches: [String] = []
        context.onViolation = { breaches.append($0) }
        #expect(emit(context.opaque) == Status.wrongThread)
        #expect(breaches.count == 1 && breaches[0].contains("called emit outside of its callbacks"))
        #expect(context.takeOutput().isEmpty)
        // Inside a callback the same call works.
        #expect(context.runCallback { emit(context.opaque) } == Status.ok)
        #expect(context.takeOutput().first?.recordCount == 1)
    }

    @Test func callsFromAnotherThreadDuringACallbackAreRefused() {
        let context = makeContext()
        let breaches = Breaches()
        context.onViolation = { breaches.add($0) }
        let opaque = UInt(bitPattern: context.opaque)
        var statuses: [sh_status] = []
        context.runCallback {
            // The callback runs on this thread; another thread uses its ctx.
            var thread = pthread_t()
            let box = Unmanaged.passRetained(StatusBox(opaque))
            pthread_create(&thread, nil, { argument in
                let box = Unmanaged<StatusBox>.fromOpaque(argument!).takeRetainedValue()
                let ctx = OpaquePointer(bitPattern: box.ctx)!
                let table = HostAPI.table.pointee
                var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: nil, value_len: 0)
                box.statuses.append(table.emit(ctx, &record))
                var id: sh_state_id = 0
                var found: UnsafePointer<UInt8>?
                box.statuses.append(table.state_get(ctx, id, nil, 0, &found, nil))
                box.statuses.append(table.timer_register(ctx, SH_TIME_EVENT, nil, 0, 5))
                box.statuses.append(table.counter_register(ctx, "c", &id))
                var text: UnsafePointer<CChar>?
                box.statuses.append(table.config_string(ctx, "x", &text))
                table.wakeup(ctx)  // allowed from any thread
                box.finish()
                return nil
            }, box.toOpaque())
            pthread_join(thread, nil)
            statuses = StatusBox.last
        }
        #expect(statuses == [Status.wrongThread, Status.wrongThread, Status.wrongThread, Status.wrongThread,
                             Status.wrongThread])
        let messages = breaches.all
        #expect(messages.count == 5)
        for (message, call) in zip(messages, ["emit", "state_get", "timer_register", "counter_register", "config_string"]) {
            #expect(message.contains("called \(call) outside of its callbacks"))
            #expect(message.contains("SH_WRONG_THREAD"))
        }
        #expect(context.takeOutput().isEmpty)
    }

    @Test func anotherInstancesContextIsRefusedInsideACallback() {
        let running = makeContext()
        let other = InstanceContext(jobName: "job", stepID: "other", instance: 0, kind: .operator, componentName: "c",
                                    config: .object(JSONObject()))
        var breaches: [String] = []
        other.onViolation = { breaches.append($0) }
        #expect(running.runCallback { emit(other.opaque) } == Status.wrongThread)
        #expect(breaches.first?.contains("inside a callback of step 'step' instance 1") == true)
    }

    @Test func sinksCannotEmit() {
        let context = makeContext(kind: .sink)
        var breaches: [String] = []
        context.onViolation = { breaches.append($0) }
        var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: nil, value_len: 0)
        #expect(context.runCallback { HostAPI.table.pointee.emit(context.opaque, &record) } == Status.invalid)
        #expect(breaches.first?.contains("sinks have no output") == true)
    }
}

/// Statuses a plugin thread saw, handed back to the test thread (after
/// pthread_join, which orders the accesses).
final class StatusBox: @unchecked Sendable {
    nonisolated(unsafe) static var last: [sh_status] = []
    let ctx: UInt
    var statuses: [sh_status] = []
    init(_ ctx: UInt) { self.ctx = ctx }
    func finish() { StatusBox.last = statuses }
}

/// Violations reported from any thread.
final class Breaches: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
