import Foundation
import NativeFunctions
import Testing

@Suite("NativeFunction calls")
struct NativeFunctionTests {
    @Test func everyScalarTypeInAndOut() throws {
        #expect(try NativeFixtures.function("add_i32", signature: "int32(int32,int32)").call([.int32(40), .int32(2)])
            == .int32(42))
        #expect(try NativeFixtures.function("negative_i32", signature: "int32()").call([]) == .int32(-5))
        #expect(try NativeFixtures.function("mul_i64", signature: "int64(int64,int64)")
            .call([.int64(3_000_000_000), .int64(-3)]) == .int64(-9_000_000_000))
        #expect(try NativeFixtures.function("hypot", signature: "double(double,double)").call([.double(3), .double(4)])
            == .double(5))
        #expect(try NativeFixtures.function("half", signature: "float(float)").call([.float(3)]) == .float(1.5))
        let not = try NativeFixtures.function("not", signature: "bool(bool)")
        #expect(try not.call([.bool(true)]) == .bool(false))
        #expect(try not.call([.bool(false)]) == .bool(true))
        #expect(try NativeFixtures.function("strlen", signature: "int64(const char*)").call([.string("héllo")])
            == .int64(6))
        #expect(try NativeFixtures.function("greeting", signature: "const char*()").call([]) == .string("héllo"))
    }

    @Test func everyParameterTypeInOneCall() throws {
        let mixed = try NativeFixtures.function("mixed", signature: "double(int32,int64,double,float,bool,const char*)")
        let result = try mixed.call([.int32(1), .int64(20), .double(0.5), .float(0.25), .bool(true), .string("abc")])
        #expect(result == .double(1 + 20 + 0.5 + 0.25 + 1000 + 30000))
    }

    @Test func sixteenParameters() throws {
        let signature = "double(" + Array(repeating: "double", count: 16).joined(separator: ",") + ")"
        let sum = try NativeFixtures.function("sum16", signature: signature)
        #expect(try sum.call((1...16).map { .double(Double($0)) }) == .double(136))
    }

    @Test func convertsArgumentsWithoutLoss() throws {
        let add = try NativeFixtures.function("add_i32", signature: "int32(int32,int32)")
        #expect(try add.call([.int64(40), .int32(2)]) == .int32(42))
        let hypot = try NativeFixtures.function("hypot", signature: "double(double,double)")
        #expect(try hypot.call([.int64(3), .int32(4)]) == .double(5))
        let half = try NativeFixtures.function("half", signature: "float(float)")
        #expect(try half.call([.double(3)]) == .float(1.5))
    }

    @Test func refusesArgumentsThatDoNotFit() throws {
        let add = try NativeFixtures.function("add_i32", signature: "int32(int32,int32)")
        #expect(refusal { try add.call([.int32(1)]) }?.description
            == "function 'add_i32': takes 2 arguments (int32(int32,int32)), got 1")
        #expect(refusal { try add.call([.int64(1 << 40), .int32(1)]) }?.description.contains(
            "argument 1 is 1099511627776 (int64), which does not fit its parameter type int32: out of int32's range")
            == true)
        #expect(refusal { try add.call([.string("1"), .int32(1)]) }?.description.contains(
            "argument 1 is \"1\" (string), which does not fit its parameter type int32") == true)
        #expect(refusal { try add.call([.int32(1), .null]) }?.description.contains("argument 2 is null") == true)
        let hypot = try NativeFixtures.function("hypot", signature: "double(double,double)")
        #expect(refusal { try hypot.call([.int64((1 << 53) + 1), .double(0)]) }?.description.contains(
            "a double cannot hold it exactly") == true)
        let length = try NativeFixtures.function("strlen", signature: "int64(const char*)")
        #expect(refusal { try length.call([.string("a\u{0}b")]) }?.description
            == "function 'strlen': argument 1 contains a NUL byte, which a C string cannot carry")
    }

    @Test func ownedStringsAreCopiedThenFreed() throws {
        let repeatString = try NativeFixtures.function("repeat", signature: "char*(const char*,int32)", free: "fx_free")
        let before = try NativeFixtures.freeCount()
        #expect(try repeatString.call([.string("ab"), .int32(3)]) == .string("ababab"))
        #expect(try repeatString.call([.string("a long string that is not stored inline"), .int32(2)])
            == .string("a long string that is not stored inlinea long string that is not stored inline"))
        #expect(try NativeFixtures.freeCount() == before + 2)
    }

    @Test func aNullStringResultIsNull() throws {
        let nullIfEmpty = try NativeFixtures.function("null_if_empty", signature: "char*(const char*)", free: "fx_free")
        let before = try NativeFixtures.freeCount()
        #expect(try nullIfEmpty.call([.string("")]) == .null)
        #expect(try nullIfEmpty.call([.string("x")]) == .string("x"))
        #expect(try NativeFixtures.freeCount() == before + 1)
    }

    @Test func aStringThatIsNotUTF8IsRefusedAndStillFreed() throws {
        let bad = try NativeFixtures.function("bad_utf8", signature: "char*()", free: "fx_free")
        let before = try NativeFixtures.freeCount()
        let error = refusal { try bad.call([]) }
        #expect(error?.description == "function 'bad_utf8': returned a string that is not valid UTF-8 (2 bytes); "
            + "native functions exchange UTF-8 text")
        #expect(try NativeFixtures.freeCount() == before + 1)
    }

    @Test func errorCodeConvention() throws {
        let divide = try NativeFixtures.function("safe_div", signature: "int64!(int64,int64)")
        #expect(try divide.call([.int64(84), .int64(2)]) == .int64(42))
        let error = refusal { try divide.call([.int64(1), .int64(0)]) }
        #expect(error == .returnedError(function: "safe_div", code: 22, row: nil))
        #expect(error?.description == "function 'safe_div' returned error code 22")
    }

    @Test func aFailedStringResultIsFreed() throws {
        let upper = try NativeFixtures.function("upper", signature: "char*!(const char*)", free: "fx_free")
        let before = try NativeFixtures.freeCount()
        #expect(try upper.call([.string("abc")]) == .string("ABC"))
        #expect(refusal { try upper.call([.string("")]) } == .returnedError(function: "upper", code: 5, row: nil))
        #expect(try NativeFixtures.freeCount() == before + 2)
    }

    @Test func libmBySoname() throws {
        let cbrt = try NativeFunction.resolve(FunctionDeclaration(
            name: "cbrt", library: "libm.so.6", symbol: "cbrt", signature: "double(double)"))
        #expect(try cbrt.call([.double(8)]) == .double(2))
        // glibc's cbrt(27) is 3.0000000000000004: compare with a direct call.
        #expect(try cbrt.call([.double(27)]) == .double(Foundation.cbrt(27)))
        let pow = try NativeFunction.resolve(FunctionDeclaration(
            name: "pow", library: "libm.so.6", symbol: "pow", signature: "double(double,double)"))
        #expect(try pow.call([.double(2), .int64(10)]) == .double(1024))
    }

    @Test func concurrentCallsFromSeveralThreads() throws {
        let hypot = try NativeFixtures.function("hypot", signature: "double(double,double)")
        let repeatString = try NativeFixtures.function("repeat", signature: "char*(const char*,int32)", free: "fx_free")
        let threads = 8
        let callsPerThread = 2_000
        let failures = Mutexed(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var wrong = 0
            for call in 0..<callsPerThread {
                let a = Double(thread), b = Double(call)
                if (try? hypot.call([.double(a), .double(b)])) != .double((a * a + b * b).squareRoot()) { wrong += 1 }
                let text = "t\(thread)"
                if (try? repeatString.call([.string(text), .int32(Int32(call % 4))]))
                    != .string(String(repeating: text, count: call % 4)) {
                    wrong += 1
                }
            }
            failures.add(wrong)
        }
        #expect(failures.value == 0)
    }
}

/// A counter threads add to.
final class Mutexed: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int
    init(_ value: Int) { total = value }
    func add(_ amount: Int) { lock.withLock { total += amount } }
    var value: Int { lock.withLock { total } }
}
