import SystemPackage

/// A failed file-system call: which operation, on which path, and the
/// system's reason (errno).
///
/// The one error type of the durable-file layer. Callers add what the
/// failure means for their data ("the append was not stored") when they
/// turn it into their subsystem's error.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Verb phrase for the message: "write", "fsync", "open", "rename".
    public let operation: String
    /// The path the call was about ("a to b" for a rename).
    public let path: String
    /// The system's error number.
    public let errno: Errno

    public init(operation: String, path: String, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// From a raw errno value.
    public init(operation: String, path: String, code: Int32) {
        self.init(operation: operation, path: path, errno: Errno(rawValue: code))
    }

    /// The raw errno value.
    public var code: Int32 { errno.rawValue }

    /// The C library's text for the errno ("No space left on device").
    public var reason: String { errno.description }

    /// "write /data/t-0/00000000000000000000.log failed: No space left on device (errno 28)".
    public var description: String { "\(operation) \(path) failed: \(reason) (errno \(code))" }

    /// The C library's text for an errno value.
    public static func text(_ code: Int32) -> String { Errno(rawValue: code).description }
}
