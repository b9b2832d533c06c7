import Synchronization
import DurableFiles

/// Hands out producer ids for a data directory, never the same one twice,
/// even across restarts: for idempotent producers (Kafka's InitProducerId
/// without a transactional id) and for the `TransactionCoordinator`'s
/// transactional ids alike.
///
/// Ids are reserved in blocks of `blockSize` (as Kafka's controller hands
/// out blocks of 1000): the end of the reserved block is stored in
/// `<data>/producer-ids`, written atomically and fsynced before any id of
/// the block is handed out. After a restart allocation resumes at the
/// stored end, so ids of a block not used up are skipped, never reused.
///
/// # Thread safety
/// Safe to use from any thread.
public final class ProducerIdAllocator: Sendable {
    static let fileName = "producer-ids"
    static let header = "streamhost producer ids v1"
    /// How many ids one fsynced write reserves.
    public static let blockSize: Int64 = 1_000

    public let path: String
    private let state: Mutex<(next: Int64, blockEnd: Int64)>

    /// Reads the reserved block's end in `directory` (none: start at 0).
    /// An unreadable file throws: guessing could reuse an id.
    init(directory: String) throws(LogError) {
        path = directory + "/" + Self.fileName
        var end: Int64 = 0
        if ActiveFileSystem.current.exists(path) {
            let bytes: [UInt8]
            do {
                bytes = try ActiveFileSystem.current.readAll(path)
            } catch {
                throw LogError(error, "the producer ids cannot be allocated, so the data directory was not opened")
            }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            guard lines.count == 2, lines[0] == Self.header, lines[1].hasPrefix("reserved-until "),
                  let value = Int64(lines[1].dropFirst(15)), value >= 0
            else {
                throw .corruptMetadata(
                    path: path,
                    detail: "it is not a producer id reservation ('\(Self.header)' then 'reserved-until N'); if it "
                        + "was damaged, write a value above every producer id ever used (the largest in "
                        + "`streamhost topics describe` output, plus \(Self.blockSize))")
            }
            end = value
        }
        state = Mutex((next: end, blockEnd: end))
    }

    /// Makes every id handed out from now on at least `floor` (ids the
    /// transaction registry records, from before this file existed).
    func raiseFloor(_ floor: Int64) {
        state.withLock { $0.next = max($0.next, floor) }
    }

    /// A producer id never handed out before in this data directory.
    public func allocate() throws(LogError) -> Int64 {
        try state.withLock { (state) throws(LogError) -> Int64 in
            if state.next >= state.blockEnd {
                let end = state.next + Self.blockSize
                do throws(FileSystemError) {
                    try ActiveFileSystem.current.writeAtomically(
                        Array("\(Self.header)\nreserved-until \(end)\n".utf8), to: path)
                } catch {
                    throw LogError(error, "no producer id was allocated")
                }
                state.blockEnd = end
            }
            defer { state.next += 1 }
            return state.next
        }
    }
}
