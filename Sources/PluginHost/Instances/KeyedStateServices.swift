import StreamhostABI

/// Whether a state holds one value per key or a map per key
/// (`sh_state_kind`).
public enum KeyedStateKind: Sendable, Hashable {
    case value
    case map
}

/// The clock a timer follows (`sh_time_domain`).
public enum TimerDomain: Sendable, Hashable {
    case eventTime
    case processingTime
}

/// A timer that came due: what `on_timer` gets.
public struct DueTimer: Sendable {
    public var time: Int64
    public var key: [UInt8]

    public init(time: Int64, key: [UInt8]) {
        self.time = time
        self.key = key
    }
}

/// A failed keyed-state call: the message `last_error` returns, and whether
/// the job fails (storage failed, a memory bound was passed) or only the
/// plugin's call is refused (an unknown state, a wrong kind).
public struct KeyedStateServiceError: Error, Sendable, CustomStringConvertible {
    public let failsJob: Bool
    public let message: String

    public init(failsJob: Bool, message: String) {
        self.failsJob = failsJob
        self.message = message
    }

    public var description: String { message }
}

/// One instance's keyed state and timers as plugins see them through
/// `sh_host_api.state_*` and `timer_*`. PluginHost declares it, so that the
/// plugin loader does not link a state backend (RocksDB); the runtime
/// implements it over the State module, as it implements `LogServices`
/// over the Log module.
///
/// Values returned are borrowed until the next call on the same store.
/// Keys are the plugin's bytes; `keyGroup` is the key's key group, which
/// the instance owns.
///
/// # Thread safety
/// Used by its instance's thread only.
public protocol KeyedStateService: AnyObject {
    /// The wall-clock time the store uses for TTLs (set before callbacks).
    var processingTime: Int64 { get set }

    /// Registers a state (or finds the one of that name with the same
    /// kind and TTL); returns its id.
    func register(name: String, kind: KeyedStateKind, ttlMs: Int64) throws(KeyedStateServiceError) -> sh_state_id

    func get(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError) -> UnsafeRawBufferPointer?
    func put(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError)
    func delete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer) throws(KeyedStateServiceError)

    func mapGet(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError) -> UnsafeRawBufferPointer?
    func mapPut(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                value: UnsafeRawBufferPointer) throws(KeyedStateServiceError)
    func mapDelete(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(KeyedStateServiceError)
    /// Visits the key's map entries until `visit` returns false.
    func mapIterate(_ state: sh_state_id, keyGroup: Int, key: UnsafeRawBufferPointer,
                    _ visit: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)
        throws(KeyedStateServiceError)

    func registerTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(KeyedStateServiceError)
    func deleteTimer(_ domain: TimerDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(KeyedStateServiceError)
    /// The time of the earliest timer of `domain`; nil when none is set.
    func earliestTimer(_ domain: TimerDomain) throws(KeyedStateServiceError) -> Int64?
    /// Removes and returns the earliest timer of `domain` due at `limit`.
    func popTimer(_ domain: TimerDomain, notAfter limit: Int64) throws(KeyedStateServiceError) -> DueTimer?

    /// Releases the store (the instance is destroyed).
    func close()
}

/// Where instances' keyed state lives: makes one instance's store.
///
/// # Thread safety
/// Called from any task thread at once.
public protocol KeyedStateServices: AnyObject, Sendable {
    /// The backend's name, for messages ("memory", "rocksdb").
    var name: String { get }
    /// An empty store for the key groups `keyGroups` of one instance.
    func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>)
        throws(KeyedStateServiceError) -> any KeyedStateService
}
