import Foundation
import NativeFunctions
import Testing

@Suite("NativeFunction batch calls")
struct NativeFunctionBatchTests {
    let a: [Double] = (0..<100).map(Double.init)
    let b: [Double] = (0..<100).map { Double($0) * 2 }
    var expected: [Double] { zip(a, b).map { ($0 * $0 + $1 * $1).squareRoot() } }

    /// Calls a double(double,double) function over a and b.
    private func hypotBatch(_ function: NativeFunction) throws -> [Double] {
        var out = [Double](repeating: -1, count: a.count)
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try out.withUnsafeMutableBufferPointer { out in
                    let failed = try function.callBatch(count: a.count, arguments: [.double(a), .double(b)],
                                                        results: .double(out))
                    #expect(failed == 0)
                }
            }
        }
        return out
    }

    @Test func vectorizedFunctionOverColumns() throws {
        let hypot = try NativeFixtures.function("hypot_v", signature: "double(double,double)", vectorized: true)
        #expect(try hypotBatch(hypot) == expected)
    }

    @Test func scalarFunctionOverColumnsIsCalledPerRecord() throws {
        let hypot = try NativeFixtures.function("hypot", signature: "double(double,double)")
        #expect(try hypotBatch(hypot) == expected)
    }

    @Test func vectorizedFunctionCalledOnOneValue() throws {
        let hypot = try NativeFixtures.function("hypot_v", signature: "double(double,double)", vectorized: true)
        #expect(try hypot.call([.double(6), .double(8)]) == .double(10))
        let repeatString = try NativeFixtures.function(
            "repeat_v", signature: "char*(const char*,int32)", vectorized: true, free: "fx_free")
        #expect(try repeatString.call([.string("xy"), .int32(2)]) == .string("xyxy"))
        let divide = try NativeFixtures.function("safe_div_v", signature: "int64!(int64,int64)", vectorized: true)
        #expect(try divide.call([.int64(9), .int64(3)]) == .int64(3))
        #expect(refusal { try divide.call([.int64(9), .int64(0)]) } == .returnedError(function: "safe_div_v", code: 22, row: nil))
    }

    @Test func vectorizedBoolInt32AndFloatColumns() throws {
        let not = try NativeFixtures.function("not_v", signature: "bool(bool)", vectorized: true)
        let flags = [true, false, false, true]
        var negated = [Bool](repeating: false, count: 4)
        _ = try flags.withUnsafeBufferPointer { flags in
            try negated.withUnsafeMutableBufferPointer { out in
                try not.callBatch(count: 4, arguments: [.bool(flags)], results: .bool(out))
            }
        }
        #expect(negated == [false, true, true, false])

        let add = try NativeFixtures.function("add_i32_v", signature: "int32(int32,int32)", vectorized: true)
        let x: [Int32] = [1, -2, 3], y: [Int32] = [10, 20, -30]
        var sums = [Int32](repeating: 0, count: 3)
        _ = try x.withUnsafeBufferPointer { x in
            try y.withUnsafeBufferPointer { y in
                try sums.withUnsafeMutableBufferPointer { out in
                    try add.callBatch(count: 3, arguments: [.int32(x), .int32(y)], results: .int32(out))
                }
            }
        }
        #expect(sums == [11, 18, -27])

        let half = try NativeFixtures.function("half_v", signature: "float(float)", vectorized: true)
        let values: [Float] = [1, 3, -5]
        var halves = [Float](repeating: 0, count: 3)
        _ = try values.withUnsafeBufferPointer { values in
            try halves.withUnsafeMutableBufferPointer { out in
                try half.callBatch(count: 3, arguments: [.float(values)], results: .float(out))
            }
        }
        #expect(halves == [0.5, 1.5, -2.5])
    }

    /// Runs `body` with the C strings of `texts` as a column.
    private func withStringColumn<R>(
        _ texts: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>>) throws -> R
    ) rethrows -> R {
        let copies = texts.map { strdup($0)! }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return try pointers.withUnsafeBufferPointer(body)
    }

    @Test func stringColumnsInAndOutAreFreed() throws {
        for vectorized in [true, false] {
            let repeatString = try NativeFixtures.function(
                vectorized ? "repeat_v" : "repeat", signature: "char*(const char*,int32)", vectorized: vectorized,
                free: "fx_free")
            let texts = ["a", "bc", "déf", ""]
            let times: [Int32] = [3, 2, 1, 5]
            var out = [String?](repeating: nil, count: 4)
            let before = try NativeFixtures.freeCount()
            _ = try withStringColumn(texts) { strings in
                try times.withUnsafeBufferPointer { times in
                    try out.withUnsafeMutableBufferPointer { out in
                        try repeatString.callBatch(count: 4, arguments: [.string(strings), .int32(times)],
                                                   results: .string(out))
                    }
                }
            }
            #expect(out == ["aaa", "bcbc", "déf", ""], "vectorized: \(vectorized)")
            #expect(try NativeFixtures.freeCount() == before + 4, "vectorized: \(vectorized)")
        }
    }

    @Test func perRecordErrorCodes() throws {
        for vectorized in [true, false] {
            let divide = try NativeFixtures.function(
                vectorized ? "safe_div_v" : "safe_div", signature: "int64!(int64,int64)", vectorized: vectorized)
            let x: [Int64] = [10, 20, 30, 40], y: [Int64] = [2, 0, 3, 0]
            var out = [Int64](repeating: -1, count: 4)
            var errors = [Int32](repeating: 99, count: 4)
            let failed = try x.withUnsafeBufferPointer { x in
                try y.withUnsafeBufferPointer { y in
                    try out.withUnsafeMutableBufferPointer { out in
                        try errors.withUnsafeMutableBufferPointer { errors in
                            try divide.callBatch(count: 4, arguments: [.int64(x), .int64(y)], results: .int64(out),
                                                 rowErrors: errors)
                        }
                    }
                }
            }
            #expect(failed == 2, "vectorized: \(vectorized)")
            #expect(errors == [0, 22, 0, 22], "vectorized: \(vectorized)")
            #expect(out[0] == 5 && out[2] == 10, "vectorized: \(vectorized)")

            // Without a row-error buffer the first failing record throws.
            let error = x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    out.withUnsafeMutableBufferPointer { out in
                        refusal { try divide.callBatch(count: 4, arguments: [.int64(x), .int64(y)], results: .int64(out)) }
                    }
                }
            }
            #expect(error == .returnedError(function: divide.name, code: 22, row: 1))
            #expect(error?.description == "function '\(divide.name)' returned error code 22 for record 1 of the batch")
        }
    }

    @Test func aWholeBatchFailureFreesEveryString() throws {
        let fail = try NativeFixtures.function("fail_v", signature: "char*(const char*)", vectorized: true, free: "fx_free")
        var out = [String?](repeating: "untouched", count: 3)
        let before = try NativeFixtures.freeCount()
        let error = withStringColumn(["a", "b", "c"]) { strings in
            out.withUnsafeMutableBufferPointer { out in
                refusal { try fail.callBatch(count: 3, arguments: [.string(strings)], results: .string(out)) }
            }
        }
        #expect(error == .returnedError(function: "fail_v", code: 7, row: nil))
        #expect(try NativeFixtures.freeCount() == before + 3)
        #expect(out == ["untouched", "untouched", "untouched"])
    }

    @Test func refusesColumnsThatDoNotMatch() throws {
        let hypot = try NativeFixtures.function("hypot_v", signature: "double(double,double)", vectorized: true)
        let doubles: [Double] = [1, 2]
        let ints: [Int64] = [1, 2]
        var out = [Double](repeating: 0, count: 2)
        var int32Out = [Int32](repeating: 0, count: 2)
        doubles.withUnsafeBufferPointer { d in
            ints.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    #expect(refusal { try hypot.callBatch(count: 2, arguments: [.double(d)], results: .double(o)) }?
                        .description == "function 'hypot_v': takes 2 argument columns (double(double,double)), got 1")
                    #expect(refusal { try hypot.callBatch(count: 2, arguments: [.double(d), .int64(i)], results: .double(o)) }?
                        .description == "function 'hypot_v': argument column 2 holds int64 values, but the parameter "
                        + "is double (double(double,double))")
                    #expect(refusal { try hypot.callBatch(count: 3, arguments: [.double(d), .double(d)], results: .double(o)) }?
                        .description == "function 'hypot_v': argument column 1 has 2 elements for a batch of 3 records")
                }
                int32Out.withUnsafeMutableBufferPointer { o in
                    #expect(refusal { try hypot.callBatch(count: 2, arguments: [.double(d), .double(d)], results: .int32(o)) }?
                        .description == "function 'hypot_v': the result column holds int32 values, but the function "
                        + "returns double (double(double,double))")
                }
            }
        }
    }

    @Test func anEmptyBatchCallsNothing() throws {
        let fail = try NativeFixtures.function("fail_v", signature: "char*(const char*)", vectorized: true, free: "fx_free")
        var out: [String?] = []
        let failed = try out.withUnsafeMutableBufferPointer { out in
            try fail.callBatch(count: 0, arguments: [.string(UnsafeBufferPointer<UnsafePointer<CChar>>(start: nil, count: 0))],
                               results: .string(out))
        }
        #expect(failed == 0)
    }
}
