extension RocksDBStateBackend {
    /// See `StateBackend.makeStore(stepID:instance:keyGroups:restoringFrom:transform:)`.
    ///
    /// Fast path: one native snapshot (after dropping sources that do not
    /// overlap `keyGroups`) of exactly these key groups, and no transform.
    /// Its files are hard-linked (SST) or copied into the store's
    /// directory, checked against the handle, and the database is opened
    /// as it is: no entry is read or written. Everything else is inserted
    /// entry by entry.
    public func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>,
                          restoringFrom sources: [StateRestoreSource],
                          transform: StateEntryTransform?) throws(StateError) -> any KeyedStateStore {
        let overlapping = sources.filter { $0.handle.keyGroups.overlaps(keyGroups) }
        if transform == nil, overlapping.count == 1, let source = overlapping.first,
           source.handle.format == .native, source.handle.keyGroups == keyGroups {
            return try restoreNative(source, stepID: stepID, instance: instance, keyGroups: keyGroups)
        }
        let store = try makeStore(stepID: stepID, instance: instance, keyGroups: keyGroups)
        do throws(StateError) {
            try StateRestore.insert(overlapping, into: store, transform: transform)
        } catch {
            store.close()
            throw error
        }
        return store
    }

    private func restoreNative(_ source: StateRestoreSource, stepID: String, instance: Int,
                               keyGroups: ClosedRange<Int>) throws(StateError) -> any KeyedStateStore {
        precondition(keyGroups.lowerBound >= 0 && keyGroups.upperBound <= Int(UInt32.max),
                     "key groups must fit in 32 bits, got \(keyGroups)")
        let descriptors = try source.handle.descriptors(directory: source.directory)
        let path = storePath(stepID: stepID, instance: instance)
        try SnapshotFiles.makeDirectories(directory, purpose: "the rocksdb state backend's directory")
        SnapshotFiles.removeTreeIfPossible(path)
        try SnapshotFiles.makeDirectories(path, purpose: "a restored rocksdb state store's directory")
        do throws(StateError) {
            try RocksDBNativeSnapshot.materialize(source, into: path)
            let database = try RocksDBDatabase(
                path: path, cache: cache, configuration: configuration,
                context: "step \(stepID), instance \(instance)", opening: .existing)
            let store = RocksDBKeyedStateStore(database: database, keyGroups: keyGroups)
            do throws(StateError) {
                try store.registerInOrder(descriptors)
            } catch {
                store.close()
                throw error
            }
            // The next native snapshot shares the restored SST files.
            store.snapshotLineage.record(source.handle)
            return store
        } catch {
            SnapshotFiles.removeTreeIfPossible(path)
            throw error
        }
    }
}
