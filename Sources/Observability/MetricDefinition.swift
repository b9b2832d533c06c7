/// One metric streamhost exports: its Prometheus name, type, label names
/// and meaning. Every metric is declared once, in `StreamhostMetrics`, and
/// docs/METRICS.md lists the same set (a test compares the two).
///
/// Names follow one rule: Flink's metric name in snake case, prefixed with
/// `streamhost_` and the scope (`task`, `job`, `log`, `group`, `broker`),
/// with Prometheus's unit and `_total` suffixes (`numRecordsIn` becomes
/// `streamhost_task_num_records_in_total`, `numRecordsInPerSecond`
/// becomes `streamhost_task_num_records_in_per_second`).
public struct MetricDefinition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case counter, gauge, histogram
    }

    public let name: String
    public let kind: Kind
    /// The label names, in the order their values are passed.
    public let labels: [String]
    /// What the metric means, as the exposition's `# HELP` line says.
    public let help: String

    public init(_ name: String, _ kind: Kind, labels: [String], help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}
