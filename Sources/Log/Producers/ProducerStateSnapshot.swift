import Logging
import DurableFiles

/// A partition's idempotent-producer state as of an offset, kept in
/// `<partition>/producer-state` (Kafka keeps the same in `.snapshot`
/// files), so that opening a partition reads the batches after that
/// offset only, and so that the state of producers whose batches
/// retention, DeleteRecords or compaction removed survives.
///
/// The file exists from before the first batch with a producer id is
/// appended, so a partition without it never had one and opening skips the
/// scan. It is rewritten (atomically) when a segment rolls and when the
/// partition closes.
///
/// Format: text lines, the last a CRC-32C of all before it:
///
///     streamhost producer state v1
///     offset 4096
///     lost 0
///     producer 17 0 1767225600000 0:9:4000:4009 10:19:4010:4019
///     crc32c 1a2b3c4d
///
/// `producer` lines hold the id, epoch, last timestamp and the remembered
/// batches as firstSequence:lastSequence:firstOffset:lastOffset.
///
/// # Thread safety
/// A value type; reads and writes happen under the partition's lock.
struct ProducerStateSnapshot: Equatable {
    static let fileName = "producer-state"
    static let header = "streamhost producer state v1"

    /// The state accounts for every batch below this offset.
    var offset: Int64
    var table: ProducerStateTable

    static func path(_ directory: String) -> String { directory + "/" + fileName }

    static func exists(directory: String) -> Bool { ActiveFileSystem.current.exists(path(directory)) }

    func encode() -> [UInt8] {
        var lines = [Self.header, "offset \(offset)", "lost \(table.mayHaveLostState ? 1 : 0)"]
        for (id, entry) in table.entries.sorted(by: { $0.key < $1.key }) {
            lines.append((["producer \(id) \(entry.producerEpoch) \(entry.lastTimestamp)"] + entry.batches.map {
                "\($0.firstSequence):\($0.lastSequence):\($0.firstOffset):\($0.lastOffset)"
            }).joined(separator: " "))
        }
        return ChecksummedText.encode(lines)
    }

    /// The snapshot in `bytes`; the reason when it is not one.
    static func decode(_ bytes: [UInt8]) -> Result<ProducerStateSnapshot, ChecksummedText.Problem> {
        let lines: [String]
        switch ChecksummedText.decode(bytes) {
        case let .success(found): lines = found
        case let .failure(problem): return .failure(problem)
        }
        guard lines.count >= 3, lines[0] == header, lines[1].hasPrefix("offset "), let offset = Int64(lines[1].dropFirst(7)),
              lines[2] == "lost 0" || lines[2] == "lost 1"
        else { return .failure(.init("its header lines are not those of a producer state")) }
        var table = ProducerStateTable()
        table.mayHaveLostState = lines[2] == "lost 1"
        var entries: [Int64: ProducerStateTable.Entry] = [:]
        for line in lines[3...] {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields.count <= 4 + ProducerStateTable.batchesPerProducer, fields[0] == "producer",
                  let id = Int64(fields[1]), let epoch = Int16(fields[2]), let timestamp = Int64(fields[3])
            else { return .failure(.init("line '\(line.prefix(80))' is not a producer")) }
            var batches: [ProducerStateTable.Batch] = []
            for field in fields[4...] {
                let parts = field.split(separator: ":")
                guard parts.count == 4, let first = Int32(parts[0]), let last = Int32(parts[1]),
                      let firstOffset = Int64(parts[2]), let lastOffset = Int64(parts[3])
                else { return .failure(.init("batch '\(field.prefix(80))' of producer \(id) is unreadable")) }
                batches.append(.init(firstSequence: first, lastSequence: last, firstOffset: firstOffset, lastOffset: lastOffset))
            }
            entries[id] = .init(producerEpoch: epoch, batches: batches, lastTimestamp: timestamp)
        }
        table.restore(entries)
        return .success(ProducerStateSnapshot(offset: offset, table: table))
    }

    /// Replaces the file atomically.
    func write(directory: String) throws(FileSystemError) {
        try ActiveFileSystem.current.writeAtomically(encode(), to: Self.path(directory))
    }

    /// The snapshot in `directory`: nil when there is none; `.failure` when
    /// it is unreadable (the caller rebuilds the state from the log).
    static func read(directory: String) -> Result<ProducerStateSnapshot, ChecksummedText.Problem>? {
        let path = path(directory)
        guard ActiveFileSystem.current.exists(path) else { return nil }
        do {
            return decode(try ActiveFileSystem.current.readAll(path))
        } catch {
            return .failure(.init("it cannot be read: \(FileSystemError.text(error.code))"))
        }
    }
}
