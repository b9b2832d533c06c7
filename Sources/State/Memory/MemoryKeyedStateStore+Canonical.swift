extension MemoryKeyedStateStore {
    public func forEachEntry(in range: ClosedRange<Int>, _ body: (StateEntry) throws(StateError) -> Void)
        throws(StateError)
    {
        let lower = max(range.lowerBound, keyGroups.lowerBound)
        let upper = min(range.upperBound, keyGroups.upperBound)
        guard lower <= upper else { return }
        let now = processingTime
        for keyGroup in lower...upper {
            let group = keyGroup - firstKeyGroup
            for state in states {
                try state.entries[group].forEachBlock { (entry) throws(StateError) in
                    let block = EntryBlock(entry, headerBytes: state.headerBytes)
                    guard !block.isExpired(at: now) else { return }
                    try body(.value(
                        state: state.descriptor, keyGroup: keyGroup, key: Array(block.key),
                        userKey: state.isMap ? Array(block.userKey) : nil, value: Array(block.value),
                        expiresAt: state.ttlMs > 0 && block.expiresAt != EntryBlock.noExpiry ? block.expiresAt : nil))
                }
            }
            for queue in timerQueues {
                try queue.forEachTimer(group: group) { (timer) throws(StateError) in
                    try body(.timer(FiredTimer(domain: queue.domain, time: timer.time, keyGroup: keyGroup,
                                               key: Array(timer.key))))
                }
            }
        }
    }

    public func insert(_ entry: StateEntry) throws(StateError) {
        switch entry {
        case .value(let descriptor, let keyGroup, let key, let userKey, let value, let expiresAt):
            let id = try register(descriptor)
            let state = try self.state(id, kind: descriptor.kind)
            let group = try groupIndex(keyGroup)
            let expiry = state.ttlMs == 0 ? EntryBlock.noExpiry : (expiresAt ?? self.expiry(state))
            switch (descriptor.kind, userKey) {
            case (.value, nil):
                try withBytes(key) { (key) throws(StateError) in
                    try withBytes(value) { (value) throws(StateError) in
                        try putValue(state, group: group, key: key, value: value, expiresAt: expiry)
                    }
                }
            case (.map, let userKey?):
                try withBytes(key) { (key) throws(StateError) in
                    try withBytes(userKey) { (userKey) throws(StateError) in
                        try withBytes(value) { (value) throws(StateError) in
                            try putMapEntry(state, group: group, key: key, userKey: userKey, value: value,
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
