/// Everything that fails reading or writing files, with the path and the
/// system's reason.
enum FileError: Error, CustomStringConvertible, Equatable {
    /// `format` is neither "jsonl" nor "csv".
    case unknownFormat(component: String, format: String)
    /// `delimiter` is not one ASCII character other than a quote or a line
    /// break.
    case badDelimiter(String)
    /// `path` is empty or names a directory.
    case badPath(component: String, path: String)
    /// open(2) failed.
    case cannotOpen(path: String, errno: Int32)
    /// read(2), fstat(2) or lseek(2) failed.
    case cannotRead(path: String, errno: Int32)
    /// A parallel jsonl read splits the file by size, which needs a regular
    /// file (not a pipe).
    case notRegularFile(path: String)
    /// A line or CSV record is longer than `recordBytesMax`.
    case recordTooLong(path: String, offset: Int64, limit: Int)
    /// A CSV quoted field is still open at the end of the file.
    case unterminatedQuote(path: String, line: Int)
    /// Creating or writing the temporary file failed.
    case cannotWrite(path: String, temporaryPath: String, errno: Int32)
    /// fsync, close or rename on close failed; `step` says which.
    case cannotCommit(path: String, step: String, errno: Int32)

    var description: String {
        switch self {
        case .unknownFormat(let component, let format):
            "file \(component): format '\(format)' is not supported: use \"jsonl\" or \"csv\""
        case .badDelimiter(let delimiter):
            "file source: delimiter '\(delimiter)' must be one ASCII character other than '\"', CR and LF"
        case .badPath(let component, let path):
            "file \(component): path '\(path)' must name a file"
        case .cannotOpen(let path, let code):
            "file source: cannot open '\(path)': \(errnoText(code))"
        case .cannotRead(let path, let code):
            "file source: cannot read '\(path)': \(errnoText(code))"
        case .notRegularFile(let path):
            "file source: '\(path)' is not a regular file, so it cannot be split between parallel instances: "
                + "use parallelism 1"
        case .recordTooLong(let path, let offset, let limit):
            "file source: '\(path)': the record at byte \(offset) is longer than \(limit) bytes"
        case .unterminatedQuote(let path, let line):
            "file source: '\(path)': line \(line): quoted field not terminated before the end of the file"
        case .cannotWrite(let path, let temporaryPath, let code):
            "file sink: cannot write '\(path)' (temporary file '\(temporaryPath)'): \(errnoText(code))"
        case .cannotCommit(let path, let step, let code):
            "file sink: cannot complete '\(path)' (\(step)): \(errnoText(code))"
        }
    }
}
