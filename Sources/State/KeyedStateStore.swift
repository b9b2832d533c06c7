/// Keyed state: what the host keeps per (step, key) on a plugin's behalf.
///
/// A job has one `StateBackend` (chosen in its job file); every parallel
/// instance of a stateful step gets its own `KeyedStateStore` over the key
/// groups it owns. The runtime computes a record key's key group (Core's
/// `KeyGroups`) and passes it with every call, so a store never hashes.
///
/// # Thread safety
/// A backend's `makeStore` may be called from any thread. A store is used
/// by one task at a time (ABI rule 8): it is not thread-safe.
///
/// # Borrowed results
/// Values returned by `get`/`mapGet` and the buffers passed to visitors are
/// borrowed: valid until the next call on the same store. Keys and values
/// passed in are copied by the store.
public protocol KeyedStateStore: AnyObject {
    /// The key groups this store owns.
    var keyGroups: ClosedRange<Int> { get }

    /// Processing time in ms, as set by the runtime before each callback;
    /// TTL is measured against it.
    var processingTime: Int64 { get set }

    /// Registers a keyed state (once per name; registering the same name
    /// again with the same kind and TTL returns the same id, with another
    /// kind or TTL throws).
    func register(_ descriptor: StateDescriptor) throws(StateError) -> StateID

    // MARK: Value state

    func get(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError) -> UnsafeRawBufferPointer?
    func put(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StateError)
    func delete(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer) throws(StateError)

    // MARK: Map state

    func mapGet(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError) -> UnsafeRawBufferPointer?
    func mapPut(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                value: UnsafeRawBufferPointer) throws(StateError)
    func mapDelete(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer)
        throws(StateError)
    /// Visits a key's live entries in ascending user-key byte order until
    /// `visit` returns false. The store must not be called from `visit`.
    func mapIterate(_ state: StateID, keyGroup: Int, key: UnsafeRawBufferPointer,
                    _ visit: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)
        throws(StateError)

    // MARK: Timers

    /// One timer per (domain, key, time): registering it again is a no-op.
    func registerTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64) throws(StateError)
    /// Deleting a timer that does not exist is a no-op.
    func deleteTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64) throws(StateError)
    /// The time of the earliest timer of `domain`, if any.
    func earliestTimer(_ domain: TimeDomain) throws(StateError) -> Int64?
    /// Removes and returns the earliest timer of `domain` whose time is
    /// <= `limit` (ties in key-group, then key-byte order), or nil.
    func popTimer(_ domain: TimeDomain, notAfter limit: Int64) throws(StateError) -> FiredTimer?

    // MARK: Canonical form (savepoints, rescaling, backend changes)

    /// Every live entry and timer of the key groups in `range`, in
    /// key-group order: the backend-independent form. Key groups of `range`
    /// the store does not own have nothing to give; within a key group the
    /// order is the backend's. Expired entries are left out; `expiresAt` is
    /// set for entries of TTL states. The store must not be called from
    /// `body` (another store may: that is how state moves).
    func forEachEntry(in range: ClosedRange<Int>, _ body: (StateEntry) throws(StateError) -> Void) throws(StateError)
    /// Adds one entry in canonical form (its state must be registered, or
    /// is registered from the entry's descriptor, with the same rules as
    /// `register`). A value entry keeps its `expiresAt` (one already past is
    /// inserted but never returned); without one, an entry of a TTL state
    /// expires as if written now, and `expiresAt` is ignored for states
    /// without TTL. A user key on a value state, or none on a map state,
    /// throws `.wrongKind`.
    func insert(_ entry: StateEntry) throws(StateError)

    // MARK: Snapshots (checkpoints, savepoints)

    /// The first, synchronous phase of a snapshot, at a barrier: captures
    /// the store's live entries and timers as they are now, in `format`,
    /// and returns the writer of the second phase, which may run on another
    /// thread while the store is used again (see `StateSnapshotWriter`).
    /// Short: the memory backend copies its live entries into one buffer;
    /// RocksDB pins a database snapshot (canonical) or flushes its
    /// memtables and hard-links its files into a staging checkpoint
    /// (native).
    func captureSnapshot(_ format: StateSnapshotFormat) throws(StateError) -> any StateSnapshotWriter

    /// Releases what the store holds (files stay where the backend keeps
    /// them). The store must not be used afterwards.
    func close()

    // MARK: Size (metrics)

    /// How much the store holds, as the backend can tell cheaply: read by
    /// the store's task at each metrics publish, never on a state call.
    /// The memory backend counts its tables' entries and the bytes it
    /// reserved; RocksDB answers with its own estimates.
    var sizeEstimate: KeyedStateSize { get }
}

/// Entries and bytes of keyed state in one store (the metrics
/// `streamhost_task_keyed_state_entries` and `_size_bytes`).
public struct KeyedStateSize: Sendable, Equatable {
    /// Live value and map entries (the memory backend: exact, expired
    /// entries not yet swept included; RocksDB: `rocksdb.estimate-num-keys`
    /// of the state column family, which also holds the timer index).
    public var entries: Int
    /// Bytes (the memory backend: what it reserved from its budget, tables
    /// and timer queues included; RocksDB: the estimated live data of its
    /// files plus its memtables, over both column families).
    public var bytes: Int

    public init(entries: Int, bytes: Int) {
        self.entries = entries
        self.bytes = bytes
    }
}

/// Chooses where keyed state lives for a whole job.
public protocol StateBackend: AnyObject, Sendable {
    /// "memory" or "rocksdb", for messages.
    var name: String { get }
    func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>) throws(StateError) -> any KeyedStateStore

    /// A store for (step, instance, key groups) holding the entries and
    /// timers of `sources` that fall in `keyGroups`: snapshots of either
    /// format, from either backend, taken over any key-group ranges (after
    /// a rescale, several old ranges overlap the new one; sources that do
    /// not overlap are not read). `transform` sees every value and map
    /// entry (see `StateEntryTransform`). A damaged or incomplete source
    /// throws `StateError.snapshot` naming the file and offset, and no
    /// store is returned. The default implementation (every backend but
    /// RocksDB's native fast path) inserts entry by entry.
    func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>, restoringFrom sources: [StateRestoreSource],
                   transform: StateEntryTransform?) throws(StateError) -> any KeyedStateStore
}

public typealias StateID = UInt32

public enum StateKind: Sendable, Hashable {
    case value
    case map
}

public enum TimeDomain: Sendable, Hashable {
    case eventTime
    case processingTime
}

public struct StateDescriptor: Sendable, Hashable {
    public var name: String
    public var kind: StateKind
    /// 0: entries never expire. Otherwise an entry expires `ttlMs` after
    /// its last write (Flink's OnCreateAndWrite), and is never returned
    /// once expired.
    public var ttlMs: Int64

    public init(name: String, kind: StateKind, ttlMs: Int64 = 0) {
        self.name = name
        self.kind = kind
        self.ttlMs = ttlMs
    }
}

public struct FiredTimer: Sendable, Hashable {
    public var domain: TimeDomain
    public var time: Int64
    public var keyGroup: Int
    public var key: [UInt8]

    public init(domain: TimeDomain, time: Int64, keyGroup: Int, key: [UInt8]) {
        self.domain = domain
        self.time = time
        self.keyGroup = keyGroup
        self.key = key
    }
}

/// One entry in the backend-independent form.
public enum StateEntry: Sendable, Hashable {
    /// `userKey` is nil for value state. `expiresAt` is nil without TTL.
    case value(state: StateDescriptor, keyGroup: Int, key: [UInt8], userKey: [UInt8]?, value: [UInt8], expiresAt: Int64?)
    case timer(FiredTimer)
}
