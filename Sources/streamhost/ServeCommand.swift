import ArgumentParser
import Dispatch
import Foundation
import HTTPAPI
import JobService
import KafkaClient
import Log
import Logging
import Observability
import Server

/// `streamhost serve`: the long-running host for the log, speaking the
/// Kafka protocol. Thin: options into a ServerConfig, signals into
/// `shutDown()`, errors onto stderr.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the data directory to Kafka clients (kcat, librdkafka, confluent-kafka, kafka-python).",
        discussion: """
            Owns the data directory until SIGINT or SIGTERM: then it stops accepting connections, answers the \
            requests in flight, flushes and closes. Settings in --config use Kafka's names \
            (\(ServerConfig.keys.joined(separator: ", "))).
            """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: ArgumentHelp(
        "A Kafka listener: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL://host:port (host:port is PLAINTEXT); "
            + "repeatable, replaces `listeners` of --config (default PLAINTEXT://127.0.0.1:9092).",
        valueName: "listener"))
    var listen: [String] = []
    @Option(name: .customLong("config"), help: ArgumentHelp("Server settings (YAML).", valueName: "server.yaml"))
    var configFile: String?
    @Option(help: ArgumentHelp(
        "The HTTP API's address (jobs, topics, groups under /v1; Flink's port is 8081), replaces `http.listen` "
            + "of --config; port 0 picks a free one (DATA/server.json records it). Default: no HTTP API.",
        valueName: "host:port"))
    var httpListen: String?
    @Option(help: ArgumentHelp(
        "A file holding the HTTP API's bearer token, replaces `http.token.file` of --config (default: a new "
            + "random token in DATA/http.token at each start).",
        valueName: "file"))
    var httpTokenFile: String?
    @OptionGroup var metrics: MetricsOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap()
        var config = ServerConfig()
        do {
            if let configFile { try config.apply(file: configFile) }
            if !listen.isEmpty {
                config.listeners = try Listener.parseList(listen, key: "--listen").map { Listener($0.0, host: $0.1, port: $0.2) }
            }
            if let httpListen { config.httpListen = httpListen }
            if let httpTokenFile { config.httpTokenFile = httpTokenFile }
            try config.validate()
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
        let directory = try data.open()
        let logger = Logger(label: "streamhost.serve")
        let exposition = try metrics.start()
        defer { exposition?.listener.stop() }
        // The HTTP API serves /metrics too, from the same registry.
        let registry = exposition?.registry ?? (config.httpListen != nil ? MetricsRegistry() : nil)
        let brokerMetrics = registry.map { BrokerMetrics(registry: $0) }
        let broker = try withLogErrors {
            try Broker(data: directory, config: config, logger: logger, metrics: brokerMetrics)
        }
        if let registry {
            let collector = LogMetricsCollector(registry: registry, broker: broker)
            _ = registry.addCollector { collector.collect() }
        }
        let server = KafkaServer(broker: broker, logger: logger)
        // Jobs run in supervisor processes that reach the log through the
        // Kafka listener: they stop before it does.
        // Their workers' live metrics reach /metrics, `jobs describe` and
        // the dashboard through the job directories (LiveSampleFile).
        let jobs = JobManager(dataDirectory: directory.path, metrics: registry, logger: Logger(label: "streamhost.jobs"))
        jobs.startLiveSampling()
        let http: (address: HTTPAddress, token: HTTPToken)?
        do {
            http = try config.httpListen.map { listen in
                (try HTTPAddress(parsing: listen), try HTTPToken.load(file: config.httpTokenFile, dataDirectory: directory.path))
            }
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }

        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.info("stopping: the jobs drain first (they resume when the server starts again)")
                jobs.shutDown()
                logger.info("stopping: no new connections; answering requests in flight")
                server.shutDown()
            }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }

        // Retention, compaction, transaction timeouts and producer expiry
        // on their own thread; stopped before the directory closes.
        let maintenance = MaintenanceThread(
            maintenance: LogMaintenance(directory: directory, config: config.maintenance, logger: logger))
        maintenance.start()
        let settings = config
        let dataPath = directory.path
        let discovery = DiscoveryBox()
        let outcome = runBlocking {
            try await server.bind()
            let listeners = server.boundListeners
            // Where the log commands find this server while it holds the
            // directory (docs/SERVER.md, "The CLI and a running server"):
            // its PLAINTEXT listener, as the CLI does not authenticate.
            let plaintext = listeners.first { $0.securityProtocol == .plaintext }
            let written = ServerDiscovery(
                host: plaintext?.host ?? "", port: plaintext?.port ?? 0, pid: getpid(), listeners: listeners.map(\.description))
            try written.write(dataDirectory: dataPath)
            discovery.set(written)
            // The HTTP API, once bound, is added to the discovery file.
            let api = http.map { http in
                Task {
                    let inspection = LogInspection(data: broker.data, groups: broker.groups, offsets: broker.offsets)
                    // The dashboard's history of topics and groups.
                    let logHistory = LogHistory(log: inspection)
                    logHistory.start()
                    defer { logHistory.stop() }
                    let server = HTTPAPIServer(
                        configuration: .init(host: http.address.host, port: http.address.port, token: http.token.value),
                        jobs: jobs, log: inspection,
                        inspectPlugins: PluginInspection.inspect, isReady: { jobs.isAcceptingJobs },
                        extraRoutes: (registry.map { [HTTPAPIServer.metricsRoute(MetricsEndpoint(registry: $0))] } ?? [])
                            + [HTTPAPIServer.dashboardRoutes(jobs: jobs, log: logHistory)],
                        logger: Logger(label: "streamhost.http"))
                    do {
                        try await server.run { host, port in
                            var updated = written
                            updated.http = HTTPAddress(host: host, port: port).description
                            updated.httpTokenFile = http.token.file
                            do {
                                try updated.write(dataDirectory: dataPath)
                            } catch {
                                logger.error("\(error)")
                            }
                            let address = HTTPAddress(host: host, port: port)
                            logger.info("HTTP API on http://\(address)/v1, dashboard at http://\(address.connectable)/")
                        }
                    } catch {
                        logger.error("the HTTP API stopped: \(error)")
                    }
                }
            }
            let resumed = jobs.resumeJobs()
            if !resumed.isEmpty { logger.info("resumed \(resumed.count) job(s): \(resumed.joined(separator: ", "))") }
            for listener in listeners {
                let advertised = settings.advertisedListeners[listener.securityProtocol].map {
                    " (advertised as \($0.host):\($0.port))"
                }
                let host = listener.host.contains(":") ? "[\(listener.host)]" : listener.host
                logger.info("serving \(directory.path) on \(host):\(listener.port) (\(listener.name))\(advertised ?? "")")
            }
            if plaintext == nil {
                logger.warning(
                    "no PLAINTEXT listener: the streamhost CLI cannot work through this server; add PLAINTEXT://127.0.0.1:PORT")
            }
            try await server.run()
            api?.cancel()
            _ = await api?.result
        }
        maintenance.stop()
        discovery.get()?.remove(dataDirectory: dataPath)
        do {
            try directory.close()
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
        if case .failure(let error) = outcome {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
        logger.info("stopped; data directory flushed and closed")
    }
}

/// Runs async work from the synchronous command and waits for it.
private func runBlocking(_ body: @escaping @Sendable () async throws -> Void) -> Result<Void, any Error> {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox()
    Task {
        do { try await body() } catch { result.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return result.get()
}

private final class DiscoveryBox: @unchecked Sendable {
    // Written once by the task before the listener serves; read after the wait.
    private var value: ServerDiscovery?
    func set(_ newValue: ServerDiscovery) { value = newValue }
    func get() -> ServerDiscovery? { value }
}

private final class ResultBox: @unchecked Sendable {
    // Written once by the task before it signals; read after the wait.
    private var value: Result<Void, any Error> = .success(())
    func set(_ newValue: Result<Void, any Error>) { value = newValue }
    func get() -> Result<Void, any Error> { value }
}
