#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KafkaClient
import Log

extension Consume {
    /// How long a following read waits on the server for new records (a
    /// Fetch long poll) before it looks at the stop flag again.
    static let followWaitMs: Int32 = 500

    /// `consume` through a running `streamhost serve`: ListOffsets for the
    /// start and stop offsets, Fetch for the records (a long poll with
    /// --follow), the same printing as the direct path.
    func consumeThroughServer(_ client: KafkaClient, startTime: Int64?, readCommitted: Bool) throws {
        let metadata = try serverTopic(client, topic)
        let numbers: [Int]
        if let partition {
            guard partition >= 0 && partition < metadata.partitionCount else {
                writeStderr("error: \(topic) has partitions 0..<\(metadata.partitionCount), not \(partition)\n")
                throw ExitCode(1)
            }
            numbers = [partition]
        } else {
            numbers = Array(0..<metadata.partitionCount)
        }
        let ends = try client.listOffsets(
            topic: topic, partitions: numbers, timestamp: KafkaClient.latest, readCommitted: readCommitted)
        var positions: [Int64]
        if let offset {
            // The direct path's check and message, on the server's offsets.
            let starts = try client.listOffsets(
                topic: topic, partitions: numbers, timestamp: KafkaClient.earliest, readCommitted: false)
            let latest = try client.listOffsets(
                topic: topic, partitions: numbers, timestamp: KafkaClient.latest, readCommitted: false)
            for number in numbers {
                let (start, end) = (starts[number] ?? 0, latest[number] ?? 0)
                guard offset >= start && offset <= end else {
                    let partition = TopicPartition(topic: topic, partition: number)
                    writeStderr("error: \(LogError.offsetOutOfRange(partition, requested: offset, start: start, end: end))\n")
                    throw ExitCode(1)
                }
            }
            positions = numbers.map { _ in offset }
        } else if let startTime {
            let found = try client.listOffsets(topic: topic, partitions: numbers, timestamp: startTime, readCommitted: readCommitted)
            positions = numbers.map { found[$0].flatMap { $0 >= 0 ? $0 : nil } ?? ends[$0] ?? 0 }
        } else if fromBeginning {
            let starts = try client.listOffsets(
                topic: topic, partitions: numbers, timestamp: KafkaClient.earliest, readCommitted: readCommitted)
            positions = numbers.map { starts[$0] ?? 0 }
        } else {
            positions = numbers.map { ends[$0] ?? 0 }
        }
        if let group {
            // The group's commits win where it has some, as on the direct path.
            let committed = try client.committedOffsets(group: group, topic: topic, partitions: numbers)
            for entry in committed {
                if let index = numbers.firstIndex(of: entry.partition) { positions[index] = entry.offset }
            }
        }
        let stops = numbers.map { ends[$0] ?? 0 }

        let stop = StopSignals()

        var output = OutputBuffer()
        var printed = 0
        let progress = ProgressLine("consume \(topic)")
        defer { progress.finish() }
        let limit = max ?? Int.max
        func commit() throws {
            guard let group else { return }
            try client.commitOffsets(group: group, topic: topic, offsets: numbers.indices.map { (numbers[$0], positions[$0]) })
        }
        try Self.readThenCommit(read: readLoop, flush: { output.flush() }, commit: commit)

        func readLoop() throws {
        reading: while printed < limit && !stop.requested {
            let wanted = numbers.indices.filter { follow || positions[$0] < stops[$0] }
            guard !wanted.isEmpty else { break }
            let answers = try client.fetch(
                topic: topic, offsets: wanted.map { (numbers[$0], positions[$0]) },
                maxWaitMs: follow ? Self.followWaitMs : 0, readCommitted: readCommitted)
            var progressed = false
            for answer in answers {
                guard let index = numbers.firstIndex(of: answer.partition) else { continue }
                let (records, next) = try Self.visibleRecords(answer, topic: topic)
                for record in records where record.offset >= positions[index] {
                    if !follow && record.offset >= stops[index] { break }
                    print(record, partition: answer.partition, into: &output)
                    positions[index] = record.offset + 1
                    printed += 1
                    if printed >= limit { break reading }
                }
                progress.add(records.count)
                if next > positions[index] {
                    positions[index] = follow ? next : Swift.min(next, stops[index])
                    progressed = true
                }
            }
            if !progressed {
                // Nothing more below the stop offsets (or, following, nothing
                // new within the long poll).
                if !follow { break }
                output.flush()
            }
        }
        }
    }

    /// The records of a Fetch answer a reader hands on, and the offset after
    /// its last batch. Control batches are skipped; with read committed, so
    /// are the batches of the aborted transactions the answer lists (from
    /// each one's first offset up to its producer's next marker, as Kafka's
    /// consumer does).
    static func visibleRecords(
        _ answer: KafkaClient.FetchedPartition, topic: String
    ) throws -> (records: [DecodedRecord], next: Int64) {
        var pending = answer.abortedTransactions.sorted { $0.firstOffset < $1.firstOffset }
        var aborting: Set<Int64> = []
        var records: [DecodedRecord] = []
        var next: Int64 = -1
        try answer.records.withUnsafeBytes { raw in
            var position = 0
            while position < raw.count {
                // A partial batch at the end (the size bound cut it) is read
                // again by the next Fetch.
                guard let header = try? RecordBatchHeader.parse(UnsafeRawBufferPointer(rebasing: raw[position...])),
                      position + header.totalSize <= raw.count
                else { break }
                let range = position ..< position + header.totalSize
                position = range.upperBound
                next = header.nextOffset
                while let first = pending.first, first.firstOffset <= header.lastOffset {
                    aborting.insert(first.producerId)
                    pending.removeFirst()
                }
                if header.isControl {
                    aborting.remove(header.producerId)
                    continue
                }
                if header.isTransactional && aborting.contains(header.producerId) { continue }
                do {
                    records += try RecordBatchV2.decode(batchesIn: UnsafeRawBufferPointer(rebasing: raw[range]))
                } catch {
                    writeStderr("error: \(topic) partition \(answer.partition): the batch at offset \(header.baseOffset) "
                        + "from the server cannot be read: \(error)\n")
                    throw ExitCode(1)
                }
            }
        }
        return (records, next)
    }
}
