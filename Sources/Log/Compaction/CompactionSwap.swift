#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Checksums
import DurableFiles

/// The crash-safe replacement of a partition's older segments by their
/// compacted versions: a crash at any moment leaves either the old segment
/// set or the new one, never a mix.
///
/// Protocol (all in the partition's directory):
/// 1. The compacted segments are written under temporary names,
///    `<base>.log.cleaned`, `<base>.index.cleaned`,
///    `<base>.timeindex.cleaned` (Kafka's suffix), each fsynced; then the
///    directory is fsynced, so their names are durable.
/// 2. The commit: a small record of the swap, `compaction.swap` (the old
///    segments' base offsets and the new ones', with a CRC-32C), is written
///    as `compaction.swap.tmp`, fsynced, renamed into place, and the
///    directory fsynced. The rename is the atomic commit point.
/// 3. Completion: each new segment's `.cleaned` files are renamed over the
///    final names (the `.log` last), the old segments that no new one
///    replaces by name are removed, the directory is fsynced, and the
///    record is removed.
///
/// On open (`recover`), a `compaction.swap` record means the swap was
/// committed: completion runs again (each step is idempotent), so the new
/// set wins. Without one, any `.cleaned` files are from a pass that did not
/// commit: they are removed, so the old set wins.
///
/// # Thread safety
/// Stateless. Callers hold the partition's lock (or have the partition to
/// themselves, as `open` does).
enum CompactionSwap {
    static let cleanedSuffix = ".cleaned"
    static let recordName = "compaction.swap"
    static let temporaryRecordName = "compaction.swap.tmp"

    /// The moments a test may stop a pass at, as a crash would. The swap
    /// steps name the file just changed.
    enum Step: Equatable, Sendable, CustomStringConvertible {
        /// A compacted segment's three `.cleaned` files are written and fsynced.
        case cleanedWritten(base: Int64)
        /// The directory holding the `.cleaned` files is fsynced.
        case cleanedSynced
        /// `compaction.swap.tmp` is written and fsynced.
        case recordWritten
        /// `compaction.swap` is renamed into place and the directory fsynced.
        case committed
        /// A `.cleaned` file was renamed over its final name.
        case installed(String)
        /// A file of an old segment was removed.
        case removed(String)
        /// The directory is fsynced after completion.
        case completedSynced
        /// `compaction.swap` is removed and the directory fsynced.
        case recordRemoved

        var description: String {
            switch self {
            case let .cleanedWritten(base): "cleaned segment \(base) written"
            case .cleanedSynced: "directory fsynced"
            case .recordWritten: "swap record written"
            case .committed: "swap committed"
            case let .installed(path): "installed \(path)"
            case let .removed(path): "removed \(path)"
            case .completedSynced: "directory fsynced after completion"
            case .recordRemoved: "swap record removed"
            }
        }
    }

    /// Called after each step; returning false stops the pass right there,
    /// leaving every file as it is, as if the process had died.
    typealias FaultHook = @Sendable (Step) -> Bool

    /// What a committed swap replaces: the base offsets of the old segments
    /// and of the new ones (each new one named after the first old segment
    /// it replaces).
    struct Record: Equatable {
        static let header = "streamhost compaction swap v1"

        var replaced: [Int64]
        var installed: [Int64]

        func encoded() -> [UInt8] {
            let body = Self.header + "\n"
                + "replaced " + replaced.map(String.init).joined(separator: " ") + "\n"
                + "installed " + installed.map(String.init).joined(separator: " ") + "\n"
            let bytes = Array(body.utf8)
            let crc = bytes.withUnsafeBytes { CRC32C.checksum($0) }
            return bytes + Array("crc32c \(crc)\n".utf8)
        }

        /// The record in `bytes`, or why they are not one.
        static func decode(_ bytes: [UInt8]) -> Result<Record, RecordProblem> {
            func problem(_ text: String) -> Result<Record, RecordProblem> { .failure(RecordProblem(text: text)) }
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            guard lines.count == 5, lines[4].isEmpty else {
                return problem("expected 4 lines, found \(max(lines.count - 1, 0))")
            }
            let bodyCount = lines[0 ..< 3].reduce(0) { $0 + $1.count + 1 }
            let crc = bytes[0 ..< bodyCount].withUnsafeBytes { CRC32C.checksum($0) }
            guard String(decoding: lines[3], as: UTF8.self) == "crc32c \(crc)" else {
                return problem("its CRC-32C does not match its content (damaged)")
            }
            guard String(decoding: lines[0], as: UTF8.self) == header else {
                return problem("the first line is not '\(header)'")
            }
            func offsets(_ line: ArraySlice<UInt8>, _ name: String) -> [Int64]? {
                let words = String(decoding: line, as: UTF8.self).split(separator: " ")
                guard words.first == Substring(name) else { return nil }
                let numbers = words.dropFirst().map { Int64($0) }
                guard numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
                return numbers.map { $0! }
            }
            guard let replaced = offsets(lines[1], "replaced"), let installed = offsets(lines[2], "installed"),
                  !installed.isEmpty, Set(installed).isSubset(of: Set(replaced))
            else {
                return problem("its segment lists are malformed")
            }
            return .success(Record(replaced: replaced, installed: installed))
        }
    }

    struct RecordProblem: Error {
        let text: String
    }

    static func cleanedPath(_ finalPath: String) -> String { finalPath + cleanedSuffix }

    /// The final paths of a segment's files, in the order completion
    /// installs them (the `.log` last, so a `.log.cleaned` left means the
    /// segment is not installed yet).
    static func files(_ directory: String, _ base: Int64) -> [String] {
        [SegmentFileName.offsetIndex(directory, base), SegmentFileName.timeIndex(directory, base),
         SegmentFileName.log(directory, base)]
    }

    // MARK: Commit and completion

    /// Steps 2 and 3: commits `record` and completes it. Returns false when
    /// `fault` stopped it. A failure before the commit point leaves the old
    /// set (the caller removes the `.cleaned` files); a failure after it
    /// leaves a committed swap that the next open completes.
    static func commit(
        _ record: Record, directory: String, fault: FaultHook?
    ) throws(CommitFailure) -> Bool {
        let temporary = directory + "/" + temporaryRecordName
        do throws(FileSystemError) {
            let file = try DurableFile.open(temporary, create: true, truncate: true)
            defer { file.close() }
            try record.encoded().withBytes { (buffer) throws(FileSystemError) in try file.write(buffer, at: 0) }
            try file.syncData()
        } catch {
            _ = try? ActiveFileSystem.current.removeFile(temporary)
            throw .beforeCommit(error)
        }
        if let fault, !fault(.recordWritten) { return false }
        do throws(FileSystemError) {
            try ActiveFileSystem.current.rename(temporary, to: directory + "/" + recordName)
        } catch {
            _ = try? ActiveFileSystem.current.removeFile(temporary)
            throw .beforeCommit(error)
        }
        do throws(FileSystemError) {
            try ActiveFileSystem.current.syncDirectory(directory)
        } catch {
            // The rename may or may not be durable: only completion is safe.
            throw .afterCommit(error)
        }
        if let fault, !fault(.committed) { return false }
        do throws(FileSystemError) {
            return try complete(record, directory: directory, fault: fault)
        } catch {
            throw .afterCommit(error)
        }
    }

    /// Why `commit` failed, and on which side of the commit point.
    enum CommitFailure: Error {
        /// Nothing was committed: the old segments stand.
        case beforeCommit(FileSystemError)
        /// The swap is committed but not completed; opening the partition
        /// completes it.
        case afterCommit(FileSystemError)
    }

    /// Step 3, idempotent: installs the new segments, removes the replaced
    /// ones, removes the record. Returns false when `fault` stopped it.
    static func complete(_ record: Record, directory: String, fault: FaultHook?) throws(FileSystemError) -> Bool {
        let installed = Set(record.installed)
        for base in record.installed {
            for path in files(directory, base) where ActiveFileSystem.current.exists(cleanedPath(path)) {
                try ActiveFileSystem.current.rename(cleanedPath(path), to: path)
                if let fault, !fault(.installed(path)) { return false }
            }
            guard ActiveFileSystem.current.exists(SegmentFileName.log(directory, base)) else {
                throw FileSystemError(operation: "install compacted segment", path: SegmentFileName.log(directory, base),
                                      code: ENOENT)
            }
        }
        for base in record.replaced where !installed.contains(base) {
            for path in files(directory, base).reversed() where ActiveFileSystem.current.exists(path) {
                try ActiveFileSystem.current.removeFile(path)
                if let fault, !fault(.removed(path)) { return false }
            }
        }
        try ActiveFileSystem.current.syncDirectory(directory)
        if let fault, !fault(.completedSynced) { return false }
        try ActiveFileSystem.current.removeFile(directory + "/" + recordName)
        // Durable before anything else changes the directory, so that a
        // stale record can never be completed over later segments.
        try ActiveFileSystem.current.syncDirectory(directory)
        if let fault, !fault(.recordRemoved) { return false }
        return true
    }

    /// Removes the `.cleaned` files of segments `bases` (a pass that did not
    /// commit).
    static func discard(directory: String, bases: [Int64]) {
        for base in bases {
            for path in files(directory, base) { _ = try? ActiveFileSystem.current.removeFile(cleanedPath(path)) }
        }
    }

    // MARK: Recovery

    /// Run when a partition is opened, before its segments are listed:
    /// completes a committed swap, or removes the files of one that did not
    /// commit. Returns false when `fault` stopped it (tests only).
    @discardableResult
    static func recover(
        directory: String, partition: TopicPartition, logger: Logger, fault: FaultHook? = nil
    ) throws(LogError) -> Bool {
        let names: [String]
        do {
            names = try ActiveFileSystem.current.sortedNames(in: directory)
        } catch {
            throw LogError(error, "\(partition) could not be opened")
        }
        let recordPath = directory + "/" + recordName
        if names.contains(recordName) {
            let bytes: [UInt8]
            do {
                bytes = try ActiveFileSystem.current.readAll(recordPath)
            } catch {
                throw LogError(error, "\(partition) could not be opened: its committed compaction cannot be completed")
            }
            let record: Record
            switch Record.decode(bytes) {
            case let .success(decoded): record = decoded
            case let .failure(problem): throw .corruptCompactionRecord(partition, path: recordPath, detail: problem.text)
            }
            do {
                guard try complete(record, directory: directory, fault: fault) else { return false }
            } catch {
                throw LogError(
                    error, "\(partition) was not opened: completing its committed compaction failed; nothing was "
                        + "lost, and opening it again retries")
            }
            logger.info(.init(stringLiteral:
                "\(partition): completed a compaction that was committed before the last stop: segments "
                    + "\(record.installed.map(String.init).joined(separator: ", ")) replace "
                    + "\(record.replaced.map(String.init).joined(separator: ", "))"))
        }
        // What remains of a pass that did not commit (or of a completed one).
        for name in (try? ActiveFileSystem.current.sortedNames(in: directory)) ?? []
        where name.hasSuffix(cleanedSuffix) || name == temporaryRecordName {
            let path = directory + "/" + name
            do {
                try ActiveFileSystem.current.removeFile(path)
                logger.info("\(partition): removed \(path), left by a compaction that did not commit")
            } catch {
                logger.warning("\(partition): could not remove \(path), left by a compaction: \(FileSystemError.text(error.code))")
            }
        }
        return true
    }
}
