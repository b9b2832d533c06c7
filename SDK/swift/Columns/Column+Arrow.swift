#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StreamhostABI

// Export and import over the Arrow C Data Interface (SDK/include/streamhost.h,
// "The Arrow C Data Interface"): zero-copy both ways. An exported array keeps
// its column alive through `private_data` until its release callback runs; an
// imported array is kept by the columns built over it and released once,
// when the last of them is gone.

// MARK: Export

/// What an exported `ArrowArray` owns: the column (so its buffers stay
/// valid), the buffer pointer list and the children's structs.
final class ExportedArray {
    let column: Column
    let buffers: UnsafeMutablePointer<UnsafeRawPointer?>
    let children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>?
    let childCount: Int

    init(column: Column) {
        self.column = column
        buffers = .allocate(capacity: column.type.bufferCount)
        childCount = column.children.count
        children = childCount == 0 ? nil : .allocate(capacity: childCount)
        for index in 0..<childCount {
            children![index] = .allocate(capacity: 1)
        }
    }

    deinit {
        buffers.deallocate()
        for index in 0..<childCount { children![index]!.deallocate() }
        children?.deallocate()
    }
}

/// The release callback of every array the Columns module exports: releases
/// the children not moved away, then the array's own `ExportedArray`.
private func releaseExportedArray(_ array: UnsafeMutablePointer<ArrowArray>?) {
    guard let array, array.pointee.release != nil else { return }
    for index in 0..<Int(array.pointee.n_children) {
        if let child = array.pointee.children[index], let release = child.pointee.release { release(child) }
    }
    Unmanaged<ExportedArray>.fromOpaque(array.pointee.private_data!).release()
    array.pointee.release = nil
    array.pointee.private_data = nil
}

extension Column {
    /// Writes an `ArrowArray` viewing this column into `array` (storage of
    /// the consumer, which then owns the struct and must call its release
    /// exactly once). Nothing is copied: the array keeps the column alive.
    public func export(to array: UnsafeMutablePointer<ArrowArray>) {
        let owner = ExportedArray(column: self)
        owner.buffers[0] = validity.map { UnsafeRawPointer($0.base) }
        switch type {
        case .struct: break
        case .utf8, .binary:
            owner.buffers[1] = UnsafeRawPointer(values.base)
            owner.buffers[2] = UnsafeRawPointer(data!.base)
        default:
            owner.buffers[1] = UnsafeRawPointer(values.base)
        }
        for index in children.indices { children[index].export(to: owner.children![index]!) }
        array.initialize(to: ArrowArray(
            length: Int64(length), null_count: Int64(nullCount), offset: Int64(offset),
            n_buffers: Int64(type.bufferCount), n_children: Int64(children.count),
            buffers: owner.buffers,
            children: owner.children, dictionary: nil,
            release: releaseExportedArray,
            private_data: Unmanaged.passRetained(owner).toOpaque()))
    }
}

/// What an exported `ArrowSchema` owns: its strings and children's structs.
final class ExportedSchema {
    let format: UnsafeMutablePointer<CChar>
    let name: UnsafeMutablePointer<CChar>
    let children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>?
    let childCount: Int

    init(format: String, name: String, childCount: Int) {
        self.format = strdup(format)!
        self.name = strdup(name)!
        self.childCount = childCount
        children = childCount == 0 ? nil : .allocate(capacity: childCount)
        for index in 0..<childCount { children![index] = .allocate(capacity: 1) }
    }

    deinit {
        free(format)
        free(name)
        for index in 0..<childCount { children![index]!.deallocate() }
        children?.deallocate()
    }
}

private func releaseExportedSchema(_ schema: UnsafeMutablePointer<ArrowSchema>?) {
    guard let schema, schema.pointee.release != nil else { return }
    for index in 0..<Int(schema.pointee.n_children) {
        if let child = schema.pointee.children[index], let release = child.pointee.release { release(child) }
    }
    Unmanaged<ExportedSchema>.fromOpaque(schema.pointee.private_data!).release()
    schema.pointee.release = nil
    schema.pointee.private_data = nil
}

extension ColumnType {
    /// Writes an `ArrowSchema` of this type, named `name`, into `schema`
    /// (owned by the consumer, which calls its release exactly once).
    public func export(to schema: UnsafeMutablePointer<ArrowSchema>, name: String = "", nullable: Bool = true) {
        let childFields: [Field]
        switch self {
        case .struct(let fields): childFields = fields
        case .list(let element): childFields = [element]
        default: childFields = []
        }
        let owner = ExportedSchema(format: arrowFormat, name: name, childCount: childFields.count)
        for (index, field) in childFields.enumerated() {
            field.type.export(to: owner.children![index]!, name: field.name, nullable: field.isNullable)
        }
        schema.initialize(to: ArrowSchema(
            format: UnsafePointer(owner.format), name: UnsafePointer(owner.name), metadata: nil,
            flags: nullable ? Int64(ARROW_FLAG_NULLABLE) : 0, n_children: Int64(childFields.count),
            children: owner.children, dictionary: nil, release: releaseExportedSchema,
            private_data: Unmanaged.passRetained(owner).toOpaque()))
    }
}

extension Schema {
    /// Writes the schema as a struct `ArrowSchema` ("+s") into `schema`.
    public func export(to schema: UnsafeMutablePointer<ArrowSchema>) {
        structType.export(to: schema, name: "", nullable: true)
    }

    /// Reads a struct `ArrowSchema` (BORROWED: the caller releases it).
    public init(arrow schema: UnsafePointer<ArrowSchema>) throws(ColumnsError) {
        let type = try ColumnType(arrow: schema, path: "")
        guard case .struct(let fields) = type else {
            throw ColumnsError(path: "", "the schema's format is '\(type.arrowFormat)'; record values are a struct ('+s')")
        }
        self.init(fields)
    }
}

extension ColumnType {
    /// Reads the type an `ArrowSchema` describes (BORROWED).
    init(arrow schema: UnsafePointer<ArrowSchema>, path: String) throws(ColumnsError) {
        let s = schema.pointee
        guard s.release != nil else { throw ColumnsError(path: path, "the ArrowSchema was released already") }
        guard let formatPointer = s.format else { throw ColumnsError(path: path, "the ArrowSchema has no format") }
        guard s.dictionary == nil else {
            throw ColumnsError(path: path, "dictionary-encoded columns are not supported; send the values themselves")
        }
        let format = String(cString: formatPointer)
        func children() throws(ColumnsError) -> [Field] {
            guard s.n_children >= 0, s.n_children == 0 || s.children != nil else {
                throw ColumnsError(path: path, "n_children is \(s.n_children) but children is NULL")
            }
            var fields: [Field] = []
            for index in 0..<Int(s.n_children) {
                guard let child = s.children[index] else {
                    throw ColumnsError(path: path, "child schema \(index) is NULL")
                }
                let name = child.pointee.name.map { String(cString: $0) } ?? ""
                let childPath = path.isEmpty ? name : path + "." + name
                fields.append(Field(name, try ColumnType(arrow: child, path: childPath),
                                    nullable: child.pointee.flags & Int64(ARROW_FLAG_NULLABLE) != 0))
            }
            return fields
        }
        switch format {
        case "+s":
            self = .struct(try children())
        case "+l":
            let elements = try children()
            guard elements.count == 1 else {
                throw ColumnsError(path: path, "a list schema has \(elements.count) children; it needs exactly 1")
            }
            self = .list(elements[0])
        default:
            guard s.n_children == 0 else {
                throw ColumnsError(path: path, "format '\(format)' takes no children, but the schema has \(s.n_children)")
            }
            guard let type = ColumnType.primitive(arrowFormat: format) else {
                throw ColumnsError(path: path, "format '\(format)' is not a type streamhost reads (bool 'b', int32 'i', "
                    + "int64 'l', float64 'g', decimal128 'd:P,S', utf8 'u', binary 'z', timestamp 'tsm:UTC', "
                    + "date32 'tdD', struct '+s', list '+l')")
            }
            self = type
        }
    }
}

// MARK: Import

/// An array moved in from a producer: released exactly once, when the last
/// column built over it is gone.
///
/// # Ownership
/// `lender` (what owns memory the array may view without owning it, such
/// as the input batch of the call that emitted it) is kept until the
/// producer's release callback has returned: a stored property outlives
/// the deinit body.
final class ImportedArray {
    let raw: UnsafeMutablePointer<ArrowArray>
    let lender: AnyObject?

    init(moving array: UnsafeMutablePointer<ArrowArray>, lender: AnyObject?) {
        raw = .allocate(capacity: 1)
        raw.initialize(to: array.pointee)
        array.pointee.release = nil
        self.lender = lender
    }

    deinit {
        if let release = raw.pointee.release { release(raw) }
        raw.deallocate()
    }
}

/// The owner of views of borrowed arrays: the lender keeps them valid.
final class BorrowedArray {}

extension Column {
    /// Takes ownership of `array` (moved: its release is set to NULL) as a
    /// column of `type`, without copying. The producer's release callback
    /// runs exactly once, when the column and every column sharing its
    /// buffers are gone — also when this throws.
    ///
    /// `keepingAlive`: an object that owns memory the array may point into
    /// without owning it (the host passes the input batch of the process
    /// call that emitted the array: a column passed on by reference), kept
    /// until the producer's release callback has returned.
    public static func importing(moving array: UnsafeMutablePointer<ArrowArray>, type: ColumnType,
                                 keepingAlive lender: AnyObject? = nil) throws(ColumnsError) -> Column
    {
        guard array.pointee.release != nil else {
            throw ColumnsError(path: "", "the ArrowArray was released already (its release is NULL)")
        }
        let owner = ImportedArray(moving: array, lender: lender)
        return try wrap(UnsafePointer(owner.raw), type: type, owner: owner, path: "")
    }

    /// A column viewing `array` (BORROWED: valid only while the lender keeps
    /// the array, e.g. during the callback that received it).
    public static func viewing(_ array: UnsafePointer<ArrowArray>, type: ColumnType) throws(ColumnsError) -> Column {
        guard array.pointee.release != nil else {
            throw ColumnsError(path: "", "the ArrowArray was released already (its release is NULL)")
        }
        return try wrap(array, type: type, owner: BorrowedArray(), path: "")
    }

    /// Checks one array against its type, then builds the column over its
    /// buffers. A producer's mistakes (missing buffers, offsets out of
    /// order, short children) throw rather than crash a reader later.
    private static func wrap(_ array: UnsafePointer<ArrowArray>, type: ColumnType, owner: AnyObject, path: String)
        throws(ColumnsError) -> Column
    {
        let a = array.pointee
        guard a.length >= 0, a.offset >= 0, a.null_count >= -1 else {
            throw ColumnsError(path: path, "length \(a.length), offset \(a.offset) or null_count \(a.null_count) is negative")
        }
        guard a.dictionary == nil else {
            throw ColumnsError(path: path, "dictionary-encoded arrays are not supported")
        }
        guard a.n_buffers == Int64(type.bufferCount) else {
            throw ColumnsError(path: path, "a \(type.arrowFormat) array has \(type.bufferCount) buffers, this one \(a.n_buffers)")
        }
        guard let buffers = a.buffers else { throw ColumnsError(path: path, "buffers is NULL") }
        let length = Int(a.length)
        let offset = Int(a.offset)
        let rows = offset + length

        func view(_ index: Int, alignment: Int, required: Bool) throws(ColumnsError) -> ColumnBuffer? {
            guard let pointer = buffers[index] else {
                if required { throw ColumnsError(path: path, "buffer \(index) is NULL") }
                return nil
            }
            guard Int(bitPattern: pointer) % alignment == 0 else {
                throw ColumnsError(path: path, "buffer \(index) is not aligned to \(alignment) bytes")
            }
            return ColumnBuffer(viewing: pointer, owner: owner)
        }

        let validity = try view(0, alignment: 1, required: false)
        var nullCount = Int(a.null_count)
        if validity == nil {
            guard nullCount <= 0 else {
                throw ColumnsError(path: path, "null_count is \(nullCount) but there is no validity bitmap")
            }
            nullCount = 0
        } else if nullCount < 0 {
            nullCount = 0
            for row in offset..<rows where !validity!.bit(row) { nullCount += 1 }
        }

        var values = ColumnBuffer(capacity: 0)
        var data: ColumnBuffer?
        var children: [Column] = []
        switch type {
        case .struct(let fields):
            guard a.n_children == Int64(fields.count), fields.isEmpty || a.children != nil else {
                throw ColumnsError(path: path, "a struct of \(fields.count) fields has \(a.n_children) children")
            }
            for (index, field) in fields.enumerated() {
                let childPath = path.isEmpty ? field.name : path + "." + field.name
                guard let child = a.children[index] else { throw ColumnsError(path: childPath, "the child array is NULL") }
                guard child.pointee.length >= Int64(rows) else {
                    throw ColumnsError(path: childPath, "the child has \(child.pointee.length) rows; the struct needs \(rows)")
                }
                children.append(try wrap(UnsafePointer(child), type: field.type, owner: owner, path: childPath))
            }
        case .list, .utf8, .binary:
            if let offsets = try view(1, alignment: 4, required: rows > 0) {
                values = offsets
            } else {
                values.append(Int32(0))  // an empty array may omit its offsets
            }
            var previous = values.load(at: offset, as: Int32.self)
            guard previous >= 0 else { throw ColumnsError(path: path, "offset \(previous) is negative") }
            for row in (offset + 1)..<(rows + 1) {
                let next = values.load(at: row, as: Int32.self)
                guard next >= previous else {
                    throw ColumnsError(path: path, "offsets decrease at row \(row - offset - 1) (\(previous), then \(next))")
                }
                previous = next
            }
            let end = Int(previous)
            if case .list(let element) = type {
                guard a.n_children == 1, a.children != nil, let child = a.children[0] else {
                    throw ColumnsError(path: path, "a list array needs exactly 1 child, it has \(a.n_children)")
                }
                guard child.pointee.length >= Int64(end) else {
                    throw ColumnsError(path: path, "the list's elements end at \(end) but its child has \(child.pointee.length) rows")
                }
                children.append(try wrap(UnsafePointer(child), type: element.type, owner: owner, path: path + "[]"))
            } else {
                guard a.n_children == 0 else { throw ColumnsError(path: path, "a \(type.arrowFormat) array has no children") }
                data = try view(2, alignment: 1, required: end > 0) ?? ColumnBuffer(capacity: 0)
            }
        case .bool:
            guard a.n_children == 0 else { throw ColumnsError(path: path, "a bool array has no children") }
            values = try view(1, alignment: 1, required: rows > 0) ?? values
        default:
            guard a.n_children == 0 else { throw ColumnsError(path: path, "a \(type.arrowFormat) array has no children") }
            values = try view(1, alignment: min(type.fixedWidth!, 8), required: rows > 0) ?? values
        }
        return Column(type: type, length: length, nullCount: nullCount, offset: offset, validity: validity,
                      values: values, data: data, children: children)
    }
}
