#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NativeFunctions

/// Benchmark 8: what calling a native function (UDF) through libffi costs,
/// against calling the same C function through a plain function pointer.
///
/// The C functions are compiled from `source` into the scratch directory
/// with the benchmark libraries' flags and resolved with
/// `NativeFunction.resolve`, as a job's `functions:` are:
///
/// - `ffi.direct.double` against `ffi.scalar.double`:
///   `double bench_mul_add(double, double)` per call, directly and through
///   `NativeFunction.call` (arguments as `[NativeValue]`, one array reused).
/// - `ffi.direct.string` against `ffi.scalar.string`:
///   `int64_t bench_length(const char *)` on a 24-byte string.
/// - `ffi.direct.vectorized` against `ffi.vectorized`: the vectorized form,
///   `int32_t bench_mul_add_v(size_t n, const double *, const double *,
///   double *)`, over batches of 1024 records, directly and through
///   `NativeFunction.callBatch`. Their difference per record is the host's
///   overhead for vectorized UDFs (the aim: under 2 ns/record).
/// - `ffi.batch_of_scalar`: `callBatch` over the same batches with the
///   scalar function, which the host then calls once per record.
///
/// Every case checks the sum of its results after the loop.
struct NativeFunctionBenchmark {
    let environment: BenchmarkEnvironment
    /// Calls per repetition for the scalar cases.
    let scalarCalls: Int
    /// Batches per repetition for the batch cases.
    let batches: Int

    static let batchRecords = 1024

    static let source = """
        #include <stddef.h>
        #include <stdint.h>
        #include <string.h>

        double bench_mul_add(double a, double b) { return a * b + a; }

        int64_t bench_length(const char *s) { return (int64_t)strlen(s); }

        int32_t bench_mul_add_v(size_t n, const double *a, const double *b, double *out) {
            for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i] + a[i];
            return 0;
        }
        """

    typealias MulAdd = @convention(c) (Double, Double) -> Double
    typealias Length = @convention(c) (UnsafePointer<CChar>?) -> Int64
    typealias MulAddVectorized = @convention(c) (
        Int, UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?
    ) -> Int32

    private func compileLibrary() throws -> String {
        let sourcePath = environment.scratchDirectory + "/bench_udf.c"
        let library = environment.scratchDirectory + "/libbench_udf.so"
        try Self.source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let arguments = BenchmarkEnvironment.compilerFlags + ["-o", library, sourcePath]
        let build = try runProcess("cc", arguments)
        guard build.status == 0 else {
            throw BenchmarkError(description: "cc \(arguments.joined(separator: " ")) failed:\n\(build.output)")
        }
        return library
    }

    func cases() throws -> [BenchmarkCase] {
        let library = try compileLibrary()
        func resolve(_ symbol: String, _ signature: String, vectorized: Bool = false) throws -> NativeFunction {
            try NativeFunction.resolve(FunctionDeclaration(
                name: symbol, library: library, symbol: symbol, signature: signature, isVectorized: vectorized))
        }
        let mulAdd = try resolve("bench_mul_add", "double(double,double)")
        let length = try resolve("bench_length", "int64(const char*)")
        let mulAddVectorized = try resolve("bench_mul_add_v", "double(double,double)", vectorized: true)
        let directMulAdd = unsafeBitCast(mulAdd.address, to: MulAdd.self)
        let directLength = unsafeBitCast(length.address, to: Length.self)
        let directVectorized = unsafeBitCast(mulAddVectorized.address, to: MulAddVectorized.self)

        let calls = scalarCalls
        let batches = self.batches
        let records = Self.batchRecords
        // Exact in binary: sums of these are exact, so results compare with ==.
        let expectedScalar: Double = {
            var sum = 0.0
            for index in 0..<calls {
                let x = Double(index % 1024)
                sum += x * 0.5 + x
            }
            return sum
        }()
        let text = "a 24-byte string for C.."
        precondition(text.utf8.count == 24)

        var cases: [BenchmarkCase] = []
        cases.append(BenchmarkCase(
            name: "ffi.direct.double", input: "double bench_mul_add(double, double) through a C function pointer",
            records: calls, calls: calls
        ) {
            var total = 0.0
            let sample = Sample.measure {
                for index in 0..<calls { total += directMulAdd(Double(index % 1024), 0.5) }
            }
            guard total == expectedScalar else {
                throw BenchmarkError(description: "ffi.direct.double: sum \(total), expected \(expectedScalar)")
            }
            return sample
        })
        cases.append(BenchmarkCase(
            name: "ffi.scalar.double",
            input: "the same through NativeFunction.call (libffi), one [NativeValue] array reused",
            records: calls, calls: calls
        ) {
            var total = 0.0
            var arguments: [NativeValue] = [.double(0), .double(0.5)]
            let sample = try Sample.measure {
                for index in 0..<calls {
                    arguments[0] = .double(Double(index % 1024))
                    guard case .double(let value) = try mulAdd.call(arguments) else {
                        throw BenchmarkError(description: "ffi.scalar.double: not a double")
                    }
                    total += value
                }
            }
            guard total == expectedScalar else {
                throw BenchmarkError(description: "ffi.scalar.double: sum \(total), expected \(expectedScalar)")
            }
            return sample
        })
        cases.append(BenchmarkCase(
            name: "ffi.direct.string", input: "int64_t bench_length(const char *) on a 24-byte string, C function pointer",
            records: calls, calls: calls
        ) {
            var total: Int64 = 0
            let sample = text.withCString { cString in
                Sample.measure {
                    for _ in 0..<calls { total += directLength(cString) }
                }
            }
            guard total == Int64(calls * 24) else {
                throw BenchmarkError(description: "ffi.direct.string: sum \(total), expected \(calls * 24)")
            }
            return sample
        })
        cases.append(BenchmarkCase(
            name: "ffi.scalar.string",
            input: "the same through NativeFunction.call with a Swift String (lent with withCString)",
            records: calls, calls: calls
        ) {
            var total: Int64 = 0
            let arguments: [NativeValue] = [.string(text)]
            let sample = try Sample.measure {
                for _ in 0..<calls {
                    guard case .int64(let value) = try length.call(arguments) else {
                        throw BenchmarkError(description: "ffi.scalar.string: not an int64")
                    }
                    total += value
                }
            }
            guard total == Int64(calls * 24) else {
                throw BenchmarkError(description: "ffi.scalar.string: sum \(total), expected \(calls * 24)")
            }
            return sample
        })

        let a = (0..<records).map { Double($0) }
        let b = [Double](repeating: 0.5, count: records)
        func batchCase(_ name: String, _ input: String, _ body: @escaping (
            UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>
        ) throws -> Void) -> BenchmarkCase {
            BenchmarkCase(name: name, input: input, records: batches * records, calls: batches) {
                var out = [Double](repeating: 0, count: records)
                var total = 0.0
                let sample = try a.withUnsafeBufferPointer { a in
                    try b.withUnsafeBufferPointer { b in
                        try out.withUnsafeMutableBufferPointer { out in
                            try Sample.measure {
                                for _ in 0..<batches {
                                    try body(a, b, out)
                                    total += out[records - 1] + out[0]
                                }
                            }
                        }
                    }
                }
                // Only the first and last results are summed in the loop;
                // the whole last batch is checked here.
                var last = 0.0
                for x in a { last += x * 0.5 + x }
                let expectedTotal = Double(batches) * (a[records - 1] * 1.5 + a[0] * 1.5)
                guard out.reduce(0, +) == last, total == expectedTotal else {
                    throw BenchmarkError(description: "\(name): wrong results")
                }
                return sample
            }
        }
        cases.append(batchCase(
            "ffi.direct.vectorized",
            "bench_mul_add_v over batches of \(records) doubles through a C function pointer"
        ) { a, b, out in
            guard directVectorized(records, a.baseAddress, b.baseAddress, out.baseAddress) == 0 else {
                throw BenchmarkError(description: "bench_mul_add_v failed")
            }
        })
        let vectorizedArguments: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) -> [NativeColumn] = {
            [.double($0), .double($1)]
        }
        cases.append(batchCase(
            "ffi.vectorized",
            "the same through NativeFunction.callBatch (one libffi call per batch)"
        ) { a, b, out in
            try mulAddVectorized.callBatch(count: records, arguments: vectorizedArguments(a, b), results: .double(out))
        })
        cases.append(batchCase(
            "ffi.batch_of_scalar",
            "NativeFunction.callBatch over the same batches with the scalar bench_mul_add (libffi per record)"
        ) { a, b, out in
            try mulAdd.callBatch(count: records, arguments: vectorizedArguments(a, b), results: .double(out))
        })
        return cases
    }

    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 8: native UDFs through libffi ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(try cases(), repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        func nsPerRecord(_ name: String) -> Double { byName[name]!.nanosecondsPerRecord }
        report.derived("ffi.scalar.double - ffi.direct.double",
            "\(Format.fixed(nsPerRecord("ffi.scalar.double") - nsPerRecord("ffi.direct.double"), 2)) ns/call "
            + "(libffi and NativeFunction.call per scalar call)")
        report.derived("ffi.scalar.string - ffi.direct.string",
            "\(Format.fixed(nsPerRecord("ffi.scalar.string") - nsPerRecord("ffi.direct.string"), 2)) ns/call "
            + "(the same with a string argument lent per call)")
        report.derived("ffi.vectorized - ffi.direct.vectorized",
            "\(Format.fixed(nsPerRecord("ffi.vectorized") - nsPerRecord("ffi.direct.vectorized"), 3)) ns/record "
            + "(the host's overhead for a vectorized UDF at \(Self.batchRecords) records per batch; aim < 2)")
        report.derived("ffi.batch_of_scalar - ffi.direct.vectorized",
            "\(Format.fixed(nsPerRecord("ffi.batch_of_scalar") - nsPerRecord("ffi.direct.vectorized"), 2)) ns/record "
            + "(what a scalar UDF costs over a batch, against the vectorized C loop)")
        print("")
        report.table(measurements)
    }
}
