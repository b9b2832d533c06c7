/// One header of a Kafka record: a string key and an optional byte value.
///
/// Kafka forbids a null header key, so `key` is not optional; `value` may
/// be null (written as length -1), which is not the same as empty.
public struct RecordHeader: Sendable, Equatable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
