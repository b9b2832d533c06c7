import Columns
import JSONText

/// Writes rows of a struct column as JSON objects: the columns → bytes
/// conversion of an edge whose consumer reads bytes.
///
/// The text is compact and has the schema's fields in order, every field
/// written (`null` for a null one), so a record that went bytes → columns →
/// bytes comes back exactly when its text was written that way (datagen's
/// is). Per type: bool, int32, int64 and timestamp (ms) as JSON numbers and
/// literals; float64 as Swift's shortest round-trip text (`null` when not
/// finite: JSON has no NaN); decimal128 with exactly `scale` decimals;
/// utf8 as a JSON string; binary as a base64 string; date32 as
/// "YYYY-MM-DD"; lists as arrays and structs as objects.
///
/// # Thread safety
/// Not thread-safe (it keeps the quoted names); one per task.
public struct ColumnarJSONEncoder {
    public let schema: Schema
    /// `"name":` for each field, by nesting (computed once).
    private let names: NameTree

    private final class NameTree {
        let quoted: [[UInt8]]
        let children: [NameTree?]
        init(_ type: ColumnType) {
            switch type {
            case .struct(let fields):
                quoted = fields.map { field in
                    var text: [UInt8] = []
                    Array(field.name.utf8).withUnsafeBytes { JSONStringText.appendQuoted($0, to: &text) }
                    text.append(UInt8(ascii: ":"))
                    return text
                }
                children = fields.map { NameTree($0.type) }
            case .list(let element):
                quoted = []
                children = [NameTree(element.type)]
            default:
                quoted = []
                children = []
            }
        }
    }

    public init(schema: Schema) {
        self.schema = schema
        names = NameTree(schema.structType)
    }

    /// Appends the JSON object of row `row` of `column` (a struct column of
    /// the schema) to `output`; returns false without writing when the row
    /// is null (a tombstone: the byte record's value is null).
    public func append(row: Int, of column: Column, to output: inout [UInt8]) -> Bool {
        if column.isNull(row) { return false }
        Self.write(column, row, names, &output)
        return true
    }

    /// Appends the JSON text of one value, row `row` of `column` (of any
    /// type; `null` for a null one), as it appears inside a written record:
    /// what a reader of the record's bytes finds in that field.
    public static func appendValue(row: Int, of column: Column, to output: inout [UInt8]) {
        write(column, row, NameTree(column.type), &output)
    }

    /// Appends the JSON text of row `row` of `column`, a column of the type
    /// of the schema's field `field` (a field's value as it appears in the
    /// object `append` writes: what an expression reading the field from
    /// the JSON text sees).
    public func appendValue(field: Int, row: Int, of column: Column, to output: inout [UInt8]) {
        Self.write(column, row, names.children[field]!, &output)
    }

    private static func write(_ column: Column, _ row: Int, _ names: NameTree, _ output: inout [UInt8]) {
        if column.isNull(row) {
            output.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])  // null
            return
        }
        switch column.type {
        case .bool:
            output.append(contentsOf: column.bool(at: row) ? Array("true".utf8) : Array("false".utf8))
        case .int32:
            appendInteger(Int64(column.int32(at: row)), &output)
        case .int64, .timestampMs:
            appendInteger(column.int64(at: row), &output)
        case .float64:
            let value = column.double(at: row)
            if value.isFinite {
                output.append(contentsOf: value.description.utf8)
            } else {
                output.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
            }
        case .decimal128(_, let scale):
            DecimalText.append(column.decimal(at: row), scale: scale, to: &output)
        case .utf8:
            JSONStringText.appendQuoted(column.bytes(at: row), to: &output)
        case .binary:
            output.append(UInt8(ascii: "\""))
            Base64.append(column.bytes(at: row), to: &output)
            output.append(UInt8(ascii: "\""))
        case .date32:
            output.append(UInt8(ascii: "\""))
            CivilDate.append(days: column.int32(at: row), to: &output)
            output.append(UInt8(ascii: "\""))
        case .list:
            output.append(UInt8(ascii: "["))
            var first = true
            for element in column.listRange(at: row) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(column.children[0], element, names.children[0]!, &output)
            }
            output.append(UInt8(ascii: "]"))
        case .struct:
            output.append(UInt8(ascii: "{"))
            let childRow = column.childRow(row)
            for index in column.children.indices {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: names.quoted[index])
                write(column.children[index], childRow, names.children[index]!, &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    static func appendInteger(_ value: Int64, _ output: inout [UInt8]) {
        JSONDecimalText.append(value, scale: 0, to: &output)
    }
}
