import Logging
import DurableFiles

/// How far a partition is compacted, kept in `<partition>/cleaner-checkpoint`
/// (Kafka keeps the same in `cleaner-offset-checkpoint`), so that the
/// background cleaner can tell the dirty part from the clean one after a
/// restart.
///
/// It is a hint: when the file is missing, stale or unreadable the whole log
/// counts as dirty, and the next pass compacts it all again, which gives the
/// same result. It is written after a pass completes, and lowered when a
/// truncation cuts below it.
///
/// Format: three text lines,
///
///     streamhost cleaner checkpoint v1
///     firstDirtyOffset 4096
///     nextDeleteHorizon 1767225600000     (or "none")
///
/// # Thread safety
/// A value type; reads and writes happen under the partition's lock.
struct CleanerCheckpoint: Equatable {
    static let fileName = "cleaner-checkpoint"
    static let header = "streamhost cleaner checkpoint v1"

    /// Offsets below this one are compacted: the first offset of the first
    /// segment the last pass left alone.
    var firstDirtyOffset: Int64
    /// The earliest delete horizon among the tombstones the last pass kept:
    /// once the clock passes it, a pass can remove tombstones even if
    /// nothing else is dirty.
    var nextDeleteHorizon: Int64?

    static func path(_ directory: String) -> String { directory + "/" + fileName }

    /// The checkpoint in `directory`, or nil when there is none (or it is
    /// unreadable, which is logged).
    static func read(directory: String, partition: TopicPartition, logger: Logger) -> CleanerCheckpoint? {
        let path = path(directory)
        guard ActiveFileSystem.current.exists(path) else { return nil }
        guard let bytes = try? ActiveFileSystem.current.readAll(path) else {
            logger.warning("\(partition): \(path) is unreadable; the whole log counts as not compacted yet")
            return nil
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == 3, lines[0] == header,
              lines[1].hasPrefix("firstDirtyOffset "), let first = Int64(lines[1].dropFirst(17)), first >= 0,
              lines[2].hasPrefix("nextDeleteHorizon ")
        else {
            logger.warning("\(partition): \(path) is not a cleaner checkpoint; the whole log counts as not compacted yet")
            return nil
        }
        let horizonText = lines[2].dropFirst(18)
        guard horizonText == "none" || Int64(horizonText) != nil else {
            logger.warning("\(partition): \(path) is not a cleaner checkpoint; the whole log counts as not compacted yet")
            return nil
        }
        return CleanerCheckpoint(firstDirtyOffset: first, nextDeleteHorizon: Int64(horizonText))
    }

    /// Replaces the file atomically.
    func write(directory: String) throws(FileSystemError) {
        let text = Self.header + "\n" + "firstDirtyOffset \(firstDirtyOffset)\n"
            + "nextDeleteHorizon \(nextDeleteHorizon.map(String.init) ?? "none")\n"
        try ActiveFileSystem.current.writeAtomically(Array(text.utf8), to: Self.path(directory))
    }

    /// Removes the file (so the whole log counts as dirty).
    static func remove(directory: String) throws(FileSystemError) {
        try ActiveFileSystem.current.removeFile(path(directory))
    }
}
