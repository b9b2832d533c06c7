import DurableFiles

/// A snapshot file opened for reading at offsets, checked against the size
/// its handle records: every failure is a `StateError.snapshot` naming the
/// file and the offset.
///
/// # Ownership
/// Owns the open file (closed on deinit).
final class SnapshotInputFile {
    let path: String
    let byteSize: Int
    private let file: DurableFile

    /// Opens `path`, which must be a regular file of `expectedBytes` bytes.
    init(path: String, expectedBytes: Int) throws(StateError) {
        let file: DurableFile
        let byteSize: Int
        do throws(FileSystemError) {
            file = try DurableFile.open(path, .readOnly)
            byteSize = try file.size()
        } catch {
            let reason = error.errno == .noSuchFileOrDirectory
                ? "the file is missing" : "cannot \(error.operation) it: \(error.reason)"
            throw .snapshot(path: path, offset: nil, problem: reason)
        }
        guard byteSize == expectedBytes else {
            throw .snapshot(path: path, offset: nil,
                            problem: "the file has \(byteSize) bytes, its snapshot handle says \(expectedBytes) "
                                + "(truncated, or replaced by another file)")
        }
        self.path = path
        self.byteSize = byteSize
        self.file = file
    }

    /// Reads exactly `count` bytes at `offset`.
    func read(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws(StateError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= byteSize else {
            throw .snapshot(path: path, offset: offset,
                            problem: "\(what()) of \(count) bytes would end past the end of the file (\(byteSize) bytes)")
        }
        let bytes: [UInt8]
        do throws(FileSystemError) {
            bytes = try file.read(count: count, at: offset)
        } catch {
            throw .snapshot(path: path, offset: offset, problem: "cannot read \(what()): \(error.reason)")
        }
        if bytes.count < count {
            throw .snapshot(path: path, offset: offset + bytes.count,
                            problem: "cannot read \(what()): the file ended early")
        }
        return bytes
    }
}
