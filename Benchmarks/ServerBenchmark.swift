#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Core
import KafkaProtocol
import Log
import Logging
import Server

/// Benchmark 12 (`--only server`): the Kafka protocol against the log it
/// serves, in the same run, cases interleaved.
///
/// An in-process `KafkaServer` (SwiftNIO, one event loop per core as
/// `streamhost serve` runs it; the one connection uses one) listens on 127.0.0.1 with an ephemeral port;
/// the benchmark talks to it through one blocking loopback TCP socket, so
/// the protocol figures include the kernel's socket path, NIO, request
/// decoding, the Produce/Fetch handlers and response encoding, plus this
/// client's framing (requests are encoded before the timed part; each
/// response is decoded and its error code checked inside it).
///
/// - `server.produce.*`: Produce v7, acks=1, one pre-encoded batch of about
///   16 KB per request (the same batches as `log.append.*`), up to
///   `produceInFlight` requests in flight on the connection; into a fresh
///   topic with `flush.mode` never or every-append, created untimed before
///   each repetition and deleted after it.
/// - `log.append.*` here: `PartitionLog.append` of the same batches into a
///   fresh topic of the same server's data directory, same flush mode.
/// - `server.fetch.sequential`: Fetch v11 requests (MaxWaitMs 0, 1 MiB per
///   partition and per response), one at a time, from offset 0 to the end
///   of a partition written just before; each response is decoded and the
///   next offset taken from its last batch's header.
/// - `log.read.sequential` here: `PartitionLog.read(from:maxBytes: 1 MiB)`
///   over the same partition.
struct ServerBenchmark {
    let environment: BenchmarkEnvironment
    /// Bytes one never-flush produce or append repetition writes.
    let appendBytes: Int
    /// Bytes one every-append repetition writes (an fsync per batch).
    let fsyncAppendBytes: Int
    /// Bytes of the partition the fetch cases read.
    let readBytes: Int
    /// Produce requests a client keeps in flight (the Java producer's
    /// `max.in.flight.requests.per.connection` default).
    let produceInFlight = 5
    let readBytesMax = 1 << 20

    var workspace: String { environment.scratchDirectory + "/server" }

    /// The in-process server and the loop that runs it.
    final class RunningServer: @unchecked Sendable {
        let data: DataDirectory
        let server: KafkaServer
        let port: Int
        private let done = DispatchSemaphore(value: 0)

        init(path: String) throws {
            var logger = Logger(label: "streamhost-bench.server")
            logger.logLevel = .error
            data = try DataDirectory.open(path: path, logger: logger)
            var config = ServerConfig()
            config.listenPort = 0
            config.autoCreateTopics = false
            let broker = try Broker(data: data, config: config, logger: logger)
            let server = KafkaServer(broker: broker, logger: logger)
            self.server = server
            let bound = BindResult()
            let ready = DispatchSemaphore(value: 0)
            let done = self.done
            Task.detached {
                do {
                    let port = try await server.bind()
                    bound.value = .success(port)
                    ready.signal()
                    try await server.run()
                } catch {
                    if bound.value == nil { bound.value = .failure(error) }
                    ready.signal()
                }
                done.signal()
            }
            ready.wait()
            port = try bound.value!.get()
        }

        /// Written by the server task before it signals `ready`, read after
        /// the wait: the semaphore orders the two.
        final class BindResult: @unchecked Sendable {
            var value: Result<Int, any Error>?
        }

        func stop() throws {
            server.shutDown()
            done.wait()
            try data.close()
        }
    }

    /// A blocking loopback connection that writes request frames and reads
    /// response frames.
    final class Connection {
        let descriptor: Int32
        private var buffer = [UInt8](repeating: 0, count: 4 << 20)
        private var start = 0
        private var end = 0

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw BenchmarkError(description: "socket: \(String(cString: strerror(errno)))") }
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard status == 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw BenchmarkError(description: "connect to 127.0.0.1:\(port): \(reason)")
            }
        }

        deinit { close(descriptor) }

        func write(_ frame: [UInt8]) throws {
            var sent = 0
            while sent < frame.count {
                let count = frame.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, frame.count - sent, 0) }
                guard count > 0 else {
                    throw BenchmarkError(description: "send to the server: \(String(cString: strerror(errno)))")
                }
                sent += count
            }
        }

        /// The next response frame, without its size prefix.
        func readFrame() throws -> [UInt8] {
            try fill(4)
            let size = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            precondition(size + 4 <= buffer.count, "response of \(size) bytes exceeds the client buffer")
            try fill(4 + size)
            let frame = Array(buffer[(start + 4)..<(start + 4 + size)])
            start += 4 + size
            return frame
        }

        private func fill(_ count: Int) throws {
            if end - start >= count { return }
            if start + count > buffer.count {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            while end - start < count {
                let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + end, $0.count - end, 0) }
                guard received > 0 else {
                    throw BenchmarkError(description: "the server closed the connection or failed: "
                        + (received == 0 ? "end of stream" : String(cString: strerror(errno))))
                }
                end += received
            }
        }
    }

    private static func produceFrame(topic: String, batch: [UInt8], correlationId: Int32) -> [UInt8] {
        Request(
            header: RequestHeader(apiKey: ApiKey.produce.rawValue, apiVersion: 7, correlationId: correlationId,
                                  clientId: "streamhost-bench"),
            api: .produce,
            body: ProtocolStruct([
                "TransactionalId": .null, "Acks": .int(1), "TimeoutMs": .int(30_000),
                "TopicData": .array([.structure(ProtocolStruct([
                    "Name": .string(topic),
                    "PartitionData": .array([.structure(ProtocolStruct(["Index": .int(0), "Records": .bytes(batch[...])]))]),
                ]))]),
            ])
        ).encodeFrame()
    }

    private static func fetchFrame(topic: String, offset: Int64, maxBytes: Int) -> [UInt8] {
        Request(
            header: RequestHeader(apiKey: ApiKey.fetch.rawValue, apiVersion: 11, correlationId: 1, clientId: "streamhost-bench"),
            api: .fetch,
            body: ProtocolStruct([
                "ReplicaId": .int(-1), "MaxWaitMs": .int(0), "MinBytes": .int(1), "MaxBytes": .int(Int64(maxBytes)),
                "IsolationLevel": .int(0), "SessionId": .int(0), "SessionEpoch": .int(-1),
                "Topics": .array([.structure(ProtocolStruct([
                    "Topic": .string(topic),
                    "Partitions": .array([.structure(ProtocolStruct([
                        "Partition": .int(0), "FetchOffset": .int(offset), "PartitionMaxBytes": .int(Int64(maxBytes)),
                        "LogStartOffset": .int(-1), "CurrentLeaderEpoch": .int(-1),
                    ]))]),
                ]))]),
                "ForgottenTopicsData": .array([]), "RackId": .string(""),
            ])
        ).encodeFrame()
    }

    /// The partition answer of a one-partition Produce or Fetch response.
    private static func partitionAnswer(_ frame: [UInt8], api: ApiKey, version: Int16) throws -> ProtocolStruct {
        let response = try Response.decode(frame: frame, api: api, version: version)
        let name = api == .produce ? "PartitionResponses" : "Partitions"
        guard let answer = response.body.structs("Responses").first?.structs(name).first else {
            throw BenchmarkError(description: "\(api) response without a partition answer")
        }
        let code = answer.int("ErrorCode", or: -1)
        guard code == 0 else { throw BenchmarkError(description: "\(api) answered error code \(code)") }
        return answer
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 12: the Kafka protocol against the log ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        try? FileManager.default.removeItem(atPath: workspace)
        let log = LogBenchmark(environment: environment, appendBytes: appendBytes, catchUpBytes: readBytes)
        let server = try RunningServer(path: workspace + "/data")
        var serverStopped = false
        defer { if !serverStopped { try? server.stop() } }
        let connection = try Connection(port: server.port)
        print("server        in-process KafkaServer (one event loop per core; the connection uses one) on 127.0.0.1:\(server.port); "
            + "one blocking loopback TCP client connection")
        print("units         MB = 10^6 bytes, MiB = 2^20 bytes")
        print("")

        let pools = [try log.makePool(valueSize: 100), try log.makePool(valueSize: 1000)]
        var cases: [LogBenchmark.ByteCase] = []
        var baselines: [String: String] = [:]
        var repetition = 0
        let modes: [(name: String, bytes: Int)] = [("never", appendBytes), ("every-append", fsyncAppendBytes)]
        for mode in modes {
            let config = try TopicConfig(["flush.mode": mode.name])
            for pool in pools {
                let batchCount = (mode.bytes + pool.batchBytes - 1) / pool.batchBytes
                let bytes = batchCount * pool.batchBytes
                let records = batchCount * pool.recordsPerBatch
                let describe = "\(Format.grouped(batchCount)) pre-encoded batches of \(Format.grouped(pool.batchBytes)) "
                    + "bytes (\(pool.recordsPerBatch) records of \(pool.valueSize)-byte values, null keys, "
                    + "\(pool.batches.count) distinct batches round-robin) into a fresh topic, flush.mode=\(mode.name)"
                let directName = "log.append.\(pool.valueSize)B.\(mode.name)"
                let protocolName = "server.produce.\(pool.valueSize)B.\(mode.name)"
                baselines[protocolName] = directName
                let data = server.data
                cases.append(LogBenchmark.ByteCase(benchmark: BenchmarkCase(
                    name: directName, input: "PartitionLog.append of " + describe, records: records, calls: batchCount
                ) {
                    repetition += 1
                    let topic = "direct-\(repetition)"
                    Glibc.sync()
                    let partition = try data.createTopic(name: topic, partitions: 1, config: config).partition(0)
                    let sample = try Sample.measure {
                        for index in 0..<batchCount { try partition.append(&pool.batches[index % pool.batches.count]) }
                    }
                    let end = partition.endOffset
                    try data.deleteTopic(named: topic)
                    guard end == Int64(records) else {
                        throw BenchmarkError(description: "\(directName): \(end) records appended, expected \(records)")
                    }
                    return sample
                }, bytes: bytes))
                let inFlight = produceInFlight
                cases.append(LogBenchmark.ByteCase(benchmark: BenchmarkCase(
                    name: protocolName,
                    input: "Produce v7 acks=1 over loopback TCP, one batch per request, \(inFlight) requests in flight: "
                        + describe, records: records, calls: batchCount
                ) {
                    repetition += 1
                    let topic = "produce-\(repetition)"
                    Glibc.sync()
                    let partition = try data.createTopic(name: topic, partitions: 1, config: config).partition(0)
                    let frames = pool.batches.enumerated().map {
                        Self.produceFrame(topic: topic, batch: $0.element, correlationId: Int32($0.offset))
                    }
                    let sample = try Sample.measure {
                        var sent = 0
                        var answered = 0
                        while answered < batchCount {
                            while sent < batchCount && sent - answered < inFlight {
                                try connection.write(frames[sent % frames.count])
                                sent += 1
                            }
                            _ = try Self.partitionAnswer(try connection.readFrame(), api: .produce, version: 7)
                            answered += 1
                        }
                    }
                    let end = partition.endOffset
                    try data.deleteTopic(named: topic)
                    guard end == Int64(records) else {
                        throw BenchmarkError(description: "\(protocolName): \(end) records produced, expected \(records)")
                    }
                    return sample
                }, bytes: bytes))
            }
        }
        let measurements = try measureInterleaved(cases.map(\.benchmark), repetitions: options.repetitions,
                                                  warmups: options.warmups)
        let rows = zip(measurements, cases.map(\.bytes)).map { ($0, $1) }
        for (m, bytes) in rows { log.block(m, bytes: bytes, report: report) }
        log.printDerived(rows, baselines: baselines, report: report)
        log.table(rows, baselines: baselines, byName: Dictionary(uniqueKeysWithValues: rows.map { ($0.0.benchmark.name, $0) }))
        print("load average  \(Machine.loadAverage()) (after produce)")
        print("")

        // Fetch: one partition of 100-byte records, read both ways.
        let pool = pools[0]
        let readTopic = "read"
        let readPartition = try server.data.createTopic(
            name: readTopic, partitions: 1, config: try TopicConfig(["flush.mode": "never"])).partition(0)
        let batchCount = (readBytes + pool.batchBytes - 1) / pool.batchBytes
        for index in 0..<batchCount { try readPartition.append(&pool.batches[index % pool.batches.count]) }
        let bytes = batchCount * pool.batchBytes
        let records = batchCount * pool.recordsPerBatch
        let end = readPartition.endOffset
        let readBytesMax = readBytesMax
        let describe = "from offset 0 to the end of a partition of \(Format.grouped(bytes)) bytes "
            + "(\(Format.grouped(records)) records of 100-byte values in \(pool.batchBytes)-byte batches), written just before"
        let reads = [
            LogBenchmark.ByteCase(benchmark: BenchmarkCase(
                name: "log.read.sequential", input: "PartitionLog.read(from:maxBytes: 1 MiB) " + describe,
                records: records, calls: nil
            ) {
                var read = 0
                let sample = try Sample.measure {
                    var offset: Int64 = 0
                    while offset < end {
                        let slice = try readPartition.read(from: offset, maxBytes: readBytesMax)
                        read += slice.bytes.count
                        offset = slice.nextOffset
                    }
                }
                guard read == bytes else { throw BenchmarkError(description: "log.read.sequential read \(read) bytes, expected \(bytes)") }
                return sample
            }, bytes: bytes),
            LogBenchmark.ByteCase(benchmark: BenchmarkCase(
                name: "server.fetch.sequential",
                input: "Fetch v11 (MaxWaitMs 0, 1 MiB per partition and response) over loopback TCP, one at a time, " + describe,
                records: records, calls: nil
            ) {
                var read = 0
                let sample = try Sample.measure {
                    var offset: Int64 = 0
                    while offset < end {
                        try connection.write(Self.fetchFrame(topic: readTopic, offset: offset, maxBytes: readBytesMax))
                        let answer = try Self.partitionAnswer(try connection.readFrame(), api: .fetch, version: 11)
                        guard let batches = answer["Records"]?.bytes, batches.count >= RecordBatchHeader.size else {
                            throw BenchmarkError(description: "server.fetch.sequential: no records at offset \(offset)")
                        }
                        // The last whole batch's header gives the next offset.
                        var position = batches.startIndex
                        var next = offset
                        while position + 12 <= batches.endIndex {
                            var base: Int64 = 0
                            for byte in batches[position..<(position + 8)] { base = base << 8 | Int64(byte) }
                            var length = 0
                            for byte in batches[(position + 8)..<(position + 12)] { length = length << 8 | Int(byte) }
                            guard position + 12 + length <= batches.endIndex else { break }
                            var delta: Int64 = 0
                            for byte in batches[(position + 23)..<(position + 27)] { delta = delta << 8 | Int64(byte) }
                            next = base + delta + 1
                            read += 12 + length
                            position += 12 + length
                        }
                        guard next > offset else {
                            throw BenchmarkError(description: "server.fetch.sequential: no whole batch at offset \(offset)")
                        }
                        offset = next
                    }
                }
                guard read == bytes else { throw BenchmarkError(description: "server.fetch.sequential read \(read) bytes, expected \(bytes)") }
                return sample
            }, bytes: bytes),
        ]
        let readBaselines = ["server.fetch.sequential": "log.read.sequential"]
        let readMeasurements = try measureInterleaved(reads.map(\.benchmark), repetitions: options.repetitions,
                                                      warmups: options.warmups)
        let readRows = zip(readMeasurements, reads.map(\.bytes)).map { ($0, $1) }
        for (m, bytes) in readRows { log.block(m, bytes: bytes, report: report) }
        log.printDerived(readRows, baselines: readBaselines, report: report)
        log.table(readRows, baselines: readBaselines,
                  byName: Dictionary(uniqueKeysWithValues: readRows.map { ($0.0.benchmark.name, $0) }))
        print("load average  \(Machine.loadAverage()) (after fetch)")
        print("")
        serverStopped = true
        try server.stop()
    }
}
