import StreamhostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// The file sink's output when the job takes checkpoints: Flink's FileSink
/// model. Per instance one in-progress part file receives records; part
/// files roll by size and age; a rolled file becomes final (renamed into
/// place, never touched again) when the checkpoint after it completes.
///
/// Names, for `path` `<dir>/<name>`, instance `i` and part number `n`:
///
///     <dir>/.<name>.part-<i>-<n>.inprogress   being written, or rolled and
///                                            waiting for its checkpoint
///     <dir>/<name>.part-<i>-<n>               finished: final, never
///                                            touched again
///
/// A reader looks at the finished files only (hidden files are never
/// output). `n` comes from a counter kept in the snapshot and taken as the
/// maximum over every restored snapshot, and a number whose final or
/// in-progress file exists is skipped: no run, attempt or parallelism ever
/// writes a name that exists.
///
/// - Rolling: the in-progress file is rolled (flushed, fsynced, closed)
///   when it reaches `maxBytes`, or at a batch or checkpoint once it is
///   `intervalMs` old; it stays in progress across checkpoints otherwise,
///   so the number of files is bounded by size and time, not by the number
///   of checkpoints.
/// - Pre-commit (`preCommit(checkpointID:)`, from on_checkpoint or
///   snapshot, whichever comes first): the files rolled since the last
///   checkpoint become pending for this one; the in-progress file is
///   fsynced and its length goes into the snapshot.
/// - Commit (`commit(upTo:)`, on checkpoint completion): pending files of
///   checkpoints up to it are renamed to their final names, the directory
///   fsynced. A failed checkpoint keeps its pending files for the next
///   completion.
/// - Restore (every blob; every old instance's too when the parallelism
///   changed): the restored checkpoint completed, so its pending files are
///   renamed final, and its in-progress file is truncated to the length in
///   the snapshot and renamed final (a file already final is done: another
///   instance or an earlier restore did it). What came after the checkpoint
///   is replayed into new part files.
/// - Stale files: in `open`, each instance removes the in-progress files of
///   its own index, and instance 0 those of indexes at or above the
///   parallelism, that no restored snapshot refers to: they hold records
///   after the checkpoint (replayed) or come from an attempt that never
///   checkpointed.
/// - End of input (`commitAll`): everything becomes final.
///
/// # Thread safety
/// One thread at a time (the sink instance's).
///
/// # Ownership
/// Owns the in-progress and pending files until they are final.
final class PartFiles {
    /// A part file: instance index and number.
    struct Part: Hashable {
        var instance: Int
        var number: UInt64
    }

    /// A rolled part file waiting for a checkpoint (`checkpointID` 0: not
    /// assigned yet).
    struct Pending: Equatable {
        var checkpointID: Int64
        var part: Part
    }

    static let blobMagic: [UInt8] = Array("FSK2".utf8)
    /// Blobs of the build before rolling (one part file per checkpoint).
    static let legacyBlobMagic: [UInt8] = Array("FSK1".utf8)
    static let pendingMax = 4096

    let path: String
    let directory: String
    let maxBytes: Int64
    let intervalMs: Int64
    private let prefix: String
    private let basename: String
    private(set) var instance = 0
    private var writer: AtomicFileWriter?
    private var current = Part(instance: 0, number: 0)
    private var openedAtMs: Int64 = 0
    private(set) var pending: [Pending] = []
    private(set) var nextNumber: UInt64 = 0
    private var preCommitted: Int64 = -1
    /// Part files named by restored snapshots (never removed as stale).
    private var referenced = Set<Part>()

    init(path: String, maxBytes: Int64, intervalMs: Int64) {
        self.path = path
        self.maxBytes = maxBytes
        self.intervalMs = intervalMs
        let (directory, prefix, basename) = AtomicFileWriter.split(path)
        self.directory = directory
        self.prefix = prefix
        self.basename = basename
    }

    func inProgressPath(_ part: Part) -> String { prefix + ".\(basename).part-\(part.instance)-\(part.number).inprogress" }
    func finalPath(_ part: Part) -> String { "\(path).part-\(part.instance)-\(part.number)" }

    /// Called in open: removes stale in-progress files (see the type's
    /// doc).
    func open(instance: Int, parallelism: Int) throws {
        self.instance = instance
        let hiddenPrefix = ".\(basename).part-"
        for name in try Self.entries(of: directory) where name.hasPrefix(hiddenPrefix) && name.hasSuffix(".inprogress") {
            let middle = name.dropFirst(hiddenPrefix.count).dropLast(".inprogress".count)
            let fields = middle.split(separator: "-", omittingEmptySubsequences: false)
            guard fields.count == 2, let owner = Int(fields[0]), let number = UInt64(fields[1]) else { continue }
            let part = Part(instance: owner, number: number)
            guard owner == instance || (instance == 0 && owner >= parallelism), !referenced.contains(part) else { continue }
            // Best effort: a stale file that stays is tried again at the next open.
            _ = try? ActiveFileSystem.current.removeFile(inProgressPath(part))
        }
    }

    /// The writer of the in-progress part file, started on first use; one
    /// older than `intervalMs` is rolled first.
    func currentWriter(nowMs: Int64) throws -> (writer: AtomicFileWriter, isNew: Bool) {
        if let writer {
            guard isDue(writer, nowMs: nowMs) else { return (writer, false) }
            try roll()
        }
        var part = Part(instance: instance, number: nextNumber)
        while access(finalPath(part), F_OK) == 0 || access(inProgressPath(part), F_OK) == 0 { part.number += 1 }
        nextNumber = part.number + 1
        current = part
        openedAtMs = nowMs
        let writer = try AtomicFileWriter(path: finalPath(part), temporaryPath: inProgressPath(part), removeOnDrop: false)
        self.writer = writer
        return (writer, true)
    }

    /// After a batch: rolls the in-progress file once it reached `maxBytes`.
    func afterWrite() throws {
        if let writer, writer.bytesWritten >= maxBytes { try roll() }
    }

    private func isDue(_ writer: AtomicFileWriter, nowMs: Int64) -> Bool {
        writer.bytesWritten >= maxBytes || (intervalMs > 0 && nowMs - openedAtMs >= intervalMs)
    }

    /// Closes the in-progress file; it waits for the next checkpoint.
    private func roll() throws {
        guard let writer else { return }
        guard pending.count < Self.pendingMax else {
            throw PluginError.failed(
                "file sink: \(pending.count) part files of '\(path)' wait for a checkpoint to complete (the most is "
                    + "\(Self.pendingMax)): checkpoints keep failing; fix them or restart the job")
        }
        try writer.seal()
        self.writer = nil
        pending.append(Pending(checkpointID: 0, part: current))
    }

    /// The rolled files become pending for `checkpointID`; the in-progress
    /// file is rolled if due, else fsynced (once per checkpoint).
    func preCommit(checkpointID: Int64, nowMs: Int64) throws {
        guard checkpointID > preCommitted else { return }
        preCommitted = checkpointID
        if let writer {
            if isDue(writer, nowMs: nowMs) || checkpointID == Int64.max {
                try roll()
            } else {
                try writer.sync()
            }
        }
        for index in pending.indices where pending[index].checkpointID == 0 { pending[index].checkpointID = checkpointID }
    }

    /// Makes the pending files of checkpoints up to `checkpointID` final.
    func commit(upTo checkpointID: Int64) throws {
        let due = pending.filter { $0.checkpointID != 0 && $0.checkpointID <= checkpointID }
        guard !due.isEmpty else { return }
        for file in due { try finish(file.part) }
        try AtomicFileWriter.syncDirectory(directory, for: path)
        pending.removeAll { $0.checkpointID != 0 && $0.checkpointID <= checkpointID }
    }

    /// End of input: everything written becomes final.
    func commitAll(nowMs: Int64) throws {
        try preCommit(checkpointID: Int64.max, nowMs: nowMs)
        try commit(upTo: Int64.max)
    }

    /// Renames a part file to its final name; one already final is done.
    private func finish(_ part: Part, from hidden: String? = nil) throws {
        let from = hidden ?? inProgressPath(part)
        let to = finalPath(part)
        let files = ActiveFileSystem.current
        do throws(FileSystemError) { try files.rename(from, to: to) } catch {
            if error.errno == .noSuchFileOrDirectory && files.exists(to) { return }
            throw FileError.cannotCommit(path: to, step: "rename from '\(from)'", errno: error.code)
        }
    }

    // MARK: Snapshot and restore

    /// Layout "FSK2", little-endian: u32 instance, u64 next number, u8 1 if
    /// an in-progress file follows (u64 number, u64 length), u32 count,
    /// then per pending file i64 checkpoint, u32 instance, u64 number.
    func snapshot(checkpointID: Int64, nowMs: Int64) throws -> [UInt8] {
        try preCommit(checkpointID: checkpointID, nowMs: nowMs)
        var bytes = Self.blobMagic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(UInt32(instance))
        put(nextNumber)
        if let writer {
            put(UInt8(1))
            put(current.number)
            put(UInt64(writer.bytesWritten))
        } else {
            put(UInt8(0))
        }
        let assigned = pending.filter { $0.checkpointID != 0 }
        put(UInt32(assigned.count))
        for file in assigned {
            put(file.checkpointID)
            put(UInt32(file.part.instance))
            put(file.part.number)
        }
        return bytes
    }

    /// Reads one blob (called before open, once per blob): the restored
    /// checkpoint completed, so its pending files and its in-progress file
    /// (cut to the length it had) become final; numbering continues past it.
    func restore(_ data: UnsafeRawBufferPointer) throws {
        var reader = BlobReader(data: data)
        guard let magic = reader.bytes(4), magic == Self.blobMagic || magic == Self.legacyBlobMagic,
              let owner = reader.integer(UInt32.self), let next = reader.integer(UInt64.self)
        else { throw PluginError.failed("file sink: the snapshot to restore (\(data.count) bytes) is not a file sink snapshot") }
        let legacy = magic == Self.legacyBlobMagic
        var active: (part: Part, length: UInt64)?
        if legacy {
            // FSK1: u64 in-progress length, always 0.
            guard reader.integer(UInt64.self) != nil else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
        } else {
            guard let flag = reader.integer(UInt8.self) else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
            if flag == 1 {
                guard let number = reader.integer(UInt64.self), let length = reader.integer(UInt64.self)
                else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
                active = (Part(instance: Int(owner), number: number), length)
            }
        }
        guard let count = reader.integer(UInt32.self) else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
        var files: [Part] = []
        for _ in 0 ..< count {
            guard reader.integer(Int64.self) != nil, let fileInstance = reader.integer(UInt32.self),
                  let number = reader.integer(UInt64.self)
            else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
            files.append(Part(instance: Int(fileInstance), number: number))
        }
        guard reader.isAtEnd else { throw PluginError.failed("file sink: the snapshot to restore has bytes past its end") }
        for file in files {
            referenced.insert(file)
            try finish(file, from: legacy ? prefix + ".\(basename).part-\(file.instance)-\(file.number).pending" : nil)
        }
        if let (part, length) = active {
            referenced.insert(part)
            let hidden = inProgressPath(part)
            let files = ActiveFileSystem.current
            if let size = files.regularFileSize(hidden), Int64(size) < Int64(length) {
                throw PluginError.failed(
                    "file sink: '\(hidden)' holds \(size) bytes, fewer than the \(length) the checkpoint "
                        + "fsynced: the file was changed outside the job; restore from an older checkpoint or start over")
            }
            do throws(FileSystemError) {
                try DurableFile.open(hidden, create: false).truncate(to: Int(length))
            } catch {
                guard error.errno == .noSuchFileOrDirectory, files.exists(finalPath(part)) else {
                    throw FileError.cannotCommit(
                        path: hidden, step: "truncate to the checkpointed \(length) bytes", errno: error.code)
                }
            }
            try finish(part)
        }
        if !files.isEmpty || active != nil { try AtomicFileWriter.syncDirectory(directory, for: path) }
        nextNumber = max(nextNumber, next)
    }

    /// The names in `directory`.
    static func entries(of directory: String) throws -> [String] {
        do throws(FileSystemError) { return try ActiveFileSystem.current.list(directory) } catch {
            throw FileError.cannotCommit(path: directory, step: "list the directory", errno: error.code)
        }
    }
}

/// Reads little-endian integers from a blob.
private struct BlobReader {
    let data: UnsafeRawBufferPointer
    var position = 0

    var isAtEnd: Bool { position == data.count }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard position + count <= data.count else { return nil }
        defer { position += count }
        return Array(data[position ..< position + count])
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard let raw = bytes(MemoryLayout<T>.size) else { return nil }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: raw) }
        return T(littleEndian: value)
    }
}
