import Columns
import Core
@testable import Expressions
import Testing

/// The column kernels against the row evaluator: random expressions over
/// random batches (nulls, tombstones, decimals, overflows, divisions by
/// zero), each row evaluated by `ExpressionProgram` on the row's JSON text
/// (what the host's columns → bytes conversion writes) and by
/// `ColumnarProgram` on the columns: the values and the error messages must
/// be the same.
@Suite("Columnar program")
struct ColumnarProgramTests {
    static let schema = Schema([
        Field("i", .int64), Field("j", .int32), Field("amount", .decimal128(precision: 9, scale: 2)),
        Field("d", .decimal128(precision: 18, scale: 4)), Field("w", .decimal128(precision: 30, scale: 3)),
        Field("whole", .decimal128(precision: 6, scale: 0)), Field("f", .float64), Field("b", .bool),
        Field("s", .utf8), Field("t", .timestampMs),
        Field("inner", .struct([Field("x", .int64), Field("y", .utf8)])),
        Field("list", .list(Field("item", .int64))),
    ])

    /// A generator with a fixed seed, so that a failure repeats.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var z = state
            z = (z ^ (z >> 33)) &* 0xff51afd7ed558ccd
            return z ^ (z >> 33)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    /// A batch of `count` rows with nulls (and tombstones) here and there.
    static func batch(_ count: Int, _ random: inout Random) -> Column {
        let column = Column(schema.structType, capacity: count)
        let integers: [Int64] = [0, 1, -1, 2, 7, 500, -3, Int64.max, Int64.min, 1 << 40, 123_456_789]
        for _ in 0..<count {
            if random.chance(4) {
                column.appendNull()
                continue
            }
            func maybeNull(_ child: Column, _ append: () -> Void) {
                if random.chance(12) { child.appendNull() } else { append() }
            }
            let c = column.children
            maybeNull(c[0]) { c[0].append(integers[random.below(integers.count)]) }
            maybeNull(c[1]) { c[1].append(int32: Int32(random.below(200)) - 100) }
            maybeNull(c[2]) { c[2].append(Decimal128(Int64(random.below(100_000)) - 500)) }
            maybeNull(c[3]) { c[3].append(Decimal128([0, 10_000, 5, -123_456_789, 999_999_999_999_999_999][random.below(5)])) }
            maybeNull(c[4]) {
                c[4].append(random.chance(50) ? Decimal128(Int64(random.below(1_000_000)))
                    : Decimal128(low: random.next(), high: Int64(random.below(1000))))
            }
            maybeNull(c[5]) { c[5].append(Decimal128(Int64(random.below(2000)) - 1000)) }
            maybeNull(c[6]) { c[6].append([0.5, 1.0, -2.25, 1e20, 3.0, 0.1, 1e-7][random.below(7)]) }
            maybeNull(c[7]) { c[7].append(random.chance(50)) }
            maybeNull(c[8]) {
                let text = ["a", "shoes", "", "Größe", "x\"y", "12", "true", " pad\t", "e\u{301}", "é", "\u{85}x ",
                            "1.5e3", " 42 ", "FALSE", "a;", "a\u{37E}"][random.below(16)]
                Array(text.utf8).withUnsafeBytes { c[8].append(bytes: $0) }
            }
            maybeNull(c[9]) { c[9].append(Int64(random.below(1_000_000))) }
            let inner = c[10]
            if random.chance(10) {
                inner.appendNull()
            } else {
                maybeNull(inner.children[0]) { inner.children[0].append(integers[random.below(integers.count)]) }
                maybeNull(inner.children[1]) { Array("in".utf8).withUnsafeBytes { inner.children[1].append(bytes: $0) } }
                inner.appendStruct()
            }
            let list = c[11]
            if random.chance(10) {
                list.appendNull()
            } else {
                for _ in 0..<random.below(3) { list.children[0].append(Int64(random.below(10))) }
                list.appendList()
            }
            column.appendStruct()
        }
        return column
    }

    /// A random string-valued expression; `depth` bounds its nesting.
    static func text(_ random: inout Random, depth: Int) -> String {
        let leaves = ["s", "inner.y", "'ab'", "'Größe'", "''", "null", "missing", "' x '", "cast(i as string)",
                      "cast(amount as string)", "cast(b as string)", "cast(f as string)"]
        if depth == 0 || random.chance(25) { return leaves[random.below(leaves.count)] }
        let a = text(&random, depth: depth - 1)
        let b = text(&random, depth: depth - 1)
        let n = ["j", "1", "2", "-1", "0", "i", "null"][random.below(7)]
        switch random.below(14) {
        case 0: return "upper(\(a))"
        case 1: return "lower(\(a))"
        case 2: return "trim(\(a))"
        case 3: return "concat(\(a), \(b))"
        case 4: return "concat(\(a), '-', \(b))"
        case 5: return "substring(\(a), \(n))"
        case 6:
            let length = ["2", "0", "j", "-1", "null"][random.below(5)]
            return "substring(\(a), \(n), \(length))"
        case 7:
            let target = ["'e'", "''", "'ö'", b][random.below(4)]
            let replacement = ["'E'", "''", b][random.below(3)]
            return "replace(\(a), \(target), \(replacement))"
        case 8: return "(\(a) || \(b))"
        case 9: return "case when \(booleanLeaf(&random)) then \(a) when \(booleanLeaf(&random)) then \(b) end"
        case 10: return "if(\(booleanLeaf(&random)), \(a), \(b))"
        case 11: return "coalesce(\(a), \(b), 'none')"
        case 12: return "cast(\(expression(&random, depth: depth - 1)) as string)"
        default: return "try_cast(\(a) as string)"
        }
    }

    static func booleanLeaf(_ random: inout Random) -> String {
        ["b", "i > 0", "s = 'a'", "null", "missing", "starts_with(s, 'e')", "(j < 0)"][random.below(7)]
    }

    /// A random expression; `depth` bounds its nesting.
    static func expression(_ random: inout Random, depth: Int) -> String {
        let numbers = ["i", "j", "amount", "d", "w", "whole", "f", "t", "inner.x", "missing", "list[0]",
                       "0", "1", "-1", "500.0", "1.2", "0.25", "1e3", "9223372036854775807", "null", "2.50"]
        let booleans = ["b", "true", "false", "null", "missing"]
        if depth == 0 || random.chance(20) {
            return random.chance(80) ? numbers[random.below(numbers.count)] : booleans[random.below(booleans.count)]
        }
        let a = expression(&random, depth: depth - 1)
        let b = expression(&random, depth: depth - 1)
        switch random.below(16) {
        case 12:
            let t = text(&random, depth: depth - 1)
            let u = text(&random, depth: depth - 1)
            let comparison = ["=", "!=", "<", "<=", ">", ">="][random.below(6)]
            let choices: [String] = ["length(\(t))", "starts_with(\(t), \(u))", "ends_with(\(t), \(u))",
                                     "contains(\(t), \(u))", "(\(t) \(comparison) \(u))", "(\(t) is null)"]
            return choices[random.below(choices.count)]
        case 13:
            let type = ["integer", "decimal", "double", "boolean", "string"][random.below(5)]
            let operand = random.chance(50) ? a : text(&random, depth: depth - 1)
            let function = random.chance(50) ? "cast" : "try_cast"
            return "\(function)(\(operand) as \(type))"
        case 14:
            return "case when \(booleanLeaf(&random)) then \(a) when \(booleanLeaf(&random)) then \(b) else \(a) end"
        case 15: return "if(\(booleanLeaf(&random)), \(a), \(b))"
        case 0, 1, 2: return "(\(a) \(["+", "-", "*", "/", "%"][random.below(5)]) \(b))"
        case 3, 4: return "(\(a) \(["=", "!=", "<", "<=", ">", ">="][random.below(6)]) \(b))"
        case 5: return "(\(a) \(["and", "or"][random.below(2)]) \(b))"
        case 6: return "(not \(a))"
        case 7: return "(\(a) is \(random.chance(50) ? "" : "not ")null)"
        case 8: return "(-\(a))"
        case 9: return "coalesce(\(a), \(b))"
        case 10: return "case when \(a) then \(b) else \(a) end"
        default: return ["upper(s)", "length(s)", "cast(\(a) as integer)", "try_cast(\(a) as decimal)", "s || 'x'",
                         "inner.y = 'in'", "s = 'shoes'", "event_time()"][random.below(8)]
        }
    }

    /// Both paths over one batch; returns how many rows were compared.
    @discardableResult
    static func compare(_ texts: [String], _ values: Column, selection: [UInt32]? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let sources = texts.map { ExpressionProgram.Source($0) }
        let rowProgram: ExpressionProgram
        do {
            rowProgram = try ExpressionProgram(sources)
        } catch {
            // Both paths share the checker: the columnar one refuses it too.
            #expect(throws: ExpressionProgram.Failure.self) { try ColumnarProgram(sources, schema: schema) }
            return 0
        }
        let columnar = try ColumnarProgram(sources, schema: schema)
        let timestamps = (0..<values.length).map { Int64($0) * 1000 + 17 }
        let vectors = timestamps.withUnsafeBufferPointer { times in
            if let selection {
                return selection.withUnsafeBufferPointer { columnar.evaluate(values: values, timestamps: times, rows: $0) }
            }
            return columnar.evaluate(values: values, timestamps: times, rows: nil)
        }
        let encoder = ColumnarJSONEncoder(schema: schema)
        let rows = selection.map { $0.map(Int.init) } ?? Array(0..<values.length)
        for (index, row) in rows.enumerated() {
            var text: [UInt8] = []
            let isRecord = encoder.append(row: row, of: values, to: &text)
            try text.withUnsafeBytes { bytes in
                try rowProgram.load(record: isRecord ? bytes : nil, timestamp: timestamps[row])
            }
            for expression in texts.indices {
                let expected: Result<ExpressionValue, ExpressionRuntimeError>
                do throws(ExpressionRuntimeError) {
                    expected = .success(try rowProgram.evaluate(expression))
                } catch {
                    expected = .failure(error)
                }
                let vector = vectors[expression]
                let got: Result<ExpressionValue, ExpressionRuntimeError> =
                    vector.value(at: index).map { .success($0) } ?? .failure(vector.errors[index]!)
                #expect(got == expected, "`\(texts[expression])` on \(String(decoding: text, as: UTF8.self))",
                        sourceLocation: sourceLocation)
                if got != expected { return index }
            }
        }
        return rows.count
    }

    @Test("random expressions agree with the row evaluator, values and errors")
    func randomExpressions() throws {
        var random = Random(state: 15)
        var compared = 0
        for round in 0..<300 {
            let values = Self.batch(40, &random)
            // Every other round's third expression is string-valued.
            let texts = (0..<3).map { index in
                index == 2 && round % 2 == 0 ? Self.text(&random, depth: 1 + round % 4)
                    : Self.expression(&random, depth: 1 + round % 4)
            }
            compared += try Self.compare(texts, values)
        }
        // A round compares its 40 rows only when all three random
        // expressions type-check (the others are refused by both paths, as
        // checked above); with this seed 85 of the 300 rounds do, 10,200
        // comparisons. The bound keeps the test from passing on nothing.
        #expect(compared > 300 * 40 / 5, "\(compared) rows compared")
    }

    @Test("case, if, coalesce, casts and the string functions run as column kernels, not per row")
    func nativeKernels() throws {
        var random = Random(state: 5)
        let values = Self.batch(200, &random)
        let kinds: [(String, ColumnVector.Kind)] = [
            ("upper(s)", .string), ("lower(inner.y)", .string), ("trim(s)", .string), ("length(s)", .integer),
            ("concat(s, '-', inner.y)", .string), ("substring(s, 2, 3)", .string), ("replace(s, 'e', 'E')", .string),
            ("starts_with(s, 'sh')", .boolean), ("ends_with(s, 'e')", .boolean), ("contains(s, 'ö')", .boolean),
            ("s || 'x'", .string), ("s < 'm'", .boolean), ("s = inner.y", .boolean),
            ("timestamp_text(i * 86400123)", .string), ("timestamp_text(t)", .string), ("timestamp_ms(s)", .integer),
            ("timestamp_ms(timestamp_text(i * 3600001))", .integer),
            ("split(s, 'e')[0]", .string), ("split(s, 'e')[1]", .string), ("split(concat(s, '/', inner.y, '/'), '/')[2]", .string),
            ("split(s, 'sh')[3]", .string),
            ("case when b then i when j > 0 then 7 else -1 end", .integer),
            ("case when b then s end", .string), ("if(b, amount, d)", .decimal), ("coalesce(s, inner.y, 'none')", .string),
            ("cast(i as double)", .double), ("cast(s as integer)", .integer), ("try_cast(s as decimal)", .decimal),
            ("cast(amount as string)", .string), ("try_cast(s as boolean)", .boolean),
            // Mixed kinds: chosen per row, held as values.
            ("case when b then i else amount end", .generic),
        ]
        let program = try ColumnarProgram(kinds.map { ExpressionProgram.Source($0.0) }, schema: Self.schema)
        let vectors = program.evaluate(values: values, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        for (vector, (text, kind)) in zip(vectors, kinds) {
            #expect(vector.kind == kind, "`\(text)` gives a \(vector.kind) vector")
        }
        #expect(program.resultTypes[0] == .utf8)
        #expect(try Self.compare(kinds.map(\.0), values) == 200)
    }

    @Test("header(name) reads a record's Kafka header, the same on both paths")
    func headerFunction() throws {
        var random = Random(state: 9)
        let values = Self.batch(6, &random)
        // Row i: none, trace=t1, trace twice (the last wins), a header
        // without a value, another name, a null list.
        let rows: [[(String, String?)]?] = [[], [("trace", "t1")], [("trace", "old"), ("trace", "new")],
                                            [("trace", nil)], [("other", "x")], nil]
        let headers = Column(ColumnarValues.headersType)
        let pairs = headers.children[0]
        for row in rows {
            guard let row else {
                headers.appendNull()
                continue
            }
            for (key, value) in row {
                Array(key.utf8).withUnsafeBytes { pairs.children[0].append(bytes: $0) }
                if let value { Array(value.utf8).withUnsafeBytes { pairs.children[1].append(bytes: $0) } } else {
                    pairs.children[1].appendNull()
                }
                pairs.appendStruct()
            }
            headers.appendList()
        }
        let texts = ["header('trace')", "coalesce(header('trace'), 'none')", "header('trace') = 'new'", "header(null)"]
        let expected: [ExpressionValue] = [.null, .string("t1"), .string("new"), .null, .null, .null]
        let rowProgram = try ExpressionProgram(texts.map { ExpressionProgram.Source($0) })
        let columnar = try ColumnarProgram(texts.map { ExpressionProgram.Source($0) }, schema: Self.schema)
        let vectors = columnar.evaluate(values: values, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil,
                                        headers: headers)
        let encoder = ColumnarJSONEncoder(schema: Self.schema)
        for row in 0..<rows.count {
            var text: [UInt8] = []
            let isRecord = encoder.append(row: row, of: values, to: &text)
            try text.withUnsafeBytes {
                try rowProgram.load(record: isRecord ? $0 : nil, timestamp: 0, row: -1, headers: (column: headers, row: row))
            }
            #expect(try rowProgram.evaluate(0) == expected[row], "row \(row)")
            for index in texts.indices {
                #expect(vectors[index].value(at: row) == (try rowProgram.evaluate(index)), "`\(texts[index])` row \(row)")
            }
        }
        #expect(throws: ExpressionProgram.Failure.self) { try ExpressionProgram([.init("header(1)")]) }
    }

    @Test("a selection evaluates only the rows it lists")
    func selectionRows() throws {
        var random = Random(state: 7)
        let values = Self.batch(64, &random)
        let selection: [UInt32] = [1, 2, 5, 8, 13, 21, 34, 55, 63]
        #expect(try Self.compare(["amount * 1.2", "amount > 500.0 and b", "i + j"], values, selection: selection) == 9)
    }

    @Test("the stateless benchmark's expressions take the kernels, with exact decimals")
    func benchmarkExpressions() throws {
        var random = Random(state: 3)
        let values = Self.batch(500, &random)
        #expect(try Self.compare(["amount > 500.0", "amount * 1.2"], values) == 500)
        let program = try ColumnarProgram([.init("amount > 500.0", expecting: .boolean), .init("amount * 1.2")],
                                          schema: Self.schema)
        #expect(program.resultTypes[1] == .decimal128(precision: 38, scale: 3))
        let vectors = program.evaluate(values: values, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(vectors[0].kind == .boolean)
        #expect(vectors[1].kind == .decimal)
    }

    @Test("overflow and division by zero fail the row with the row path's message")
    func rowErrors() throws {
        let column = Column(Self.schema.structType)
        for value: Int64 in [Int64.max, 0, 3] {
            for (index, child) in column.children.enumerated() {
                if index == 0 { child.append(value) } else { child.appendNull() }
            }
            column.appendStruct()
        }
        let program = try ColumnarProgram([.init("i + 1"), .init("10 / i")], schema: Self.schema)
        let vectors = program.evaluate(values: column, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(vectors[0].errors[0]?.message.contains("overflows") == true)
        #expect(vectors[0].value(at: 2) == .integer(4))
        #expect(vectors[1].errors[1]?.message.contains("division by zero") == true)
        #expect(vectors[1].value(at: 2) == .integer(3))
        try Self.compare(["i + 1", "10 / i", "i * i > 0 or true", "false and 10 / i = 1"], column)
    }

    @Test("select gives the rows where the condition is true, failures apart")
    func select() throws {
        let column = Column(Self.schema.structType)
        for value: Int64 in [5, 0, -2, 4] {
            for (index, child) in column.children.enumerated() {
                if index == 0 { child.append(value) } else { child.appendNull() }
            }
            column.appendStruct()
        }
        let program = try ColumnarProgram([.init("10 / i > 1", expecting: .boolean)], schema: Self.schema)
        let (selected, failures) = program.select(0, values: column, timestamps: UnsafeBufferPointer(start: nil, count: 0),
                                                  rows: nil)
        #expect(selected == [0, 3])
        #expect(failures.map(\.row) == [1])
    }

    @Test("results are written as typed columns: decimals at the column's scale")
    func resultColumns() throws {
        var random = Random(state: 11)
        let values = Self.batch(100, &random)
        let program = try ColumnarProgram([.init("amount * 1.2"), .init("upper(s)"), .init("i > 0")], schema: Self.schema)
        let vectors = program.evaluate(values: values, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(program.resultTypes == [.decimal128(precision: 38, scale: 3), .utf8, .bool])
        for (vector, type) in zip(vectors, program.resultTypes) {
            let (column, failures) = vector.column(type: type!, length: vector.count, rows: nil)
            #expect(failures.isEmpty)
            #expect(column.length == vector.count)
            for row in 0..<vector.count {
                switch vector.value(at: row)! {
                case .null: #expect(column.isNull(row))
                case .decimal(let number):
                    #expect(column.decimal(at: row) == ColumnVector.decimal128(number, scale: 3))
                case .string(let text): #expect(String(decoding: column.bytes(at: row), as: UTF8.self) == text)
                case .boolean(let flag): #expect(column.bool(at: row) == flag)
                default: Issue.record("unexpected value")
                }
            }
        }
    }

    /// A batch whose `amount` (scale 2) and `d` (scale 4) hold `amounts`
    /// and `ds`, no null rows, every other field null: the decimal kernels'
    /// one-loop read of a column without nulls.
    static func decimalBatch(amounts: [Int64], ds: [Int64]) -> Column {
        let column = Column(schema.structType)
        for (amount, d) in zip(amounts, ds) {
            for (index, child) in column.children.enumerated() {
                switch index {
                case 2: child.append(Decimal128(amount))
                case 3: child.append(Decimal128(d))
                default: child.appendNull()
                }
            }
            column.appendStruct()
        }
        return column
    }

    static let unitExpressions = [
        "amount > 500.0", "500 < amount", "amount <= -1.5", "amount = 5", "amount != 0.001", "d >= amount",
        "amount * 1.2", "1.2 * amount", "amount * 3", "amount * -0.25", "amount * amount", "d * 1000000",
        "d * 0.00000000000001", "amount + d", "d - amount", "amount - 0.005", "-amount * 1.2", "amount * 1.2 > 600",
        "(amount + 1) * 2 = d", "amount * 1e0",
    ]

    @Test("decimals computed as units at one scale agree with the row path: scales, signs, overflow, nulls")
    func decimalUnits() throws {
        // Negative values, zero, values whose product overflows an Int64
        // (the row path then rounds or reports the overflow), the largest
        // 18-digit units.
        let big: Int64 = 999_999_999_999_999_999
        let amounts: [Int64] = [50_001, 50_000, 49_999, -50_001, 0, -150, 500, big, -big, 768_614_336_404_564_650,
                               768_614_336_404_564_651, -768_614_336_404_564_651, 1]
        let ds: [Int64] = [5, -123_456_789, big, -big, 0, 10_000, 1_000_000_000_000, 3, 92_233_720_368_547_758, -1, 7,
                           -92_233_720_368_547_758, 2]
        let values = Self.decimalBatch(amounts: amounts, ds: ds)
        #expect(try Self.compare(Self.unitExpressions, values) == amounts.count)
        // With nulls and tombstones (the read through `read`), and with a
        // selection.
        var random = Random(state: 21)
        let mixed = Self.batch(300, &random)
        #expect(try Self.compare(Self.unitExpressions, mixed) == 300)
        let selection: [UInt32] = [0, 3, 4, 9, 17, 100, 101, 250, 299]
        #expect(try Self.compare(Self.unitExpressions, mixed, selection: selection) == selection.count)
        #expect(try Self.compare(Self.unitExpressions, values, selection: [1, 2, 7, 9]) == 4)
    }

    @Test("amount > 500.0 and amount * 1.2 run on units, an overflowing batch on DecimalNumber")
    func decimalUnitsTaken() throws {
        let program = try ColumnarProgram([.init("amount > 500.0", expecting: .boolean), .init("amount * 1.2")],
                                          schema: Self.schema)
        let small = Self.decimalBatch(amounts: [50_001, -7, 0], ds: [0, 0, 0])
        let vectors = program.evaluate(values: small, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(vectors[0].booleans == [true, false, false])
        #expect(vectors[1].unitScale == 3)
        #expect(vectors[1].units == [600_012, -84, 0])
        // 768614336404564651 × 12 overflows an Int64: the batch is computed
        // with DecimalNumber, which rounds the product as the row path does.
        let large = Self.decimalBatch(amounts: [768_614_336_404_564_651, 1], ds: [0, 0])
        let overflowed = program.evaluate(values: large, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(overflowed[1].unitScale == nil)
        #expect(try Self.compare(["amount * 1.2"], large) == 2)
        // A product past Int64 and every rounding is an error on both paths.
        let failing = try ColumnarProgram([.init("d * 100000000000000")], schema: Self.schema)
        let failed = failing.evaluate(values: Self.decimalBatch(amounts: [0], ds: [999_999_999_999_999_999]),
                                      timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        #expect(failed[0].errors[0] != nil)
        #expect(try Self.compare(["d * 100000000000000"], Self.decimalBatch(amounts: [0], ds: [999_999_999_999_999_999])) == 1)
    }

    @Test("a units vector is written straight into a decimal column, selection rows and nulls null")
    func unitsColumn() throws {
        var random = Random(state: 13)
        let values = Self.batch(120, &random)
        let program = try ColumnarProgram([.init("amount * 1.2"), .init("amount")], schema: Self.schema)
        let selection: [UInt32] = [0, 1, 2, 10, 50, 51, 119]
        let none = UnsafeBufferPointer<Int64>(start: nil, count: 0)
        for rows in [nil, selection] {
            let vectors = rows.map { list in
                list.withUnsafeBufferPointer { program.evaluate(values: values, timestamps: none, rows: $0) }
            } ?? program.evaluate(values: values, timestamps: none, rows: nil)
            for (index, vector) in vectors.enumerated() {
                #expect(vector.unitScale != nil)
                let type = program.resultTypes[index]!
                guard case .decimal128(_, let scale) = type else {
                    Issue.record("\(type) is not a decimal")
                    continue
                }
                let (column, failures) = rows.map { list in
                    list.withUnsafeBufferPointer { vector.column(type: type, length: values.length, rows: $0) }
                } ?? vector.column(type: type, length: values.length, rows: nil)
                #expect(failures.isEmpty)
                let expected = vector.normalizedDecimals()
                var next = 0
                for row in 0..<values.length {
                    let index: Int?
                    if let rows {
                        index = next < rows.count && Int(rows[next]) == row ? next : nil
                        if index != nil { next += 1 }
                    } else {
                        index = row
                    }
                    guard let index, case .decimal(let number) = expected.value(at: index)! else {
                        #expect(column.isNull(row), "row \(row)")
                        continue
                    }
                    #expect(!column.isNull(row))
                    #expect(column.decimal(at: row) == ColumnVector.decimal128(number, scale: scale))
                }
            }
        }
    }

    @Test("select over a selection keeps the batch rows where the condition is true, nulls dropped")
    func selectOverSelection() throws {
        var random = Random(state: 17)
        let values = Self.batch(200, &random)
        let program = try ColumnarProgram([.init("amount > 500.0", expecting: .boolean)], schema: Self.schema)
        let none = UnsafeBufferPointer<Int64>(start: nil, count: 0)
        let all = program.evaluate(values: values, timestamps: none, rows: nil)[0]
        let expected = (0..<200).filter { (try? all.condition($0)) == true }.map(UInt32.init)
        #expect(!expected.isEmpty && expected.count < 200)
        #expect(program.select(0, values: values, timestamps: none, rows: nil).selected == expected)
        let selection = (0..<200).filter { $0 % 3 != 1 }.map(UInt32.init)
        let (selected, failures) = selection.withUnsafeBufferPointer {
            program.select(0, values: values, timestamps: none, rows: $0)
        }
        #expect(failures.isEmpty)
        #expect(selected == expected.filter { $0 % 3 != 1 })
    }
}
