/// The states a store has registered: names to ids and back, and the
/// re-registration rules both backends share.
struct StateRegistry {
    private(set) var descriptors: [StateDescriptor] = []
    private var idsByName: [String: StateID] = [:]

    /// The id of `descriptor`'s name, and whether it is new. Registering a
    /// name again with the same kind and TTL returns the same id; with
    /// another kind or TTL it throws.
    mutating func register(_ descriptor: StateDescriptor) throws(StateError) -> (id: StateID, isNew: Bool) {
        if let id = idsByName[descriptor.name] {
            let existing = descriptors[Int(id)]
            guard existing.kind == descriptor.kind && existing.ttlMs == descriptor.ttlMs else {
                throw .conflictingRegistration(name: descriptor.name, existing: existing, requested: descriptor)
            }
            return (id, false)
        }
        if descriptor.name.isEmpty {
            throw .invalidDescriptor(name: descriptor.name, reason: "a state needs a name")
        }
        if descriptor.ttlMs < 0 {
            throw .invalidDescriptor(
                name: descriptor.name, reason: "ttl \(descriptor.ttlMs) ms is negative (0 means no expiry)")
        }
        let id = StateID(descriptors.count)
        descriptors.append(descriptor)
        idsByName[descriptor.name] = id
        return (id, true)
    }

    /// Forgets the state registered last (its store could not set it up).
    mutating func unregisterLast() {
        guard let last = descriptors.popLast() else { return }
        idsByName[last.name] = nil
    }
}
