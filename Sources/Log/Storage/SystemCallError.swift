#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call inside the storage layer: which call, on which path,
/// and its errno.
///
/// Internal: callers turn it into `LogError.io` together with what the
/// failure means for the data ("the append was not stored").
///
/// # Thread safety
/// A value type; `Sendable`.
struct SystemCallError: Error, Sendable {
    /// Verb phrase for the message: "write", "fsync", "open".
    let operation: String
    let path: String
    let code: Int32

    /// Captures `errno` right after a failed call.
    static func last(_ operation: String, _ path: String) -> SystemCallError {
        SystemCallError(operation: operation, path: path, code: errno)
    }

    /// The C library's text for an errno value.
    static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
