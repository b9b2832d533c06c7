/// A topic's name and one of its partition numbers: which partition a
/// message, an error or a `PartitionLog` is about.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public let topic: String
    public let partition: Int

    public init(topic: String, partition: Int) {
        self.topic = topic
        self.partition = partition
    }

    /// "topic orders, partition 3".
    public var description: String { "topic \(topic), partition \(partition)" }
}
