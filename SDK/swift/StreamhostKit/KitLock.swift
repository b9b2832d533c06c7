#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain mutex for the kit's registration tables.
///
/// The kit avoids Foundation (it would be loaded into every plugin) and
/// `Synchronization.Mutex` (macOS 15, above the package's platform).
///
/// # Thread safety
/// Any thread may lock it; it is not recursive.
///
/// # Ownership
/// The mutex is allocated once and never freed: the kit's tables live as
/// long as the process.
final class KitLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
