#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a native RocksDB checkpoint captured into a staging directory
/// (beside the store's database, so its SST files are hard links) into
/// the snapshot's directory.
///
/// Files are hard-linked where the file systems allow, copied otherwise,
/// and fsynced. An SST file the store's previous snapshot already had is
/// marked shared (`isNew` false) and not checksummed again (SST files
/// never change); `newBytes` in the handle is what the others add up to.
///
/// # Thread safety
/// Any thread; the phase is under a mutex, so `discard()` may race with
/// `write(to:)`.
final class RocksDBNativeSnapshotWriter: StateSnapshotWriter {
    let staging: String
    let stagedFiles: [(name: String, byteSize: Int)]
    let keyGroups: ClosedRange<Int>
    let descriptors: [StateDescriptor]
    let lineage: RocksDBSnapshotLineage
    /// What was written: the directory, the file names and the lineage generation.
    private let phase = SnapshotWriterPhase<Written>()

    struct Written: Sendable {
        var directory: String
        var files: [String]
        var generation: Int
    }

    init(staging: String, stagedFiles: [(name: String, byteSize: Int)], keyGroups: ClosedRange<Int>,
         descriptors: [StateDescriptor], lineage: RocksDBSnapshotLineage) {
        self.staging = staging
        self.stagedFiles = stagedFiles
        self.keyGroups = keyGroups
        self.descriptors = descriptors
        self.lineage = lineage
    }

    deinit {
        if phase.isCaptured { SnapshotFiles.removeTreeIfPossible(staging) }
    }

    func write(to directory: String) throws(StateError) -> StateSnapshotHandle {
        try phase.beginWrite("for \(directory)")
        var written: [String] = []
        var result: Result<StateSnapshotHandle, StateError>
        do throws(StateError) {
            result = .success(try writeFiles(directory, written: &written))
        } catch {
            result = .failure(error)
        }
        SnapshotFiles.removeTreeIfPossible(staging)
        let handle = try? result.get()
        let generation = handle.map { lineage.record($0) }
        let discarded = phase.endWrite(generation.map { Written(directory: directory, files: written, generation: $0) })
        if discarded || handle == nil {
            if let generation { lineage.forget(generation: generation) }
            for name in written { unlink(directory + "/" + name) }
        }
        if discarded { throw .storage("the state snapshot in \(directory) was discarded while it was written") }
        return try result.get()
    }

    private func writeFiles(_ directory: String, written: inout [String]) throws(StateError) -> StateSnapshotHandle {
        try SnapshotFiles.makeDirectories(directory)
        var files: [StateSnapshotHandle.File] = []
        for staged in stagedFiles {
            if phase.discardRequested { throw .storage("the state snapshot in \(directory) was discarded while it was written") }
            let target = directory + "/" + staged.name
            guard !SnapshotFiles.exists(target) else {
                throw .storage("cannot write the state snapshot file \(target): a file of that name exists "
                    + "(each snapshot needs a directory of its own)")
            }
            try SnapshotFiles.linkOrCopy(staging + "/" + staged.name, to: target)
            written.append(staged.name)
            if RocksDBNativeSnapshot.isSSTFile(staged.name), let known = lineage.file(named: staged.name),
               known.byteSize == staged.byteSize {
                files.append(.init(relativePath: staged.name, byteSize: staged.byteSize, crc32c: known.crc32c,
                                   isNew: false))
                continue
            }
            let (byteSize, crc) = try SnapshotFiles.checksum(target)
            guard byteSize == staged.byteSize else {
                throw .storage("the staged RocksDB checkpoint file \(staging)/\(staged.name) changed size while it "
                    + "was written (\(staged.byteSize) → \(byteSize) bytes)")
            }
            try SnapshotFiles.sync(target)
            files.append(.init(relativePath: staged.name, byteSize: byteSize, crc32c: crc, isNew: true))
        }
        try SnapshotFiles.sync(directory)
        return StateSnapshotHandle(
            format: .native, formatName: RocksDBNativeSnapshot.formatName,
            formatVersion: RocksDBNativeSnapshot.version, backend: "rocksdb", keyGroups: keyGroups, files: files,
            states: descriptors.map(StateSnapshotHandle.State.init), entryCount: nil, timerCount: nil)
    }

    func discard() {
        switch phase.discard() {
        case .captured:
            SnapshotFiles.removeTreeIfPossible(staging)
        case .written(let written):
            lineage.forget(generation: written.generation)
            for name in written.files { unlink(written.directory + "/" + name) }
        case .nothing:
            break
        }
    }
}
