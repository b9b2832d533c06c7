import StreamhostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file sink's output when the job takes checkpoints: a part file per
/// instance and checkpoint interval, made visible when its checkpoint
/// completes (Flink's FileSink with its roll-on-checkpoint policy).
///
/// Names, for `path` `<dir>/<name>` and instance `i`:
///
///     <dir>/.<name>.part-<i>.inprogress     records since the last checkpoint
///     <dir>/.<name>.part-<i>-<n>.pending    pre-committed for a checkpoint
///     <dir>/<name>.part-<i>-<n>             committed: final, never touched again
///
/// - The first record after a checkpoint starts the in-progress file.
/// - Pre-commit (`preCommit(checkpointID:)`, from on_checkpoint or
///   snapshot, whichever comes first): flush, fsync, rename the in-progress
///   file to the next pending name; the file is pending for the checkpoint.
///   So the in-progress file is empty at every snapshot: nothing in progress
///   belongs to a checkpoint.
/// - Commit (`commit(upTo:)`, on checkpoint completion): rename the pending
///   files of checkpoints up to it to their final names, fsync the
///   directory. A checkpoint that fails keeps its pending files for the next
///   completion (their records came before that checkpoint's barrier too).
/// - The snapshot lists the pending files (checkpoint, instance, number),
///   the next number and the in-progress length (0, see above).
/// - Restore (every blob, also other instances' when the parallelism
///   changed): finishes each listed pending file's rename (a file already
///   final is fine: another instance or an earlier restore did it).
///   `open` then truncates the instance's in-progress file to the length
///   recorded (the records after the checkpoint are replayed) and removes
///   the in-progress files of instances that no longer exist.
///
/// # Thread safety
/// One thread at a time (the sink instance's).
///
/// # Ownership
/// Owns the in-progress file and the pending files until they are final.
final class PartFiles {
    /// A pre-committed part file.
    struct Pending: Equatable {
        var checkpointID: Int64
        var instance: Int
        var number: UInt64
    }

    static let blobMagic: [UInt8] = Array("FSK1".utf8)
    static let pendingMax = 4096

    let path: String
    let directory: String
    private let prefix: String
    private let basename: String
    private(set) var instance = 0
    private(set) var writer: AtomicFileWriter?
    private(set) var pending: [Pending] = []
    private(set) var nextNumber: UInt64 = 0
    private var currentNumber: UInt64 = 0
    private var preCommitted: Int64 = -1
    /// From restored blobs: this instance's in-progress length, and the
    /// highest old instance.
    private var restoredLengths: [Int: Int64] = [:]

    init(path: String) {
        self.path = path
        let (directory, prefix, basename) = AtomicFileWriter.split(path)
        self.directory = directory
        self.prefix = prefix
        self.basename = basename
    }

    func inProgressPath(_ instance: Int) -> String { prefix + ".\(basename).part-\(instance).inprogress" }
    func pendingPath(_ file: Pending) -> String { prefix + ".\(basename).part-\(file.instance)-\(file.number).pending" }
    func finalPath(_ file: Pending) -> String { "\(path).part-\(file.instance)-\(file.number)" }

    /// Called in open: truncates this instance's in-progress file to its
    /// restored length and removes those of old instances beyond
    /// `parallelism` (instance 0 does that).
    func open(instance: Int, parallelism: Int) throws {
        self.instance = instance
        let mine = inProgressPath(instance)
        let length = restoredLengths[instance] ?? 0
        if length == 0 {
            unlink(mine)
        } else if truncate(mine, off_t(length)) != 0 && errno != ENOENT {
            throw FileError.cannotCommit(path: mine, step: "truncate to \(length) bytes", errno: errno)
        }
        if instance == 0, let highest = restoredLengths.keys.max(), highest >= parallelism {
            for old in parallelism ... highest { unlink(inProgressPath(old)) }
        }
    }

    /// The writer of the current part file, started on first use.
    func currentWriter() throws -> (writer: AtomicFileWriter, isNew: Bool) {
        if let writer { return (writer, false) }
        currentNumber = nextNumber
        nextNumber += 1
        let file = Pending(checkpointID: 0, instance: instance, number: currentNumber)
        let writer = try AtomicFileWriter(path: pendingPath(file), temporaryPath: inProgressPath(instance))
        self.writer = writer
        return (writer, true)
    }

    /// Makes the in-progress file pending for `checkpointID` (once per
    /// checkpoint).
    func preCommit(checkpointID: Int64) throws {
        guard checkpointID > preCommitted else { return }
        preCommitted = checkpointID
        guard let writer else { return }
        guard pending.count < Self.pendingMax else {
            throw PluginError.failed(
                "file sink: \(pending.count) part files of '\(path)' wait for a checkpoint to complete (the most is "
                    + "\(Self.pendingMax)): checkpoints keep failing; fix them or restart the job")
        }
        try writer.commit()
        self.writer = nil
        pending.append(Pending(checkpointID: checkpointID, instance: instance, number: currentNumber))
    }

    /// Makes the pending files of checkpoints up to `checkpointID` final.
    func commit(upTo checkpointID: Int64) throws {
        let due = pending.filter { $0.checkpointID <= checkpointID }
        guard !due.isEmpty else { return }
        for file in due { try finish(file) }
        try AtomicFileWriter.syncDirectory(directory, for: path)
        pending.removeAll { $0.checkpointID <= checkpointID }
    }

    /// End of input: everything written becomes final.
    func commitAll() throws {
        try preCommit(checkpointID: Int64.max)
        try commit(upTo: Int64.max)
    }

    /// Renames a pending file to its final name; a file already final is
    /// done.
    private func finish(_ file: Pending) throws {
        let from = pendingPath(file)
        let to = finalPath(file)
        if rename(from, to) == 0 { return }
        let code = errno
        if code == ENOENT && access(to, F_OK) == 0 { return }
        throw FileError.cannotCommit(path: to, step: "rename from '\(from)'", errno: code)
    }

    // MARK: Snapshot and restore

    /// Layout version 1, little-endian: "FSK1", u32 instance, u64 next
    /// number, u64 in-progress length, u32 count, then per pending file
    /// i64 checkpoint, u32 instance, u64 number.
    func snapshot(checkpointID: Int64) throws -> [UInt8] {
        try preCommit(checkpointID: checkpointID)
        var bytes = Self.blobMagic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(UInt32(instance))
        put(nextNumber)
        put(UInt64(0)) // in-progress length: the pre-commit above rolled it
        put(UInt32(pending.count))
        for file in pending {
            put(file.checkpointID)
            put(UInt32(file.instance))
            put(file.number)
        }
        return bytes
    }

    /// Reads one blob (called before open, once per blob): finishes its
    /// pending files and continues numbering past it.
    func restore(_ data: UnsafeRawBufferPointer) throws {
        var reader = BlobReader(data: data)
        guard let magic = reader.bytes(4), magic == Self.blobMagic, let owner = reader.integer(UInt32.self),
              let next = reader.integer(UInt64.self), let length = reader.integer(UInt64.self),
              let count = reader.integer(UInt32.self)
        else { throw PluginError.failed("file sink: the snapshot to restore (\(data.count) bytes) is not a file sink snapshot") }
        var files: [Pending] = []
        for _ in 0 ..< count {
            guard let checkpointID = reader.integer(Int64.self), let fileInstance = reader.integer(UInt32.self),
                  let number = reader.integer(UInt64.self)
            else { throw PluginError.failed("file sink: the snapshot to restore is cut short") }
            files.append(Pending(checkpointID: checkpointID, instance: Int(fileInstance), number: number))
        }
        guard reader.isAtEnd else { throw PluginError.failed("file sink: the snapshot to restore has bytes past its end") }
        // The restored checkpoint is complete: its pending files are final.
        for file in files { try finish(file) }
        if !files.isEmpty { try AtomicFileWriter.syncDirectory(directory, for: path) }
        nextNumber = max(nextNumber, next)
        restoredLengths[Int(owner)] = Int64(length)
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
