import Core
@testable import PluginHost
import StreamhostABI
import Testing

/// PluginHost reaches keyed state only through the `KeyedStateServices`
/// it declares: any implementation serves `state_*`, and its errors become
/// a refused call or a failed job as the error says.
@Suite("KeyedStateServices")
struct KeyedStateServicesTests {
    /// Values per (state, key group, key); `put` of `failing` throws.
    final class FakeStore: KeyedStateService {
        var processingTime: Int64 = 0
        var names: [String] = []
        var values: [String: [UInt8]] = [:]
        var lent: [UInt8] = []
        var failing: KeyedStateServiceError?

        func slot(_ state: sh_state_id, _ keyGroup: Int, _ key: UnsafeRawBufferPointer) -> String {
            "\(state)/\(keyGroup)/\(Array(key))"
        }

        func register(name: String, kind: KeyedStateKind, ttlMs: Int64) throws(KeyedStateServiceError) -> sh_state_id {
            names.append(name)
            return sh_state_id(names.count)
        }

        func get(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer)
            throws(KeyedStateServiceError) -> UnsafeRawBufferPointer?
        {
            guard let value = values[slot(state, keyGroup, key)] else { return nil }
            lent = value
            return lent.withUnsafeBytes { $0 }
        }

        func put(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
            throws(KeyedStateServiceError)
        {
            if let failing { throw failing }
            values[slot(state, keyGroup, key)] = Array(value)
        }

        func delete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer) throws(KeyedStateServiceError) {
            values[slot(state, keyGroup, key)] = nil
        }

        func mapGet(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
            throws(KeyedStateServiceError) -> UnsafeRawBufferPointer? { nil }
        func mapPut(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                    value: UnsafeRawBufferPointer) throws(KeyedStateServiceError) {}
        func mapDelete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer,
                       userKey: UnsafeRawBufferPointer) throws(KeyedStateServiceError) {}
        func mapIterate(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer,
                        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool)
            throws(KeyedStateServiceError) {}
        func registerTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
            throws(KeyedStateServiceError) {}
        func deleteTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
            throws(KeyedStateServiceError) {}
        func earliestTimer(_ domain: TimerDomain) throws(KeyedStateServiceError) -> Int64? { nil }
        func popTimer(_ domain: TimerDomain, notAfter limit: Int64) throws(KeyedStateServiceError) -> DueTimer? { nil }
        func close() {}
    }

    final class FakeServices: KeyedStateServices, @unchecked Sendable {
        let store = FakeStore()
        var name: String { "fake" }
        func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>)
            throws(KeyedStateServiceError) -> any KeyedStateService { store }
    }

    /// A context with `services` as its state backend (the tests run their
    /// calls inside `runCallback`, as a plugin's callback would).
    func makeContext(_ services: FakeServices) -> InstanceContext {
        let context = InstanceContext(
            jobName: "job", stepID: "step", instance: 0, kind: .operator, componentName: "c",
            config: .object(JSONObject()), batchRecordsMax: 4)
        context.stateServices = services
        return context
    }

    func register(_ context: InstanceContext, _ name: String) -> sh_state_id {
        var state: sh_state_id = 0
        let status = name.withCString { text in
            var descriptor = sh_state_desc()
            descriptor.struct_size = UInt32(MemoryLayout<sh_state_desc>.size)
            descriptor.name = text
            descriptor.kind = SH_STATE_VALUE
            return HostAPI.table.pointee.state_register(context.opaque, &descriptor, &state)
        }
        #expect(status == Status.ok)
        return state
    }

    @Test func stateCallsGoThroughTheDeclaredServices() {
        let services = FakeServices()
        let context = makeContext(services)
        context.runCallback { stateCallsGoThroughTheDeclaredServices(services, context) }
    }

    func stateCallsGoThroughTheDeclaredServices(_ services: FakeServices, _ context: InstanceContext) {
        let table = HostAPI.table.pointee
        let state = register(context, "count")
        #expect(services.store.names == ["count"])
        let key: [UInt8] = [1, 2, 3], value: [UInt8] = [42, 43]
        #expect(table.state_put(context.opaque, state, key, key.count, value, value.count) == Status.ok)
        var out: UnsafePointer<UInt8>?
        var length = 0
        #expect(table.state_get(context.opaque, state, key, key.count, &out, &length) == Status.ok)
        #expect(Array(UnsafeBufferPointer(start: out, count: length)) == value)
        #expect(table.state_delete(context.opaque, state, key, key.count) == Status.ok)
        #expect(services.store.values.isEmpty)
    }

    @Test func errorsRefuseTheCallOrFailTheJobAsTheySay() {
        let services = FakeServices()
        let context = makeContext(services)
        context.runCallback { errorsRefuseTheCallOrFailTheJobAsTheySay(services, context) }
    }

    func errorsRefuseTheCallOrFailTheJobAsTheySay(_ services: FakeServices, _ context: InstanceContext) {
        var fatal: [String] = []
        context.onFatal = { fatal.append($0) }
        let table = HostAPI.table.pointee
        let state = register(context, "count")
        let key: [UInt8] = [1]

        services.store.failing = KeyedStateServiceError(failsJob: false, message: "state 'count' is map state")
        #expect(table.state_put(context.opaque, state, key, key.count, key, key.count) == Status.invalid)
        #expect(String(cString: table.last_error(context.opaque)!) == "state_put: state 'count' is map state")
        #expect(fatal.isEmpty)

        services.store.failing = KeyedStateServiceError(failsJob: true, message: "disk full")
        #expect(table.state_put(context.opaque, state, key, key.count, key, key.count) == Status.error)
        #expect(fatal == ["state_put: \(context.label): disk full"])
    }
}
