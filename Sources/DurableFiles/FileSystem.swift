import SystemPackage

/// The seam between the durable-file layer and the operating system: one
/// primitive system call per requirement, with no retry and no loop.
///
/// Everything durable is built once on top of it (`DurableFile` for full
/// reads and writes, `FileSystem+Durable.swift` for atomic replacement,
/// `mkdir -p`, tree removal, directory fsync), so a test that puts a
/// fault-injecting twin here (TestKit's `FaultyFileSystem`) exercises the
/// exact code the host runs. `POSIXFileSystem` is the real one.
///
/// Rules every implementation keeps:
/// - Each call either succeeds or throws a `FileSystemError` naming the
///   operation, the path and errno; EINTR is retried inside, never thrown.
/// - `read` and `write` may transfer fewer bytes than asked (a short count);
///   callers loop. `write` returning 0 for a non-empty buffer is an error
///   the caller reports (the layer turns it into EIO).
/// - `offset` nil means the descriptor's current position.
///
/// # Thread safety
/// Implementations are `Sendable` and may be called from any thread; two
/// threads never use one descriptor at once (the owner of a `DurableFile`
/// serialises its use).
public protocol FileSystem: Sendable {
    /// Opens `path`; `.closeOnExec` is always added.
    func open(
        _ path: String, _ access: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions,
        permissions: FilePermissions
    ) throws(FileSystemError) -> FileDescriptor
    /// Closes a descriptor.
    func close(_ descriptor: FileDescriptor, path: String) throws(FileSystemError)
    /// One read of at most `buffer.count` bytes; 0 at the end of the file.
    func read(
        _ descriptor: FileDescriptor, path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int
    /// One write of at most `bytes.count` bytes.
    func write(
        _ descriptor: FileDescriptor, path: String, from bytes: UnsafeRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int
    /// fsync, or fdatasync when `dataOnly` (where the system has it).
    func sync(_ descriptor: FileDescriptor, path: String, dataOnly: Bool) throws(FileSystemError)
    /// ftruncate: cuts or extends the file to `size` bytes.
    func truncate(_ descriptor: FileDescriptor, path: String, to size: Int64) throws(FileSystemError)
    /// fstat.
    func status(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) -> FileStatus
    /// futimens: sets the access and modification times.
    func setModificationTime(
        _ descriptor: FileDescriptor, path: String, milliseconds: Int64
    ) throws(FileSystemError)
    /// flock without waiting; false when another open file holds a
    /// conflicting lock.
    func tryLock(_ descriptor: FileDescriptor, path: String, shared: Bool) throws(FileSystemError) -> Bool
    /// Releases an flock.
    func unlock(_ descriptor: FileDescriptor, path: String) throws(FileSystemError)

    /// stat (or lstat when not `followingLinks`); nil when nothing is there.
    func status(atPath path: String, followingLinks: Bool) -> FileStatus?
    /// mkdir; false when something already exists at `path`.
    @discardableResult
    func makeDirectory(_ path: String, permissions: FilePermissions) throws(FileSystemError) -> Bool
    /// rename(2): atomic within one file system.
    func rename(_ source: String, to destination: String) throws(FileSystemError)
    /// link(2): a second name for `source`'s inode.
    func link(_ source: String, to destination: String) throws(FileSystemError)
    /// unlink; false when nothing was there.
    @discardableResult
    func removeFile(_ path: String) throws(FileSystemError) -> Bool
    /// rmdir of an empty directory; false when nothing was there.
    @discardableResult
    func removeDirectory(_ path: String) throws(FileSystemError) -> Bool
    /// The names in a directory, without "." and "..", in no given order.
    func list(_ directory: String) throws(FileSystemError) -> [String]
}

/// The file system code runs against: POSIX, unless a test runs the code
/// inside `ActiveFileSystem.$current.withValue(faulty) { … }`.
///
/// A task-local rather than a parameter threaded through every type, so
/// that the log, checkpoints and state need no second constructor for
/// tests. A `DurableFile` keeps the file system it was opened with, so the
/// per-call cost on a hot path is one existential call; only opens and
/// directory operations read the task-local. Work that another thread does
/// (not a child task) sees POSIX.
public enum ActiveFileSystem {
    @TaskLocal public static var current: any FileSystem = POSIXFileSystem()
}
