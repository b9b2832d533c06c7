import Expressions
import NativeFunctions

/// A native function (a C function called through libffi) as an
/// expression function: its C signature mapped onto expression types, its
/// calls converting values both ways.
///
/// Types: `int32` and `int64` are integers, `double` and `float` doubles
/// (a decimal argument is passed as the nearest double), `bool` booleans,
/// `const char*` and `char*` strings. A null argument gives null without a
/// call (SQL's rule, as for every built-in); a NULL string result is null.
/// An argument that does not fit (an integer out of `int32`'s range), a
/// fallible function's error code or a result that is not UTF-8 is a
/// run-time error for the record, naming the function.
///
/// # Thread safety
/// The wrapped `NativeFunction` may be called from any thread; each call
/// site's body belongs to one compiled expression.
public struct NativeExpressionFunction: ExpressionFunction {
    public let native: NativeFunction
    public let signature: ExpressionFunctionSignature

    public var name: String { native.name }

    public init(_ native: NativeFunction) {
        self.native = native
        signature = ExpressionFunctionSignature(
            native.signature.parameters.map(Self.expressionType), result: Self.expressionType(native.signature.result))
    }

    static func expressionType(_ type: NativeType) -> ExpressionType {
        switch type {
        case .int32, .int64: .integer
        case .double, .float: .double
        case .bool: .boolean
        case .borrowedString, .ownedString: .string
        }
    }

    public func bind(constants: [ExpressionValue?]) throws(ExpressionFunctionError) -> ExpressionFunctionBody {
        let native = self.native
        let parameters = native.signature.parameters
        return ExpressionFunctionBody(
            call: { arguments throws(ExpressionFunctionError) in
                var values: [NativeValue] = []
                values.reserveCapacity(arguments.count)
                for (index, argument) in arguments.enumerated() {
                    values.append(try Self.nativeValue(argument, for: parameters[index], argument: index))
                }
                do throws(NativeFunctionError) {
                    return Self.expressionValue(try native.call(values))
                } catch {
                    throw ExpressionFunctionError(error.description)
                }
            },
            callBatch: { columns, results throws(ExpressionFunctionError) in
                try Self.callBatch(native, columns: columns, results: results)
            })
    }

    static func nativeValue(_ value: ExpressionValue, for type: NativeType, argument: Int) throws(ExpressionFunctionError) -> NativeValue {
        switch value {
        case .integer(let number): return .int64(number)
        case .double(let number): return .double(number)
        case .decimal(let number): return .double(number.doubleValue)
        case .boolean(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        default:
            throw ExpressionFunctionError("cannot pass \(value) to a native \(type) parameter", argument: argument)
        }
    }

    static func expressionValue(_ value: NativeValue) -> ExpressionValue {
        switch value {
        case .int32(let number): .integer(Int64(number))
        case .int64(let number): .integer(number)
        case .double(let number): .double(number)
        case .float(let number): .double(Double(number))
        case .bool(let flag): .boolean(flag)
        case .string(let text): .string(text)
        case .null: .null
        }
    }

    /// One native call for a whole column of rows (a vectorized function's
    /// single call, or the scalar loop NativeFunctions runs in place).
    /// Rows with a null argument get null without being passed.
    static func callBatch(_ native: NativeFunction, columns: [UnsafeBufferPointer<ExpressionValue>],
                          results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) {
        let count = results.count
        let parameters = native.signature.parameters
        // The rows without a null argument, packed into typed columns.
        var rows: [Int] = []
        rows.reserveCapacity(count)
        for row in 0..<count where columns.allSatisfy({ !$0[row].isNull }) { rows.append(row) }
        for row in 0..<count { results[row] = .null }
        guard !rows.isEmpty else { return }
        var doubles: [[Double]] = []
        var integers: [[Int64]] = []
        var int32s: [[Int32]] = []
        var floats: [[Float]] = []
        var booleans: [[Bool]] = []
        var strings: [[String]] = []
        for (index, type) in parameters.enumerated() {
            let column = columns[index]
            switch type {
            case .double: doubles.append(rows.map { column[$0].doubleForNative })
            case .float: floats.append(rows.map { Float(column[$0].doubleForNative) })
            case .int64: integers.append(rows.map { column[$0].integerForNative })
            case .int32:
                var values: [Int32] = []
                for row in rows {
                    guard let value = Int32(exactly: column[row].integerForNative) else {
                        throw ExpressionFunctionError("\(native.name): \(column[row]) does not fit the int32 parameter \(index + 1)",
                                                      argument: index)
                    }
                    values.append(value)
                }
                int32s.append(values)
            case .bool: booleans.append(rows.map { if case .boolean(let flag) = column[$0] { flag } else { false } })
            case .borrowedString, .ownedString:
                strings.append(rows.map { if case .string(let text) = column[$0] { text } else { "" } })
            }
        }
        // C strings for the string columns, alive for the call.
        var cStrings: [[UnsafeMutablePointer<CChar>]] = strings.map { column in column.map { strdupOf($0) } }
        defer { for column in cStrings { for pointer in column { pointer.deallocate() } } }
        var failure: ExpressionFunctionError?
        withColumns(parameters, doubles: &doubles, integers: &integers, int32s: &int32s, floats: &floats,
                    booleans: &booleans, strings: &cStrings) { arguments in
            do throws(ExpressionFunctionError) {
                try callInto(native, rows: rows, arguments: arguments, results: results)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    private static func callInto(_ native: NativeFunction, rows: [Int], arguments: [NativeColumn],
                                 results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) {
        let count = rows.count
        do throws(NativeFunctionError) {
            switch native.signature.result {
            case .double:
                var out = [Double](repeating: 0, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .double(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = .double(out[index]) }
            case .float:
                var out = [Float](repeating: 0, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .float(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = .double(Double(out[index])) }
            case .int64:
                var out = [Int64](repeating: 0, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .int64(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = .integer(out[index]) }
            case .int32:
                var out = [Int32](repeating: 0, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .int32(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = .integer(Int64(out[index])) }
            case .bool:
                var out = [Bool](repeating: false, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .bool(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = .boolean(out[index]) }
            case .borrowedString, .ownedString:
                var out = [String?](repeating: nil, count: count)
                try out.withUnsafeMutableBufferPointer { buffer throws(NativeFunctionError) in
                    _ = try native.callBatch(count: count, arguments: arguments, results: .string(buffer))
                }
                for (index, row) in rows.enumerated() { results[row] = out[index].map(ExpressionValue.string) ?? .null }
            }
        } catch {
            throw ExpressionFunctionError(error.description)
        }
    }

    /// Lends every typed column as a `NativeColumn`, in parameter order.
    private static func withColumns(
        _ parameters: [NativeType], doubles: inout [[Double]], integers: inout [[Int64]], int32s: inout [[Int32]],
        floats: inout [[Float]], booleans: inout [[Bool]], strings: inout [[UnsafeMutablePointer<CChar>]],
        _ body: ([NativeColumn]) -> Void
    ) {
        // Each column is copied into a buffer of its own that lives until
        // the call returns (pointers into the arrays would be valid only
        // inside nested closures, one per column).
        var columns: [NativeColumn] = []
        var counters = (double: 0, integer: 0, int32: 0, float: 0, bool: 0, string: 0)
        func copy<T>(_ values: [T]) -> UnsafeBufferPointer<T> {
            let column = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = column.initialize(from: values)
            return UnsafeBufferPointer(column)
        }
        for type in parameters {
            switch type {
            case .double:
                columns.append(.double(copy(doubles[counters.double])))
                counters.double += 1
            case .float:
                columns.append(.float(copy(floats[counters.float])))
                counters.float += 1
            case .int64:
                columns.append(.int64(copy(integers[counters.integer])))
                counters.integer += 1
            case .int32:
                columns.append(.int32(copy(int32s[counters.int32])))
                counters.int32 += 1
            case .bool:
                columns.append(.bool(copy(booleans[counters.bool])))
                counters.bool += 1
            case .borrowedString, .ownedString:
                columns.append(.string(copy(strings[counters.string].map { UnsafePointer($0) })))
                counters.string += 1
            }
        }
        body(columns)
        for column in columns {
            switch column {
            case .double(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            case .float(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            case .int64(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            case .int32(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            case .bool(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            case .string(let buffer): UnsafeMutableBufferPointer(mutating: buffer).deallocate()
            }
        }
    }

    private static func strdupOf(_ text: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(text.utf8)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[bytes.count] = 0
        return pointer
    }
}

extension ExpressionValue {
    var doubleForNative: Double {
        switch self {
        case .integer(let number): Double(number)
        case .decimal(let number): number.doubleValue
        case .double(let number): number
        default: 0
        }
    }

    var integerForNative: Int64 {
        if case .integer(let number) = self { return number }
        return 0
    }
}
