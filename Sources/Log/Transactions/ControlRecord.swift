/// The end of a transaction in one partition: a control batch (attributes
/// bits 4 and 5) holding one control record, written by the coordinator to
/// every partition the transaction touched.
///
/// The layout is Kafka's (`EndTransactionMarker`), so the Kafka protocol can
/// serve the batch as stored: the record's key is version (int16, 0) and
/// type (int16: 0 abort, 1 commit); its value is version (int16, 0) and the
/// coordinator epoch (int32, 0 here: one coordinator per data directory).
/// The batch carries the transaction's producer id and epoch and base
/// sequence -1.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct ControlRecord: Sendable, Equatable {
    /// What the marker decides.
    public enum Kind: Int16, Sendable {
        case abort = 0
        case commit = 1
    }

    public let kind: Kind
    public let producerId: Int64
    public let producerEpoch: Int16

    public init(kind: Kind, producerId: Int64, producerEpoch: Int16) {
        self.kind = kind
        self.producerId = producerId
        self.producerEpoch = producerEpoch
    }

    /// The control batch, ready for `PartitionLog.append`.
    public func encode(timestamp: Int64) -> [UInt8] {
        let key: [UInt8] = [0, 0, 0, UInt8(kind.rawValue)]
        let value: [UInt8] = [0, 0, 0, 0, 0, 0]
        // One small record with a key: encoding cannot fail.
        return try! RecordBatchV2.encode(
            [LogRecord(timestamp: timestamp, key: key, value: value, headers: [])],
            producerID: producerId, producerEpoch: producerEpoch, baseSequence: -1,
            isTransactional: true, isControl: true)
    }

    /// The marker in a control batch; nil when the batch is not one or its
    /// record is not a marker this build knows (Kafka skips those too).
    public static func decode(_ batch: UnsafeRawBufferPointer) -> ControlRecord? {
        guard let header = try? RecordBatchHeader.parse(batch), header.isControl,
              let records = try? RecordBatchV2.decode(batch), let key = records.first?.key, key.count >= 4,
              key[0] == 0, key[1] == 0, key[2] == 0, let kind = Kind(rawValue: Int16(key[3]))
        else { return nil }
        return ControlRecord(kind: kind, producerId: header.producerId, producerEpoch: header.producerEpoch)
    }
}
