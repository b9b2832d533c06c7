import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The Kafka listeners: accept connections on SwiftNIO and feed each
/// connection's frames to the `Broker`, one request at a time, so
/// responses leave in request order. Pipelined requests wait in a bounded
/// buffer (`inFlightRequestsPerConnectionMax`); when it is full the server
/// stops reading that socket until the client catches up.
///
/// Each listener (`listeners`) has its security protocol: SSL and
/// SASL_SSL put TLS in front of the framing, SASL_PLAINTEXT and SASL_SSL
/// put a `SaslSession` in front of the broker. The same limits hold on
/// every listener.
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
        var serverChannels: [any Channel] = []
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

    /// An accepted connection: its channel and the frame size its decoder
    /// allows now.
    struct Accepted: Sendable {
        let channel: NIOAsyncChannel<[UInt8], ByteBuffer>
        let frameLimit: FrameLimit
    }

    private typealias ListenerChannel = NIOAsyncChannel<Accepted, Never>

    /// Binds every listener (loading the TLS keystore and the SASL
    /// credentials they need first) and returns the first one's port
    /// (useful with port 0; `boundListeners` has them all). Then call
    /// `run()` to serve.
    @discardableResult
    public func bind() async throws -> Int {
        try config.validate()
        let security = try loadSecurity()
        credentials.withLock { $0 = security.credentials }
        let requestBytesMax = config.requestBytesMax
        let inFlightMax = config.inFlightRequestsPerConnectionMax
        var bound: [ListenerChannel] = []
        for (index, listener) in config.listeners.enumerated() {
            let tls = listener.securityProtocol.usesTLS ? security.tls : nil
            // A SASL connection starts with the smaller pre-authentication
            // limit, so a huge size prefix is refused before the login too.
            let initialBytesMax =
                listener.securityProtocol.usesSASL ? min(config.security.saslReceiveBytesMax, requestBytesMax) : requestBytesMax
            let server: ListenerChannel
            do {
                server = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .bind(host: listener.host, port: listener.port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let frameLimit = FrameLimit(initialBytesMax)
                            if let tls {
                                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                            }
                            try channel.pipeline.syncOperations.addHandler(
                                ByteToMessageHandler(KafkaFrameDecoder(limit: frameLimit)))
                            try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
                            let connection = try NIOAsyncChannel<[UInt8], ByteBuffer>(
                                wrappingChannelSynchronously: channel,
                                configuration: .init(
                                    backPressureStrategy: .init(lowWatermark: 1, highWatermark: max(1, inFlightMax))))
                            return Accepted(channel: connection, frameLimit: frameLimit)
                        }
                    }
            } catch {
                for opened in bound { try? await opened.channel.close() }
                throw ServerError.bind(host: listener.host, port: listener.port, reason: "\(error)")
            }
            bound.append(server)
            broker.listenerBound(index, port: server.channel.localAddress?.port ?? listener.port)
        }
        state.withLock { $0.serverChannels = bound.map(\.channel) }
        pending.withLock { $0 = bound }
        return broker.config.listeners[0].port
    }

    /// The listeners with the ports they bound (after `bind()`).
    public var boundListeners: [Listener] { broker.config.listeners }

    private let pending = Mutex<[ListenerChannel]?>(nil)
    /// The users of SASL listeners, loaded by `bind()`.
    private let credentials = Mutex<CredentialStore?>(nil)

    private func loadSecurity() throws(ServerError) -> (tls: NIOSSLContext?, credentials: CredentialStore?) {
        let tls = try config.security.keystoreLocation.flatMap { path throws(ServerError) in
            config.listeners.contains(where: \.securityProtocol.usesTLS) ? try ServerTLS.makeContext(keystore: path) : nil
        }
        let credentials = try config.security.credentialsFile.flatMap { path throws(ServerError) in
            config.listeners.contains(where: \.securityProtocol.usesSASL) ? try CredentialStore(path: path) : nil
        }
        return (tls, credentials)
    }

    /// Serves until `shutDown()`: then stops accepting, lets each
    /// connection finish the request it is answering, and closes them.
    public func run() async throws {
        guard let servers = pending.withLock({ $0.take() }) else {
            preconditionFailure("KafkaServer.run() needs a successful bind() first, and runs once")
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.broker.driveGroupDeadlines() }
            for (index, server) in servers.enumerated() {
                group.addTask { try await self.accept(server, listener: index) }
            }
        }
        try await self.group.shutdownGracefully()
    }

    /// Serves one listener's connections, each in a task of its own.
    private func accept(_ server: ListenerChannel, listener: Int) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    // The connection's task runs on its event loop (see
                    // EventLoopTaskExecutor): no thread hop per request. The
                    // child tasks of serveUntilClosed inherit the preference.
                    let executor = EventLoopTaskExecutor(connection.channel.channel.eventLoop)
                    group.addTask(executorPreference: executor) { await self.serveUntilClosed(connection, listener: listener) }
                }
            }
        }
    }

    /// Stops accepting and closes idle connections; busy ones close after
    /// their current answer. Long-polling fetches answer at once.
    public func shutDown() {
        let (servers, idle) = state.withLock { state -> ([any Channel], [any Channel]) in
            state.isShuttingDown = true
            return (state.serverChannels, state.connections.values.filter { !$0.isBusy }.map(\.channel))
        }
        broker.shutDown()
        for server in servers { server.close(promise: nil) }
        for channel in idle { channel.close(promise: nil) }
    }

    /// The peer's address without its port, for the per-address limit.
    private static func address(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }

    func serve(_ accepted: Accepted, listener index: Int) async {
        let connection = accepted.channel
        let channel = connection.channel
        let listener = config.listeners[index]
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
        broker.metrics?.connectionOpened()
        defer {
            broker.metrics?.connectionClosed()
            state.withLock { state in
                state.connections[id] = nil
                state.connectionsPerAddress[address, default: 1] -= 1
                if state.connectionsPerAddress[address] == 0 { state.connectionsPerAddress[address] = nil }
            }
        }
        var session: SaslSession?
        if listener.securityProtocol.usesSASL {
            guard let store = credentials.withLock({ $0 }) else {
                preconditionFailure("bind() loads the credentials of every SASL listener")
            }
            session = SaslSession(listener: listener, mechanisms: config.security.saslMechanisms, credentials: store)
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    let stopping = state.withLock { state -> Bool in
                        state.connections[id]?.isBusy = true
                        return state.isShuttingDown
                    }
                    if stopping { return }
                    let outcome =
                        if session != nil && session?.user == nil {
                            try await authenticating(
                                frame, session: &session!, accepted: accepted, listener: index, address: address, outbound: outbound)
                        } else {
                            await broker.handle(frame: frame, clientHost: "/" + address, listener: index)
                        }
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
