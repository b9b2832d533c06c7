import Log
import Observability
import Prometheus
import Synchronization

/// Refreshes, right before each scrape, the gauges read from the log:
/// every partition's size and start and end offsets, and every consumer
/// group's lag per partition and its largest (records-lag and
/// records-lag-max). Partitions and commits that are gone lose their
/// series.
///
/// # Thread safety
/// `collect` may be called from any thread; calls serialize on a lock.
public final class LogMetricsCollector: Sendable {
    private let registry: MetricsRegistry
    private let data: DataDirectory
    private let offsets: ConsumerGroups

    private struct PartitionSeries {
        let size, end, start: Prometheus.Gauge
    }

    private struct Series {
        var partitions: [String: PartitionSeries] = [:]
        var lag: [ConsumerGroups.Key: Prometheus.Gauge] = [:]
        var lagMax: [String: Prometheus.Gauge] = [:]
    }

    private let series = Mutex(Series())

    public init(registry: MetricsRegistry, data: DataDirectory, offsets: ConsumerGroups) {
        self.registry = registry
        self.data = data
        self.offsets = offsets
    }

    /// A broker's log and groups.
    public convenience init(registry: MetricsRegistry, broker: Broker) {
        self.init(registry: registry, data: broker.data, offsets: broker.offsets)
    }

    public func collect() {
        var ends: [String: [Int64]] = [:]
        var readings: [(key: String, topic: String, partition: Int, size: Int, start: Int64, end: Int64)] = []
        for name in data.topics {
            guard let topic = try? data.topic(named: name) else { continue }
            var topicEnds: [Int64] = []
            for (index, partition) in topic.partitions.enumerated() {
                let end = partition.endOffset
                topicEnds.append(end)
                readings.append((name + "\u{0}" + String(index), name, index, partition.sizeInBytes,
                                 partition.startOffset, end))
            }
            ends[name] = topicEnds
        }
        let commits = offsets.all
        series.withLock { s in
            var seen = Set<String>()
            for reading in readings {
                seen.insert(reading.key)
                let gauges = s.partitions[reading.key] ?? {
                    let labels = [reading.topic, String(reading.partition)]
                    return PartitionSeries(
                        size: registry.gauge(StreamhostMetrics.partitionSize, labels),
                        end: registry.gauge(StreamhostMetrics.partitionEndOffset, labels),
                        start: registry.gauge(StreamhostMetrics.partitionStartOffset, labels))
                }()
                s.partitions[reading.key] = gauges
                gauges.size.set(Double(reading.size))
                gauges.end.set(Double(reading.end))
                gauges.start.set(Double(reading.start))
            }
            for (key, gone) in s.partitions where !seen.contains(key) {
                registry.remove(gone.size)
                registry.remove(gone.end)
                registry.remove(gone.start)
                s.partitions[key] = nil
            }

            var lagSeen = Set<ConsumerGroups.Key>()
            var maxByGroup: [String: Int64] = [:]
            for commit in commits {
                guard let topicEnds = ends[commit.key.topic], commit.key.partition < topicEnds.count else { continue }
                let lag = max(0, topicEnds[commit.key.partition] - commit.offset)
                lagSeen.insert(commit.key)
                let gauge = s.lag[commit.key] ?? registry.gauge(
                    StreamhostMetrics.groupRecordsLag, [commit.key.group, commit.key.topic, String(commit.key.partition)])
                s.lag[commit.key] = gauge
                gauge.set(Double(lag))
                maxByGroup[commit.key.group] = max(maxByGroup[commit.key.group] ?? 0, lag)
            }
            for (key, gone) in s.lag where !lagSeen.contains(key) {
                registry.remove(gone)
                s.lag[key] = nil
            }
            for (group, lag) in maxByGroup {
                let gauge = s.lagMax[group] ?? registry.gauge(StreamhostMetrics.groupRecordsLagMax, [group])
                s.lagMax[group] = gauge
                gauge.set(Double(lag))
            }
            for (group, gone) in s.lagMax where maxByGroup[group] == nil {
                registry.remove(gone)
                s.lagMax[group] = nil
            }
        }
    }
}
