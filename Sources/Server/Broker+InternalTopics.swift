import KafkaProtocol
import Log

/// The internal topics (`TopicName.internalNames`) belong to the group
/// and transaction coordinators, which hold them open and rebuild their
/// state from them: clients may read them and see them in Metadata, but
/// not write, delete, trim or create them.
extension Broker {
    /// INVALID_TOPIC_EXCEPTION when `name` is internal, else nil.
    /// - Parameter operation: what was refused, as "append to".
    static func internalTopicRefusal(_ name: String, _ operation: String) -> RequestFailure? {
        guard TopicName.isInternal(name) else { return nil }
        return RequestFailure(
            .invalidTopicException,
            "cannot \(operation) internal topic \(name): only the server's group and transaction coordinators write it")
    }
}
