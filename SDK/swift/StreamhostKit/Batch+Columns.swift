import Columns
import StreamhostABI

/// The record formats of ABI 1.3 (`SH_FORMAT_*` bits): what a component
/// accepts and emits, declared with `Component.inputFormats` and
/// `outputFormats`.
public struct RecordFormats: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Key and value bytes (JSON or CSV text...): every ABI.
    public static let bytes = RecordFormats(rawValue: UInt32(SH_FORMAT_BYTES))
    /// Typed columns: an Arrow struct array with its schema.
    public static let columns = RecordFormats(rawValue: UInt32(SH_FORMAT_COLUMNS))
}

/// Typed columns of a batch (ABI 1.3), read without pointer work:
///
/// ```swift
/// if batch.isColumnar {
///     let values = try batch.columns()            // a struct Column
///     let amount = values.child(named: "amount")!  // typed reads: amount.decimal(at:)
///     for row in batch.recordRows { ... }          // the selection, or every row
/// }
/// ```
///
/// # Ownership
/// BORROWED, as the batch: the columns view the host's buffers and are
/// valid only until the callback returns. Copy (`Column.take`) what you keep.
/// One exception: columns passed to `Context.emit(columns:...)` during the
/// same process call, which may hold these columns as they are (the host
/// keeps the input alive until it releases what was emitted).
extension Batch {
    /// Whether the values are typed columns (`columns()`), not bytes
    /// (`value(at:)`).
    public var isColumnar: Bool {
        guard Int(pointer.pointee.struct_size) >= MemoryLayout<sh_batch>.size else { return false }
        return pointer.pointee.format == UInt32(SH_FORMAT_COLUMNS)
    }

    /// The raw Arrow struct schema of a columnar batch's values (for a
    /// reader of its own, like the window's column inputs); nil for bytes.
    public var arrowSchema: UnsafePointer<ArrowSchema>? { isColumnar ? pointer.pointee.schema : nil }

    /// The raw Arrow struct array of `count` rows of a columnar batch's
    /// values; nil for bytes.
    public var arrowColumns: UnsafePointer<ArrowArray>? { isColumnar ? pointer.pointee.columns : nil }

    /// The schema of the values of a columnar batch.
    public func schema() throws -> Schema {
        guard isColumnar, let schema = pointer.pointee.schema else {
            throw PluginError.failed("the batch holds bytes, not typed columns")
        }
        do {
            return try Schema(arrow: schema)
        } catch {
            throw PluginError.failed("the batch's schema cannot be read: \(error)")
        }
    }

    /// The values of a columnar batch: a struct column of `count` rows
    /// whose fields are `schema` (pass it when known, to save reading it
    /// again). A null row is a null value (a tombstone).
    public func columns(schema: Schema? = nil) throws -> Column {
        let schema = try schema ?? self.schema()
        guard let array = pointer.pointee.columns else { throw PluginError.failed("the columnar batch has no columns") }
        do {
            return try Column.viewing(array, type: schema.structType)
        } catch {
            throw PluginError.failed("the batch's columns do not match their schema: \(error)")
        }
    }

    /// The rows that are records (ABI 1.3 selection, strictly ascending),
    /// or nil when every row is.
    public var selection: UnsafeBufferPointer<UInt32>? {
        guard Int(pointer.pointee.struct_size) >= MemoryLayout<sh_batch>.size,
              let selection = pointer.pointee.selection else { return nil }
        return UnsafeBufferPointer(start: selection, count: Int(pointer.pointee.selection_count))
    }

    /// The rows that are records, in order: the selection's, or 0..<count.
    public var recordRows: [Int] {
        selection.map { $0.map(Int.init) } ?? Array(indices)
    }

    /// The timestamps of all rows.
    public var timestamps: UnsafeBufferPointer<Int64> {
        UnsafeBufferPointer(start: pointer.pointee.timestamps, count: count)
    }

    /// The records' Kafka headers (ABI 1.3, either format): a column of
    /// `count` rows of type `ColumnarValues.headersType`, a list of
    /// {key: utf8, value: binary} per row (a null value: a header without
    /// one); nil when no record of the batch has headers. Read it with
    /// `listRange(at:)` and the struct child's columns, without allocating.
    public func headers() throws -> Column? {
        guard Int(pointer.pointee.struct_size) >= MemoryLayout<sh_batch>.size,
              let headers = pointer.pointee.headers else { return nil }
        do {
            return try Column.viewing(headers, type: ColumnarValues.headersType)
        } catch {
            throw PluginError.failed("the batch's headers cannot be read: \(error)")
        }
    }
}

extension Context {
    /// Emits the batch's records restricted to `selection` (rows of the
    /// batch, strictly ascending): with the batch's own columns, the host
    /// shares them instead of copying — a filter's output.
    public func emit(batch: Batch, selection: [UInt32]) throws {
        var copy = batch.pointer.pointee
        precondition(Int(copy.struct_size) >= MemoryLayout<sh_batch>.size, "a selection needs an ABI 1.3 batch")
        try selection.withUnsafeBufferPointer { rows in
            copy.selection = rows.baseAddress ?? UnsafePointer(bitPattern: 8)
            copy.selection_count = UInt32(rows.count)
            let status = host.pointee.emit_batch!(rawContext, &copy)
            if status != Status.ok { throw failure("emit_batch", status) }
        }
    }

    /// Emits `values` (a struct column with one row per row of `batch`,
    /// fields `schema`) as the values of the batch's rows `selection` (nil:
    /// every row), with their timestamps, keys and headers: the host takes the
    /// column without copying it (it keeps it alive until the last step
    /// has read it). Inside process, `values` may hold columns of the
    /// batch's own `columns()` by reference: the host keeps the input batch
    /// alive as long as the emitted column (streamhost.h, `sh_batch`).
    public func emit(columns values: Column, schema: Schema, rowsOf batch: Batch, selection: [UInt32]?) throws {
        precondition(values.type == schema.structType, "values of another type than the schema's")
        precondition(values.length == batch.count, "one value row per row of the batch")
        var arrowSchema = ArrowSchema()
        var arrowArray = ArrowArray()
        schema.export(to: &arrowSchema)
        values.export(to: &arrowArray)
        var rows = sh_batch()
        rows.struct_size = UInt32(MemoryLayout<sh_batch>.size)
        rows.count = UInt32(batch.count)
        let input = batch.pointer.pointee
        rows.timestamps = input.timestamps
        rows.key_offsets = input.key_offsets
        rows.keys = input.keys
        rows.flags = input.flags
        // The records keep their headers (copied by the host).
        if Int(input.struct_size) >= MemoryLayout<sh_batch>.size { rows.headers = input.headers }
        let status: sh_status = (selection ?? []).withUnsafeBufferPointer { chosen in
            if selection != nil {
                rows.selection = chosen.baseAddress ?? UnsafePointer(bitPattern: 8)
                rows.selection_count = UInt32(chosen.count)
            }
            return host.pointee.emit_columns!(rawContext, &arrowSchema, &arrowArray, &rows)
        }
        if status != Status.ok { throw failure("emit_columns", status) }
    }
}
