import Checksums
import DurableFiles

/// The file-system steps of writing and restoring snapshots, on the
/// durable-file layer, each failing with a `StateError` that names the path
/// and the system's reason.
enum SnapshotFiles {
    /// Bytes read or copied per system call.
    static let chunkBytes = 1 << 20

    /// `mkdir -p` of a snapshot directory, its new parents fsynced.
    static func makeDirectories(_ path: String, purpose: String = "the state snapshot directory") throws(StateError) {
        let files = ActiveFileSystem.current
        if let status = files.status(atPath: path, followingLinks: true), status.kind != .directory {
            throw .storage("cannot use \(purpose) \(path): it exists and is not a directory")
        }
        do throws(FileSystemError) {
            try files.makeDirectories(path, durably: true)
        } catch {
            throw .storage("cannot create \(purpose) \(path): \(error)")
        }
    }

    /// The directory part of `path`.
    static func parentDirectory(_ path: String) -> String { Paths.parent(of: path) }

    /// Whether anything (a dangling link included) is at `path`.
    static func exists(_ path: String) -> Bool {
        ActiveFileSystem.current.status(atPath: path, followingLinks: false) != nil
    }

    /// The size of a regular file, or nil if there is none at `path`.
    static func size(_ path: String) -> Int? { ActiveFileSystem.current.regularFileSize(path) }

    /// The regular files directly in `directory`, with their sizes, by name.
    static func listFiles(_ directory: String) throws(StateError) -> [(name: String, byteSize: Int)] {
        let files = ActiveFileSystem.current
        do throws(FileSystemError) {
            return try files.sortedNames(in: directory).compactMap { name in
                files.regularFileSize(directory + "/" + name).map { (name, $0) }
            }
        } catch {
            throw .storage("cannot list the state snapshot directory \(directory): \(error.reason)")
        }
    }

    /// Removes `path` and, if it is a directory, everything in it; a
    /// missing path is not an error. Best effort, said here once for the
    /// snapshot code: it cleans up staging and temporary copies, whose
    /// leftovers the next attempt removes again.
    static func removeTreeIfPossible(_ path: String) {
        try? ActiveFileSystem.current.removeTree(path)
    }

    /// fsyncs a file or a directory (a directory's fsync makes the names in
    /// it durable).
    static func sync(_ path: String) throws(StateError) {
        do throws(FileSystemError) {
            let file = try DurableFile.open(path, .readOnly)
            try file.sync()
        } catch {
            throw .storage("cannot fsync \(path): \(error)")
        }
    }

    /// The size and CRC-32C of a whole file.
    static func checksum(_ path: String) throws(StateError) -> (byteSize: Int, crc32c: UInt32) {
        var crc: UInt32 = 0
        do throws(FileSystemError) {
            let total = try ActiveFileSystem.current.readChunks(path, chunkBytes: chunkBytes) {
                crc = CRC32C.checksum($0, seed: crc)
            }
            return (total, crc)
        } catch {
            throw .storage("cannot checksum \(path): \(error)")
        }
    }

    /// Hard-links `source` to `target`, or copies it where a link is not
    /// possible (another file system). Copies are fsynced; a link shares
    /// an inode whose data is already durable or is fsynced by the caller.
    /// Returns true when it linked.
    @discardableResult
    static func linkOrCopy(_ source: String, to target: String) throws(StateError) -> Bool {
        do throws(FileSystemError) {
            try ActiveFileSystem.current.link(source, to: target)
            return true
        } catch {
            switch error.errno {
            case .improperLink, .notPermitted, .tooManyLinks, .notSupported, .permissionDenied:
                try copy(source, to: target)
                return false
            default:
                throw .storage("cannot link \(source) to \(target): \(error.reason)")
            }
        }
    }

    /// Copies a file (which must not exist at `target`) and fsyncs the copy.
    static func copy(_ source: String, to target: String) throws(StateError) {
        let output = try SnapshotOutputFile(path: target)
        var failure: StateError?
        do throws(FileSystemError) {
            try ActiveFileSystem.current.readChunks(source, chunkBytes: chunkBytes) { chunk in
                guard failure == nil else { return }
                do throws(StateError) { try output.write(chunk) } catch { failure = error }
            }
        } catch {
            failure = .storage("cannot read \(source) to copy it to \(target): \(error)")
        }
        do throws(StateError) {
            if let failure { throw failure }
            _ = try output.finish()
        } catch {
            output.abandon()
            throw error
        }
    }
}
