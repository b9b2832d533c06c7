/// A record to encode into a RecordBatch v2: what a producer sends.
///
/// The offset is not part of it: a batch's records take consecutive offsets
/// from the batch's baseOffset, which the log assigns at append.
public struct LogRecord: Sendable, Equatable {
    /// Event time, milliseconds since the Unix epoch (Kafka CreateTime).
    public var timestamp: Int64
    /// nil is a null key, distinct from an empty one.
    public var key: [UInt8]?
    /// nil is a null value (a tombstone in a compacted topic).
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(timestamp: Int64, key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = []) {
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}
