extension RecordBatchV2 {
    /// Decodes consecutive whole batches (a `LogSlice`'s bytes) into their
    /// records, in offset order. Checks each batch as `decode(_:)` does; the
    /// error's byte offset is within the failing batch, and `batchPosition`
    /// says where that batch starts in `bytes`.
    public static func decode(batchesIn bytes: UnsafeRawBufferPointer) throws(BatchesError) -> [DecodedRecord] {
        var records: [DecodedRecord] = []
        var position = 0
        while position < bytes.count {
            let batch = UnsafeRawBufferPointer(rebasing: bytes[position...])
            do {
                let header = try RecordBatchHeader.parse(batch)
                records += try decode(batch)
                position += header.totalSize
            } catch {
                throw BatchesError(batchPosition: position, error: error)
            }
        }
        return records
    }

    /// A batch of several that could not be decoded, and where it starts.
    public struct BatchesError: Error, CustomStringConvertible, Sendable {
        public let batchPosition: Int
        public let error: LogFormatError
        public var description: String { "the batch at byte \(batchPosition) of the slice: \(error)" }
    }
}
