import Columns
import JSONText

/// The record key `key_by` takes from a typed column: exactly the bytes the
/// byte path takes from the same field of the record's JSON text, so that a
/// key lands in the same key group, and keyed state is found under the same
/// key, whichever format the records travel in (savepoints stay
/// format-independent).
///
/// The byte path keys by the field's text: a string's unescaped content,
/// any other value's JSON text. The JSON text of a typed value is what
/// `ColumnarJSONEncoder` writes, so per type the key is: integers and
/// timestamps in decimal, bool `true`/`false`, float64 Swift's shortest
/// round-trip text, decimal128 with exactly `scale` decimals, utf8 its
/// bytes, binary its base64 text, date32 `YYYY-MM-DD`. Lists and structs
/// have no key reader (their text is the whole nested value): the exchange
/// keeps such a key on bytes.
///
/// # Thread safety
/// Immutable: any number of readers.
public struct ColumnKey: Sendable {
    /// Child indexes from the record's struct column down to the key column.
    public let childPath: [Int]
    public let type: ColumnType
    /// The field path as the job file writes it, for messages.
    public let text: String

    /// The key reader of field `path` (its segments) of records of
    /// `schema`; nil when the path names no scalar field.
    public init?(path segments: [String], text: String, schema: Schema) {
        var fields = schema.fields
        var childPath: [Int] = []
        var type: ColumnType?
        for (depth, segment) in segments.enumerated() {
            guard let index = fields.firstIndex(where: { $0.name == segment }) else { return nil }
            childPath.append(index)
            let fieldType = fields[index].type
            if depth == segments.count - 1 {
                type = fieldType
            } else {
                guard case .struct(let nested) = fieldType else { return nil }
                fields = nested
            }
        }
        guard let type else { return nil }
        switch type {
        case .list, .struct: return nil
        default: break
        }
        self.childPath = childPath
        self.type = type
        self.text = text
    }

    /// Why a row has no key: the byte path's reasons for the same value.
    public enum Missing: Error, Sendable {
        /// The record's value is null (a tombstone).
        case valueNull
        /// A struct on the path is null: the value has no object there.
        case notAnObject
        /// The field itself is null (or a float64 that is not finite,
        /// which JSON writes as null).
        case fieldNull

        /// The reason of a dead letter, as the byte path words it.
        public func reason(keyBy field: String) -> String {
            switch self {
            case .valueNull: return "key_by '\(field)': the record's value is null"
            case .notAnObject: return "key_by '\(field)': the value is not a JSON object with that path"
            case .fieldNull: return "key_by '\(field)': field '\(field)' is null"
            }
        }
    }

    /// The key column of `values` (the batch's struct column), resolved
    /// once per batch.
    public func column(in values: Column) -> Column {
        var column = values
        for index in childPath { column = column.children[index] }
        return column
    }

    /// The batch kernel of `append(row:of:keyColumn:to:)` for the common
    /// key, an integer column at the top level of records that are all
    /// present with no null key: appends the keys of rows 0..<`count` to
    /// `keys` in one pass (the same text row by row), each key's end to
    /// `ends`, and returns true. Returns false, having written nothing,
    /// for any other key or when a row may have none: the caller then
    /// keys row by row.
    public func appendKeysInBulk(count: Int, of values: Column, keyColumn: Column, to keys: inout [UInt8],
                                 ends: inout [UInt32]) -> Bool {
        guard childPath.count == 1, values.nullCount == 0, keyColumn.nullCount == 0 else { return false }
        let first = values.childRow(0)
        switch type {
        case .int64, .timestampMs:
            JSONDecimalText.appendIntegers(count: count, { keyColumn.int64(at: first + $0) }, to: &keys, ends: &ends)
        case .int32:
            JSONDecimalText.appendIntegers(count: count, { Int64(keyColumn.int32(at: first + $0)) }, to: &keys, ends: &ends)
        default:
            return false
        }
        precondition(keys.count <= Int(UInt32.max), "keys of one batch larger than 4 GiB")
        return true
    }

    /// Appends the key of `row` (of the batch's struct column `values`) to
    /// `output`, whose old contents are kept; throws why there is none.
    /// `keyColumn` is `column(in: values)`.
    @inline(__always)
    public func append(row: Int, of values: Column, keyColumn: Column, to output: inout [UInt8]) throws(Missing) {
        if values.isNull(row) { throw .valueNull }
        // A null struct on the way down hides the field (the byte path sees
        // `null` where it expected an object).
        var childRow = values.childRow(row)
        if childPath.count > 1 {
            var column = values
            for index in childPath.dropLast() {
                column = column.children[index]
                if column.isNull(childRow) { throw .notAnObject }
                childRow = column.childRow(childRow)
            }
        }
        if keyColumn.isNull(childRow) { throw .fieldNull }
        switch type {
        case .int64, .timestampMs:
            JSONDecimalText.append(keyColumn.int64(at: childRow), scale: 0, to: &output)
        case .int32:
            JSONDecimalText.append(Int64(keyColumn.int32(at: childRow)), scale: 0, to: &output)
        case .bool:
            output.append(contentsOf: keyColumn.bool(at: childRow) ? "true".utf8 : "false".utf8)
        case .float64:
            let value = keyColumn.double(at: childRow)
            guard value.isFinite else { throw .fieldNull }
            output.append(contentsOf: value.description.utf8)
        case .decimal128(_, let scale):
            DecimalText.append(keyColumn.decimal(at: childRow), scale: scale, to: &output)
        case .utf8:
            output.append(contentsOf: keyColumn.bytes(at: childRow))
        case .binary:
            Base64.append(keyColumn.bytes(at: childRow), to: &output)
        case .date32:
            CivilDate.append(days: keyColumn.int32(at: childRow), to: &output)
        case .list, .struct:
            preconditionFailure("a ColumnKey of a nested type")
        }
    }
}
