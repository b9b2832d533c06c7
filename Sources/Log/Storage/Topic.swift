import Synchronization

/// A topic of a data directory: its name, config and partitions.
///
/// Obtained from `DataDirectory.topic(named:)` or `createTopic`. After the
/// topic is deleted or the data directory closed, its partitions throw
/// `partitionClosed`.
///
/// # Thread safety
/// Safe to use from any thread; each `PartitionLog` has its own lock.
public final class Topic: Sendable {
    public let name: String
    /// Partition `n` is `partitions[n]`.
    public let partitions: [PartitionLog]
    private let currentConfig: Mutex<TopicConfig>

    init(name: String, partitions: [PartitionLog], config: TopicConfig) {
        self.name = name
        self.partitions = partitions
        self.currentConfig = Mutex(config)
    }

    /// The config as last stored (`DataDirectory.alterConfig` changes it).
    public var config: TopicConfig { currentConfig.withLock { $0 } }

    public var partitionCount: Int { partitions.count }

    /// Partition `number`, or `unknownPartition` when there is none.
    public func partition(_ number: Int) throws(LogError) -> PartitionLog {
        guard partitions.indices.contains(number) else {
            throw .unknownPartition(topic: name, partition: number, partitionCount: partitions.count)
        }
        return partitions[number]
    }

    func update(config: TopicConfig) {
        currentConfig.withLock { $0 = config }
        for partition in partitions { partition.update(config: config) }
    }

    /// Closes every partition; the first failure is thrown after all were tried.
    func close() throws(LogError) {
        var failure: LogError?
        for partition in partitions {
            do { try partition.close() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}
