/// A typed column in Arrow's memory layout: a validity bitmap, values (or
/// offsets and bytes), and children for nested types.
///
/// A column is built by appending (amortized growth of a few buffers, no
/// allocation per value) and then shared read-only: exported to a plugin
/// as an `ArrowArray` without copying, or imported from one (its buffers
/// are then views of the producer's memory, released through the
/// producer's callback when the last reader is done).
///
/// Building nested values: for a struct row, append one value to every
/// child, then `appendStruct()`; for a list row, append its elements to
/// `children[0]`, then `appendList()`. `appendNull()` does both for a null
/// row.
///
/// # Thread safety
/// One writer while building; any number of readers once shared. Nothing
/// is written after a column was exported or handed to another task.
///
/// # Ownership
/// The column owns its buffers (or, imported, keeps the producer's array
/// alive); exported arrays keep the column alive until released.
public final class Column: @unchecked Sendable {
    public let type: ColumnType
    /// Rows in the column.
    public var length: Int { rowCount }
    /// `length`'s storage. Another module reading a stored class property
    /// pays a dynamic exclusivity check per read (`@exclusivity(unchecked)`
    /// does not carry over); through the getter it reads it unchecked, as
    /// the decoders do per member.
    @exclusivity(unchecked) private(set) var rowCount = 0
    @exclusivity(unchecked) public private(set) var nullCount = 0
    /// The first row in the buffers: 0 unless imported from an array with an
    /// offset.
    public let offset: Int
    /// One bit per row, 1 = valid; nil while no row is null.
    @exclusivity(unchecked) var validity: ColumnBuffer? {
        didSet { validityReference = validity.map(Unmanaged.passUnretained) }
    }
    /// `validity` without a reference count: the append methods set a bit
    /// per value through it, where reading `validity` would retain and
    /// release the buffer each time. `validity` owns the buffer; its
    /// `didSet` (and init) keep the two the same.
    @exclusivity(unchecked) private var validityReference: Unmanaged<ColumnBuffer>?
    /// Fixed-width values, bool bits, or Int32 offsets (utf8, binary, list);
    /// unused by structs.
    let values: ColumnBuffer
    /// The bytes of utf8 and binary values.
    let data: ColumnBuffer?
    /// Struct fields in order, or a list's single element column.
    public let children: [Column]
    /// `children` without reference counts, for `appendNull` (a null struct
    /// row appends a null to every child); `children` owns them.
    private let childReferences: [Unmanaged<Column>]
    /// How `type`'s values are stored, a payload-free tag: the append
    /// methods check it per value (comparing `ColumnType`s, an indirect
    /// enum with payloads, cost a call and retains per value).
    let storage: Storage
    /// Whether rows may be appended: built here, not imported (offset 0,
    /// buffers of our own). Checked per appended value.
    let isAppendable: Bool

    /// How a column's values are stored (`type` without its payloads).
    enum Storage: UInt8 {
        case bool
        /// int32, date32: 4 bytes.
        case int32
        /// int64, timestampMs: 8 bytes.
        case int64
        case float64
        case decimal128
        /// utf8, binary: offsets and bytes.
        case bytes
        case list
        case `struct`

        init(_ type: ColumnType) {
            switch type {
            case .bool: self = .bool
            case .int32, .date32: self = .int32
            case .int64, .timestampMs: self = .int64
            case .float64: self = .float64
            case .decimal128: self = .decimal128
            case .utf8, .binary: self = .bytes
            case .list: self = .list
            case .struct: self = .struct
            }
        }

        /// Bytes per value for fixed-width storage (`ColumnType.fixedWidth`).
        var fixedWidth: Int {
            switch self {
            case .int32: return 4
            case .int64, .float64: return 8
            case .decimal128: return 16
            case .bool, .bytes, .list, .struct: preconditionFailure("no fixed width")
            }
        }
    }

    /// An empty column with room for `capacity` rows.
    public init(_ type: ColumnType, capacity: Int = 0) {
        self.type = type
        storage = Storage(type)
        isAppendable = true
        offset = 0
        switch type {
        case .struct(let fields):
            values = ColumnBuffer(capacity: 0)
            data = nil
            children = fields.map { Column($0.type, capacity: capacity) }
        case .list(let element):
            values = ColumnBuffer(capacity: (capacity + 1) * 4)
            values.append(Int32(0))
            data = nil
            children = [Column(element.type, capacity: capacity)]
        case .utf8, .binary:
            values = ColumnBuffer(capacity: (capacity + 1) * 4)
            values.append(Int32(0))
            data = ColumnBuffer(capacity: capacity * 16)
            children = []
        case .bool:
            values = ColumnBuffer(capacity: (capacity + 7) / 8)
            data = nil
            children = []
        default:
            values = ColumnBuffer(capacity: capacity * (type.fixedWidth ?? 0))
            data = nil
            children = []
        }
        childReferences = children.map(Unmanaged.passUnretained)
    }

    /// A column over imported buffers (see Column+Arrow.swift).
    init(type: ColumnType, length: Int, nullCount: Int, offset: Int, validity: ColumnBuffer?, values: ColumnBuffer,
         data: ColumnBuffer?, children: [Column]) {
        self.type = type
        storage = Storage(type)
        isAppendable = offset == 0 && !values.isView
        rowCount = length
        self.nullCount = nullCount
        self.offset = offset
        self.validity = validity
        validityReference = validity.map(Unmanaged.passUnretained)
        self.values = values
        self.data = data
        self.children = children
        childReferences = children.map(Unmanaged.passUnretained)
    }

    /// A struct column's fields; empty for other types.
    public var fields: [Field] {
        if case .struct(let fields) = type { return fields }
        return []
    }

    /// A struct column's child named `name`.
    public func child(named name: String) -> Column? {
        fields.firstIndex { $0.name == name }.map { children[$0] }
    }

    // MARK: Building

    @inline(__always)
    private func checkType(_ expected: Bool, _ what: StaticString) {
        precondition(expected, "\(what) appended to a column of another type")
        precondition(isAppendable, "appending to a column imported over the C Data Interface")
    }

    /// Marks row `length` valid (when a bitmap exists) and counts it.
    @inline(__always)
    private func finishValid() {
        if let validityReference { validityReference._withUnsafeGuaranteedRef { $0.setBit(length, true) } }
        rowCount += 1
    }

    public func append(_ value: Int64) {
        checkType(storage == .int64, "an Int64")
        values.append(value)
        finishValid()
    }

    public func append(int32 value: Int32) {
        checkType(storage == .int32, "an Int32")
        values.append(value)
        finishValid()
    }

    public func append(_ value: Double) {
        checkType(storage == .float64, "a Double")
        values.append(value)
        finishValid()
    }

    public func append(_ value: Bool) {
        checkType(storage == .bool, "a Bool")
        values.setBit(length, value)
        finishValid()
    }

    public func append(_ value: Decimal128) {
        checkType(storage == .decimal128, "a Decimal128")
        values.append(value.low)
        values.append(value.high)
        finishValid()
    }

    /// Appends a utf8 or binary value (UTF-8 validity is the caller's to
    /// check for utf8).
    public func append(bytes: UnsafeRawBufferPointer) {
        checkType(storage == .bytes, "bytes")
        data!.append(bytes: bytes)
        precondition(data!.count <= Int(Int32.max), "a utf8 or binary column larger than 2 GiB")
        values.append(Int32(data!.count))
        finishValid()
    }

    /// Closes a struct row whose children have one more value each.
    public func appendStruct() {
        checkType(storage == .struct, "a struct row")
        precondition(children.allSatisfy { $0.length == length + 1 }, "struct row with children of other lengths")
        finishValid()
    }

    /// Closes a list row whose elements were appended to `children[0]`.
    public func appendList() {
        checkType(storage == .list, "a list row")
        values.append(Int32(children[0].length))
        finishValid()
    }

    /// Appends a null row (a struct's children get a null each).
    public func appendNull() {
        precondition(isAppendable, "appending to a column imported over the C Data Interface")
        if validityReference == nil { validity = ColumnBuffer.allSet(bits: length, capacityBits: length * 2) }
        validityReference!._withUnsafeGuaranteedRef { $0.setBit(length, false) }
        switch storage {
        case .struct:
            for child in childReferences { child._withUnsafeGuaranteedRef { $0.appendNull() } }
        case .list: values.append(Int32(children[0].length))
        case .bytes: values.append(Int32(data!.count))
        case .bool: values.setBit(length, false)
        case .int32, .int64, .float64, .decimal128:
            let width = storage.fixedWidth
            values.reserve(values.count + width)
            (values.base + values.count).initializeMemory(as: UInt8.self, repeating: 0, count: width)
            values.count += width
        }
        nullCount += 1
        rowCount += 1
    }

    /// Drops the rows from `newLength` on, and what nested columns hold
    /// past them: undoes a partly appended record (values appended to some
    /// children of a struct row not closed yet, elements of an open list),
    /// as the JSON conversion does for a row that does not fit.
    public func truncate(to newLength: Int) {
        precondition(isAppendable, "truncating a column imported over the C Data Interface")
        precondition(newLength >= 0 && newLength <= length, "truncate beyond the column's length")
        if validity != nil {
            for row in newLength..<length where isNull(row) { nullCount -= 1 }
        }
        switch type {
        case .struct:
            for child in children { child.truncate(to: newLength) }
        case .list:
            values.count = (newLength + 1) * 4
            children[0].truncate(to: Int(values.load(at: newLength, as: Int32.self)))
        case .utf8, .binary:
            values.count = (newLength + 1) * 4
            data!.count = Int(values.load(at: newLength, as: Int32.self))
        case .bool:
            values.count = (newLength + 7) / 8
        default:
            values.count = newLength * type.fixedWidth!
        }
        rowCount = newLength
    }

    // MARK: Reading (row indexes from 0, the offset is applied here)

    @inline(__always)
    public func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        return !validity.bit(offset + row)
    }

    @inline(__always)
    public func int64(at row: Int) -> Int64 { values.load(at: offset + row, as: Int64.self) }

    @inline(__always)
    public func int32(at row: Int) -> Int32 { values.load(at: offset + row, as: Int32.self) }

    @inline(__always)
    public func double(at row: Int) -> Double { values.load(at: offset + row, as: Double.self) }

    @inline(__always)
    public func bool(at row: Int) -> Bool { values.bit(offset + row) }

    @inline(__always)
    public func decimal(at row: Int) -> Decimal128 {
        Decimal128(low: values.load(at: 2 * (offset + row), as: UInt64.self),
                   high: values.load(at: 2 * (offset + row) + 1, as: Int64.self))
    }

    /// A utf8 or binary value, borrowed from the column.
    @inline(__always)
    public func bytes(at row: Int) -> UnsafeRawBufferPointer {
        let start = Int(values.load(at: offset + row, as: Int32.self))
        let end = Int(values.load(at: offset + row + 1, as: Int32.self))
        return UnsafeRawBufferPointer(start: data!.base + start, count: end - start)
    }

    /// The rows of `children[0]` that list row `row` holds.
    @inline(__always)
    public func listRange(at row: Int) -> Range<Int> {
        Int(values.load(at: offset + row, as: Int32.self))..<Int(values.load(at: offset + row + 1, as: Int32.self))
    }

    /// The row of a struct's children that holds struct row `row`.
    @inline(__always)
    public func childRow(_ row: Int) -> Int { offset + row }

    // MARK: Copying

    /// Appends rows `rows` of `other` (a column of the same type), in that
    /// order, copying a buffer at a time: a typed loop per buffer (the
    /// validity bits, fixed-width values, offsets and bytes) instead of
    /// `appendRow`'s type dispatch per row and field. The hash exchange
    /// gathers each target's rows with it. Lists go row by row. As with
    /// `take`, a null struct row keeps its children's values (readers look
    /// at the struct's validity first).
    public func appendRows(of other: Column, rows: UnsafeBufferPointer<UInt32>) {
        precondition(other.type == type, "appendRows from a column of type \(other.type) to one of type \(type)")
        precondition(isAppendable, "appending to a column imported over the C Data Interface")
        let count = rows.count
        guard count > 0 else { return }
        precondition(rows.allSatisfy { Int($0) < other.length }, "appendRows: a row beyond the column's length")
        if case .list = type {
            for row in rows { appendRow(of: other, at: Int(row)) }
            return
        }
        let source = other.offset
        if let bits = other.validity, other.nullCount > 0 {
            if validity == nil { validity = ColumnBuffer.allSet(bits: length, capacityBits: (length + count) * 2) }
            for index in 0..<count {
                let valid = bits.bit(source + Int(rows[index]))
                validity!.setBit(length + index, valid)
                if !valid { nullCount += 1 }
            }
        } else if let validity {
            for index in 0..<count { validity.setBit(length + index, true) }
        }
        switch type {
        case .struct:
            // Row r of a struct is row offset + r of its children, whose own
            // offsets their appendRows applies.
            let childRows = rows.map { UInt32(source + Int($0)) }
            childRows.withUnsafeBufferPointer { childRows in
                for index in children.indices { children[index].appendRows(of: other.children[index], rows: childRows) }
            }
        case .utf8, .binary:
            values.reserve(values.count + count * 4)
            for row in rows {
                data!.append(bytes: other.bytes(at: Int(row)))
                values.append(Int32(data!.count))
            }
            precondition(data!.count <= Int(Int32.max), "a utf8 or binary column larger than 2 GiB")
        case .bool:
            for index in 0..<count { values.setBit(length + index, other.values.bit(source + Int(rows[index]))) }
        case .list:
            preconditionFailure("lists are appended row by row above")
        default:
            let width = type.fixedWidth!
            values.reserve(values.count + count * width)
            let output = values.base + values.count
            switch width {
            case 4:
                let input = other.values.base.assumingMemoryBound(to: UInt32.self)
                let typed = output.assumingMemoryBound(to: UInt32.self)
                for index in 0..<count { typed[index] = input[source + Int(rows[index])] }
            case 8:
                let input = other.values.base.assumingMemoryBound(to: UInt64.self)
                let typed = output.assumingMemoryBound(to: UInt64.self)
                for index in 0..<count { typed[index] = input[source + Int(rows[index])] }
            default:
                for index in 0..<count {
                    (output + index * width).copyMemory(from: other.values.base + (source + Int(rows[index])) * width,
                                                        byteCount: width)
                }
            }
            values.count += count * width
        }
        rowCount += count
    }

    /// Appends row `row` of `other` (a column of the same type), copying.
    public func appendRow(of other: Column, at row: Int) {
        precondition(other.type == type, "appendRow from a column of type \(other.type) to one of type \(type)")
        if other.isNull(row) {
            appendNull()
            return
        }
        switch type {
        case .bool: append(other.bool(at: row))
        case .int32, .date32: append(int32: other.int32(at: row))
        case .int64, .timestampMs: append(other.int64(at: row))
        case .float64: append(other.double(at: row))
        case .decimal128: append(other.decimal(at: row))
        case .utf8, .binary: append(bytes: other.bytes(at: row))
        case .list:
            for element in other.listRange(at: row) { children[0].appendRow(of: other.children[0], at: element) }
            appendList()
        case .struct:
            for index in children.indices { children[index].appendRow(of: other.children[index], at: other.childRow(row)) }
            appendStruct()
        }
    }
}
