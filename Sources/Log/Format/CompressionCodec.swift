/// The compression of a RecordBatch v2's records, bits 0–2 of its attributes.
///
/// Only the records section (after the 61-byte header) is compressed; the
/// header, including the record count, never is.
public enum CompressionCodec: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }
}

/// Which clock a batch's timestamps come from, bit 3 of its attributes.
public enum TimestampType: Sendable, Equatable {
    /// Set by the producer when it created each record.
    case createTime
    /// Set by the log when it appended the batch (maxTimestamp holds it).
    case logAppendTime
}
