import Checksums
import DurableFiles
import Foundation
import SystemPackage

/// The checkpoints (or savepoints) of one job in one directory.
///
/// Layout: `<directory>/<prefix>-<id>/` holds a checkpoint's files and its
/// `MANIFEST`. While a checkpoint is being written its directory is
/// `<prefix>-<id>.inprogress`; it is completed by writing the manifest
/// (temporary name, fsync, rename) and then renaming the directory (and
/// fsyncing the parent). A directory without the suffix and with a valid
/// manifest whose files all check out is a complete checkpoint; anything
/// else is debris from a crash or a failure, removed by `removeIncomplete`.
///
/// Files and directories go through `DurableFiles` (files 0600,
/// directories 0700: checkpoints hold a job's state).
///
/// # Thread safety
/// Not synchronised: the coordinator owns a store and calls it from one
/// thread at a time. Writing state files into a checkpoint directory from
/// other threads is fine (distinct files).
public final class CheckpointStore: @unchecked Sendable {
    public let directory: String
    /// "chk" for checkpoints, "sp" for savepoints.
    public let prefix: String

    public init(directory: String, prefix: String) {
        self.directory = directory
        self.prefix = prefix
    }

    /// A complete checkpoint found on disk.
    public struct Entry: Sendable {
        public let id: Int64
        public let directory: String
        public let manifest: CheckpointManifest
    }

    /// Permissions of checkpoint files and directories: the owner's only.
    static let filePermissions: FilePermissions = .ownerReadWrite
    static let directoryPermissions: FilePermissions = .ownerReadWriteExecute

    public func name(of id: Int64) -> String { "\(prefix)-\(String(format: "%06lld", id))" }

    /// Creates the in-progress directory of checkpoint `id` and returns it.
    public func begin(_ id: Int64) throws(CheckpointError) -> String {
        let path = directory + "/" + name(of: id) + ".inprogress"
        let files = ActiveFileSystem.current
        do throws(FileSystemError) {
            // What an earlier attempt left must go, or its files would mix
            // with this checkpoint's.
            try files.removeTree(path)
            // The store's directory durably (an fsync only when it is new),
            // so that the final rename's directory fsync keeps what it
            // names; the in-progress directory needs no fsync of its own.
            try files.makeDirectories(directory, permissions: Self.directoryPermissions, durably: true)
            try files.makeDirectories(path, permissions: Self.directoryPermissions)
        } catch {
            throw CheckpointError(error)
        }
        return path
    }

    /// Writes one state file (fsynced) into a checkpoint directory.
    public static func writeFile(_ bytes: [UInt8], named path: String, in checkpointDirectory: String)
        throws(CheckpointError) -> SnapshotFile
    {
        let full = checkpointDirectory + "/" + path
        let files = ActiveFileSystem.current
        do throws(FileSystemError) {
            try files.makeDirectories(Paths.parent(of: full), permissions: directoryPermissions)
            try files.writeFile(bytes, to: full, permissions: filePermissions)
        } catch {
            throw CheckpointError(error)
        }
        return SnapshotFile(path: path, bytes: bytes.count, crc32c: CRC32C.checksum(bytes))
    }

    /// Completes checkpoint `id`: writes its manifest, then makes the
    /// directory visible under its final name. Returns the final path.
    @discardableResult
    public func complete(_ id: Int64, manifest: CheckpointManifest) throws(CheckpointError) -> String {
        let inProgress = directory + "/" + name(of: id) + ".inprogress"
        let final = directory + "/" + name(of: id)
        let files = ActiveFileSystem.current
        do throws(FileSystemError) {
            try files.writeAtomically(
                ManifestFile.encode(manifest), to: inProgress + "/" + ManifestFile.name,
                permissions: Self.filePermissions)
            try files.removeTree(final)
            try files.rename(inProgress, to: final)
            try files.syncDirectory(directory)
        } catch {
            throw CheckpointError(error)
        }
        return final
    }

    /// Drops an unfinished checkpoint's files.
    public func abort(_ id: Int64) {
        // Best effort: what stays is removed by `removeIncomplete` later.
        try? ActiveFileSystem.current.removeTree(directory + "/" + name(of: id) + ".inprogress")
    }

    /// The names in the store's directory; none when it does not exist.
    private func names() -> [String] {
        (try? ActiveFileSystem.current.list(directory)) ?? []
    }

    /// The ids of the directories that look complete, newest first.
    public func completeIDs() -> [Int64] {
        names().compactMap { name -> Int64? in
            guard name.hasPrefix(prefix + "-"), !name.hasSuffix(".inprogress") else { return nil }
            return Int64(name.dropFirst(prefix.count + 1))
        }.sorted(by: >)
    }

    /// The highest id in use, complete or not (ids are never reused).
    public func highestID() -> Int64 {
        names().compactMap { name -> Int64? in
            guard name.hasPrefix(prefix + "-") else { return nil }
            var rest = name.dropFirst(prefix.count + 1)
            if rest.hasSuffix(".inprogress") { rest = rest.dropLast(".inprogress".count) }
            return Int64(rest)
        }.max() ?? 0
    }

    /// The newest complete checkpoint whose manifest and files all check
    /// out. Each one skipped is reported to `skipped` with the reason, so
    /// the log can say why an older checkpoint is used.
    public func latestValid(skipped: (Int64, CheckpointError) -> Void) -> Entry? {
        for id in completeIDs() {
            let path = directory + "/" + name(of: id)
            do {
                let manifest = try Self.load(directory: path, verifyFiles: true)
                return Entry(id: id, directory: path, manifest: manifest)
            } catch {
                skipped(id, error)
            }
        }
        return nil
    }

    /// Reads and checks the manifest in `directory` (a checkpoint or a
    /// savepoint), and with `verifyFiles` every file it names (size and
    /// CRC-32C).
    public static func load(directory: String, verifyFiles: Bool) throws(CheckpointError) -> CheckpointManifest {
        let manifestPath = directory + "/" + ManifestFile.name
        let files = ActiveFileSystem.current
        guard files.isDirectory(directory) else {
            throw .corrupt(path: directory, message: "no such checkpoint or savepoint directory")
        }
        let manifest = try ManifestFile.decode(try readFile(manifestPath), path: manifestPath)
        if verifyFiles {
            for file in manifest.files {
                let path = directory + "/" + file.path
                var crc: UInt32 = 0
                let bytes: Int
                do throws(FileSystemError) {
                    bytes = try files.readChunks(path) { crc = CRC32C.checksum($0, seed: crc) }
                } catch {
                    throw CheckpointError(error, missingIsDamage: true)
                }
                guard bytes == file.bytes else {
                    throw .corrupt(path: path, message: "\(bytes) bytes, the manifest says \(file.bytes)")
                }
                guard crc == file.crc32c else {
                    throw .corrupt(path: path, message: "checksum mismatch (manifest \(file.crc32c), file \(crc))")
                }
            }
        }
        return manifest
    }

    /// Keeps the newest `count` complete checkpoints and deletes the rest.
    public func retain(_ count: Int) {
        // Best effort: a checkpoint that stays is retried at the next call.
        for id in completeIDs().dropFirst(count) {
            try? ActiveFileSystem.current.removeTree(directory + "/" + name(of: id))
        }
    }

    /// Removes every in-progress directory (a crash or failure left them).
    /// Returns their names.
    @discardableResult
    public func removeIncomplete() -> [String] {
        var removed: [String] = []
        for name in names() where name.hasPrefix(prefix + "-") && name.hasSuffix(".inprogress") {
            // Best effort: debris that stays is tried again at the next start.
            try? ActiveFileSystem.current.removeTree(directory + "/" + name)
            removed.append(name)
        }
        return removed
    }
}

extension CheckpointStore {
    /// Reads a checkpoint file and checks it against its manifest entry.
    public static func readVerified(path: String, file: SnapshotFile) throws(CheckpointError) -> [UInt8] {
        let bytes = try readFile(path)
        guard bytes.count == file.bytes else {
            throw .corrupt(path: path, message: "\(bytes.count) bytes, the manifest says \(file.bytes)")
        }
        let crc = CRC32C.checksum(bytes)
        guard crc == file.crc32c else {
            throw .corrupt(path: path, message: "checksum mismatch (manifest \(file.crc32c), file \(crc))")
        }
        return bytes
    }

    /// The whole content of a checkpoint file; a missing one is damage.
    static func readFile(_ path: String) throws(CheckpointError) -> [UInt8] {
        do throws(FileSystemError) {
            return try ActiveFileSystem.current.readAll(path)
        } catch {
            throw CheckpointError(error, missingIsDamage: true)
        }
    }
}
