/// What `stat` says about a file, reduced to what the durable-file layer's
/// callers use.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct FileStatus: Sendable, Equatable {
    /// The kind of entry.
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, other
    }

    public var kind: Kind
    /// Size in bytes.
    public var size: Int64
    /// Last modification, in milliseconds since the epoch.
    public var modificationTimeMilliseconds: Int64

    public init(kind: Kind, size: Int64, modificationTimeMilliseconds: Int64) {
        self.kind = kind
        self.size = size
        self.modificationTimeMilliseconds = modificationTimeMilliseconds
    }
}
