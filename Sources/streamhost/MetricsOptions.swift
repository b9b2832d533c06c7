import ArgumentParser
import Observability
import Server

/// `--metrics-listen`: where `run` and `serve` answer Prometheus's scrapes
/// (docs/METRICS.md).
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve /metrics in Prometheus's text format on this address (port 0: any free port; the line "
            + "'metrics: http://HOST:PORT/metrics' on stderr tells which).",
        valueName: "host:port"))
    var metricsListen: String?

    /// Starts the listener, with a fresh registry; nil without the option.
    /// Exits 1 with the reason when the address cannot be bound.
    func start() throws -> (registry: MetricsRegistry, listener: MetricsListener)? {
        guard let metricsListen else { return nil }
        let registry = MetricsRegistry()
        do {
            let (host, port) = try ServerConfig.hostAndPort(metricsListen, key: "--metrics-listen")
            let listener = try MetricsListener(endpoint: MetricsEndpoint(registry: registry), host: host, port: port)
            let shown = host.contains(":") ? "[\(host)]" : host
            writeStderr("metrics: http://\(shown):\(listener.port)\(MetricsEndpoint.path)\n")
            return (registry, listener)
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
    }
}
