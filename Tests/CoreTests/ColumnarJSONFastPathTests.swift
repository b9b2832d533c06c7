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
            Array(text.utf8).withUnsafeBytes { fast.append($0, to: column) }
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

    // MARK: Nested structs (Nexmark's events)

    /// Nexmark's events as the SQL planner declares them on a file source
    /// (ddl_gen.sql: INT is int32, TIMESTAMP(3) timestampMs), plus a struct
    /// with not-null fields and a struct nested twice.
    static let events = Schema([
        Field("event_type", .int32),
        Field("person", .struct([
            Field("id", .int64), Field("name", .utf8), Field("emailAddress", .utf8), Field("creditCard", .utf8),
            Field("city", .utf8), Field("state", .utf8), Field("dateTime", .timestampMs), Field("extra", .utf8),
        ])),
        Field("auction", .struct([
            Field("id", .int64), Field("itemName", .utf8), Field("description", .utf8), Field("initialBid", .int64),
            Field("reserve", .int64), Field("dateTime", .timestampMs), Field("expires", .timestampMs),
            Field("seller", .int64), Field("category", .int64), Field("extra", .utf8),
        ])),
        Field("bid", .struct([
            Field("auction", .int64), Field("bidder", .int64), Field("price", .int64), Field("channel", .utf8),
            Field("url", .utf8), Field("dateTime", .timestampMs), Field("extra", .utf8),
        ])),
        Field("strict", .struct([Field("a", .int64, nullable: false), Field("b", .bool)])),
        Field("outer", .struct([
            Field("inner", .struct([Field("x", .float64), Field("d", .decimal128(precision: 5, scale: 1))]), nullable: false),
            Field("tags", .list(Field("item", .int32))),
        ])),
    ])

    /// One event of each kind as the nexmark source writes them.
    static let eventLines = [
        #"{"event_type":0,"person":{"id":1000,"name":"Peter Jones","emailAddress":"nhuhm@qxk.com","creditCard":"6363 1433 8123 6483","city":"Phoenix","state":"OR","dateTime":"2015-07-15 00:00:00.001","extra":"xyz"},"auction":null,"bid":null}"#,
        #"{"event_type":1,"person":null,"auction":{"id":1000,"itemName":"wkx mgee","description":"eszpqxtdxrvwmmywkmogoahf","initialBid":28873,"reserve":30830,"dateTime":"2015-07-15 00:00:00.002","expires":"2015-07-15 00:00:00.020","seller":1000,"category":10,"extra":""},"bid":null}"#,
        #"{"event_type":2,"person":null,"auction":null,"bid":{"auction":1000,"bidder":1001,"price":1813,"channel":"Google","url":"https://www.nexmark.com/xn/ybdi/iqmi/item.htm?query=1","dateTime":"2015-07-15 00:00:00.003","extra":""}}"#,
    ]

    /// Decodes `records` into one struct column both ways and dumps every
    /// buffer's value per row — the children of null struct rows and the
    /// values under null bits included — with the rejections.
    static func bothColumns(_ records: [[UInt8]], schema: Schema) -> (fast: [String], slow: [String]) {
        func decode(onePass: Bool) -> [String] {
            let decoder = ColumnarJSONDecoder(schema: schema, onePass: onePass)
            let column = Column(schema.structType)
            var out: [String] = []
            for (index, record) in records.enumerated() {
                record.withUnsafeBytes { bytes in
                    do throws(ColumnarJSONDecoder.Failure) {
                        try decoder.append(bytes, to: column)
                    } catch {
                        out.append("reject \(index): \(error)")
                    }
                }
            }
            out += (0..<column.length).map { dump(column, row: $0) }
            return out
        }
        return (decode(onePass: true), decode(onePass: false))
    }

    static func dump(_ column: Column, row: Int) -> String {
        let null = column.isNull(row) ? "null:" : ""
        switch column.type {
        case .bool: return null + "\(column.bool(at: row))"
        case .int32, .date32: return null + "\(column.int32(at: row))"
        case .int64, .timestampMs: return null + "\(column.int64(at: row))"
        case .float64: return null + "\(column.double(at: row).bitPattern)"
        case .decimal128:
            let value = column.decimal(at: row)
            return null + "\(value.low),\(value.high)"
        case .utf8, .binary: return null + "\(Array(column.bytes(at: row)))"
        case .list:
            return null + "[" + column.listRange(at: row).map { dump(column.children[0], row: $0) }.joined(separator: ",") + "]"
        case .struct:
            return null + "{" + column.children.map { dump($0, row: column.childRow(row)) }.joined(separator: ",") + "}"
        }
    }

    @Test("Nexmark's three kinds of event, nested objects and the other kinds' nulls, the same both ways")
    func nexmarkEvents() throws {
        let result = Self.bothColumns(Self.eventLines.map { Array($0.utf8) }, schema: Self.events)
        #expect(result.fast == result.slow)
        #expect(!result.fast.contains { $0.hasPrefix("reject") }, "\(result.fast)")
        // Each kind is taken by the one-pass path.
        let decoder = ColumnarJSONDecoder(schema: Self.events)
        let fast = try #require(decoder.fast)
        let column = Column(Self.events.structType)
        for line in Self.eventLines {
            #expect(Array(line.utf8).withUnsafeBytes { fast.append($0, to: column) }, "\(line)")
        }
        let bid = column.children[3]
        #expect(bid.isNull(0) && bid.isNull(1) && !bid.isNull(2))
        #expect(bid.children[2].int64(at: 2) == 1813)
        #expect(bid.children.allSatisfy { $0.length == 3 && $0.isNull(0) && $0.isNull(1) },
                "a null struct row's children get a null each")
        #expect(bid.children[5].int64(at: 2) == 1_436_918_400_003)
        #expect(column.children[0].int32(at: 1) == 1)
    }

    @Test("nested objects: order, missing, extra and duplicate members, escapes, nulls, the same both ways")
    func nestedVariants() {
        let records: [[UInt8]] = Self.utf8([
            #"{"bid":{"extra":"e","dateTime":5,"url":"u","channel":"c","price":3,"bidder":2,"auction":1},"event_type":2}"#,
            #"{"event_type":2,"bid":{"price":3}}"#,
            #"{"event_type":2,"bid":{}}"#,
            #"{"event_type":2,"bid":{"price":3,"price":4,"x":{"y":[1,{"z":null}]},"channel":"a","channel":"b"}}"#,
            #"{"event_type":2,"bid":{"price":3},"bid":{"price":4}}"#,
            #"{"event_type":2,"bid":null,"bid":{"price":4}}"#,
            #"{"event_type":2,"bid":{"channel":"Zoë \u00e9 \ud83d\ude00 \"q\" \\ \n","url":"\/x"}}"#,
            #"{"event_type":2,"bid":{"dateTime":"2015-07-15T00:00:00.5Z"}}"#,
            #"{"event_type":2,"bid":{"dateTime":"2015-07-15 00:00:0\u0030.004"}}"#,
            #"{"event_type":2,"bid":{"price":"17","auction":" 5 "}}"#,
            #"{"event_type":"2","bid":{"b\u0069dder":9}}"#,
            #" { "event_type" : -2147483648 , "bid" : { "price" : -1 , "channel" : "" } } "#,
            #"{"event_type":2147483647,"strict":{"a":1},"outer":{"inner":{"x":0.5,"d":1234.5},"tags":[1,2]}}"#,
            #"{"strict":null,"outer":{"inner":{},"tags":null}}"#,
            #"{"outer":{"tags":[],"inner":{"d":-0.1,"d":"x","x":1e300}}}"#,
            #"{"outer":null}"#,
            #"{"person":{"id":1,"dateTime":1436918400001},"auction":{"expires":null,"seller":null}}"#,
        ]).map { $0! }
        let result = Self.bothColumns(records, schema: Self.events)
        #expect(result.fast == result.slow)
        #expect(!result.fast.contains { $0.hasPrefix("reject") }, "\(result.fast)")
    }

    @Test("wrong values inside nested objects are rejected with the validated path's field and reason")
    func nestedFailures() {
        let records: [[UInt8]] = Self.utf8([
            #"{"bid":{"price":"seven"}}"#,
            #"{"bid":{"price":1.5}}"#,
            #"{"bid":{"price":9223372036854775808}}"#,
            #"{"bid":{"auction":true}}"#,
            #"{"bid":{"dateTime":"yesterday"}}"#,
            #"{"bid":{"dateTime":"yester\u0064ay"}}"#,
            #"{"bid":[1]}"#,
            #"{"bid":5}"#,
            #"{"bid":"x"}"#,
            #"{"bid":{"price":1}"#,
            #"{"bid":{"price":1,}}"#,
            #"{"bid":{"price" 1}}"#,
            #"{"bid":{"price":1}}}"#,
            #"{"bid":{"x":[1,}}}"#,
            #"{"event_type":2147483648}"#,
            #"{"event_type":1.0}"#,
            #"{"strict":{}}"#,
            #"{"strict":{"a":null}}"#,
            #"{"strict":{"a":1,"b":"yes"}}"#,
            #"{"outer":{"inner":null}}"#,
            #"{"outer":{}}"#,
            #"{"outer":{"inner":{"d":12345.6}}}"#,
            #"{"outer":{"inner":{"d":1e2}}}"#,
            #"{"outer":{"inner":{"x":"x"}},"tags":[1]}"#,
            #"{"outer":{"inner":{},"tags":[1,"a"]}}"#,
            #"{"outer":{"inner":{},"tags":[2147483648]}}"#,
            #"{"bid":{"channel":"bad \x escape"}}"#,
            #"{"bid":{"channel":"\ud800"}}"#,
        ]).map { $0! } + [
            Array(#"{"bid":{"channel":"raw "#.utf8) + [0x01] + Array(#""}}"#.utf8),
            Array(#"{"bid":{"channel":"bad "#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8),
        ]
        let result = Self.bothColumns(records, schema: Self.events)
        #expect(result.fast == result.slow)
        #expect(result.slow.filter { $0.hasPrefix("reject") }.count == records.count, "\(result.slow)")
        #expect(result.slow.first == "reject 0: field 'bid.price': expected int64, found a string")
    }

    @Test("the nesting limit counts from the record, inside nested objects too")
    func nestingLimitInsideNestedObjects() {
        // `validate` fails an array or object at depth 512; the record is
        // at depth 0, bid at 1, and bid's members at 2.
        func record(arrays: Int) -> [UInt8] {
            Array((#"{"bid":{"price":1,"x":"# + String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays) + "}}").utf8)
        }
        let result = Self.bothColumns([record(arrays: 510), record(arrays: 511)], schema: Self.events)
        #expect(result.fast == result.slow)
        #expect(result.slow.count == 2 && result.slow[0].hasPrefix("reject 1: "), "\(result.slow)")
    }

    @Test("a corpus of mutated records decodes the same both ways, rejections included")
    func differentialCorpus() {
        // Valid records of every shape above, then each mutated many times
        // by a seeded generator: a byte dropped, doubled or replaced by one
        // of JSON's structural characters, literals or digits, a member
        // duplicated. Most mutants are not JSON or do not fit; both paths
        // must agree on every one, value for value.
        var seeds = Self.eventLines + [
            #"{"event_type":2,"bid":{"price":3,"channel":"a\"b","dateTime":"2015-07-15 00:00:00.003"},"strict":{"a":1,"b":true}}"#,
            #"{"outer":{"inner":{"x":-1.25e-3,"d":9999.9},"tags":[1,-2,null]},"person":{"id":7,"name":"é"}}"#,
            #"{"auction":{"initialBid":0,"expires":0,"category":-1,"extra":"\u0041"},"event_type":1}"#,
        ]
        seeds += seeds.map { $0.replacingOccurrences(of: ",", with: " , ") }
        let pieces: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", " ", "null", "true", "1", "-", ".", "e", "0",
                                 "\"x\"", "{}", "\u{e9}"].map { Array($0.utf8) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var records: [[UInt8]] = seeds.map { Array($0.utf8) }
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for _ in 0..<300 {
                var mutant = bytes
                for _ in 0..<(1 + next(2)) {
                    let at = next(mutant.count)
                    switch next(4) {
                    case 0: mutant.remove(at: at)
                    case 1: mutant.insert(mutant[at], at: at)
                    case 2: mutant.replaceSubrange(at..<(at + 1), with: pieces[next(pieces.count)])
                    default: mutant.insert(contentsOf: pieces[next(pieces.count)], at: at)
                    }
                    if mutant.isEmpty { mutant = [0x7B] }
                }
                records.append(mutant)
            }
        }
        let result = Self.bothColumns(records, schema: Self.events)
        #expect(result.fast == result.slow)
        let accepted = result.slow.filter { !$0.hasPrefix("reject") }.count
        #expect(accepted > seeds.count, "the corpus exercises accepted mutants too (\(accepted) accepted)")
        if result.fast != result.slow {
            let first = zip(result.fast, result.slow).first { $0 != $1 }
            Issue.record("first difference: \(first.map { "\($0.0) vs \($0.1)" } ?? "lengths")")
        }
    }
}
