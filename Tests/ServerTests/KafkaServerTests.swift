#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import KafkaProtocol
import Log
import Logging
import Testing
import TestKit
@testable import Server

/// Runs blocking socket calls on a Dispatch thread: blocking the
/// cooperative pool would starve the server under test, which runs there.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// A blocking loopback TCP client with a receive timeout, so a server that
/// never answers fails the test instead of hanging it.
final class TestSocket: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketFailure(what: "connect", code: errno) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    struct SocketFailure: Error { let what: String; let code: Int32 }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw SocketFailure(what: "send", code: errno) }
            sent += count
        }
    }

    /// Reads exactly `count` bytes; nil when the server closed (or reset)
    /// the connection first.
    func receive(_ count: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let got = buffer[received...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            // A close with unread data arrives as a reset: closed too.
            if got == 0 || (got < 0 && errno == ECONNRESET) { return nil }
            guard got > 0 else { throw SocketFailure(what: "recv", code: errno) }
            received += got
        }
        return buffer
    }

    /// One response frame (without its size prefix); nil when closed.
    func receiveFrame() throws -> [UInt8]? {
        guard let prefix = try receive(4) else { return nil }
        let size = Int(prefix.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).bigEndian })
        return try receive(size)
    }
}

/// A running KafkaServer on a free loopback port.
final class RunningServer {
    let fixture: BrokerFixture
    let server: KafkaServer
    let port: Int
    let task: Task<Void, any Error>

    init(_ configure: (inout ServerConfig) -> Void = { _ in }) async throws {
        fixture = try BrokerFixture { config in
            config.listenPort = 0
            configure(&config)
        }
        server = KafkaServer(broker: fixture.broker, logger: Logger(label: "test"))
        port = try await server.bind()
        let server = server
        task = Task { try await server.run() }
    }

    func stop() async throws {
        server.shutDown()
        try await task.value
    }
}

func apiVersionsFrame(correlationId: Int32) -> [UInt8] {
    Request(
        header: RequestHeader(apiKey: 18, apiVersion: 0, correlationId: correlationId, clientId: "t"), api: .apiVersions,
        body: ProtocolStruct()
    ).encodeFrame()
}

/// Fetch v4 of partition t/0 from offset 0, waiting for at least one byte.
func fetchRequest(correlationId: Int32, maxWaitMs: Int64) -> Request {
    let partition = ProtocolStruct(["Partition": .int(0), "FetchOffset": .int(0), "PartitionMaxBytes": .int(1000)])
    return Request(
        header: RequestHeader(apiKey: 1, apiVersion: 4, correlationId: correlationId, clientId: "t"), api: .fetch,
        body: ProtocolStruct([
            "ReplicaId": .int(-1), "MaxWaitMs": .int(maxWaitMs), "MinBytes": .int(1), "MaxBytes": .int(1000),
            "IsolationLevel": .int(0),
            "Topics": .array([.structure(ProtocolStruct(["Topic": .string("t"), "Partitions": .array([.structure(partition)])]))]),
        ]))
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct KafkaServerTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let running = try await RunningServer()
        let client = try TestSocket(port: running.port)
        // Three requests in one write; the long-polling fetch in the middle
        // (250 ms, nothing to read) must not let the third overtake it.
        _ = try running.fixture.data.createTopic(name: "t", partitions: 1)
        let fetch = fetchRequest(correlationId: 2, maxWaitMs: 250)
        try client.send(apiVersionsFrame(correlationId: 1) + fetch.encodeFrame() + apiVersionsFrame(correlationId: 3))
        var correlationIds: [Int32] = []
        for _ in 0..<3 {
            let frame = try #require(try await offPool { try client.receiveFrame() })
            correlationIds.append(frame.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).bigEndian })
        }
        #expect(correlationIds == [1, 2, 3])
        try await running.stop()
    }

    /// Listening on port 0, Metadata advertises the port actually bound
    /// (clients connect back to it).
    @Test func metadataAdvertisesTheBoundPort() async throws {
        let running = try await RunningServer()
        let client = try TestSocket(port: running.port)
        let metadata = Request(
            header: RequestHeader(apiKey: 3, apiVersion: 1, correlationId: 8, clientId: "t"), api: .metadata,
            body: ProtocolStruct(["Topics": .null]))
        try client.send(metadata.encodeFrame())
        let frame = try #require(try await offPool { try client.receiveFrame() })
        let response = try Response.decode(frame: frame, api: .metadata, version: 1)
        #expect(response.body.structs("Brokers").first?.int("Port") == Int64(running.port))
        #expect(running.port != 0)
        try await running.stop()
    }

    @Test func acksZeroProduceGetsNoResponse() async throws {
        let running = try await RunningServer()
        _ = try running.fixture.data.createTopic(name: "t", partitions: 1)
        let client = try TestSocket(port: running.port)
        let produce = Request(
            header: RequestHeader(apiKey: 0, apiVersion: 3, correlationId: 5, clientId: "t"), api: .produce,
            body: ProtocolStruct([
                "TransactionalId": .null, "Acks": .int(0), "TimeoutMs": .int(100),
                "TopicData": .array([
                    .structure(ProtocolStruct([
                        "Name": .string("t"),
                        "PartitionData": .array([.structure(ProtocolStruct(["Index": .int(0), "Records": .bytes(try batch()[...])]))]),
                    ]))
                ]),
            ]))
        try client.send(produce.encodeFrame() + apiVersionsFrame(correlationId: 6))
        let frame = try #require(try await offPool { try client.receiveFrame() })
        // The first answer is ApiVersions': the produce had none.
        #expect(frame.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).bigEndian } == 6)
        #expect(try running.fixture.data.topic(named: "t").partition(0).endOffset == 1)
        try await running.stop()
    }

    @Test func oversizedOrNegativeFrameSizeClosesTheConnection() async throws {
        let running = try await RunningServer { $0.requestBytesMax = 4096 }
        for size: Int32 in [4097, Int32.max, -1, 3] {
            let client = try TestSocket(port: running.port)
            var prefix = [UInt8](repeating: 0, count: 4)
            withUnsafeBytes(of: size.bigEndian) { prefix = Array($0) }
            try client.send(prefix + [0, 18, 0, 0])
            #expect(try await offPool { try client.receiveFrame() } == nil, "size \(size)")
        }
        // The server still answers others.
        let client = try TestSocket(port: running.port)
        try client.send(apiVersionsFrame(correlationId: 9))
        #expect(try await offPool { try client.receiveFrame() } != nil)
        try await running.stop()
    }

    @Test func connectionsPerAddressAreBounded() async throws {
        let running = try await RunningServer { $0.connectionsPerAddressMax = 2 }
        let first = try TestSocket(port: running.port)
        let second = try TestSocket(port: running.port)
        try first.send(apiVersionsFrame(correlationId: 1))
        try second.send(apiVersionsFrame(correlationId: 2))
        #expect(try await offPool { try first.receiveFrame() } != nil)
        #expect(try await offPool { try second.receiveFrame() } != nil)
        let third = try TestSocket(port: running.port)
        try? third.send(apiVersionsFrame(correlationId: 3))
        #expect(try await offPool { try third.receiveFrame() } == nil)
        try await running.stop()
    }

    @Test func shutDownAnswersTheFetchInFlight() async throws {
        let running = try await RunningServer { $0.fetchWaitMaxMs = 120_000 }
        _ = try running.fixture.data.createTopic(name: "t", partitions: 1)
        let client = try TestSocket(port: running.port)
        let fetch = fetchRequest(correlationId: 4, maxWaitMs: 120_000)
        try client.send(apiVersionsFrame(correlationId: 3))
        #expect(try await offPool { try client.receiveFrame() } != nil)
        try client.send(fetch.encodeFrame())
        // Stop once the fetch waits for data (bounded against a hang).
        let parked = ContinuousClock.now + .seconds(60)
        while running.fixture.broker.notifier.waitingCount == 0 && ContinuousClock.now < parked {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(running.fixture.broker.notifier.waitingCount == 1)
        try await running.stop()
        // The fetch (which would wait two minutes) is answered, then closed.
        let answer = try #require(try await offPool { try client.receiveFrame() })
        #expect(answer.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).bigEndian } == 4)
        #expect(try await offPool { try client.receiveFrame() } == nil)
    }
}
