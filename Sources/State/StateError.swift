/// Why a keyed-state operation failed. `description` is the whole message
/// shown to users: it names the state and says what to do.
public enum StateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A state id that `register` did not hand out.
    case unknownState(StateID)
    /// `register` was called again for a name with another kind or TTL.
    case conflictingRegistration(name: String, existing: StateDescriptor, requested: StateDescriptor)
    /// `register` was given a descriptor it cannot accept (an empty name, a
    /// negative TTL).
    case invalidDescriptor(name: String, reason: String)
    /// A value call on a map state, or the other way round.
    case wrongKind(name: String, actual: StateKind)
    /// The key belongs to another instance's key groups.
    case keyGroupNotOwned(keyGroup: Int, owned: ClosedRange<Int>)
    /// The memory backend's configured bound would be passed.
    case memoryBoundExceeded(state: String, boundBytes: Int, usedBytes: Int)
    /// The storage engine failed (RocksDB's message, the path).
    case storage(String)
    /// A snapshot to restore from is damaged or incomplete: a file is
    /// missing, has another size or checksum than its handle says, or its
    /// bytes do not parse. `offset` is the byte offset in `path` where the
    /// damage was found, when one is known.
    case snapshot(path: String, offset: Int?, problem: String)

    public var description: String {
        switch self {
        case .unknownState(let id):
            return "unknown state id \(id) (ids come from state_register)"
        case .conflictingRegistration(let name, let existing, let requested):
            return "state '\(name)' is already registered as \(existing.kind) state with ttl \(existing.ttlMs) ms; "
                + "it cannot be registered again as \(requested.kind) state with ttl \(requested.ttlMs) ms"
        case .invalidDescriptor(let name, let reason):
            return "cannot register state '\(name)': \(reason)"
        case .wrongKind(let name, let actual):
            return "state '\(name)' is \(actual) state; use the \(actual == .map ? "state_map_*" : "state_get/put/delete") functions"
        case .keyGroupNotOwned(let keyGroup, let owned):
            return "the key is in key group \(keyGroup), which this instance does not own (it owns "
                + "\(owned.lowerBound)...\(owned.upperBound)); keyed state needs records that came through key_by"
        case .memoryBoundExceeded(let state, let bound, let used):
            return "state '\(state)': the memory state backend would pass its bound of \(bound) bytes "
                + "(\(used) bytes in use); raise state.memory_bytes_max in the job file or use the rocksdb "
                + "backend (state: {backend: rocksdb}), which keeps state on disk"
        case .storage(let message):
            return message
        case .snapshot(let path, let offset, let problem):
            let place = offset.map { " at byte offset \($0)" } ?? ""
            return "cannot restore keyed state from the snapshot file \(path)\(place): \(problem); the snapshot is "
                + "damaged or incomplete: restore from another checkpoint or savepoint"
        }
    }
}
