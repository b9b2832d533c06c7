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
        let hash = queue.hash(key: key, time: time)
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
        guard let slot = queue.find(group: group, hash: queue.hash(key: key, time: time), key: key, time: time) else {
            return
        }
        release(queue.delete(group: group, slot: slot))
    }

    public func earliestTimer(_ domain: TimeDomain) throws(StateError) -> Int64? {
        var freed = 0
        let first = timerQueue(domain).first(freed: &freed)
        release(freed)
        return first?.time
    }

    public func popTimer(_ domain: TimeDomain, notAfter limit: Int64) throws(StateError) -> FiredTimer? {
        let queue = timerQueue(domain)
        var freed = 0
        defer { release(freed) }
        guard let first = queue.first(freed: &freed), first.time <= limit else { return nil }
        let fired = FiredTimer(domain: domain, time: first.time, keyGroup: first.keyGroup, key: Array(first.key))
        freed += queue.removeFirst()
        return fired
    }
}
