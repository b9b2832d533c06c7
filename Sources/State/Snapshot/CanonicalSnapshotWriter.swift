import Checksums

/// Writes a captured `CanonicalSnapshotSource` as one canonical snapshot
/// file (`CanonicalSnapshotLayout`).
///
/// # Thread safety
/// Any thread; the state machine is under a mutex, so `discard()` may race
/// with `write(to:)`.
final class CanonicalSnapshotWriter: StateSnapshotWriter {
    private let source: any CanonicalSnapshotSource
    /// What was written: the file's path.
    private let phase = SnapshotWriterPhase<String>()

    init(source: any CanonicalSnapshotSource) {
        self.source = source
    }

    deinit {
        // A writer dropped before its write releases the pinned state.
        if phase.isCaptured { source.release() }
    }

    func write(to directory: String) throws(StateError) -> StateSnapshotHandle {
        try phase.beginWrite("for \(directory)")
        let path = directory + "/" + CanonicalSnapshotLayout.fileName
        var result: Result<StateSnapshotHandle, StateError>
        do throws(StateError) {
            try SnapshotFiles.makeDirectories(directory)
            result = .success(try writeFile(path))
        } catch {
            result = .failure(error)
        }
        source.release()
        let succeeded: Bool
        if case .success = result { succeeded = true } else { succeeded = false }
        if phase.endWrite(succeeded ? path : nil) {
            SnapshotFiles.removeTreeIfPossible(path)
            throw .storage("the state snapshot \(path) was discarded while it was written")
        }
        return try result.get()
    }

    private func writeFile(_ path: String) throws(StateError) -> StateSnapshotHandle {
        typealias Layout = CanonicalSnapshotLayout
        let file = try SnapshotOutputFile(path: path)
        do throws(StateError) {
            let keyGroups = source.keyGroups
            let descriptors = source.descriptors
            let header = SnapshotBuffer()
            Layout.headerMagic.withUnsafeBytes { header.append($0) }
            header.append(Layout.version)
            header.append(UInt32(0))
            header.append(UInt32(keyGroups.lowerBound))
            header.append(UInt32(keyGroups.upperBound))
            header.append(UInt32(0))
            header.append(CRC32C.checksum(header.bytes))
            try file.write(header)

            let body = Layout.stateTableBody(descriptors)
            let table = SnapshotBuffer()
            table.append(UInt32(body.count))
            table.append(body.bytes)
            table.append(CRC32C.checksum(table.bytes))
            try file.write(table)

            let index = SnapshotBuffer()
            var blockCount = 0
            var entries = 0
            var timers = 0
            let blockHeader = SnapshotBuffer(capacity: Layout.blockHeaderBytes)
            try source.forEachKeyGroup { (keyGroup, payload, entryCount, timerCount) throws(StateError) in
                try checkNotDiscarded(path)
                precondition(entryCount <= Int(UInt32.max) && timerCount <= Int(UInt32.max),
                             "key group \(keyGroup) has more records than the canonical format's u32 counts")
                let offset = file.byteSize
                blockHeader.removeAll()
                blockHeader.append(UInt32(keyGroup))
                blockHeader.append(UInt32(entryCount))
                blockHeader.append(UInt32(timerCount))
                blockHeader.append(UInt32(0))
                blockHeader.append(UInt64(payload.count))
                var crc = CRC32C.checksum(blockHeader.bytes)
                crc = CRC32C.checksum(payload, seed: crc)
                try file.write(blockHeader)
                try file.write(payload)
                blockHeader.removeAll()
                blockHeader.append(crc)
                try file.write(blockHeader)
                index.append(UInt32(keyGroup))
                index.append(UInt32(entryCount))
                index.append(UInt32(timerCount))
                index.append(UInt32(0))
                index.append(UInt64(offset))
                index.append(UInt64(file.byteSize - offset))
                blockCount += 1
                entries += entryCount
                timers += timerCount
            }
            let indexOffset = file.byteSize
            let indexBytes = SnapshotBuffer()
            indexBytes.append(UInt32(blockCount))
            indexBytes.append(UInt32(0))
            indexBytes.append(index.bytes)
            indexBytes.append(CRC32C.checksum(indexBytes.bytes))
            try file.write(indexBytes)

            let footer = SnapshotBuffer()
            footer.append(UInt64(indexOffset))
            footer.append(UInt64(indexBytes.count))
            Layout.footerMagic.withUnsafeBytes { footer.append($0) }
            footer.append(UInt32(0))
            footer.append(CRC32C.checksum(footer.bytes))
            try file.write(footer)
            let (byteSize, crc) = try file.finish()
            try SnapshotFiles.sync(SnapshotFiles.parentDirectory(path))
            return StateSnapshotHandle(
                format: .canonical, formatName: Layout.formatName, formatVersion: Int(Layout.version),
                backend: source.backendName, keyGroups: keyGroups,
                files: [.init(relativePath: Layout.fileName, byteSize: byteSize, crc32c: crc, isNew: true)],
                states: descriptors.map(StateSnapshotHandle.State.init), entryCount: entries, timerCount: timers)
        } catch {
            file.abandon()
            throw error
        }
    }

    private func checkNotDiscarded(_ path: String) throws(StateError) {
        if phase.discardRequested { throw .storage("the state snapshot \(path) was discarded while it was written") }
    }

    func discard() {
        switch phase.discard() {
        case .captured:
            source.release()
        case .written(let path):
            SnapshotFiles.removeTreeIfPossible(path)
            try? SnapshotFiles.sync(SnapshotFiles.parentDirectory(path))
        case .nothing:
            break
        }
    }
}
