extension MemoryKeyedStateStore {
    @inline(__always)
    func timerQueue(_ domain: TimeDomain) -> TimerQueue {
        timerQueues[domain == .eventTime ? 0 : 1]
    }

    public func registerTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(StateError)
    {
        let group = try groupIndex(keyGroup)
        let queue = timerQueue(domain)
        let hash = TimerQueue.hash(keyHash: StateHash.hash(key, seed: seed), time: time)
        if queue.find(group: group, hash: hash, key: key, time: time) != nil { return }
        let bytes = queue.bytesToAdd(group: group, keyLength: key.count)
        try reserve(bytes, for: queue.stateName)
        guard queue.add(group: group, keyGroup: keyGroup, hash: hash, key: key, time: time) else {
            release(bytes)
            throw allocationFailed(TimerBlock.headerBytes + key.count, for: queue.stateName)
        }
    }

    public func deleteTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(StateError)
    {
        let group = try groupIndex(keyGroup)
        let queue = timerQueue(domain)
        let hash = TimerQueue.hash(keyHash: StateHash.hash(key, seed: seed), time: time)
        guard let slot = queue.find(group: group, hash: hash, key: key, time: time) else { return }
        release(queue.remove(group: group, slot: slot))
    }

    public func earliestTimer(_ domain: TimeDomain) throws(StateError) -> Int64? {
        timerQueue(domain).first?.time
    }

    public func popTimer(_ domain: TimeDomain, notAfter limit: Int64) throws(StateError) -> FiredTimer? {
        let queue = timerQueue(domain)
        guard let first = queue.first, first.time <= limit else { return nil }
        let fired = FiredTimer(domain: domain, time: first.time, keyGroup: first.keyGroup, key: Array(first.key))
        let group = first.keyGroup - firstKeyGroup
        let hash = TimerQueue.hash(keyHash: StateHash.hash(first.key, seed: seed), time: first.time)
        let slot = queue.tables[group].find(hash: hash, matching: { $0 == first.base })
        precondition(slot != nil, "the earliest timer is missing from its key group's table")
        release(queue.remove(group: group, slot: slot.unsafelyUnwrapped))
        return fired
    }
}
