/// The two forms a store's keyed state can be snapshotted in.
public enum StateSnapshotFormat: String, Sendable, Hashable {
    /// The backend's own files, restorable fastest by the same backend: for
    /// RocksDB a native checkpoint (SST files shared with the live database
    /// and with earlier checkpoints through hard links, so consecutive
    /// checkpoints write only what changed). The memory backend has no
    /// native form of its own and writes the canonical form.
    case native
    /// The backend-independent form (`CanonicalSnapshotLayout`): restorable
    /// by any backend, over any key-group range. Savepoints use it.
    case canonical
}
