#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A snapshot file opened for reading at offsets, checked against the size
/// its handle records: every failure is a `StateError.snapshot` naming the
/// file and the offset.
///
/// # Ownership
/// Owns the file descriptor (closed on deinit).
final class SnapshotInputFile {
    let path: String
    let byteSize: Int
    private let descriptor: Int32

    /// Opens `path`, which must be a regular file of `expectedBytes` bytes.
    init(path: String, expectedBytes: Int) throws(StateError) {
        // Checked before the stored properties are set: a throwing init
        // that had set them all would also run deinit, closing twice.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "the file is missing" : "cannot open it: \(SnapshotFiles.systemError())"
            throw .snapshot(path: path, offset: nil, problem: reason)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = SnapshotFiles.systemError()
            close(descriptor)
            throw .snapshot(path: path, offset: nil, problem: "cannot stat it: \(reason)")
        }
        let byteSize = Int(status.st_size)
        guard byteSize == expectedBytes else {
            close(descriptor)
            throw .snapshot(path: path, offset: nil,
                            problem: "the file has \(byteSize) bytes, its snapshot handle says \(expectedBytes) "
                                + "(truncated, or replaced by another file)")
        }
        self.path = path
        self.byteSize = byteSize
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes at `offset`.
    func read(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws(StateError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= byteSize else {
            throw .snapshot(path: path, offset: offset,
                            problem: "\(what()) of \(count) bytes would end past the end of the file (\(byteSize) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: String?
        bytes.withUnsafeMutableBytes { raw in
            while done < count {
                let got = pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = SnapshotFiles.systemError()
                    return
                }
                if got == 0 {
                    failure = "the file ended early"
                    return
                }
                done += got
            }
        }
        if let failure {
            throw .snapshot(path: path, offset: offset + done, problem: "cannot read \(what()): \(failure)")
        }
        return bytes
    }
}
