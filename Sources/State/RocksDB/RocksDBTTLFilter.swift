import CRocksDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The compaction filter that drops expired TTL entries from the `default`
/// column family, so state that nobody reads again does not stay on disk
/// for ever. Reads filter expired entries on their own; this only reclaims
/// space.
///
/// An entry is dropped when its key's tag has the TTL flag (see
/// `RocksDBKeyLayout`) and its expiry is at or before the store's latest
/// `processingTime` (the same test reads apply). Timer index keys are
/// never dropped.
///
/// # Thread safety
/// RocksDB calls the filter from its background compaction threads while
/// the store's task sets the time: the time is an atomic.
final class RocksDBTTLFilter: Sendable {
    /// The store's processing time in ms.
    let now = Atomic<Int64>(0)

    /// Creates the RocksDB filter object; the caller destroys it with
    /// `rocksdb_compactionfilter_destroy` after the database is closed, which
    /// releases the reference it holds on `self`.
    func makeFilter() -> OpaquePointer {
        let state = Unmanaged.passRetained(self).toOpaque()
        return rocksdb_compactionfilter_create(state, ttlFilterDestroy, ttlFilterDecide, ttlFilterName)
    }

    /// Whether the entry should go.
    @inline(__always)
    func isExpired(key: UnsafeRawPointer, keyLength: Int, value: UnsafeRawPointer?, valueLength: Int) -> Bool {
        guard keyLength >= RocksDBKeyLayout.stateKeyHeaderBytes else { return false }
        let tag = RocksDBKeyLayout.loadUInt32(key + 4)
        guard tag != RocksDBKeyLayout.timerTag, tag & RocksDBKeyLayout.ttlFlag != 0,
              let value, valueLength >= RocksDBKeyLayout.ttlPrefixBytes else { return false }
        return RocksDBKeyLayout.loadTime(value) <= now.load(ordering: .relaxed)
    }
}

private func ttlFilterDestroy(_ state: UnsafeMutableRawPointer?) {
    guard let state else { return }
    Unmanaged<RocksDBTTLFilter>.fromOpaque(state).release()
}

private func ttlFilterDecide(
    _ state: UnsafeMutableRawPointer?, _ level: Int32, _ key: UnsafePointer<CChar>?, _ keyLength: Int,
    _ value: UnsafePointer<CChar>?, _ valueLength: Int, _ newValue: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ newValueLength: UnsafeMutablePointer<Int>?, _ valueChanged: UnsafeMutablePointer<UInt8>?
) -> UInt8 {
    guard let state, let key else { return 0 }
    valueChanged?.pointee = 0
    let filter = Unmanaged<RocksDBTTLFilter>.fromOpaque(state).takeUnretainedValue()
    return filter.isExpired(key: UnsafeRawPointer(key), keyLength: keyLength, value: value.map(UnsafeRawPointer.init),
                            valueLength: valueLength) ? 1 : 0
}

private func ttlFilterName(_ state: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    UnsafePointer(ttlFilterNameBytes)
}

/// The filter's name, for RocksDB's logs: allocated once, never freed.
nonisolated(unsafe) private let ttlFilterNameBytes: UnsafeMutablePointer<CChar> = strdup("streamhost.ttl")!
