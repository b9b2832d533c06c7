#if canImport(Glibc)
import Glibc
#endif
import Expressions
import ExpressionUDFs
import NativeFunctions
import Testing
import TestKit

/// Calls that take whole batches (native functions' `callBatch`): one call
/// per batch, the same results as per-record calls, nulls and failures
/// left to the per-record rule.
@Suite("Batch calls")
struct BatchCallTests {
    /// `twice(x)` = 2x, counting scalar and batch calls; fails on 13.
    final class Counting: ExpressionFunction, ExpressionFunctionLibrary, @unchecked Sendable {
        var scalarCalls = 0
        var batchCalls = 0
        var batchRows = 0
        let name = "twice"
        let signature = ExpressionFunctionSignature([.integer], result: .integer)

        static func apply(_ value: ExpressionValue) throws(ExpressionFunctionError) -> ExpressionValue {
            guard case .integer(let number) = value, number != 13 else { throw ExpressionFunctionError("unlucky 13", argument: 0) }
            return .integer(number * 2)
        }

        func bind(constants: [ExpressionValue?]) throws(ExpressionFunctionError) -> ExpressionFunctionBody {
            ExpressionFunctionBody(
                call: { arguments throws(ExpressionFunctionError) in
                    self.scalarCalls += 1
                    return try Counting.apply(arguments[0])
                },
                callBatch: { columns, results throws(ExpressionFunctionError) in
                    self.batchCalls += 1
                    self.batchRows += results.count
                    for row in 0..<results.count { results[row] = try Counting.apply(columns[0][row]) }
                })
        }

        func function(named name: String) -> (any ExpressionFunction)? { name == "twice" ? self : nil }
        var functionNames: [String] { ["twice"] }
    }

    /// Evaluates expression 0 over `records` as the operators do: prepare,
    /// then record by record; errors as their messages.
    func run(_ program: ExpressionProgram, _ records: [String]) -> [String] {
        // Each record in memory of its own, alive for the whole batch.
        let views: [UnsafeRawBufferPointer] = records.map { text in
            let bytes = Array(text.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<bytes.count])
        }
        defer { for view in views { UnsafeMutableRawPointer(mutating: view.baseAddress!).deallocate() } }
        program.prepareBatch(count: views.count) { (views[$0], 0) }
        defer { program.endBatch() }
        return views.indices.map { row in
            do {
                try program.load(record: views[row], timestamp: 0, row: row)
                return try program.evaluate(0).jsonText()
            } catch {
                return "error: \(error)"
            }
        }
    }

    @Test func oneCallPerBatchWithTheSameResults() throws {
        let function = Counting()
        let program = try ExpressionProgram([.init("twice(twice(x)) + coalesce(twice(y), 0)")],
                                            library: ExpressionFunctionLibraryChain([BuiltinFunctions(), function]))
        #expect(program.hasBatchCalls)
        let records = (0..<50).map { #"{"x":\#($0 + 100),"y":\#($0 % 3 == 0 ? "null" : "1")}"# }
        let results = run(program, records)
        #expect(results == (0..<50).map { "\(($0 + 100) * 4 + ($0 % 3 == 0 ? 0 : 2))" })
        #expect(function.scalarCalls == 0)
        #expect(function.batchCalls == 3)  // twice(x), then twice(twice(x)), and twice(y)
        #expect(function.batchRows == 50 + 50 + 33)  // null y's are not passed
    }

    @Test func failuresFallBackToTheRecordAndOnlyWhenReached() throws {
        let function = Counting()
        let program = try ExpressionProgram([.init("case when x > 100 then 0 else twice(x) end")],
                                            library: ExpressionFunctionLibraryChain([BuiltinFunctions(), function]))
        let results = run(program, [#"{"x":1}"#, #"{"x":13}"#, #"{"x":"a"}"#, #"{"x":200}"#, #"{"x":2}"#])
        #expect(results[0] == "2")
        #expect(results[1].contains("twice failed on `x`: unlucky 13"))
        #expect(results[2].contains("`x` is a string \"a\""))
        #expect(results[3] == "0")
        #expect(results[4] == "4")
        // The batch call failed (13): records were then called one by one.
        #expect(function.batchCalls == 1 && function.scalarCalls == 3)
    }

    @Test func libmThroughLibffiScalarAndBatch() throws {
        let functions = try NativeExpressionFunctions(resolving: [
            FunctionDeclaration(name: "cube_root", library: "libm.so.6", symbol: "cbrt", signature: "double(double)"),
            FunctionDeclaration(name: "power", library: "libm.so.6", symbol: "pow", signature: "double(double,double)"),
            FunctionDeclaration(name: "absolute", library: "libc.so.6", symbol: "labs", signature: "int64(int64)"),
        ])
        let library = ExpressionFunctionLibraryChain([BuiltinFunctions(), functions])
        #expect(throws: ExpressionError.self) { try ExpressionProgram.check("cube_root('x')", library: library) }
        #expect(throws: ExpressionError.self) { try ExpressionProgram.check("power(1)", library: library) }
        let program = try ExpressionProgram([.init("cube_root(x) + power(x, 2) + absolute(-3)")], library: library)
        let records = [#"{"x":27}"#, #"{"x":8.5}"#, #"{"x":null}"#, #"{}"#]
        let expected = [3.0 + 729 + 3, cbrt(8.5) + 72.25 + 3]
        // Batched (what the operators do) and per record.
        let batched = run(program, records)
        #expect(batched[0] == "\(Int(expected[0]))")
        #expect(Double(batched[1]) == expected[1])
        #expect(batched[2] == "null" && batched[3] == "null")
        for (index, record) in records.enumerated() {
            var text = record
            let single = try text.withUTF8 { bytes -> String in
                try program.load(record: UnsafeRawBufferPointer(bytes), timestamp: 0)
                return try program.evaluate(0).jsonText()
            }
            #expect(single == batched[index])
        }
    }

    @Test func theExampleLibrarysVectorizedDistance() throws {
        let directory = try TemporaryDirectory(prefix: "batch-geo")
        let library = directory.file("libgeo.so")
        try CPluginBuilder.build(source: BuildProducts.packageRoot + "/examples/udf/geo.c", output: library, extraFlags: ["-lm"])
        let functions = try NativeExpressionFunctions(resolving: [
            FunctionDeclaration(name: "distance_v", library: library, symbol: "geo_distance_km_v",
                                signature: "double(double,double,double,double)", isVectorized: true),
            FunctionDeclaration(name: "distance", library: library, symbol: "geo_distance_km",
                                signature: "double(double,double,double,double)"),
        ])
        let program = try ExpressionProgram(
            [.init("distance_v(48.8566, 2.3522, lat, lon) = distance(48.8566, 2.3522, lat, lon) and distance_v(0, 0, lat, lon) > 0")],
            library: ExpressionFunctionLibraryChain([BuiltinFunctions(), functions]))
        var random = SplitMix(seed: 3)
        let records = (0..<300).map { _ in
            #"{"lat":\#(Double(random.next() % 18000) / 100 - 90),"lon":\#(Double(random.next() % 36000) / 100 - 180)}"#
        }
        #expect(run(program, records).allSatisfy { $0 == "true" })
    }
}
