#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The host's wall clock in ms since the Unix epoch: processing time, for
/// the runtime's timers and for the expression language's
/// `processing_time()` alike.
public enum HostClock {
    @inline(__always)
    public static func nowMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
