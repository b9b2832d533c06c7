import Log

/// The settings of `streamhost serve`, with Kafka's names where Kafka has
/// the same setting (`auto.create.topics.enable`, `num.partitions`,
/// `socket.request.max.bytes`, `listeners`, `advertised.listeners`).
public struct ServerConfig: Sendable, Equatable {
    /// `listeners`: where the Kafka listeners bind and what each requires
    /// (TLS, SASL). One PLAINTEXT listener on loopback by default: nothing
    /// is reachable from other hosts unless asked for.
    public var listeners = [Listener(.plaintext, host: "127.0.0.1", port: 9092)]
    /// `advertised.listeners`: what Metadata tells the clients of each
    /// listener (by name) to connect to; the bind address when absent.
    /// Clients connect back to this, so it must be reachable by them.
    public var advertisedListeners: [SecurityProtocol: Endpoint] = [:]
    /// The HTTP API's `host:port` (`http.listen`, `--http-listen`); nil:
    /// no HTTP API.
    public var httpListen: String?
    /// The file holding the HTTP API's bearer token (`http.token.file`,
    /// `--http-token-file`); nil: a new token in DATA/http.token each start.
    public var httpTokenFile: String?
    /// TLS and SASL settings of the listeners that need them.
    public var security = SecurityConfig()
    /// The broker id in Metadata (this server is the only broker).
    public var nodeId: Int32 = 1
    public var clusterId = "streamhost"
    /// `auto.create.topics.enable`: Metadata and Produce for an unknown
    /// topic create it (Kafka's default is true).
    public var autoCreateTopics = true
    /// `num.partitions`: partitions of an auto-created topic, and of a
    /// CreateTopics request that asks for the default (-1).
    public var defaultPartitions = 1
    /// `socket.request.max.bytes`: the largest request frame accepted; a
    /// larger (or negative) size prefix closes the connection before any
    /// of it is read into memory.
    public var requestBytesMax = 104_857_600
    /// Frames a connection may have read but not yet answered (pipelined
    /// requests); past this the server stops reading that socket.
    public var inFlightRequestsPerConnectionMax = 16
    /// `max.connections.per.ip`.
    public var connectionsPerAddressMax = 64
    /// The longest a Fetch waits for data (its max_wait_ms is cut to this).
    public var fetchWaitMaxMs = 30_000
    /// The largest Fetch response the server builds, whatever the request
    /// asks (`fetch.max.bytes`).
    public var fetchResponseBytesMax = 57_671_680

    /// The group coordinator's settings (`group.initial.rebalance.delay.ms`,
    /// `group.min.session.timeout.ms`, `group.max.session.timeout.ms`,
    /// `group.max.size`).
    public var groups = GroupCoordinatorConfig()
    /// How often retention, compaction, transaction timeouts and producer
    /// expiry run (`log.retention.check.interval.ms`,
    /// `log.cleaner.backoff.ms`, `log.cleaner.enable`,
    /// `producer.id.expiration.ms`).
    public var maintenance = LogMaintenance.Config()
    /// `transaction.max.timeout.ms`: the longest `transaction.timeout.ms`
    /// a producer may ask for (INVALID_TRANSACTION_TIMEOUT above).
    public var transactionMaxTimeoutMs: Int64 = TransactionCoordinator.maxTimeoutMsDefault

    public init() {}

    /// The first listener's address (the only one unless `listeners` says
    /// otherwise): what `--listen host:port` sets.
    public var listenHost: String {
        get { listeners[0].host }
        set { listeners[0].host = newValue }
    }
    public var listenPort: Int {
        get { listeners[0].port }
        set { listeners[0].port = newValue }
    }

    /// What Metadata answers on `listener`.
    public func advertised(_ listener: Listener) -> Endpoint {
        advertisedListeners[listener.securityProtocol] ?? Endpoint(host: listener.host, port: listener.port)
    }

    /// What Metadata answers on the first listener.
    public var advertised: Endpoint { advertised(listeners[0]) }

    /// The settings as Kafka broker configs, for DescribeConfigs on the
    /// broker resource.
    public var brokerConfigs: [(name: String, value: String)] {
        [
            (
                "advertised.listeners",
                listeners.map { Listener.format($0.securityProtocol, advertised($0).host, advertised($0).port) }
                    .joined(separator: ",")
            ),
            ("auto.create.topics.enable", String(autoCreateTopics)),
            ("broker.id", String(nodeId)),
            ("fetch.max.bytes", String(fetchResponseBytesMax)),
            ("group.initial.rebalance.delay.ms", String(groups.initialRebalanceDelayMs)),
            ("group.max.session.timeout.ms", String(groups.maxSessionTimeoutMs)),
            ("group.max.size", String(groups.maxGroupSize)),
            ("group.min.session.timeout.ms", String(groups.minSessionTimeoutMs)),
            ("listeners", listeners.map(\.description).joined(separator: ",")),
            ("log.cleaner.backoff.ms", String(maintenance.cleanerIntervalMs)),
            ("log.cleaner.enable", String(maintenance.cleanerEnabled)),
            ("log.retention.check.interval.ms", String(maintenance.retentionCheckIntervalMs)),
            ("max.connections.per.ip", String(connectionsPerAddressMax)),
            ("num.partitions", String(defaultPartitions)),
            ("offsets.retention.check.interval.ms", String(groups.offsetsRetentionCheckIntervalMs)),
            ("offsets.retention.minutes", String(groups.offsetsRetentionMs / 60_000)),
            ("producer.id.expiration.check.interval.ms", String(maintenance.producerIdExpirationCheckIntervalMs)),
            ("producer.id.expiration.ms", String(maintenance.producerIdExpirationMs)),
            ("sasl.enabled.mechanisms", security.saslMechanisms.map(\.rawValue).joined(separator: ",")),
            ("sasl.server.max.receive.size", String(security.saslReceiveBytesMax)),
            ("socket.request.max.bytes", String(requestBytesMax)),
            ("transaction.max.timeout.ms", String(transactionMaxTimeoutMs)),
        ]
    }
}
