import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The Kafka listener: accepts connections on SwiftNIO and feeds each
/// connection's frames to the `Broker`, one request at a time, so
/// responses leave in request order. Pipelined requests wait in a bounded
/// buffer (`inFlightRequestsPerConnectionMax`); when it is full the server
/// stops reading that socket until the client catches up.
///
/// # Thread safety
/// `run()` is called once; `shutDown()` from any thread or task.
public final class KafkaServer: Sendable {
    public let broker: Broker
    let config: ServerConfig
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let state = Mutex(State())

    private struct State {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: Connection] = [:]
        var connectionsPerAddress: [String: Int] = [:]
        var isShuttingDown = false
    }

    private struct Connection {
        let channel: any Channel
        var isBusy: Bool
    }

    /// - Parameter threads: event loops; each connection stays on one, and
    ///   its requests are answered there (see `EventLoopTaskExecutor`), so
    ///   one per core lets a producer's and a consumer's connections run
    ///   side by side.
    public init(broker: Broker, logger: Logger, threads: Int = System.coreCount) {
        self.broker = broker
        self.config = broker.config
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// Binds the listener and returns the port bound (useful with port 0).
    /// Then call `run()` to serve.
    public func bind() async throws -> Int {
        let requestBytesMax = config.requestBytesMax
        let inFlightMax = config.inFlightRequestsPerConnectionMax
        let server: NIOAsyncChannel<NIOAsyncChannel<[UInt8], ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: config.listenHost, port: config.listenPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(KafkaFrameDecoder(requestBytesMax: requestBytesMax)))
                        try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
                        return try NIOAsyncChannel<[UInt8], ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(
                                backPressureStrategy: .init(lowWatermark: 1, highWatermark: max(1, inFlightMax))))
                    }
                }
        } catch {
            throw ServerError.bind(host: config.listenHost, port: config.listenPort, reason: "\(error)")
        }
        state.withLock { $0.serverChannel = server.channel }
        pending.withLock { $0 = server }
        let port = server.channel.localAddress?.port ?? config.listenPort
        broker.listenerBound(port: port)
        return port
    }

    private let pending = Mutex<NIOAsyncChannel<NIOAsyncChannel<[UInt8], ByteBuffer>, Never>?>(nil)

    /// Serves until `shutDown()`: then stops accepting, lets each
    /// connection finish the request it is answering, and closes them.
    public func run() async throws {
        guard let server = pending.withLock({ $0.take() }) else {
            preconditionFailure("KafkaServer.run() needs a successful bind() first, and runs once")
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.broker.driveGroupDeadlines() }
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    // The connection's task runs on its event loop (see
                    // EventLoopTaskExecutor): no thread hop per request. The
                    // child tasks of serveUntilClosed inherit the preference.
                    let executor = EventLoopTaskExecutor(connection.channel.eventLoop)
                    group.addTask(executorPreference: executor) { await self.serveUntilClosed(connection) }
                }
            }
        }
        try await self.group.shutdownGracefully()
    }

    /// Stops accepting and closes idle connections; busy ones close after
    /// their current answer. Long-polling fetches answer at once.
    public func shutDown() {
        let (server, idle) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            state.isShuttingDown = true
            return (state.serverChannel, state.connections.values.filter { !$0.isBusy }.map(\.channel))
        }
        broker.shutDown()
        server?.close(promise: nil)
        for channel in idle { channel.close(promise: nil) }
    }

    /// The peer's address without its port, for the per-address limit.
    private static func address(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }

    func serve(_ connection: NIOAsyncChannel<[UInt8], ByteBuffer>) async {
        let channel = connection.channel
        let id = ObjectIdentifier(channel)
        let address = Self.address(of: channel)
        let admitted = state.withLock { state -> Bool in
            guard !state.isShuttingDown, state.connectionsPerAddress[address, default: 0] < config.connectionsPerAddressMax
            else { return false }
            state.connectionsPerAddress[address, default: 0] += 1
            state.connections[id] = Connection(channel: channel, isBusy: false)
            return true
        }
        guard admitted else {
            logger.warning(
                "refused a connection from \(address): max.connections.per.ip (\(config.connectionsPerAddressMax)) reached or stopping")
            try? await channel.close()
            return
        }
        defer {
            state.withLock { state in
                state.connections[id] = nil
                state.connectionsPerAddress[address, default: 1] -= 1
                if state.connectionsPerAddress[address] == 0 { state.connectionsPerAddress[address] = nil }
            }
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    let stopping = state.withLock { state -> Bool in
                        state.connections[id]?.isBusy = true
                        return state.isShuttingDown
                    }
                    if stopping { return }
                    let outcome = await broker.handle(frame: frame, clientHost: "/" + address)
                    switch outcome {
                    case .respond(let bytes):
                        try await outbound.write(ByteBuffer(bytes: bytes))
                    case .noResponse:
                        break
                    case .close(let reason):
                        logger.info("closing connection from \(address): \(reason)")
                        return
                    }
                    let stop = state.withLock { state -> Bool in
                        state.connections[id]?.isBusy = false
                        return state.isShuttingDown
                    }
                    if stop { return }
                }
            }
        } catch {
            // Closing idle connections at shutdown ends their reads with an
            // error that says nothing new.
            let stopping = state.withLock { $0.isShuttingDown }
            logger.log(level: stopping ? .debug : .info, "connection from \(address) ended: \(error)")
        }
    }
}
