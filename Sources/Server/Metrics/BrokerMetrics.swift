import Dispatch
import Log
import Observability
import Prometheus
import Synchronization

/// The broker's metrics (docs/METRICS.md, "The broker" and "The log"):
/// requests and their latency per API, connections, and bytes and records
/// in and out per topic. Each series is made once and kept, so a request
/// pays one dictionary lookup and the metric's own atomic or lock.
///
/// # Thread safety
/// Every method may be called from any thread.
public final class BrokerMetrics: Sendable {
    public let registry: MetricsRegistry
    private let requestSeries = Mutex<[String: (count: Prometheus.Counter, latency: ValueHistogram)]>([:])
    private let topicSeries = Mutex<[String: TopicSeries]>([:])
    private let connectionsOpen: Prometheus.Gauge
    private let connectionsAccepted: Prometheus.Counter
    private let openCount = Atomic<Int>(0)

    private struct TopicSeries {
        let bytesIn, recordsIn, bytesOut, recordsOut: Prometheus.Counter
    }

    public init(registry: MetricsRegistry) {
        self.registry = registry
        connectionsOpen = registry.gauge(StreamhostMetrics.connections, [])
        connectionsAccepted = registry.counter(StreamhostMetrics.connectionsAccepted, [])
    }

    /// A request of `api` was answered `seconds` after it was decoded.
    func answered(api: String, seconds: Double) {
        let series = requestSeries.withLock { table in
            if let found = table[api] { return found }
            let made = (count: registry.counter(StreamhostMetrics.requests, [api]),
                        latency: registry.histogram(StreamhostMetrics.requestLatency, [api],
                                                    buckets: StreamhostMetrics.requestLatencyBucketsSeconds))
            table[api] = made
            return made
        }
        series.count.increment()
        series.latency.record(seconds)
    }

    func connectionOpened() {
        connectionsAccepted.increment()
        connectionsOpen.set(Double(openCount.add(1, ordering: .relaxed).newValue))
    }

    func connectionClosed() {
        connectionsOpen.set(Double(openCount.subtract(1, ordering: .relaxed).newValue))
    }

    /// A produced batch of `records` records and `bytes` bytes was appended.
    func appended(topic: String, bytes: Int, records: Int) {
        let series = self.series(topic)
        series.bytesIn.increment(by: Int64(bytes))
        series.recordsIn.increment(by: Int64(records))
    }

    /// A fetch answered with `bytes` of record batches from `topic`.
    func fetched(topic: String, bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        let series = self.series(topic)
        series.bytesOut.increment(by: Int64(bytes.count))
        series.recordsOut.increment(by: Int64(Self.recordCount(in: bytes)))
    }

    private func series(_ topic: String) -> TopicSeries {
        topicSeries.withLock { table in
            if let found = table[topic] { return found }
            let made = TopicSeries(
                bytesIn: registry.counter(StreamhostMetrics.logBytesIn, [topic]),
                recordsIn: registry.counter(StreamhostMetrics.logRecordsIn, [topic]),
                bytesOut: registry.counter(StreamhostMetrics.logBytesOut, [topic]),
                recordsOut: registry.counter(StreamhostMetrics.logRecordsOut, [topic]))
            table[topic] = made
            return made
        }
    }

    /// The records the whole batches in `bytes` hold, by their headers (a
    /// fetch may end in a partial batch, which is not counted).
    static func recordCount(in bytes: ArraySlice<UInt8>) -> Int {
        var count = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let header = bytes[start...].withUnsafeBytes { try? RecordBatchHeader.parse($0) }
            guard let header, header.totalSize > 0, bytes.endIndex - start >= header.totalSize else { break }
            count += Int(header.recordCount)
            start += header.totalSize
        }
        return count
    }
}
