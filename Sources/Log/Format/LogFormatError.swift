/// What is wrong with bytes that should be a Kafka RecordBatch v2, and where.
///
/// The one error type of the format layer. `byteOffset` counts from the first
/// byte of the batch (its baseOffset field), so a message such as "record 3:
/// key length -7 is negative at byte 112" can be checked with a hex dump.
public struct LogFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Fewer bytes than the header or batchLength says there are.
        case truncated
        /// The magic byte is not 2: not a v2 batch (or not a batch at all).
        case unsupportedMagic
        /// batchLength is below the header's size or above `RecordBatchHeader.batchBytesMax`.
        case invalidBatchLength
        /// The stored CRC-32C does not match the bytes: corruption or a torn write.
        case crcMismatch
        /// Attributes name a codec this build does not know (5–7).
        case unsupportedCompression
        /// A codec refused the compressed records, or they inflate past the bound.
        case decompressionFailed
        /// A record's varint, length or count disagrees with the bytes around it.
        case malformedRecord
        /// A record reads well but breaks a rule of a batch to append
        /// (offset deltas out of order, a timestamp that overflows).
        case invalidRecord
        /// An encode request cannot be represented (too many records, too large).
        case invalidArgument
        /// A codec failed while compressing.
        case compressionFailed
    }

    public let kind: Kind
    /// Offset within the batch where the problem was found; nil when it is
    /// not about a position (an argument to `encode`).
    public let byteOffset: Int?
    /// Whether `byteOffset` counts within the decompressed records section
    /// of a compressed batch rather than within the batch's stored bytes.
    public let inDecompressedRecords: Bool
    /// What is wrong, in words.
    public let message: String

    public init(_ kind: Kind, _ message: String, at byteOffset: Int? = nil, inDecompressedRecords: Bool = false) {
        self.kind = kind
        self.message = message
        self.byteOffset = byteOffset
        self.inDecompressedRecords = inDecompressedRecords
    }

    public var description: String {
        guard let byteOffset else { return "RecordBatch v2: \(message)" }
        let place = inDecompressedRecords ? "of the decompressed records" : "of the batch"
        return "RecordBatch v2: \(message) (at byte \(byteOffset) \(place))"
    }
}
