/// A record read back from a RecordBatch v2, with its absolute offset.
public struct DecodedRecord: Sendable, Equatable {
    /// baseOffset + offsetDelta.
    public var offset: Int64
    /// baseTimestamp + timestampDelta, or the batch's maxTimestamp when the
    /// batch's timestamp type is LogAppendTime (Kafka's rule).
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = []) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}
