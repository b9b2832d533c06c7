import Dispatch
import KafkaProtocol
import Log
import Logging
import Synchronization

/// Answers Kafka requests over the log: decodes a frame, runs the handler
/// of its API and encodes the response. No sockets: `KafkaServer` feeds it
/// frames, and tests can call it directly.
///
/// An API this broker does not serve is not advertised in ApiVersions, and
/// a request for it, like a malformed frame or an unsupported version,
/// closes the connection (as Kafka does), so a client never waits for an
/// answer that will not come. ApiVersions of an unknown version gets the
/// KIP-511 answer instead.
///
/// # Thread safety
/// Safe from any task: the log's types lock internally, and the broker has
/// no other mutable state.
public final class Broker: Sendable {
    public let data: DataDirectory
    let configuredSettings: ServerConfig
    let logger: Logger
    let notifier = AppendNotifier()
    /// The committed offsets of consumer groups (`__consumer_offsets`).
    public let offsets: ConsumerGroups
    /// Coordinates every consumer group (this broker is the only one).
    public let groups: GroupCoordinator
    /// Each transactional id's `transaction.timeout.ms`, from its
    /// InitProducerId; the timeout starts with each transaction.
    let transactionTimeouts = Mutex<[String: Int64]>([:])
    /// The port each listener bound, by its index in `listeners` (differs
    /// from the configured one when that is 0): what Metadata advertises
    /// when no advertised port is set.
    private let boundPorts = Mutex<[Int: Int]>([:])
    /// Requests, connections and bytes per topic (`serve --metrics-listen`).
    public let metrics: BrokerMetrics?

    /// Opens the consumer groups' offsets (creating `__consumer_offsets`
    /// on first use).
    public init(data: DataDirectory, config: ServerConfig, logger: Logger, metrics: BrokerMetrics? = nil) throws(LogError) {
        self.data = data
        self.configuredSettings = config
        self.logger = logger
        self.metrics = metrics
        offsets = try ConsumerGroups(directory: data)
        groups = GroupCoordinator(directory: data, offsets: offsets, config: config.groups, logger: logger)
    }

    /// The settings in force: the configured ones with the bound ports.
    public var config: ServerConfig {
        var settings = configuredSettings
        for (index, port) in boundPorts.withLock({ $0 }) { settings.listeners[index].port = port }
        return settings
    }

    /// Called by the server once listener `index` (of `listeners`) is bound.
    func listenerBound(_ index: Int, port: Int) { boundPorts.withLock { $0[index] = port } }

    /// What the connection does with a request.
    public enum Outcome: Sendable, Equatable {
        /// Send this frame (size prefix included).
        case respond([UInt8])
        /// acks=0 produce: the client expects nothing.
        case noResponse
        /// Close the connection; the reason is logged.
        case close(reason: String)
    }

    /// The APIs and versions this broker serves, advertised in ApiVersions.
    /// Each range lies within what KafkaProtocol decodes.
    public static let served: [ApiKey: ClosedRange<Int16>] = [
        .apiVersions: 0...3,
        .metadata: 0...12,
        .produce: 3...9,
        .fetch: 4...12,
        .listOffsets: 1...6,
        .createTopics: 0...7,
        .deleteTopics: 0...5,
        .describeConfigs: 0...4,
        .describeCluster: 0...1,
        .createPartitions: 0...3,
        .alterConfigs: 0...2,
        .incrementalAlterConfigs: 0...1,
        .findCoordinator: 0...4,
        .joinGroup: 0...9,
        .syncGroup: 0...5,
        .heartbeat: 0...4,
        .leaveGroup: 0...5,
        .offsetCommit: 0...8,
        .offsetFetch: 0...8,
        .listGroups: 0...4,
        .describeGroups: 0...5,
        .deleteGroups: 0...2,
        .initProducerId: 0...4,
        .deleteRecords: 0...2,
        .addPartitionsToTxn: 0...3,
        .addOffsetsToTxn: 0...3,
        .endTxn: 0...3,
        .txnOffsetCommit: 0...3,
        .describeTransactions: 0...0,
        .listTransactions: 0...0,
    ]

    /// The SASL APIs, answered by a SASL listener's `SaslSession` before
    /// authentication and advertised on those listeners only.
    public static let saslServed: [ApiKey: ClosedRange<Int16>] = [.saslHandshake: 0...1, .saslAuthenticate: 0...2]

    /// What ApiVersions advertises on a listener with or without SASL.
    static func advertisedEntries(sasl: Bool) -> [ApiVersionsAnswer.Entry] {
        served.merging(sasl ? saslServed : [:]) { served, _ in served }.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { .init(apiKey: $0.key.rawValue, versions: $0.value) }
    }

    /// Answers one request frame (the bytes after its size prefix).
    /// - Parameter clientHost: the peer's address, as DescribeGroups
    ///   shows a member's host.
    /// - Parameter listener: the index in `listeners` of the listener the
    ///   frame came in on: Metadata advertises that listener's address.
    public func handle(frame: [UInt8], clientHost: String = "", listener: Int = 0) async -> Outcome {
        let sasl = configuredSettings.listeners[listener].securityProtocol.usesSASL
        let request: Request
        do {
            request = try Request.decode(frame: frame)
        } catch {
            if case .unsupportedVersion(.apiVersions, _) = error, let prefix = RequestHeader.peek(frame) {
                return .respond(
                    ApiVersionsAnswer.unsupportedVersionFrame(
                        correlationId: prefix.correlationId, entries: Self.advertisedEntries(sasl: sasl)))
            }
            return .close(reason: error.description)
        }
        guard let versions = Self.served[request.api], versions.contains(request.version) else {
            return .close(reason: "\(request.api) v\(request.version) is not served by this broker (see ApiVersions)")
        }
        let startedAt = metrics == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        defer {
            if let metrics {
                metrics.answered(api: "\(request.api)",
                                 seconds: Double(DispatchTime.now().uptimeNanoseconds &- startedAt) / 1e9)
            }
        }
        let body: ProtocolStruct?
        switch request.api {
        // These wait asynchronously (for data, for the other members) and
        // offload their own log work.
        case .fetch: body = await fetch(request)
        case .joinGroup: body = await joinGroup(request, clientHost: clientHost)
        case .syncGroup: body = await syncGroup(request)
        // An append that cannot fsync is shorter than a thread hop.
        case .produce where appendsWithoutSync(request): body = answer(request, listener: listener)
        default: body = await offloaded { self.answer(request, listener: listener) }
        }
        guard let body else { return .noResponse }
        return .respond(
            Response(correlationId: request.header.correlationId, api: request.api, version: request.version, body: body)
                .encodeFrame())
    }

    /// The handlers that only read and write the log, run synchronously.
    private func answer(_ request: Request, listener: Int) -> ProtocolStruct? {
        switch request.api {
        case .apiVersions: apiVersions(request, listener: listener)
        case .metadata: metadata(request, listener: listener)
        case .produce: produce(request)
        case .listOffsets: listOffsets(request)
        case .createTopics: createTopics(request)
        case .deleteTopics: deleteTopics(request)
        case .describeConfigs: describeConfigs(request)
        case .describeCluster: describeCluster(request, listener: listener)
        case .createPartitions: createPartitions(request)
        case .alterConfigs: alterConfigs(request, incremental: false)
        case .incrementalAlterConfigs: alterConfigs(request, incremental: true)
        case .findCoordinator: findCoordinator(request, listener: listener)
        case .heartbeat: heartbeat(request)
        case .leaveGroup: leaveGroup(request)
        case .offsetCommit: offsetCommit(request)
        case .offsetFetch: offsetFetch(request)
        case .listGroups: listGroups(request)
        case .describeGroups: describeGroups(request)
        case .deleteGroups: deleteGroups(request)
        case .initProducerId: initProducerId(request)
        case .deleteRecords: deleteRecords(request)
        case .addPartitionsToTxn: addPartitionsToTxn(request)
        case .addOffsetsToTxn: addOffsetsToTxn(request)
        case .endTxn: endTxn(request)
        case .txnOffsetCommit: txnOffsetCommit(request)
        case .describeTransactions: describeTransactions(request)
        case .listTransactions: listTransactions(request)
        default: preconditionFailure("\(request.api) is in Broker.served without a handler")
        }
    }

    /// Runs log work (appends that may fsync, reads, topic changes) on a
    /// Dispatch thread: blocking the connection's event loop (or one of
    /// Swift's few cooperative threads) would stall every connection on
    /// it, and the long-poll wake-ups. Work shorter than the two thread
    /// hops this costs (an append that cannot fsync) runs in place.
    func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Called when the server stops: long-polling fetches and held
    /// JoinGroup and SyncGroup requests answer now.
    public func shutDown() {
        notifier.shutDown()
        groups.releaseHeldRequests()
    }

    // MARK: Shared helpers

    /// The topic, created with the server's defaults when it is missing and
    /// `create` allows (Metadata's auto-creation).
    func topic(named name: String, create: Bool) throws(LogError) -> Topic {
        do {
            return try data.topic(named: name)
        } catch .unknownTopic(let missing) {
            // An internal topic is made by its coordinator, compacted, when
            // first needed: never with the defaults of an auto-created one.
            guard create, !TopicName.isInternal(name) else { throw .unknownTopic(missing) }
            do {
                let topic = try data.createTopic(name: name, partitions: config.defaultPartitions)
                logger.debug("auto-created topic \(name) (auto.create.topics.enable)")
                return topic
            } catch .topicExists {
                // Created concurrently by another request.
                return try data.topic(named: name)
            }
        }
    }

    /// The Kafka error code for a log error (any other error is a server
    /// error).
    static func errorCode(_ error: any Error) -> ErrorCode {
        guard let error = error as? LogError else { return .unknownServerError }
        return switch error {
        case .unknownTopic, .unknownPartition: .unknownTopicOrPartition
        case .topicExists: .topicAlreadyExists
        case .invalidTopicName: .invalidTopicException
        case .invalidConfig: .invalidConfig
        case .invalidPartitionCount, .partitionsNotAdded: .invalidPartitions
        case .offsetOutOfRange: .offsetOutOfRange
        case .invalidBatch: .corruptMessage
        case .invalidRecord: .invalidRecord
        case .corruptBatch: .corruptMessage
        case .producerFenced: .invalidProducerEpoch
        case .io, .dataDirectoryClosed, .partitionClosed: .kafkaStorageError
        default: .unknownServerError
        }
    }
}

/// Why one part of a request (a partition's produce, a topic's creation)
/// was refused: the code the client acts on and a message saying what was
/// wrong.
struct RequestFailure: Error {
    let code: ErrorCode
    let message: String

    init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: any Error) {
        self.init(Broker.errorCode(error), "\(error)")
    }
}

extension ProtocolStruct {
    /// Runs one part of a request (a topic's creation, a resource's config
    /// change) and records its outcome: ErrorCode 0, or the failure's code
    /// and ErrorMessage.
    mutating func settle(_ body: (inout ProtocolStruct) throws(RequestFailure) -> Void) {
        do {
            try body(&self)
            self["ErrorCode"] = ErrorCode.none.value
        } catch {
            self["ErrorCode"] = error.code.value
            self["ErrorMessage"] = .string(error.message)
        }
    }
}

extension ErrorCode {
    var value: ProtocolValue { .int(Int64(rawValue)) }
}
