import Core
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

    @Test func emitOutsideACallbackOrAfterCloseIsABreach() {
        let context = makeContext()
        var breaches: [String] = []
        context.onViolation = { breaches.append($0) }
        let table = HostAPI.table.pointee
        let value: [UInt8] = Array("v".utf8)
        let status = value.withUnsafeBufferPointer { buffer -> sh_status in
            var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: buffer.baseAddress, value_len: 1)
            return table.emit(context.opaque, &record)
        }
        #expect(status == Status.invalid)
        #expect(breaches.count == 1 && breaches[0].contains("outside of a callback"))
        #expect(context.takeOutput().isEmpty)
    }

    @Test func sinksCannotEmit() {
        let context = makeContext(kind: .sink)
        var breaches: [String] = []
        context.onViolation = { breaches.append($0) }
        var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: nil, value_len: 0)
        #expect(HostAPI.table.pointee.emit(context.opaque, &record) == Status.invalid)
        #expect(breaches.first?.contains("sinks have no output") == true)
    }
}
