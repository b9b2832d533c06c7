import CoreMetrics
import Prometheus
import Synchronization

/// The metrics of one process: a Prometheus registry that every metric of
/// `StreamhostMetrics` is made in, the collectors that refresh gauges read
/// from elsewhere (partition sizes, consumer lag) right before a scrape,
/// and the text exposition.
///
/// Code that emits through apple/swift-metrics (`Counter`, `Timer`,
/// `Recorder` with `factory:`) uses `factory`, which writes into the same
/// registry, so one `/metrics` shows both.
///
/// # Thread safety
/// Every method may be called from any thread; the registry and each
/// metric lock internally.
public final class MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry
    /// A swift-metrics factory over the same registry.
    public let factory: PrometheusMetricsFactory
    private let collectors = Mutex<[Int: @Sendable () -> Void]>([:])
    private let nextCollector = Atomic<Int>(0)

    public init() {
        prometheus = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: prometheus)
    }

    // MARK: Metrics

    public func counter(_ metric: MetricDefinition, _ values: [String]) -> Prometheus.Counter {
        check(metric, .counter, values)
        return prometheus.makeCounter(name: metric.name, labels: Array(zip(metric.labels, values)), help: metric.help)
    }

    public func gauge(_ metric: MetricDefinition, _ values: [String]) -> Prometheus.Gauge {
        check(metric, .gauge, values)
        return prometheus.makeGauge(name: metric.name, labels: Array(zip(metric.labels, values)), help: metric.help)
    }

    public func histogram(_ metric: MetricDefinition, _ values: [String], buckets: [Double]) -> ValueHistogram {
        check(metric, .histogram, values)
        return prometheus.makeValueHistogram(
            name: metric.name, labels: Array(zip(metric.labels, values)), buckets: buckets, help: metric.help)
    }

    /// Removes a series (a job that left the server, a deleted partition).
    public func remove(_ counter: Prometheus.Counter) { prometheus.unregisterCounter(counter) }
    public func remove(_ gauge: Prometheus.Gauge) { prometheus.unregisterGauge(gauge) }
    public func remove(_ histogram: ValueHistogram) { prometheus.unregisterValueHistogram(histogram) }

    private func check(_ metric: MetricDefinition, _ kind: MetricDefinition.Kind, _ values: [String]) {
        precondition(metric.kind == kind, "\(metric.name) is a \(metric.kind), not a \(kind)")
        precondition(values.count == metric.labels.count,
                     "\(metric.name) takes labels \(metric.labels), got \(values.count) values")
    }

    // MARK: Collectors

    /// A handle that removes its collector.
    public struct CollectorToken: Sendable, Hashable {
        fileprivate let id: Int
    }

    /// Adds `collect`, called before every exposition, to refresh what is
    /// cheaper to read at scrape time than to keep current (sizes, lag).
    public func addCollector(_ collect: @escaping @Sendable () -> Void) -> CollectorToken {
        let id = nextCollector.add(1, ordering: .relaxed).newValue
        collectors.withLock { $0[id] = collect }
        return CollectorToken(id: id)
    }

    public func removeCollector(_ token: CollectorToken) {
        _ = collectors.withLock { $0.removeValue(forKey: token.id) }
    }

    // MARK: Exposition

    /// Runs the collectors, then renders every metric in Prometheus's text
    /// format (version 0.0.4).
    public func exposition() -> [UInt8] {
        let pending = collectors.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
        for collect in pending { collect() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1024)
        prometheus.emit(into: &buffer)
        return buffer
    }
}
