import CRocksDB

extension RocksDBKeyedStateStore {
    /// Captures the store at a barrier.
    ///
    /// Native: flushes the memtables and creates a RocksDB checkpoint in a
    /// staging directory beside the database (`<path>.snapshots/`): SST
    /// files are hard links, so the pause is the flush of at most the
    /// store's write buffer plus a few links and a MANIFEST copy, and the
    /// write copies nothing the store already had on disk. The write-ahead
    /// log is off, so without the flush the checkpoint would miss what is
    /// only in memtables. (A snapshot-plus-iterator capture would pause
    /// less, but its write would rewrite all the state every time; hard
    /// links make consecutive checkpoints share unchanged files, which is
    /// what a checkpoint every few seconds of a large state needs.)
    ///
    /// Canonical: pins a RocksDB snapshot (no I/O) that the writer iterates
    /// on its own thread.
    public func captureSnapshot(_ format: StateSnapshotFormat) throws(StateError) -> any StateSnapshotWriter {
        switch format {
        case .canonical:
            return CanonicalSnapshotWriter(source: RocksDBSnapshotCapture(store: self))
        case .native:
            return try captureNative()
        }
    }

    private func captureNative() throws(StateError) -> any StateSnapshotWriter {
        let stagingParent = database.path + ".snapshots"
        try SnapshotFiles.makeDirectories(stagingParent)
        snapshotsCaptured += 1
        let staging = stagingParent + "/capture-\(snapshotsCaptured)-\(UInt32.random(in: 0 ... .max))"
        // RocksDB creates the checkpoint's directory itself; a leftover of
        // the same name would make it fail.
        SnapshotFiles.removeTreeIfPossible(staging)
        var error: UnsafeMutablePointer<CChar>?
        let checkpoint = rocksdb_checkpoint_object_create(database.handle, &error)
        try database.check(&error, "cannot start a checkpoint of")
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        // 0: always flush the memtables first (the WAL is off).
        rocksdb_checkpoint_create(checkpoint, staging, 0, &error)
        do throws(StateError) {
            try database.check(&error, "cannot create a checkpoint in \(staging) of")
            let files = try SnapshotFiles.listFiles(staging)
            return RocksDBNativeSnapshotWriter(
                staging: staging, stagedFiles: files, keyGroups: keyGroups, descriptors: registry.descriptors,
                lineage: snapshotLineage)
        } catch {
            SnapshotFiles.removeTreeIfPossible(staging)
            throw error
        }
    }

    /// Registers `descriptors` so that each gets its index as its id: what
    /// a database restored from a native snapshot needs, since its keys
    /// carry those ids. Only on a store with no states yet.
    func registerInOrder(_ descriptors: [StateDescriptor]) throws(StateError) {
        precondition(states.isEmpty, "registerInOrder on a store that has states")
        for (index, descriptor) in descriptors.enumerated() {
            let id = try register(descriptor)
            guard id == StateID(index) else {
                throw .storage("the snapshot restored into \(path) (\(database.context)) registers state "
                    + "'\(descriptor.name)' twice")
            }
        }
    }

    // MARK: Bulk loading (restores)

    /// Until `endBulkLoad`, entry writes (`put`, `mapPut`, `insert` of
    /// entries) collect in a write batch applied every
    /// `bulkLoadEntriesMax` entries: a restore inserts millions of entries
    /// and one batched write costs a fraction of that many single puts.
    /// Reads do not see entries still in the batch, so only a restore that
    /// reads nothing back until `endBulkLoad` may use it. Timers are
    /// written directly.
    func beginBulkLoad() {
        precondition(bulkLoad == nil, "bulk load begun twice on \(path)")
        bulkLoad = rocksdb_writebatch_create()
        bulkLoadCount = 0
    }

    /// Applies what the batch holds (and keeps loading).
    func flushBulkLoad() throws(StateError) {
        guard let bulkLoad, bulkLoadCount > 0 else { return }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(database.handle, database.writeOptions, bulkLoad, &error)
        rocksdb_writebatch_clear(bulkLoad)
        bulkLoadCount = 0
        try database.check(&error, "cannot write restored state to")
    }

    /// Applies what is left (when `apply`; a failed restore drops it) and
    /// goes back to direct writes.
    func endBulkLoad(apply: Bool) throws(StateError) {
        guard let batch = bulkLoad else { return }
        defer {
            rocksdb_writebatch_destroy(batch)
            bulkLoad = nil
            bulkLoadCount = 0
        }
        if apply { try flushBulkLoad() }
    }
}
