/// How the RocksDB backend lays out keys. Every integer is big-endian, so
/// byte order is numeric order and related keys are contiguous.
///
/// Column family `default` holds the state, ordered by key group first so a
/// key-group range is one contiguous key range:
///
///     value entry   [keyGroup u32][tag u32][keyLength u32][key]
///     map entry     [keyGroup u32][tag u32][keyLength u32][key][userKey]
///     timer index   [keyGroup u32][0xFFFFFFFF][domain u8][time u64][key]
///
/// `tag` is the state's id, with the top bit set when the state has a TTL
/// (its values then start with the expiry, see `ttlPrefixBytes`), so the
/// compaction filter can tell such values apart by their key alone. The key
/// length before the key makes `[keyGroup][tag][keyLength][key]` a prefix of
/// exactly one key's map entries, in user-key byte order.
///
/// Column family `timers` holds the timers in firing order:
///
///     timer         [domain u8][time u64][keyGroup u32][key]
///
/// `time` is the Int64 with its sign bit flipped, so negative times sort
/// before positive ones. The timer index in `default` repeats every timer
/// in key-group order, for `forEachEntry`; both are written in one batch.
enum RocksDBKeyLayout {
    static let timerTag: UInt32 = 0xFFFF_FFFF
    static let ttlFlag: UInt32 = 0x8000_0000
    /// The largest state id the layout can tag.
    static let stateIDMax: StateID = 0x7FFF_FFFE
    /// Bytes before the key of a state entry.
    static let stateKeyHeaderBytes = 12
    /// Bytes before the key of a timer (either column family).
    static let timerKeyHeaderBytes = 13
    /// The expiry (Int64, sign-flipped big-endian) before a TTL state's value.
    static let ttlPrefixBytes = 8

    @inline(__always)
    static func tag(for id: StateID, hasTTL: Bool) -> UInt32 {
        precondition(id <= stateIDMax, "state id \(id) is beyond the RocksDB key layout's range")
        return hasTTL ? id | ttlFlag : id
    }

    @inline(__always)
    static func domainByte(_ domain: TimeDomain) -> UInt8 { domain == .eventTime ? 0 : 1 }

    @inline(__always)
    static func domain(_ byte: UInt8) -> TimeDomain? {
        switch byte {
        case 0: return .eventTime
        case 1: return .processingTime
        default: return nil
        }
    }

    @inline(__always)
    static func storeUInt32(_ value: UInt32, at destination: UnsafeMutableRawPointer) {
        destination.storeBytes(of: value.bigEndian, as: UInt32.self)
    }

    @inline(__always)
    static func loadUInt32(_ source: UnsafeRawPointer) -> UInt32 {
        UInt32(bigEndian: source.loadUnaligned(as: UInt32.self))
    }

    /// Int64 → bytes whose unsigned big-endian order is the signed order.
    @inline(__always)
    static func storeTime(_ time: Int64, at destination: UnsafeMutableRawPointer) {
        destination.storeBytes(of: (UInt64(bitPattern: time) ^ (1 << 63)).bigEndian, as: UInt64.self)
    }

    @inline(__always)
    static func loadTime(_ source: UnsafeRawPointer) -> Int64 {
        Int64(bitPattern: UInt64(bigEndian: source.loadUnaligned(as: UInt64.self)) ^ (1 << 63))
    }

    @inline(__always)
    static func stateKeyLength(key: Int, userKey: Int) -> Int { stateKeyHeaderBytes + key + userKey }

    /// Writes a state entry's key (map state: with `userKey`); returns its length.
    @inline(__always)
    static func writeStateKey(into destination: UnsafeMutableRawPointer, keyGroup: Int, tag: UInt32,
                              key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer?) -> Int {
        storeUInt32(UInt32(keyGroup), at: destination)
        storeUInt32(tag, at: destination + 4)
        storeUInt32(UInt32(key.count), at: destination + 8)
        EntryBlock.copy(key, to: destination + stateKeyHeaderBytes)
        var length = stateKeyHeaderBytes + key.count
        if let userKey {
            EntryBlock.copy(userKey, to: destination + length)
            length += userKey.count
        }
        return length
    }

    /// Writes a timer's key in the `timers` column family; returns its length.
    @inline(__always)
    static func writeTimerKey(into destination: UnsafeMutableRawPointer, domain: TimeDomain, time: Int64,
                              keyGroup: Int, key: UnsafeRawBufferPointer) -> Int {
        destination.storeBytes(of: domainByte(domain), as: UInt8.self)
        storeTime(time, at: destination + 1)
        storeUInt32(UInt32(keyGroup), at: destination + 9)
        EntryBlock.copy(key, to: destination + timerKeyHeaderBytes)
        return timerKeyHeaderBytes + key.count
    }

    /// Writes a timer's index key in the `default` column family; returns its length.
    @inline(__always)
    static func writeTimerIndexKey(into destination: UnsafeMutableRawPointer, domain: TimeDomain, time: Int64,
                                   keyGroup: Int, key: UnsafeRawBufferPointer) -> Int {
        storeUInt32(UInt32(keyGroup), at: destination)
        storeUInt32(timerTag, at: destination + 4)
        destination.storeBytes(of: domainByte(domain), toByteOffset: 8, as: UInt8.self)
        storeTime(time, at: destination + 9)
        EntryBlock.copy(key, to: destination + 17)
        return 17 + key.count
    }

    /// A timer from its key in the `timers` column family, or nil if the
    /// bytes are not one.
    static func decodeTimerKey(_ bytes: UnsafeRawBufferPointer) -> FiredTimer? {
        guard bytes.count >= timerKeyHeaderBytes, let base = bytes.baseAddress,
              let domain = domain(base.load(as: UInt8.self)) else { return nil }
        return FiredTimer(domain: domain, time: loadTime(base + 1), keyGroup: Int(loadUInt32(base + 9)),
                          key: Array(UnsafeRawBufferPointer(rebasing: bytes[timerKeyHeaderBytes...])))
    }

    /// A timer from its index key in the `default` column family.
    static func decodeTimerIndexKey(_ bytes: UnsafeRawBufferPointer) -> FiredTimer? {
        guard bytes.count >= 17, let base = bytes.baseAddress, loadUInt32(base + 4) == timerTag,
              let domain = domain(base.load(fromByteOffset: 8, as: UInt8.self)) else { return nil }
        return FiredTimer(domain: domain, time: loadTime(base + 9), keyGroup: Int(loadUInt32(base)),
                          key: Array(UnsafeRawBufferPointer(rebasing: bytes[17...])))
    }

    /// The smallest key greater than every key that starts with `prefix`
    /// (for an iterator's upper bound), written over `prefix` in place;
    /// returns its length, or nil when the prefix is all 0xFF.
    static func prefixSuccessor(_ prefix: UnsafeMutableRawPointer, length: Int) -> Int? {
        var index = length - 1
        while index >= 0 {
            let byte = prefix.load(fromByteOffset: index, as: UInt8.self)
            if byte != 0xFF {
                prefix.storeBytes(of: byte + 1, toByteOffset: index, as: UInt8.self)
                return index + 1
            }
            index -= 1
        }
        return nil
    }
}
