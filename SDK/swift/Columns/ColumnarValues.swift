import StreamhostABI

/// The typed side of a batch (ABI 1.3): record values as a struct column
/// with its schema, the rows selected, and record headers.
///
/// A batch's timestamps and keys stay where they are (one per row of
/// `values`); this adds what sh_batch's `schema`, `columns`, `selection`
/// and `headers` carry. `values` is nil for a byte batch that only has
/// headers.
///
/// # Thread safety
/// Immutable once made, Arrow export included: any number of readers.
///
/// # Ownership
/// Holds its columns; the exported structs are released on deinit.
public final class ColumnarValues: @unchecked Sendable {
    public let schema: Schema
    /// A struct column: one row per row of the batch; nil: the values are bytes.
    public let values: Column?
    /// Rows of the batch that are records, strictly ascending; nil: all.
    public let selection: [UInt32]?
    /// list<struct<key: utf8, value: binary>>, one row per row; nil: none.
    public let headers: Column?

    /// The type of the headers column (sh_batch.headers).
    public static let headersType = ColumnType.list(Field("header", .struct([
        Field("key", .utf8, nullable: false), Field("value", .binary),
    ]), nullable: false))

    /// `exportsOf`: a batch whose schema and values these are (an
    /// operator passing its input on, as a filter does with a selection):
    /// its exported structs are shared, not made again (it is kept alive
    /// while this object is).
    public init(schema: Schema, values: Column?, selection: [UInt32]? = nil, headers: Column? = nil,
                exportsOf source: ColumnarValues? = nil) {
        if let values { precondition(values.type == schema.structType, "values of another type than the schema's") }
        if let headers { precondition(headers.type == Self.headersType, "a headers column of another type") }
        self.schema = schema
        self.values = values
        self.selection = selection
        self.headers = headers
        // Exported at once (a few small allocations per batch): a batch
        // may reach several consumers on several threads, and an export
        // made here needs no lock.
        if let values, let source, source.values === values, source.schema == schema {
            exportSource = source.exportSource ?? source
            exportedSchema = source.exportedSchema
            exportedValues = source.exportedValues
        } else if let values {
            exportSource = nil
            let schemaStorage = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            schema.export(to: schemaStorage)
            exportedSchema = schemaStorage
            let valuesStorage = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            values.export(to: valuesStorage)
            exportedValues = valuesStorage
        } else {
            exportSource = nil
            exportedSchema = nil
            exportedValues = nil
        }
        if let headers {
            let storage = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            headers.export(to: storage)
            exportedHeaders = storage
        } else {
            exportedHeaders = nil
        }
    }

    deinit {
        if let exportedHeaders {
            if let release = exportedHeaders.pointee.release { release(exportedHeaders) }
            exportedHeaders.deallocate()
        }
        // Shared exports are the source's to release.
        guard exportSource == nil else { return }
        if let exportedValues {
            if let release = exportedValues.pointee.release { release(exportedValues) }
            exportedValues.deallocate()
        }
        if let exportedSchema {
            if let release = exportedSchema.pointee.release { release(exportedSchema) }
            exportedSchema.deallocate()
        }
    }

    /// Rows that are records.
    public func recordCount(rows: Int) -> Int { selection?.count ?? rows }

    /// The batch whose exports these are, kept alive; nil: they are ours.
    private let exportSource: ColumnarValues?
    private let exportedSchema: UnsafeMutablePointer<ArrowSchema>?
    private let exportedValues: UnsafeMutablePointer<ArrowArray>?
    private let exportedHeaders: UnsafeMutablePointer<ArrowArray>?

    /// The values and schema as Arrow structs, BORROWED from this object,
    /// for handing the batch to plugins.
    public var arrow: (schema: UnsafePointer<ArrowSchema>?, values: UnsafePointer<ArrowArray>?,
                       headers: UnsafePointer<ArrowArray>?) {
        (exportedSchema.map { UnsafePointer($0) }, exportedValues.map { UnsafePointer($0) },
         exportedHeaders.map { UnsafePointer($0) })
    }

    /// Whether `array` is this object's exported values (a plugin emitting
    /// its input back, which the host then shares instead of copying).
    public func isExported(_ array: UnsafePointer<ArrowArray>) -> Bool {
        exportedValues.map { UnsafePointer($0) == array } ?? false
    }
}
