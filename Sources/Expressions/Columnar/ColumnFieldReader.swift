import Columns
import Core

/// Reads one field path from the rows of a struct column, giving exactly the
/// value the row evaluator reads from the same row written as JSON text
/// (`ColumnarJSONEncoder`, the host's columns → bytes conversion): int32,
/// int64 and timestamps are integers, a decimal(p, s) with p ≤ 18 is a
/// decimal (an integer when s is 0), bools are booleans, utf8 is a string;
/// every other type (float64, wide decimals, binary, dates, lists, a path
/// into a list) is written as its JSON text and read back, so that the two
/// paths cannot drift apart. A field the schema lacks is null, as a member
/// the record lacks.
///
/// # Thread safety
/// Immutable after init; reads only.
struct ColumnFieldReader {
    /// How a row's value is read.
    enum Access {
        /// The schema has no such field: null in every row.
        case missing
        /// A typed leaf: `columns` are the structs on the way (a null one
        /// makes the field null) and the leaf last.
        case leaf([Column])
        /// Written as JSON text from `columns.last` (field `field` of
        /// `columns[columns.count - 2]`'s type) and read back through `rest`.
        case text(columns: [Column], encoder: ColumnarJSONEncoder, field: Int, scanner: RecordFieldScanner)
    }

    /// The kind of values a leaf gives, which decides the kernels.
    enum LeafKind { case integer, integer32, decimal(scale: Int), boolean, string, other }

    let path: FieldPath
    let access: Access
    let leafKind: LeafKind

    init(path: FieldPath, values: Column) {
        self.path = path
        var columns = [values]
        var current = values
        for (index, segment) in path.segments.enumerated() {
            // A member of a struct column goes one column deeper; anything
            // else (an index, a member of a non-struct value) is read from
            // the JSON text of the value reached so far.
            if case .member(let name) = segment, current.type.isStructType {
                // The last of equal names wins, as when JSON repeats a member.
                guard let child = current.fields.lastIndex(where: { $0.name == name }) else {
                    access = .missing
                    leafKind = .other
                    return
                }
                current = current.children[child]
                columns.append(current)
                continue
            }
            guard columns.count >= 2 else {
                // An index into the record itself: a JSON object has no elements.
                access = .missing
                leafKind = .other
                return
            }
            let parent = columns[columns.count - 2]
            let field = parent.children.firstIndex { $0 === current }!
            let rest = FieldPath([.member("v")] + path.segments[index...])
            access = .text(columns: columns, encoder: ColumnarJSONEncoder(schema: Schema(parent.fields)), field: field,
                           scanner: RecordFieldScanner(paths: [rest]))
            leafKind = .other
            return
        }
        switch current.type {
        case .int64, .timestampMs: leafKind = .integer
        case .int32: leafKind = .integer32
        case .decimal128(let precision, let scale) where precision <= 18:
            leafKind = scale == 0 ? .integer : .decimal(scale: scale)
        case .bool: leafKind = .boolean
        case .utf8: leafKind = .string
        default: leafKind = .other
        }
        if case .other = leafKind {
            let parent = columns[columns.count - 2]
            let field = parent.children.firstIndex { $0 === current }!
            access = .text(columns: columns, encoder: ColumnarJSONEncoder(schema: Schema(parent.fields)), field: field,
                           scanner: RecordFieldScanner(paths: [FieldPath([.member("v")])]))
        } else {
            access = .leaf(columns)
        }
    }

    /// Whether the field is null in batch row `row` because it or a struct
    /// holding it is (the leaf's own row is then `leafRow`).
    @inline(__always)
    static func leafRow(_ columns: [Column], _ row: Int) -> Int? {
        var at = row
        for index in 0..<(columns.count - 1) {
            if columns[index].isNull(at) { return nil }
            at = columns[index].childRow(at)
        }
        return columns[columns.count - 1].isNull(at) ? nil : at
    }

    /// The value in batch row `row`.
    func value(row: Int) -> ExpressionValue {
        switch access {
        case .missing:
            return .null
        case .leaf(let columns):
            guard let at = Self.leafRow(columns, row) else { return .null }
            let leaf = columns[columns.count - 1]
            switch leafKind {
            case .integer:
                if case .decimal128 = leaf.type {
                    guard let units = leaf.decimal(at: at).int64Value else { return textValue(columns, row) }
                    return .integer(units)
                }
                return .integer(leaf.int64(at: at))
            case .integer32: return .integer(Int64(leaf.int32(at: at)))
            case .decimal(let scale):
                // A producer may store more digits than the precision says:
                // such a value is read as its text is.
                guard let units = leaf.decimal(at: at).int64Value, units.magnitude < 1_000_000_000_000_000_000 else {
                    return textValue(columns, row)
                }
                return .decimal(DecimalNumber(units: units, scale: scale))
            case .boolean: return .boolean(leaf.bool(at: at))
            case .string: return .string(String(decoding: leaf.bytes(at: at), as: UTF8.self))
            case .other: preconditionFailure("a leaf of another kind is read as text")
            }
        case .text(let columns, let encoder, let field, let scanner):
            return Self.textValue(columns, encoder, field, scanner, row)
        }
    }

    /// A leaf's value read through its JSON text.
    private func textValue(_ columns: [Column], _ row: Int) -> ExpressionValue {
        let parent = columns[columns.count - 2]
        let field = parent.children.firstIndex { $0 === columns[columns.count - 1] }!
        return Self.textValue(columns, ColumnarJSONEncoder(schema: Schema(parent.fields)), field,
                              RecordFieldScanner(paths: [FieldPath([.member("v")])]), row)
    }

    private static func textValue(_ columns: [Column], _ encoder: ColumnarJSONEncoder, _ field: Int,
                                  _ scanner: RecordFieldScanner, _ row: Int) -> ExpressionValue {
        var at = row
        for index in 0..<(columns.count - 1) {
            if columns[index].isNull(at) { return .null }
            at = columns[index].childRow(at)
        }
        var text: [UInt8] = Array(#"{"v":"#.utf8)
        encoder.appendValue(field: field, row: at, of: columns[columns.count - 1], to: &text)
        text.append(UInt8(ascii: "}"))
        return text.withUnsafeBytes { bytes -> ExpressionValue in
            let slots = UnsafeMutableBufferPointer<RecordFieldScanner.Slot>.allocate(capacity: 1)
            defer { slots.deallocate() }
            slots.initialize(repeating: RecordFieldScanner.Slot())
            // The text is the encoder's own JSON: it always scans.
            try? scanner.scan(bytes, into: slots)
            // A number the encoder wrote is valid JSON, so this is never nil.
            return RecordFieldScanner.value(of: slots[0], in: bytes) ?? .null
        }
    }
}

extension ColumnType {
    var isStructType: Bool {
        if case .struct = self { return true }
        return false
    }
}
