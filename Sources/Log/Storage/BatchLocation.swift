/// Where a batch starts in a segment's `.log` file, with its parsed header.
///
/// # Thread safety
/// A value type.
struct BatchLocation: Equatable {
    /// Byte position of the batch's first byte in the `.log` file.
    let position: Int
    let header: RecordBatchHeader

    /// The position right after the batch.
    var end: Int { position + header.totalSize }
}
