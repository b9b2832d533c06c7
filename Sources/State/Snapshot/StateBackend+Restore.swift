extension StateBackend {
    public func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>,
                          restoringFrom sources: [StateRestoreSource],
                          transform: StateEntryTransform?) throws(StateError) -> any KeyedStateStore {
        let store = try makeStore(stepID: stepID, instance: instance, keyGroups: keyGroups)
        do throws(StateError) {
            try StateRestore.insert(sources, into: store, transform: transform)
        } catch {
            store.close()
            throw error
        }
        return store
    }
}
