import Core

/// One record as a test writes it and reads it back: what the plugin sees
/// through `sh_record` (a timestamp in ms, key and value bytes, each
/// possibly null).
public struct TestRecord: Sendable, Hashable, CustomStringConvertible {
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?

    public init(timestamp: Int64 = 0, key: [UInt8]? = nil, value: [UInt8]?) {
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    /// A record with UTF-8 text (JSON, usually) as its value.
    public init(timestamp: Int64 = 0, key: String? = nil, value: String) {
        self.init(timestamp: timestamp, key: key.map { Array($0.utf8) }, value: Array(value.utf8))
    }

    public var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    public var valueText: String? { value.map { String(decoding: $0, as: UTF8.self) } }

    /// The value parsed as JSON; nil when it is null or not JSON.
    public var valueJSON: JSONValue? { valueText.flatMap { try? JSONValue.parse($0) } }

    public var description: String {
        "{timestamp: \(timestamp), key: \(keyText.map { "\"\($0)\"" } ?? "null"), value: \(valueText ?? "null")}"
    }

    /// The records of `batch` (typed columns written as JSON values, a
    /// selection applied), in order.
    static func records(of batch: RecordBatch) -> [TestRecord] {
        let bytes = batch.convertedToBytes()
        return (0..<bytes.count).map { index in
            bytes.withRecord(at: index) { timestamp, key, value in
                TestRecord(timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) })
            }
        }
    }

    /// A byte batch holding `records`.
    static func batch(_ records: [TestRecord]) -> RecordBatch {
        let batch = RecordBatch(recordCapacity: max(records.count, 1))
        for record in records {
            record.key.withUnsafeBytesIfPresent { key in
                record.value.withUnsafeBytesIfPresent { value in
                    batch.append(timestamp: record.timestamp, key: key, value: value)
                }
            }
        }
        batch.seal()
        return batch
    }
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withUnsafeBytesIfPresent<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch self {
        case .some(let bytes): return bytes.withUnsafeBytes { body($0) }
        case .none: return body(nil)
        }
    }
}
