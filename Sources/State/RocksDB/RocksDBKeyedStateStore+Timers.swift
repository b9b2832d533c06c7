import CRocksDB

extension RocksDBKeyedStateStore {
    @inline(__always)
    func timerHead(_ domain: TimeDomain) -> RocksDBTimerHead {
        timerHeads[domain == .eventTime ? 0 : 1]
    }

    /// Encodes a timer's two keys: the `timers` key into `key`, the index
    /// key into `secondKey`. Returns their lengths.
    @inline(__always)
    func encodeTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        -> (timer: Int, index: Int)
    {
        let timer = RocksDBKeyLayout.writeTimerKey(
            into: self.key.reserve(RocksDBKeyLayout.timerKeyHeaderBytes + key.count),
            domain: domain, time: time, keyGroup: keyGroup, key: key)
        let index = RocksDBKeyLayout.writeTimerIndexKey(
            into: secondKey.reserve(17 + key.count), domain: domain, time: time, keyGroup: keyGroup, key: key)
        return (timer, index)
    }

    public func registerTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(StateError)
    {
        try checkOwned(keyGroup)
        let lengths = encodeTimer(domain, keyGroup: keyGroup, key: key, time: time)
        // Registering again is a no-op: a read (memtable, then bloom
        // filters) is cheaper than writing both keys again, and keeps
        // duplicates out of the memtables.
        var error: UnsafeMutablePointer<CChar>?
        let existing = rocksdb_get_pinned_cf(database.handle, database.readOptions, database.timers,
                                             self.key.chars, lengths.timer, &error)
        try database.check(&error, "cannot read timers from")
        if let existing {
            rocksdb_pinnableslice_destroy(existing)
            return
        }
        rocksdb_writebatch_clear(batch)
        rocksdb_writebatch_put_cf(batch, database.timers, self.key.chars, lengths.timer, self.key.chars, 0)
        rocksdb_writebatch_put_cf(batch, database.state, secondKey.chars, lengths.index, secondKey.chars, 0)
        rocksdb_write(database.handle, database.writeOptions, batch, &error)
        try database.check(&error, "cannot write a timer to")
        timerHead(domain).registered(UnsafeRawBufferPointer(start: self.key.bytes, count: lengths.timer))
    }

    public func deleteTimer(_ domain: TimeDomain, keyGroup: Int, key: UnsafeRawBufferPointer, time: Int64)
        throws(StateError)
    {
        try checkOwned(keyGroup)
        let lengths = encodeTimer(domain, keyGroup: keyGroup, key: key, time: time)
        try deleteTimerKeys(timer: lengths.timer, index: lengths.index)
        timerHead(domain).deleted(UnsafeRawBufferPointer(start: self.key.bytes, count: lengths.timer))
    }

    /// Deletes the timer whose keys are in `key` and `secondKey`.
    func deleteTimerKeys(timer: Int, index: Int) throws(StateError) {
        rocksdb_writebatch_clear(batch)
        rocksdb_writebatch_delete_cf(batch, database.timers, key.chars, timer)
        rocksdb_writebatch_delete_cf(batch, database.state, secondKey.chars, index)
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(database.handle, database.writeOptions, batch, &error)
        try database.check(&error, "cannot delete a timer from")
    }

    public func earliestTimer(_ domain: TimeDomain) throws(StateError) -> Int64? {
        guard let first = try firstTimerKey(domain) else { return nil }
        return first.withUnsafeBytes { RocksDBKeyLayout.loadTime($0.baseAddress! + 1) }
    }

    public func popTimer(_ domain: TimeDomain, notAfter limit: Int64) throws(StateError) -> FiredTimer? {
        guard let first = try firstTimerKey(domain) else { return nil }
        let fired = first.withUnsafeBytes { RocksDBKeyLayout.decodeTimerKey($0) }
        guard let fired else {
            throw .storage("a timer key of \(first.count) bytes in \(database.path) (\(database.context)) "
                + "cannot be decoded: the database is damaged")
        }
        guard fired.time <= limit else { return nil }
        try withBytes(fired.key) { (key) throws(StateError) in
            let lengths = encodeTimer(domain, keyGroup: fired.keyGroup, key: key, time: fired.time)
            try deleteTimerKeys(timer: lengths.timer, index: lengths.index)
        }
        timerHead(domain).poppedFirst()
        return fired
    }

    /// The first timer key of `domain`, refilling the head when needed.
    func firstTimerKey(_ domain: TimeDomain) throws(StateError) -> [UInt8]? {
        let head = timerHead(domain)
        if !head.isValid {
            let start = head.floor ?? [RocksDBKeyLayout.domainByte(domain)]
            let end = [RocksDBKeyLayout.domainByte(domain) + 1]
            var found: [[UInt8]] = []
            found.reserveCapacity(RocksDBTimerHead.refillCount)
            try withBytes(start) { (startBytes) throws(StateError) in
                try withBytes(end) { (endBytes) throws(StateError) in
                    try scan(from: startBytes, prefixOnly: false, end: endBytes, family: database.timers,
                             "cannot read timers from") { key, _ in
                        found.append(Array(key))
                        return found.count < RocksDBTimerHead.refillCount
                    }
                }
            }
            head.refill(found)
        }
        return head.first
    }
}
