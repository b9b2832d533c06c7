import DurableFiles
import Synchronization
import SystemPackage

/// A file system that fails on purpose: the deterministic twin of
/// `POSIXFileSystem` for crash and full-disk tests.
///
/// Every call goes to a real file system underneath (so what a test finds
/// on disk afterwards is real), unless a fault says otherwise:
/// - `inject(_:on:pathContaining:skipping:times:)`: one errno (ENOSPC, EIO,
///   a failed fsync) or a short write on matching calls;
/// - `crash(afterChanges:)`: the process "dies" after N calls that change
///   the disk (opens that create or truncate, writes, syncs, truncations,
///   renames, links, removals, directory creations, time changes). From
///   then on every call fails with EIO and changes nothing, so what is on
///   disk is exactly what the first N changes made; a test then runs
///   recovery on it through the real file system.
///
/// Data written but not yet fsynced is kept on a crash (the page cache
/// survives a process crash; only a power loss drops it, which this twin
/// does not model).
///
/// # Thread safety
/// Any thread: the fault table and counters are behind a mutex.
public final class FaultyFileSystem: FileSystem, Sendable {
    /// The calls of `FileSystem`, to aim a fault at.
    public enum Operation: Sendable, Equatable, CaseIterable {
        case open, close, read, write, sync, truncate, status, setModificationTime, lock, unlock
        case makeDirectory, rename, link, removeFile, removeDirectory, list
    }

    /// What a matching call does instead of its normal work.
    public enum Fault: Sendable, Equatable {
        /// Fails with this errno and changes nothing.
        case error(Errno)
        /// A write stores at most this many bytes and reports that count.
        case shortWrite(maxBytes: Int)
    }

    /// One call that changed (or would have changed) the disk.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public let operation: Operation
        public let path: String
        public var description: String { "\(operation) \(path)" }
    }

    private struct Rule: Sendable {
        let fault: Fault
        let operation: Operation
        let pathContaining: String?
        var skipping: Int
        var remaining: Int?
    }

    private struct State: Sendable {
        var rules: [Rule] = []
        var changesAllowed: Int?
        var changes: [Change] = []
        var crashed = false
    }

    private let base: any FileSystem
    private let state = Mutex(State())

    public init(base: any FileSystem = POSIXFileSystem()) {
        self.base = base
    }

    /// Makes matching calls fail: the first `skipping` matches go through,
    /// then `times` matches (all when nil) get `fault`.
    public func inject(
        _ fault: Fault, on operation: Operation, pathContaining: String? = nil, skipping: Int = 0, times: Int? = 1
    ) {
        state.withLock {
            $0.rules.append(Rule(fault: fault, operation: operation, pathContaining: pathContaining,
                                 skipping: skipping, remaining: times))
        }
    }

    /// Lets `count` more disk changes through, then crashes.
    public func crash(afterChanges count: Int) {
        state.withLock { $0.changesAllowed = $0.changes.count + count }
    }

    /// The disk changes made so far (before a crash).
    public var changes: [Change] { state.withLock { $0.changes } }

    /// Whether the simulated process has died.
    public var hasCrashed: Bool { state.withLock { $0.crashed } }

    /// Removes every fault and the crash point (a crashed twin stays dead).
    public func clearFaults() {
        state.withLock {
            $0.rules = []
            $0.changesAllowed = nil
        }
    }

    /// Decides a call's fate: nil to run it, or the fault to apply.
    private func admit(_ operation: Operation, _ path: String, changes: Bool) -> Fault? {
        state.withLock { state in
            if state.crashed { return .error(.ioError) }
            if changes, let allowed = state.changesAllowed, state.changes.count >= allowed {
                state.crashed = true
                return .error(.ioError)
            }
            for index in state.rules.indices {
                let rule = state.rules[index]
                guard rule.operation == operation, rule.remaining != 0,
                      rule.pathContaining.map({ path.contains($0) }) ?? true
                else { continue }
                if rule.skipping > 0 {
                    state.rules[index].skipping -= 1
                    continue
                }
                state.rules[index].remaining = rule.remaining.map { $0 - 1 }
                if changes, case .shortWrite = rule.fault { state.changes.append(Change(operation: operation, path: path)) }
                return rule.fault
            }
            if changes { state.changes.append(Change(operation: operation, path: path)) }
            return nil
        }
    }

    private func check(_ operation: Operation, _ path: String, changes: Bool, name: String) throws(FileSystemError) {
        if case let .error(code)? = admit(operation, path, changes: changes) {
            throw FileSystemError(operation: name, path: path, errno: code)
        }
    }

    public func open(
        _ path: String, _ access: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions,
        permissions: FilePermissions
    ) throws(FileSystemError) -> FileDescriptor {
        let changes = options.contains(.create) || options.contains(.truncate)
        try check(.open, path, changes: changes, name: "open")
        return try base.open(path, access, options: options, permissions: permissions)
    }

    public func close(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) {
        // A dead process's descriptors are closed by the kernel: close
        // always releases, and reports the crash.
        let fault = admit(.close, path, changes: false)
        try base.close(descriptor, path: path)
        if case let .error(code)? = fault { throw FileSystemError(operation: "close", path: path, errno: code) }
    }

    public func read(
        _ descriptor: FileDescriptor, path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int {
        try check(.read, path, changes: false, name: "read")
        return try base.read(descriptor, path: path, into: buffer, at: offset)
    }

    public func write(
        _ descriptor: FileDescriptor, path: String, from bytes: UnsafeRawBufferPointer, at offset: Int64?
    ) throws(FileSystemError) -> Int {
        switch admit(.write, path, changes: true) {
        case let .error(code)?:
            throw FileSystemError(operation: "write", path: path, errno: code)
        case let .shortWrite(maxBytes)?:
            let count = min(maxBytes, bytes.count)
            return try base.write(descriptor, path: path, from: UnsafeRawBufferPointer(rebasing: bytes[..<count]), at: offset)
        case nil:
            return try base.write(descriptor, path: path, from: bytes, at: offset)
        }
    }

    public func sync(_ descriptor: FileDescriptor, path: String, dataOnly: Bool) throws(FileSystemError) {
        try check(.sync, path, changes: true, name: dataOnly ? "fdatasync" : "fsync")
        try base.sync(descriptor, path: path, dataOnly: dataOnly)
    }

    public func truncate(_ descriptor: FileDescriptor, path: String, to size: Int64) throws(FileSystemError) {
        try check(.truncate, path, changes: true, name: "truncate")
        try base.truncate(descriptor, path: path, to: size)
    }

    public func status(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) -> FileStatus {
        try check(.status, path, changes: false, name: "stat")
        return try base.status(descriptor, path: path)
    }

    public func setModificationTime(
        _ descriptor: FileDescriptor, path: String, milliseconds: Int64
    ) throws(FileSystemError) {
        try check(.setModificationTime, path, changes: true, name: "set modification time of")
        try base.setModificationTime(descriptor, path: path, milliseconds: milliseconds)
    }

    public func tryLock(_ descriptor: FileDescriptor, path: String, shared: Bool) throws(FileSystemError) -> Bool {
        try check(.lock, path, changes: false, name: "lock")
        return try base.tryLock(descriptor, path: path, shared: shared)
    }

    public func unlock(_ descriptor: FileDescriptor, path: String) throws(FileSystemError) {
        try check(.unlock, path, changes: false, name: "unlock")
        try base.unlock(descriptor, path: path)
    }

    public func status(atPath path: String, followingLinks: Bool) -> FileStatus? {
        // No errno to carry: a fault here reads as "nothing there".
        if admit(.status, path, changes: false) != nil { return nil }
        return base.status(atPath: path, followingLinks: followingLinks)
    }

    public func makeDirectory(_ path: String, permissions: FilePermissions) throws(FileSystemError) -> Bool {
        try check(.makeDirectory, path, changes: true, name: "create directory")
        return try base.makeDirectory(path, permissions: permissions)
    }

    public func rename(_ source: String, to destination: String) throws(FileSystemError) {
        try check(.rename, "\(source) to \(destination)", changes: true, name: "rename")
        try base.rename(source, to: destination)
    }

    public func link(_ source: String, to destination: String) throws(FileSystemError) {
        try check(.link, "\(source) to \(destination)", changes: true, name: "link")
        try base.link(source, to: destination)
    }

    public func removeFile(_ path: String) throws(FileSystemError) -> Bool {
        try check(.removeFile, path, changes: true, name: "remove")
        return try base.removeFile(path)
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) -> Bool {
        try check(.removeDirectory, path, changes: true, name: "remove directory")
        return try base.removeDirectory(path)
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        try check(.list, directory, changes: false, name: "list directory")
        return try base.list(directory)
    }
}

extension FaultyFileSystem {
    /// Runs `body` with this file system active (`ActiveFileSystem.current`)
    /// for the calling task.
    public func activate<Result>(_ body: () throws -> Result) rethrows -> Result {
        try ActiveFileSystem.$current.withValue(self) { try body() }
    }

    /// How many disk changes `body` makes, run once against a fault-free
    /// twin: the number of crash points a crash test loops over.
    public static func countChanges(_ body: () throws -> Void) rethrows -> Int {
        let counter = FaultyFileSystem()
        try counter.activate(body)
        return counter.changes.count
    }
}
