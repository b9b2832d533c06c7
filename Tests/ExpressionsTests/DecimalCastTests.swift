import Columns
import Core
@testable import Expressions
import Testing

/// `cast(x as decimal(p, s))`: SQL's DECIMAL(p, s) in the expression
/// language. Values round half up (ties away from zero) to s digits, more
/// than p digits in all is an error (null for try_cast), and a result is
/// written with exactly s digits, by the row path and by the columns.
@Suite("Decimal casts")
struct DecimalCastTests {
    /// The JSON text `appendResult` writes for `text` on `record`.
    static func written(_ text: String, record: String = "{}") throws -> String {
        let program = try ExpressionProgram([.init(text)])
        var record = record
        var output: [UInt8] = []
        try record.withUTF8 { bytes in
            try program.load(record: UnsafeRawBufferPointer(bytes), timestamp: 0)
            try program.appendResult(0, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    @Test("a result keeps its scale's trailing zeros")
    func trailingZeros() throws {
        #expect(try Self.written("cast(amount as decimal(10, 2))", record: #"{"amount":10.50}"#) == "10.50")
        #expect(try Self.written("cast(amount as decimal(10, 2))", record: #"{"amount":1}"#) == "1.00")
        #expect(try Self.written("cast(amount as decimal(38, 2))", record: #"{"amount":0}"#) == "0.00")
        #expect(try Self.written("cast(amount as decimal(38, 6))", record: #"{"amount":7.875}"#) == "7.875000")
        #expect(try Self.written("cast(amount as decimal(5))", record: #"{"amount":"12"}"#) == "12")
        // Without a precision, the language's decimal as before: no fixed scale.
        #expect(try Self.written("cast(amount as decimal)", record: #"{"amount":10.50}"#) == "10.5")
        #expect(try Self.written("cast(amount as decimal(10, 2))", record: #"{"amount":null}"#) == "null")
    }

    @Test("values round half up, ties away from zero")
    func roundsHalfUp() throws {
        #expect(try Self.written("cast(1.005 as decimal(10, 2))") == "1.01")
        #expect(try Self.written("cast(-1.005 as decimal(10, 2))") == "-1.01")
        #expect(try Self.written("cast(1.004 as decimal(10, 2))") == "1.00")
        #expect(try Self.written("cast(-0.005 as decimal(10, 2))") == "-0.01")
        #expect(try Self.written("cast(2.5 as decimal(3, 0))") == "3")
        #expect(try Self.written("cast(0.125e1 as decimal(4, 1))") == "1.3")
    }

    @Test("too many digits is an error, null for try_cast")
    func precision() throws {
        #expect(try runtimeError("cast(123.4 as decimal(4, 2))")?.message.hasSuffix(
            "cannot cast a decimal 123.4 to decimal(4, 2): it has more digits before the point than the precision leaves "
                + "(try_cast gives null instead)") == true)
        #expect(try Self.written("try_cast(123.4 as decimal(4, 2))") == "null")
        #expect(try runtimeError("cast(99.995 as decimal(4, 2))") != nil)  // rounds to 100.00: 5 digits
        #expect(try runtimeError("cast('x' as decimal(4, 2))")?.message.hasSuffix(
            #"cannot cast a string "x" to decimal(4, 2): it is not a number (try_cast gives null instead)"#) == true)
    }

    @Test("precision and scale are checked when the expression is compiled")
    func syntax() {
        #expect(compileError("cast(a as decimal(0, 0))")?.description.contains("precision of the decimal, a whole number from 1 to 38") == true)
        #expect(compileError("cast(a as decimal(5, 6))")?.description.contains("scale of the decimal, a whole number from 0 to 5") == true)
        #expect(compileError("cast(a as decimal(38, 20))")?.description.contains("from 0 to 18") == true)
        #expect(compileError("cast(a as decimal(5, 2)") != nil)
        #expect(compileError("cast(a as decimal(5, 2))") == nil)
    }

    @Test("on columns the result column is decimal(p, s) and writes s digits")
    func columns() throws {
        let schema = Schema([Field("amount", .decimal128(precision: 9, scale: 1))])
        let values = Column(schema.structType, capacity: 2)
        values.children[0].append(Decimal128(105))  // 10.5
        values.appendStruct()
        values.children[0].append(Decimal128(10))  // 1.0
        values.appendStruct()
        let program = try ColumnarProgram([.init("cast(amount as decimal(10, 2))")], schema: schema)
        #expect(program.resultTypes == [.decimal128(precision: 10, scale: 2)])
        let vectors = program.evaluate(values: values, timestamps: UnsafeBufferPointer(start: nil, count: 0), rows: nil)
        let (column, failures) = vectors[0].column(type: program.resultTypes[0]!, length: 2, rows: nil)
        #expect(failures.isEmpty)
        var texts: [String] = []
        for row in 0..<2 {
            var output: [UInt8] = []
            ColumnarJSONEncoder.appendValue(row: row, of: column, to: &output)
            texts.append(String(decoding: output, as: UTF8.self))
        }
        #expect(texts == ["10.50", "1.00"])
    }
}
