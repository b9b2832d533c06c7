import Columns
import Core
import JSONText
import Testing

/// key_by over typed columns: the key of every scalar type is the text the
/// byte path takes from the same record written as JSON, so keys (and key
/// groups, and keyed state) do not depend on the format.
struct ColumnKeyTests {
    static let schema = ColumnarConversionTests.schema

    static let records: [String?] = [
        #"{"id":1,"ok":true,"n":-5,"ratio":0.25,"amount":123.45,"big":-12345678901234567890123.4567,"name":"Zoë \"q\"\n","blob":"AP8=","at":1767225600000,"day":"2026-01-01","customer":{"id":7,"city":"Oslo"},"tags":["a","b"]}"#,
        #"{"id":2,"ok":null,"n":null,"ratio":null,"amount":0.05,"big":null,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":[]}"#,
        #"{"id":3,"ok":false,"n":2147483647,"ratio":1e-07,"amount":-0.50,"big":0.0000,"name":"","blob":"","at":-1,"day":"1969-12-31","customer":{"id":null,"city":null},"tags":null}"#,
        nil,
        #"{"id":-9223372036854775808,"ok":true,"n":0,"ratio":-1.5e+300,"amount":1000.00,"big":1,"name":"\u0001","blob":"AA==","at":0,"day":"2000-02-29","customer":{"id":-1,"city":"Zürich"},"tags":["x"]}"#,
    ]

    /// The byte path's key (OutputRouter.extractKey): a string's unescaped
    /// content, any other value's text; nil with the reason's kind.
    static func byteKey(_ path: String, in value: UnsafeRawBufferPointer?) -> Result<[UInt8], ColumnKey.Missing> {
        guard let value else { return .failure(.valueNull) }
        switch JSONScanner.find(try! JSONFieldPath(path), in: value) {
        case .found(let kind, let range):
            switch kind {
            case .null: return .failure(.fieldNull)
            case .stringWithEscapes: return .success(JSONScanner.unescapedString(UnsafeRawBufferPointer(rebasing: value[range]))!)
            default: return .success(Array(value[range]))
            }
        case .notAnObject: return .failure(.notAnObject)
        case .missing, .malformed: Issue.record("\(path): unexpected"); return .failure(.notAnObject)
        }
    }

    @Test func everyScalarKeyIsTheTextTheBytePathTakes() throws {
        let columns = ColumnarConversionTests.batch(Self.records)
            .convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { _, failure in
                Issue.record("reject: \(failure)")
            }
        let values = try #require(columns.columnar?.values)
        // The bytes the host writes for these columns: what a byte path reads.
        let bytes = columns.convertedToBytes()
        let paths = ["id", "ok", "n", "ratio", "amount", "big", "name", "blob", "at", "day", "customer.id", "customer.city"]
        var compared = 0
        for path in paths {
            let key = try #require(ColumnKey(path: path.split(separator: ".").map(String.init), text: path, schema: Self.schema),
                                   "\(path)")
            let keyColumn = key.column(in: values)
            for row in 0..<columns.count {
                var text: [UInt8] = []
                let fromColumns: Result<[UInt8], ColumnKey.Missing>
                do throws(ColumnKey.Missing) {
                    try key.append(row: row, of: values, keyColumn: keyColumn, to: &text)
                    fromColumns = .success(text)
                } catch {
                    fromColumns = .failure(error)
                }
                let fromBytes = bytes.withRecord(at: row) { _, _, value in Self.byteKey(path, in: value) }
                switch (fromColumns, fromBytes) {
                case (.success(let a), .success(let b)):
                    #expect(a == b, "\(path) row \(row): \(String(decoding: a, as: UTF8.self)) vs \(String(decoding: b, as: UTF8.self))")
                case (.failure(let a), .failure(let b)):
                    #expect(a.reason(keyBy: path) == b.reason(keyBy: path), "\(path) row \(row)")
                default:
                    Issue.record("\(path) row \(row): columns \(fromColumns), bytes \(fromBytes)")
                }
                compared += 1
            }
        }
        #expect(compared == paths.count * Self.records.count)
    }

    /// Nested values and fields the schema lacks have no column key: such a
    /// key_by keeps the records on bytes (the plan and the exchange agree).
    @Test func nestedOrUnknownFieldsHaveNoColumnKey() {
        #expect(ColumnKey(path: ["tags"], text: "tags", schema: Self.schema) == nil)
        #expect(ColumnKey(path: ["customer"], text: "customer", schema: Self.schema) == nil)
        #expect(ColumnKey(path: ["customer", "zip"], text: "customer.zip", schema: Self.schema) == nil)
        #expect(ColumnKey(path: ["id", "x"], text: "id.x", schema: Self.schema) == nil)
        #expect(ColumnKey(path: ["nope"], text: "nope", schema: Self.schema) == nil)
    }
}
