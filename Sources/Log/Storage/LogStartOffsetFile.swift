import Logging
import DurableFiles

/// A partition's log start offset when DeleteRecords moved it above its
/// first segment's base offset, kept in `<partition>/log-start-offset` (Kafka
/// keeps the same in its data directory's `log-start-offset-checkpoint`;
/// one file per partition here, written under the partition's lock alone
/// and removed with the partition's directory).
///
/// Format (`ChecksummedText`):
///
///     streamhost log start offset v1
///     start 4096
///     crc32c 1a2b3c4d
///
/// # Thread safety
/// Reads and writes happen under the partition's lock.
enum LogStartOffsetFile {
    static let fileName = "log-start-offset"
    static let header = "streamhost log start offset v1"

    static func path(_ directory: String) -> String { directory + "/" + fileName }

    /// The stored start offset; 0 when there is none. A damaged file is
    /// reported and ignored (the start falls back to the first segment's
    /// base offset, as Kafka does with a damaged checkpoint).
    static func read(directory: String, partition: TopicPartition, logger: Logger) -> Int64 {
        let path = path(directory)
        guard ActiveFileSystem.current.exists(path) else { return 0 }
        let problem: String
        do {
            switch ChecksummedText.decode(try ActiveFileSystem.current.readAll(path)) {
            case let .success(lines):
                if lines.count == 2, lines[0] == header, lines[1].hasPrefix("start "),
                   let start = Int64(lines[1].dropFirst(6)), start >= 0 {
                    return start
                }
                problem = "it is not a log start offset"
            case let .failure(failure):
                problem = failure.reason
            }
        } catch {
            problem = "it cannot be read: \(FileSystemError.text(error.code))"
        }
        logger.warning(.init(stringLiteral:
            "\(partition): \(path) is not usable (\(problem)); the log starts at its first segment, so records "
                + "deleted with DeleteRecords but still in that segment are readable again until retention removes them"))
        return 0
    }

    /// Replaces the file atomically (fsynced).
    static func write(_ start: Int64, directory: String) throws(FileSystemError) {
        try ActiveFileSystem.current.writeAtomically(ChecksummedText.encode([header, "start \(start)"]), to: path(directory))
    }
}
