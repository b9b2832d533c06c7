import Columns
import JSONText
import TimeText

/// Reads JSON record values into a struct column against a schema: the
/// bytes → columns conversion of an edge whose consumer reads columns.
///
/// It works over a batch at a time, appending each record's fields to the
/// per-field columns (no allocation per value). A record that does not fit
/// the schema is left out whole (whatever it appended is truncated away)
/// and reported with the field and the reason, for the dead letters.
///
/// The rule, per field type, that of Flink's JSON format: bool from
/// `true`/`false`; int32 and int64 from integers in range; float64 from any
/// number; decimal(p,s) from a number in plain notation with at most p
/// digits once rounded half up to s decimals; the numbers also from a
/// string holding one (`"7"`, spaces around it ignored); utf8 from a
/// string, or any other value's JSON text; binary from a base64 string; timestamp from integer ms or an
/// ISO 8601 / RFC 3339 string (TimeText's rule); date32 from "YYYY-MM-DD"
/// or integer days; list from an array; struct from an object. `null` or a
/// missing member is a null, refused for a field declared `not null`.
/// Members the schema does not name are not read (the schema is what the
/// consuming step reads); of duplicate members the first counts.
///
/// # Thread safety
/// Stateless apart from the schema: use one per task.
public struct ColumnarJSONDecoder {
    /// Why a record does not fit: the dotted field path and the reason.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let reason: String
        public var description: String { field.isEmpty ? reason : "field '\(field)': \(reason)" }
    }

    public let schema: Schema
    let names: NameTable
    /// The one-pass path for the usual record (ColumnarJSONDecoder+FastPath);
    /// nil only in tests that compare it with the validated path.
    let fast: ColumnarJSONFastPath?

    /// Field names as UTF-8, by nesting, for matching members without
    /// making strings.
    final class NameTable {
        let utf8: [[UInt8]]
        let paths: [String]
        let children: [NameTable?]
        init(_ type: ColumnType, path: String) {
            switch type {
            case .struct(let fields):
                utf8 = fields.map { Array($0.name.utf8) }
                paths = fields.map { path.isEmpty ? $0.name : path + "." + $0.name }
                children = fields.enumerated().map { index, field in NameTable(field.type, path: path.isEmpty ? field.name : path + "." + field.name) }
            case .list(let element):
                utf8 = []
                paths = [path + "[]"]
                children = [NameTable(element.type, path: path + "[]")]
            default:
                utf8 = []
                paths = []
                children = []
            }
        }
    }

    public init(schema: Schema) {
        self.init(schema: schema, onePass: true)
    }

    /// `onePass: false` reads every record the validated (two-scan) way,
    /// the reference the one-pass path is tested against.
    init(schema: Schema, onePass: Bool) {
        self.schema = schema
        names = NameTable(schema.structType, path: "")
        fast = onePass ? ColumnarJSONFastPath(fields: schema.fields, names: names) : nil
    }

    /// Appends record value `value` (nil: a null value, which becomes a
    /// null row) to `column`, a struct column of the schema; on failure the
    /// column is as it was before the call.
    public func append(_ value: UnsafeRawBufferPointer?, to column: Column) throws(Failure) {
        let length = column.length
        guard let value else {
            column.appendNull()
            return
        }
        // One pass for the usual record; the two-scan path below for the
        // rest, and for every failure (its reasons).
        if let fast, fast.append(value, to: column) { return }
        let span: JSONScanner.Span
        do {
            span = try JSONScanner.validate(value)
        } catch {
            throw Failure(field: "", reason: "the value is not valid JSON: \(error)")
        }
        guard span.kind == .object else {
            throw Failure(field: "", reason: "the value is \(Self.describe(span.kind)), not a JSON object")
        }
        do {
            try Self.read(UnsafeRawBufferPointer(rebasing: value[span.range]), kind: .object, into: column,
                          nullable: false, names: names, path: "")
        } catch {
            column.truncate(to: length)
            throw error
        }
    }

    private static func describe(_ kind: JSONFieldKind) -> String {
        switch kind {
        case .string, .stringWithEscapes: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .object: return "an object"
        case .array: return "an array"
        }
    }

    /// Reads one validated JSON value (`text` is exactly its text, strings
    /// with their quotes) into `column`.
    static func read(_ text: UnsafeRawBufferPointer, kind: JSONFieldKind, into column: Column, nullable: Bool,
                             names: NameTable, path: String) throws(Failure) {
        func mismatch() -> Failure {
            Failure(field: path, reason: "expected \(column.type), found \(describe(kind))")
        }
        if kind == .null {
            guard nullable else { throw Failure(field: path, reason: "is null, but the schema says not null") }
            column.appendNull()
            return
        }
        // A number in a string (`"7"`), as Flink's JSON format reads it.
        var text = text
        var kind = kind
        switch column.type {
        case .int32, .int64, .float64, .decimal128:
            if kind == .string, let number = numberInString(text) {
                text = number
                kind = .number
            }
        default:
            break
        }
        switch column.type {
        case .bool:
            guard kind == .bool else { throw mismatch() }
            column.append(text.first == UInt8(ascii: "t"))
        case .int32:
            guard kind == .number else { throw mismatch() }
            guard let value = JSONScanner.integer(in: text, range: 0..<text.count), let small = Int32(exactly: value) else {
                throw Failure(field: path, reason: "\(String(decoding: text, as: UTF8.self)) is not an int32")
            }
            column.append(int32: small)
        case .int64:
            guard kind == .number else { throw mismatch() }
            guard let value = JSONScanner.integer(in: text, range: 0..<text.count) else {
                throw Failure(field: path, reason: "\(String(decoding: text, as: UTF8.self)) is not an int64")
            }
            column.append(value)
        case .float64:
            guard kind == .number, let value = JSONScanner.number(in: text, range: 0..<text.count) else { throw mismatch() }
            column.append(value)
        case .decimal128(let precision, let scale):
            guard kind == .number else { throw mismatch() }
            do {
                column.append(try DecimalText.parse(text, precision: precision, scale: scale))
            } catch {
                let number = String(decoding: text, as: UTF8.self)
                switch error {
                case .exponent: throw Failure(field: path, reason: "\(number) has an exponent; decimals are read in plain notation")
                case .tooManyDigits:
                    throw Failure(field: path, reason: "\(number) has more than \(precision) digits once rounded to \(scale) decimals (\(column.type))")
                }
            }
        case .utf8:
            guard kind == .string || kind == .stringWithEscapes else {
                // Any other value's JSON text, as Flink's JSON format reads it.
                column.append(bytes: text)
                return
            }
            try withString(text, kind: kind, path: path, mismatch) { column.append(bytes: $0) }
        case .binary:
            try withString(text, kind: kind, path: path, mismatch) { (bytes) throws(Failure) in
                guard let decoded = Base64.decode(bytes) else {
                    throw Failure(field: path, reason: "is not base64 text (binary fields are base64 in JSON)")
                }
                decoded.withUnsafeBytes { column.append(bytes: $0) }
            }
        case .timestampMs:
            if kind == .number {
                guard let value = JSONScanner.integer(in: text, range: 0..<text.count) else {
                    throw Failure(field: path, reason: "\(String(decoding: text, as: UTF8.self)) is not integer ms")
                }
                column.append(value)
            } else {
                try withString(text, kind: kind, path: path, mismatch) { (bytes) throws(Failure) in
                    guard let ms = TimeText.epochMilliseconds(bytes) else {
                        throw Failure(field: path, reason: "\"\(String(decoding: bytes, as: UTF8.self))\" is not a time: \(TimeText.rule)")
                    }
                    column.append(ms)
                }
            }
        case .date32:
            if kind == .number {
                guard let value = JSONScanner.integer(in: text, range: 0..<text.count), let days = Int32(exactly: value) else {
                    throw Failure(field: path, reason: "\(String(decoding: text, as: UTF8.self)) is not a day number")
                }
                column.append(int32: days)
            } else {
                try withString(text, kind: kind, path: path, mismatch) { (bytes) throws(Failure) in
                    guard let days = CivilDate.days(bytes) else {
                        throw Failure(field: path, reason: "\"\(String(decoding: bytes, as: UTF8.self))\" is not a date (YYYY-MM-DD)")
                    }
                    column.append(int32: days)
                }
            }
        case .list(let element):
            guard kind == .array else { throw mismatch() }
            var failure: Failure?
            JSONScanner.forEachElement(ofValidArray: text) { span in
                guard failure == nil else { return }
                do throws(Failure) {
                    try read(UnsafeRawBufferPointer(rebasing: text[span.range]), kind: span.kind, into: column.children[0],
                             nullable: element.isNullable, names: names.children[0]!, path: names.paths[0])
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            column.appendList()
        case .struct(let fields):
            guard kind == .object else { throw mismatch() }
            let row = column.length
            var failure: Failure?
            JSONScanner.forEachMember(ofValidObject: text) { name, value in
                guard failure == nil else { return }
                let nameText = UnsafeRawBufferPointer(rebasing: text[(name.range.lowerBound + 1)..<(name.range.upperBound - 1)])
                guard let index = fieldIndex(nameText, escaped: name.kind == .stringWithEscapes, names: names) else { return }
                // The first of duplicate members counts.
                guard column.children[index].length == row else { return }
                do throws(Failure) {
                    try read(UnsafeRawBufferPointer(rebasing: text[value.range]), kind: value.kind, into: column.children[index],
                             nullable: fields[index].isNullable, names: names.children[index]!, path: names.paths[index])
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            for (index, field) in fields.enumerated() where column.children[index].length == row {
                guard field.isNullable else {
                    throw Failure(field: names.paths[index], reason: "is missing, but the schema says not null")
                }
                column.children[index].appendNull()
            }
            column.appendStruct()
        }
    }

    /// The number text inside the JSON string `text` (quotes included,
    /// no escapes), without the spaces around it (Flink trims them); nil if
    /// it holds no number.
    private static func numberInString(_ text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var start = 1
        var end = text.count - 1
        while start < end, text[start] == 0x20 || text[start] == 0x09 { start += 1 }
        while end > start, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
        guard JSONScanner.number(in: text, range: start..<end) != nil else { return nil }
        return UnsafeRawBufferPointer(rebasing: text[start..<end])
    }

    private static func fieldIndex(_ name: UnsafeRawBufferPointer, escaped: Bool, names: NameTable) -> Int? {
        if escaped {
            guard let decoded = JSONScanner.unescapedString(name) else { return nil }
            return names.utf8.firstIndex { $0 == decoded }
        }
        return names.utf8.firstIndex { $0.count == name.count && $0.elementsEqual(name) }
    }

    /// Calls `body` with the UTF-8 of a JSON string value (unescaped).
    private static func withString(_ text: UnsafeRawBufferPointer, kind: JSONFieldKind, path: String,
                                   _ mismatch: () -> Failure,
                                   _ body: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        guard kind == .string || kind == .stringWithEscapes else { throw mismatch() }
        let inner = UnsafeRawBufferPointer(rebasing: text[1..<(text.count - 1)])
        switch kind {
        case .string:
            try body(inner)
        case .stringWithEscapes:
            guard let decoded = JSONScanner.unescapedString(inner) else { throw Failure(field: path, reason: "holds an invalid string") }
            var thrown: Failure?
            decoded.withUnsafeBytes { bytes in
                do throws(Failure) { try body(bytes) } catch { thrown = error }
            }
            if let thrown { throw thrown }
        default:
            throw mismatch()
        }
    }
}
