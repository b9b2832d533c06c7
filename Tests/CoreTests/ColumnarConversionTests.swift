import Columns
import Core
import Testing

/// bytes (JSON) ↔ typed columns, the host's edge conversion.
struct ColumnarConversionTests {
    static let schema = Schema([
        Field("id", .int64, nullable: false), Field("ok", .bool), Field("n", .int32), Field("ratio", .float64),
        Field("amount", .decimal128(precision: 9, scale: 2)), Field("big", .decimal128(precision: 38, scale: 4)),
        Field("name", .utf8), Field("blob", .binary), Field("at", .timestampMs), Field("day", .date32),
        Field("customer", .struct([Field("id", .int64), Field("city", .utf8)])),
        Field("tags", .list(Field("item", .utf8))),
    ])

    static func batch(_ values: [String?]) -> RecordBatch {
        let batch = RecordBatch()
        for (index, value) in values.enumerated() {
            let key = Array("k\(index)".utf8)
            key.withUnsafeBytes { key in
                if let value {
                    Array(value.utf8).withUnsafeBytes { batch.append(timestamp: Int64(index), key: key, value: $0) }
                } else {
                    batch.append(timestamp: Int64(index), key: key, value: nil)
                }
            }
        }
        return batch
    }

    static func values(_ batch: RecordBatch) -> [String?] {
        (0..<batch.count).map { row in batch.withRecord(at: row) { _, _, value in value.map { String(decoding: $0, as: UTF8.self) } } }
    }

    /// Canonical text (what the encoder writes) comes back unchanged.
    @Test func canonicalJSONRoundTripsExactly() {
        let records: [String?] = [
            #"{"id":1,"ok":true,"n":-5,"ratio":0.25,"amount":123.45,"big":-12345678901234567890123.4567,"name":"Zoë \"q\"","blob":"AP8=","at":1767225600000,"day":"2026-01-01","customer":{"id":7,"city":"Oslo"},"tags":["a","b"]}"#,
            #"{"id":2,"ok":null,"n":null,"ratio":null,"amount":0.05,"big":null,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":[]}"#,
            #"{"id":3,"ok":false,"n":2147483647,"ratio":1e-07,"amount":-0.50,"big":0.0000,"name":"","blob":"","at":-1,"day":"1969-12-31","customer":{"id":null,"city":null},"tags":null}"#,
            nil,
        ]
        var rejects: [String] = []
        let columns = Self.batch(records).convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { _, failure in
            rejects.append(failure.description)
        }
        #expect(rejects.isEmpty)
        #expect(columns.hasColumnValues)
        #expect(columns.count == 4)
        let values = columns.columnar!.values!
        #expect(values.isNull(3), "a null value (tombstone) is a null row")
        #expect(values.children[4].decimal(at: 0).int64Value == 12345)
        #expect(values.children[11].isNull(2))
        let back = columns.convertedToBytes()
        #expect(Self.values(back) == records)
        #expect((0..<4).map { back.timestamp(at: $0) } == [0, 1, 2, 3])
    }

    /// Other spellings read to the same values and come back canonical.
    @Test func readsOtherSpellingsAndMissingFields() {
        let input = #"{ "tags" : ["x"], "extra": {"ignored": [1,2]}, "id" : 9, "at": "2026-01-01T00:00:01Z", "day": 20454, "amount": 1.5, "n\u0061me": "\u00e9", "id": 10 }"#
        let columns = Self.batch([input]).convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { _, _ in
            Issue.record("no reject expected")
        }
        let text = Self.values(columns.convertedToBytes())[0]!
        #expect(text == #"{"id":9,"ok":null,"n":null,"ratio":null,"amount":1.50,"big":null,"name":"é","blob":null,"at":1767225601000,"day":"2026-01-01","customer":null,"tags":["x"]}"#)
    }

    @Test func aRowThatDoesNotFitIsRejectedWithFieldAndReasonAndTheOthersStay() {
        let records: [String?] = [
            #"{"id":1}"#,
            #"{"id":2,"customer":{"id":"seven"}}"#,
            #"{"id":3,"amount":"lots"}"#,
            #"{"ok":true}"#,
            #"{"id":5,"amount":12345678.9}"#,
            #"[1,2]"#,
            #"{"id":7,"n":3000000000}"#,
            #"{"id":8,"tags":"a"}"#,
            #"{"id":9,"day":"2026-02-30"}"#,
            #"{"id":10,"#,
            #"{"id":11,"amount":1e3}"#,
            #"{"id":12}"#,
        ]
        var rejects: [(Int, String, String)] = []
        let columns = Self.batch(records).convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { row, failure in
            rejects.append((row, failure.field, failure.reason))
        }
        #expect(rejects.map(\.0) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(rejects.map(\.1) == ["customer.id", "amount", "id", "amount", "", "n", "tags", "day", "", "amount"])
        #expect(rejects[0].2 == "expected int64, found a string")
        #expect(rejects[1].2 == "expected decimal(9,2), found a string")
        #expect(rejects[2].2 == "is missing, but the schema says not null")
        #expect(rejects[3].2.contains("more than 9 digits"))
        #expect(rejects[4].2.contains("not a JSON object"))
        #expect(rejects[9].2.contains("exponent"))
        // The good rows, whole and in order, with their own keys.
        #expect(columns.count == 2)
        #expect(columns.columnar!.values!.children[0].int64(at: 1) == 12)
        #expect(columns.withRecord(at: 1) { _, key, _ in key.map { Array($0) } } == Array("k11".utf8))
        // Nothing of a rejected row was left behind in any column.
        for child in columns.columnar!.values!.children { #expect(child.length == 2) }
        #expect(columns.columnar!.values!.children[11].children[0].length == 0)
    }

    /// Flink's JSON format: decimals rounded half up to the scale, numbers
    /// in strings, any value's text for a string field.
    @Test func readsAsFlinksJSONFormatDoes() {
        let records: [String?] = [
            #"{"id":1,"amount":1.234,"big":-0.00005}"#,
            #"{"id":2,"amount":1.235,"big":0.00004}"#,
            #"{"id":3,"amount":-1.2350001}"#,
            #"{"id":"4","n":" -5 ","ratio":"0.5","amount":"7"}"#,
            #"{"id":5,"name":7,"tags":[true,{"a": 1},null]}"#,
            #"{"id":6,"amount":9999999.995}"#,
            #"{"id":7,"n":"seven"}"#,
            #"{"id":8,"n":"7 7"}"#,
        ]
        var rejects: [(Int, String, String)] = []
        let columns = Self.batch(records).convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { row, failure in
            rejects.append((row, failure.field, failure.reason))
        }
        #expect(rejects.map(\.0) == [5, 6, 7])
        #expect(rejects.first?.2 == "9999999.995 has more than 9 digits once rounded to 2 decimals (decimal(9,2))")
        #expect(rejects.dropFirst().map(\.2) == ["expected int32, found a string", "expected int32, found a string"])
        #expect(Self.values(columns.convertedToBytes()) == [
            #"{"id":1,"ok":null,"n":null,"ratio":null,"amount":1.23,"big":-0.0001,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":null}"#,
            #"{"id":2,"ok":null,"n":null,"ratio":null,"amount":1.24,"big":0.0000,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":null}"#,
            #"{"id":3,"ok":null,"n":null,"ratio":null,"amount":-1.24,"big":null,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":null}"#,
            #"{"id":4,"ok":null,"n":-5,"ratio":0.5,"amount":7.00,"big":null,"name":null,"blob":null,"at":null,"day":null,"customer":null,"tags":null}"#,
            #"{"id":5,"ok":null,"n":null,"ratio":null,"amount":null,"big":null,"name":"7","blob":null,"at":null,"day":null,"customer":null,"tags":["true","{\"a\": 1}",null]}"#,
        ])
    }

    @Test func aSelectionKeepsOnlyTheSelectedRows() {
        let columns = Self.batch([#"{"id":1}"#, #"{"id":2}"#, #"{"id":3}"#])
            .convertedToColumns(decoder: ColumnarJSONDecoder(schema: Self.schema)) { _, _ in }
        let filtered = RecordBatch()
        columns.withColumns { c in
            filtered.append(count: c.count, timestamps: c.timestamps, keyOffsets: c.keyOffsets, keys: c.keys,
                            valueOffsets: c.valueOffsets, values: c.values, flags: c.flags)
        }
        filtered.columnar = ColumnarValues(schema: Self.schema, values: columns.columnar!.values, selection: [0, 2])
        #expect(filtered.recordCount == 2)
        let text = Self.values(filtered.convertedToBytes())
        #expect(text.map { $0?.hasPrefix(#"{"id":"#) } == [true, true])
        #expect(text[1]!.hasPrefix(#"{"id":3,"#))
        #expect(filtered.compacted().recordCount == 2)
        #expect(filtered.compacted().columnar!.values!.children[0].int64(at: 1) == 3)
    }
}
