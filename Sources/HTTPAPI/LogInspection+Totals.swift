import Log

extension LogInspection {
    /// The sum of a topic's partitions' end offsets (records ever written,
    /// retention aside); 0 when the topic is gone. `LogHistory` takes its
    /// records per second from its change.
    func endOffsetSum(topic name: String) -> Int64 {
        guard let topic = try? data.topic(named: name) else { return 0 }
        return topic.partitions.reduce(0) { $0 + $1.endOffset }
    }
}
