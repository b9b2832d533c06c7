extension RocksDBKeyedStateStore {
    public func forEachEntry(in range: ClosedRange<Int>, _ body: (StateEntry) throws(StateError) -> Void)
        throws(StateError)
    {
        let lower = max(range.lowerBound, keyGroups.lowerBound)
        let upper = min(range.upperBound, keyGroups.upperBound)
        guard lower <= upper else { return }
        var start = [UInt8](repeating: 0, count: 4)
        var end = [UInt8](repeating: 0, count: 4)
        start.withUnsafeMutableBytes { RocksDBKeyLayout.storeUInt32(UInt32(lower), at: $0.baseAddress!) }
        let hasEnd = upper < Int(UInt32.max)
        if hasEnd { end.withUnsafeMutableBytes { RocksDBKeyLayout.storeUInt32(UInt32(upper + 1), at: $0.baseAddress!) } }
        let now = processingTime
        let descriptors = registry.descriptors
        let path = database.path
        let context = database.context
        func damaged(_ what: String) -> StateError {
            .storage("\(what) in \(path) (\(context)): the database is damaged")
        }
        try withBytes(start) { (startBytes) throws(StateError) in
            try withBytes(end) { (endBytes) throws(StateError) in
                try scan(from: startBytes, prefixOnly: false, end: hasEnd ? endBytes : nil,
                         "cannot read the state of key groups \(lower)...\(upper) from") { key, value throws(StateError) in
                    guard key.count >= RocksDBKeyLayout.stateKeyHeaderBytes, let base = key.baseAddress else {
                        throw damaged("a state key of \(key.count) bytes")
                    }
                    let tag = RocksDBKeyLayout.loadUInt32(base + 4)
                    if tag == RocksDBKeyLayout.timerTag {
                        guard let timer = RocksDBKeyLayout.decodeTimerIndexKey(key) else {
                            throw damaged("a timer index key of \(key.count) bytes")
                        }
                        try body(.timer(timer))
                        return true
                    }
                    let id = Int(tag & ~RocksDBKeyLayout.ttlFlag)
                    guard id < descriptors.count else { throw damaged("an entry of unknown state id \(id)") }
                    let descriptor = descriptors[id]
                    let keyGroup = Int(RocksDBKeyLayout.loadUInt32(base))
                    let keyLength = Int(RocksDBKeyLayout.loadUInt32(base + 8))
                    let keyEnd = RocksDBKeyLayout.stateKeyHeaderBytes + keyLength
                    guard keyEnd <= key.count, descriptor.kind == .map || keyEnd == key.count else {
                        throw damaged("a key of state '\(descriptor.name)' with a wrong length")
                    }
                    var stored = value
                    var expiresAt: Int64?
                    if descriptor.ttlMs > 0 {
                        guard value.count >= RocksDBKeyLayout.ttlPrefixBytes else {
                            throw damaged("a value of state '\(descriptor.name)' without its expiry")
                        }
                        let expiry = RocksDBKeyLayout.loadTime(value.baseAddress!)
                        if expiry <= now { return true }
                        expiresAt = expiry == Int64.max ? nil : expiry
                        stored = UnsafeRawBufferPointer(rebasing: value[RocksDBKeyLayout.ttlPrefixBytes...])
                    }
                    try body(.value(
                        state: descriptor, keyGroup: keyGroup,
                        key: Array(UnsafeRawBufferPointer(rebasing: key[RocksDBKeyLayout.stateKeyHeaderBytes..<keyEnd])),
                        userKey: descriptor.kind == .map ? Array(UnsafeRawBufferPointer(rebasing: key[keyEnd...])) : nil,
                        value: Array(stored), expiresAt: expiresAt))
                    return true
                }
            }
        }
    }

    public func insert(_ entry: StateEntry) throws(StateError) {
        switch entry {
        case .value(let descriptor, let keyGroup, let key, let userKey, let value, let expiresAt):
            let id = try register(descriptor)
            let state = try self.state(id, kind: descriptor.kind)
            try checkOwned(keyGroup)
            let expiry = descriptor.ttlMs == 0 ? Int64.max : (expiresAt ?? self.expiry(state))
            switch (descriptor.kind, userKey) {
            case (.value, nil):
                try withBytes(key) { (key) throws(StateError) in
                    try withBytes(value) { (value) throws(StateError) in
                        try write(state, keyGroup: keyGroup, key: key, userKey: nil, value: value, expiresAt: expiry)
                    }
                }
            case (.map, let userKey?):
                try withBytes(key) { (key) throws(StateError) in
                    try withBytes(userKey) { (userKey) throws(StateError) in
                        try withBytes(value) { (value) throws(StateError) in
                            try write(state, keyGroup: keyGroup, key: key, userKey: userKey, value: value,
                                      expiresAt: expiry)
                        }
                    }
                }
            default:
                throw .wrongKind(name: descriptor.name, actual: descriptor.kind)
            }
        case .timer(let timer):
            try withBytes(timer.key) { (key) throws(StateError) in
                try registerTimer(timer.domain, keyGroup: timer.keyGroup, key: key, time: timer.time)
            }
        }
    }
}
