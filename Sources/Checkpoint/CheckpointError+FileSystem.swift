import DurableFiles

extension CheckpointError {
    /// A failed file-system call as a checkpoint error: a file that is not
    /// there where a manifest or a restore expects one is damage (`corrupt`),
    /// anything else an I/O failure that names the call and errno.
    init(_ error: FileSystemError, missingIsDamage: Bool = false) {
        if missingIsDamage && error.errno == .noSuchFileOrDirectory {
            self = .corrupt(path: error.path, message: "the file is missing")
        } else {
            self = .io(path: error.path, message: "\(error.operation) failed: \(error.reason) (errno \(error.code))")
        }
    }
}
