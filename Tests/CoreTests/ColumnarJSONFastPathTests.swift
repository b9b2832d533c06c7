import Columns
@testable import Core
import Testing

/// The decoder's one-pass path (ColumnarJSONDecoder+FastPath) against its
/// validated two-scan path: the same columns, the same rejections with the
/// same field and reason, for every record below.
struct ColumnarJSONFastPathTests {
    static let orders = Schema([
        Field("order_id", .int64, nullable: false), Field("customer_id", .int64),
        Field("category", .utf8, nullable: false), Field("amount", .decimal128(precision: 9, scale: 2)),
        Field("ratio", .float64), Field("ok", .bool), Field("at", .timestampMs),
        Field("customer", .struct([Field("id", .int64), Field("city", .utf8)])), Field("tags", .list(Field("item", .utf8))),
    ])

    /// Decodes `records` (raw bytes, nil: a null value) both ways; returns
    /// each way's records as canonical JSON and its rejections.
    static func both(_ records: [[UInt8]?], schema: Schema = orders)
        -> (fast: [String?], slow: [String?], fastRejects: [String], slowRejects: [String]) {
        func decode(onePass: Bool) -> ([String?], [String]) {
            let batch = RecordBatch()
            for record in records {
                if let record {
                    record.withUnsafeBytes { batch.append(timestamp: 0, key: nil, value: $0) }
                } else {
                    batch.append(timestamp: 0, key: nil, value: nil)
                }
            }
            var rejects: [String] = []
            let columns = batch.convertedToColumns(decoder: ColumnarJSONDecoder(schema: schema, onePass: onePass)) { row, failure in
                rejects.append("\(row): \(failure)")
            }
            let back = columns.convertedToBytes()
            let text = (0..<back.count).map { row in
                back.withRecord(at: row) { _, _, value in value.map { String(decoding: $0, as: UTF8.self) } }
            }
            return (text, rejects)
        }
        let (fast, fastRejects) = decode(onePass: true)
        let (slow, slowRejects) = decode(onePass: false)
        return (fast, slow, fastRejects, slowRejects)
    }

    static func utf8(_ records: [String?]) -> [[UInt8]?] { records.map { $0.map { Array($0.utf8) } } }

    @Test("records in the schema's order, another order, with missing, extra, duplicate and null members")
    func orderMissingExtraAndNulls() {
        let records = Self.utf8([
            #"{"order_id":0,"customer_id":38983,"category":"books","amount":954.04,"ratio":0.25,"ok":true,"at":1767225600000}"#,
            #"{"at":1,"ok":false,"ratio":-1.5,"amount":1.5,"category":"toys","customer_id":-2,"order_id":1}"#,
            #"{"order_id":2,"category":"x"}"#,
            #"{"order_id":3,"extra":{"a":[1,{"b":null}]},"category":"y","more":"z\"q","n":-1.5e3}"#,
            #"{"order_id":4,"category":"a","order_id":5,"category":"b"}"#,
            #"{"order_id":6,"customer_id":null,"category":"c","amount":null,"ratio":null,"ok":null,"at":null,"customer":null,"tags":null}"#,
            #" { "order_id" : 7 , "category" : "d" , "customer" : {"city":"Oslo","id":9} , "tags" : ["p", "q"] } "#,
            #"{"order_id":8,"category":"e","at":"2026-01-01T00:00:01Z","customer":{}}"#,
            #"{"order_id":9,"category":"f","tags":[],"customer":{"id":1,"id":2}}"#,
            nil,
        ])
        let result = Self.both(records)
        #expect(result.fastRejects.isEmpty && result.slowRejects.isEmpty, "\(result.fastRejects) \(result.slowRejects)")
        #expect(result.fast == result.slow)
        #expect(result.fast[1] == #"{"order_id":1,"customer_id":-2,"category":"toys","amount":1.50,"ratio":-1.5,"ok":false,"#
            + #""at":1,"customer":null,"tags":null}"#)
        #expect(result.fast[4]?.hasPrefix(#"{"order_id":4,"customer_id":null,"category":"a","#) == true, "the first duplicate counts")
        #expect(result.fast[9] == nil)
    }

    @Test("strings with escapes and unicode are decoded into the utf8 column")
    func escapesAndUnicode() {
        let records = Self.utf8([
            #"{"order_id":1,"category":"Zoë 😀 \u00e9 \ud83d\ude00 \"q\" \\ \/ \n\t\b\f\r"}"#,
            #"{"order_id":2,"category":""}"#,
            #"{"order_id":3,"c\u0061tegory":"named with an escape"}"#,
        ])
        let result = Self.both(records)
        #expect(result.fastRejects.isEmpty && result.slowRejects.isEmpty, "\(result.fastRejects) \(result.slowRejects)")
        #expect(result.fast == result.slow)
        #expect(result.fast[0]?.contains("Zoë 😀 é 😀 \\\"q\\\" \\\\ / \\n\\t") == true, "\(result.fast[0] ?? "nil")")
        #expect(result.fast[2]?.contains(#""category":"named with an escape""#) == true)
    }

    @Test("numbers at the edges: int64 range, the decimal's scale and precision, doubles")
    func numberEdges() {
        let records = Self.utf8([
            #"{"order_id":9223372036854775807,"category":"","amount":9999999.99}"#,
            #"{"order_id":-9223372036854775808,"category":"","amount":-9999999.99}"#,
            #"{"order_id":0,"category":"","amount":1.230,"ratio":0.1}"#,
            #"{"order_id":-0,"category":"","amount":-0.00,"ratio":-0.0}"#,
            #"{"order_id":1,"category":"","amount":0,"ratio":123456789012345}"#,
            #"{"order_id":2,"category":"","amount":0.5,"ratio":1234567890123456789}"#,
            #"{"order_id":3,"category":"","amount":12.3000000,"ratio":0.12345678901234567890}"#,
            #"{"order_id":4,"category":"","ratio":1e-7}"#,
            #"{"order_id":5,"category":"","ratio":1.7976931348623157E308}"#,
            #"{"order_id":6,"category":"","ratio":5e-324}"#,
            #"{"order_id":7,"category":"","ratio":9007199254740993}"#,
            #"{"order_id":8,"category":"","ratio":0.000000000000000000000001}"#,
        ])
        let result = Self.both(records)
        #expect(result.fastRejects.isEmpty && result.slowRejects.isEmpty, "\(result.fastRejects) \(result.slowRejects)")
        #expect(result.fast == result.slow)
        #expect(result.fast[0]?.contains(#""amount":9999999.99"#) == true)
        #expect(result.fast[1]?.hasPrefix(#"{"order_id":-9223372036854775808,"#) == true)
        #expect(result.fast[2]?.contains(#""amount":1.23,"ratio":0.1"#) == true, "\(result.fast[2] ?? "nil")")
    }

    @Test("records that do not fit are rejected with the validated path's field and reason")
    func failuresAreTheValidatedPaths() {
        let records = Self.utf8([
            #"{"order_id":9223372036854775808,"category":""}"#,
            #"{"order_id":-9223372036854775809,"category":""}"#,
            #"{"order_id":01,"category":""}"#,
            #"{"order_id":1.5,"category":""}"#,
            #"{"order_id":1e2,"category":""}"#,
            #"{"order_id":1,"category":"","amount":12345678.9}"#,
            #"{"order_id":1,"category":"","amount":"1.2.3"}"#,
            #"{"order_id":1,"category":"","amount":1e3}"#,
            #"{"order_id":1,"category":"","amount":1.}"#,
            #"{"order_id":1,"category":"","amount":-}"#,
            #"{"order_id":1,"category":"","ratio":"x1.5"}"#,
            #"{"order_id":1,"category":"","ok":truex}"#,
            #"{"order_id":1,"category":null}"#,
            #"{"category":"no id"}"#,
            #"{"order_id":1,"category":"",}"#,
            #"{"order_id":1 "category":""}"#,
            #"{"order_id":1,"category":""} x"#,
            #"{"order_id":1,"category":"","extra":[1,}"#,
            #"{"order_id":1,"category":"bad \x escape"}"#,
            #"{"order_id":1,"category":"","at":"yesterday"}"#,
            #"{"order_id":1,"category":"","customer":{"id":"seven"}}"#,
            #"[1,2]"#,
            #""#,
            #"{"order_id":1,"category":"\ud800"}"#,
        ]) + [
            Array(#"{"order_id":1,"category":"raw "#.utf8) + [0x01] + Array(#""}"#.utf8),
            Array(#"{"order_id":1,"category":"bad "#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
            [0xEF, 0xBB, 0xBF] + Array(#"{"order_id":1,"category":"after a byte order mark"}"#.utf8),
        ]
        let result = Self.both(records)
        #expect(result.fastRejects == result.slowRejects)
        #expect(result.fast == result.slow)
        #expect(result.slowRejects.count == records.count - 1, "\(result.slowRejects)")
        #expect(result.fastRejects.first == "0: field 'order_id': 9223372036854775808 is not an int64")
    }

    @Test("a bad line in the middle of a batch leaves nothing behind and the lines around it whole")
    func aBadLineInTheMiddle() {
        let records = Self.utf8([
            #"{"order_id":1,"customer_id":10,"category":"a","amount":1.00,"tags":["x"],"customer":{"id":1,"city":"A"}}"#,
            #"{"order_id":2,"customer_id":20,"category":"b","amount":2.00,"tags":["y","z"],"customer":{"id":2,"city":"B"},"ok":nope}"#,
            #"{"order_id":3,"customer_id":30,"category":"c","amount":3.00,"tags":["w"],"customer":{"id":3,"city":"C"}}"#,
        ])
        let result = Self.both(records)
        #expect(result.fastRejects == result.slowRejects)
        #expect(result.fastRejects.count == 1 && result.fastRejects[0].hasPrefix("1: "), "\(result.fastRejects)")
        #expect(result.fast == result.slow)
        #expect(result.fast.map { $0?.hasPrefix(#"{"order_id":"#) } == [true, true])
        #expect(result.fast[1]?.contains(#""category":"c","amount":3.00"#) == true)
        #expect(result.fast[1]?.hasSuffix(#""customer":{"id":3,"city":"C"},"tags":["w"]}"#) == true, "\(result.fast[1] ?? "nil")")
    }

    @Test("the one-pass path reads the usual records itself and leaves the rest to the validated path")
    func theOnePassPathIsTaken() throws {
        let decoder = ColumnarJSONDecoder(schema: Self.orders)
        let fast = try #require(decoder.fast)
        let column = Column(Self.orders.structType)
        func take(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { fast.append($0, to: column, names: decoder.names) }
        }
        #expect(take(#"{"order_id":1,"customer_id":2,"category":"books","amount":954.04,"event_time":1}"#))
        #expect(take(#"{"category":"toys","order_id":2}"#))
        #expect(take(#"{"order_id":3,"category":"é \u00e9"}"#))
        #expect(!take(#"{"order_id":4,"category":"x","amount":1.234}"#))
        #expect(!take(#"{"order_id":5,"category":"x"} trailing"#))
        #expect(column.length == 3, "a record it does not take leaves nothing behind")
        #expect(column.children.allSatisfy { $0.length == 3 })
        #expect(column.children[3].decimal(at: 0).int64Value == 95404)
        #expect(column.children[3].isNull(1))
    }
}
