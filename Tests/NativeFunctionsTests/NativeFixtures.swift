#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NativeFunctions
import Testing
import TestKit

/// The C fixture libraries, compiled with cc once per test process into the
/// build directory (so that nothing is left in /tmp).
enum NativeFixtures {
    static let directory: String = {
        let path = BuildProducts.directory + "/native-function-fixtures"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Tests/NativeFunctionsTests/Fixtures/udf_fixture.c as a shared object.
    static let library: String = build("udf_fixture", extraFlags: ["-lm"])

    /// Compiles a fixture to a fresh name and renames it into place: a
    /// library already loaded by an earlier run is never overwritten in place.
    static func build(_ name: String, extraFlags: [String] = []) -> String {
        let output = "\(directory)/lib\(name).so"
        let temporary = "\(output).\(getpid()).tmp"
        do {
            try CPluginBuilder.build(
                source: BuildProducts.packageRoot + "/Tests/NativeFunctionsTests/Fixtures/\(name).c",
                output: temporary, extraFlags: extraFlags)
        } catch {
            fatalError("cannot build the fixture \(name): \(error)")
        }
        guard rename(temporary, output) == 0 else { fatalError("cannot rename \(temporary) to \(output)") }
        return output
    }

    /// A declaration of `symbol` in the fixture library.
    static func declaration(
        _ name: String, symbol: String? = nil, signature: String, vectorized: Bool = false, free: String? = nil
    ) -> FunctionDeclaration {
        FunctionDeclaration(name: name, library: library, symbol: symbol ?? "fx_\(name)", signature: signature,
                            isVectorized: vectorized, freeSymbol: free)
    }

    /// Resolves a fixture function, failing the test on an error.
    static func function(
        _ name: String, symbol: String? = nil, signature: String, vectorized: Bool = false, free: String? = nil
    ) throws -> NativeFunction {
        try NativeFunction.resolve(declaration(name, symbol: symbol, signature: signature, vectorized: vectorized,
                                               free: free))
    }

    /// How many strings fx_free has freed so far.
    static func freeCount() throws -> Int64 {
        let counter = try function("free_count", signature: "int64()")
        guard case .int64(let count) = try counter.call([]) else { fatalError("free_count returned a non-int64") }
        return count
    }
}

/// The refusal a throwing call produced, or nil when it succeeded. An
/// error of another type fails the test.
func refusal<T>(_ body: () throws -> T) -> NativeFunctionError? {
    do {
        _ = try body()
        return nil
    } catch let error as NativeFunctionError {
        return error
    } catch {
        Issue.record("expected a NativeFunctionError, got \(error)")
        return nil
    }
}
