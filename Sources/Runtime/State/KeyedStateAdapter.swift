import PluginHost
import State
import StreamhostABI

/// A State backend as PluginHost's `KeyedStateServices`: the runtime wires
/// keyed state into instances here, so that PluginHost (the plugin loader)
/// does not depend on State and its RocksDB.
final class StateBackendServices: KeyedStateServices {
    let backend: any StateBackend

    init(_ backend: any StateBackend) { self.backend = backend }

    var name: String { backend.name }

    func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>)
        throws(KeyedStateServiceError) -> any KeyedStateService
    {
        do {
            return keyedStateService(try backend.makeStore(stepID: stepID, instance: instance, keyGroups: keyGroups))
        } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }
}

/// A State store as the `KeyedStateService` of one instance: the
/// forwarding is written once, here, for every adapter class below.
///
/// Each backend's store class gets its own small final adapter class, so
/// that the conformance is concrete: its witnesses are this extension
/// specialised for that class, and a state call costs one protocol
/// dispatch (into the adapter) and then a direct call into the store's
/// final class — as before the inversion, with no second existential hop.
/// (A generic adapter class would not do: its conformance is generic, so
/// its witnesses would reach the store through a witness table again.)
protocol KeyedStateAdapter: KeyedStateService, KeyedStateStoreCarrier {
    associatedtype Store: KeyedStateStore
    var store: Store { get }
}

final class MemoryKeyedStateAdapter: KeyedStateAdapter {
    let store: MemoryKeyedStateStore
    init(_ store: MemoryKeyedStateStore) { self.store = store }
}

final class RocksDBKeyedStateAdapter: KeyedStateAdapter {
    let store: RocksDBKeyedStateStore
    init(_ store: RocksDBKeyedStateStore) { self.store = store }
}

/// Any other store (a backend without its own adapter class): correct,
/// with the store reached through its witness table.
final class OtherKeyedStateAdapter<Store: KeyedStateStore>: KeyedStateAdapter {
    let store: Store
    init(_ store: Store) { self.store = store }
}

extension KeyedStateAdapter {
    var anyStore: any KeyedStateStore { store }

    var processingTime: Int64 {
        get { store.processingTime }
        set { store.processingTime = newValue }
    }

    func register(name: String, kind: KeyedStateKind, ttlMs: Int64) throws(KeyedStateServiceError) -> sh_state_id {
        let descriptor = StateDescriptor(name: name, kind: kind == .map ? .map : .value, ttlMs: ttlMs)
        do { return try store.register(descriptor) } catch { throw KeyedStateAdapterError.map(error) }
    }

    func get(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError) -> UnsafeRawBufferPointer?
    {
        do { return try store.get(state, keyGroup: keyGroup, key: key) } catch { throw KeyedStateAdapterError.map(error) }
    }

    func put(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError)
    {
        do { try store.put(state, keyGroup: keyGroup, key: key, value: value) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func delete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer) throws(KeyedStateServiceError) {
        do { try store.delete(state, keyGroup: keyGroup, key: key) } catch { throw KeyedStateAdapterError.map(error) }
    }

    func mapGet(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError) -> UnsafeRawBufferPointer?
    {
        do { return try store.mapGet(state, keyGroup: keyGroup, key: key, userKey: userKey) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func mapPut(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                value: UnsafeRawBufferPointer) throws(KeyedStateServiceError)
    {
        do { try store.mapPut(state, keyGroup: keyGroup, key: key, userKey: userKey, value: value) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func mapDelete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError)
    {
        do { try store.mapDelete(state, keyGroup: keyGroup, key: key, userKey: userKey) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func mapIterate(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer,
                    _ visit: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)
        throws(KeyedStateServiceError)
    {
        do { try store.mapIterate(state, keyGroup: keyGroup, key: key, visit) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func registerTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(KeyedStateServiceError)
    {
        do { try store.registerTimer(Self.domain(domain), keyGroup: keyGroup, key: key, time: time) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func deleteTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(KeyedStateServiceError)
    {
        do { try store.deleteTimer(Self.domain(domain), keyGroup: keyGroup, key: key, time: time) } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func earliestTimer(_ domain: TimerDomain) throws(KeyedStateServiceError) -> Int64? {
        do { return try store.earliestTimer(Self.domain(domain)) } catch { throw KeyedStateAdapterError.map(error) }
    }

    func popTimer(_ domain: TimerDomain, notAfter limit: Int64) throws(KeyedStateServiceError) -> DueTimer? {
        do {
            return try store.popTimer(Self.domain(domain), notAfter: limit).map { DueTimer(time: $0.time, key: $0.key) }
        } catch {
            throw KeyedStateAdapterError.map(error)
        }
    }

    func close() { store.close() }

    private static func domain(_ domain: TimerDomain) -> TimeDomain {
        domain == .eventTime ? .eventTime : .processingTime
    }
}

/// The State store behind an instance's `KeyedStateService`, whatever its
/// concrete type (checkpoints snapshot it).
protocol KeyedStateStoreCarrier: AnyObject {
    var anyStore: any KeyedStateStore { get }
}

/// The adapter for `store`: the backend's own adapter class when it has one.
func keyedStateService(_ store: any KeyedStateStore) -> any KeyedStateService {
    switch store {
    case let memory as MemoryKeyedStateStore: return MemoryKeyedStateAdapter(memory)
    case let rocksDB as RocksDBKeyedStateStore: return RocksDBKeyedStateAdapter(rocksDB)
    default: return otherAdapter(store)
    }
}

private func otherAdapter<Store: KeyedStateStore>(_ store: Store) -> any KeyedStateService {
    OtherKeyedStateAdapter(store)
}

enum KeyedStateAdapterError {
    /// Storage failures, a passed memory bound and damaged snapshots fail
    /// the job; the rest are the plugin's mistakes, refused with a message.
    static func map(_ error: StateError) -> KeyedStateServiceError {
        switch error {
        case .memoryBoundExceeded, .storage, .snapshot:
            return KeyedStateServiceError(failsJob: true, message: error.description)
        case .unknownState, .conflictingRegistration, .invalidDescriptor, .wrongKind, .keyGroupNotOwned:
            return KeyedStateServiceError(failsJob: false, message: error.description)
        }
    }
}

/// The State-typed view of an instance's keyed state, for the runtime's
/// job setup, restore and checkpoints.
extension InstanceContext {
    /// The State backend the instance's store comes from; nil: none.
    public var stateBackend: (any StateBackend)? {
        get { (stateServices as? StateBackendServices)?.backend }
        set { stateServices = newValue.map { StateBackendServices($0) } }
    }

    /// The instance's State store, once created or restored.
    public var stateStore: (any KeyedStateStore)? { (keyedState as? any KeyedStateStoreCarrier)?.anyStore }

    /// Gives the instance a store restored from a checkpoint (before open;
    /// the instance would otherwise create an empty one on first use).
    public func installRestoredStore(_ store: any KeyedStateStore) {
        installRestoredState(keyedStateService(store))
    }
}
