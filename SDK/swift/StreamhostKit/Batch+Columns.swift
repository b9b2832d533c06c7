import StreamhostABI

/// The typed side of a batch (ABI 1.3): what `sh_batch`'s `format`,
/// `schema`, `columns` and `selection` carry.
///
/// # Ownership
/// BORROWED like the batch: the Arrow structs and the selection are valid
/// until the callback that received the batch returns; never call their
/// release callbacks.
extension Batch {
    /// The size of an ABI 1.3 `sh_batch`: a smaller one is bytes.
    @usableFromInline
    static let columnsStructSize = MemoryLayout<sh_batch>.size

    /// Whether the values are typed columns (SH_FORMAT_COLUMNS).
    @inlinable
    public var hasColumns: Bool {
        Int(pointer.pointee.struct_size) >= Self.columnsStructSize
            && pointer.pointee.format == UInt32(SH_FORMAT_COLUMNS) && pointer.pointee.columns != nil
    }

    /// The struct schema of the values, when they are typed columns.
    @inlinable
    public var arrowSchema: UnsafePointer<ArrowSchema>? { hasColumns ? pointer.pointee.schema : nil }

    /// The values as one struct array of `count` rows, when they are typed
    /// columns.
    @inlinable
    public var arrowColumns: UnsafePointer<ArrowArray>? { hasColumns ? pointer.pointee.columns : nil }

    /// The rows that are records, strictly ascending; nil: every row.
    @inlinable
    public var selection: UnsafeBufferPointer<UInt32>? {
        guard Int(pointer.pointee.struct_size) >= Self.columnsStructSize, let rows = pointer.pointee.selection else {
            return nil
        }
        return UnsafeBufferPointer(start: rows, count: Int(pointer.pointee.selection_count))
    }
}
