import Foundation
import NativeFunctions
import Testing
import TestKit

/// Resolves `declaration`, expecting a refusal.
private func resolutionRefusal(_ declaration: FunctionDeclaration) -> NativeFunctionError? {
    refusal { try NativeFunction.resolve(declaration) }
}

@Suite("NativeFunction resolution")
struct NativeFunctionResolutionTests {
    @Test func missingLibraryFile() {
        let error = resolutionRefusal(FunctionDeclaration(
            name: "distance_km", library: "./nope/libgeo.so", libraryPath: "/jobs/nope/libgeo.so",
            symbol: "geo_distance_km", signature: "double(double,double,double,double)"))
        guard case .libraryNotLoaded(let function, let library, let message) = error else {
            Issue.record("expected libraryNotLoaded, got \(String(describing: error))")
            return
        }
        #expect(function == "distance_km")
        #expect(library == "./nope/libgeo.so (/jobs/nope/libgeo.so)")
        #expect(message.contains("No such file or directory"))
        #expect(error!.description.hasPrefix("function 'distance_km': cannot load library ./nope/libgeo.so "
            + "(/jobs/nope/libgeo.so): "))
    }

    @Test func unknownSoname() {
        let error = resolutionRefusal(FunctionDeclaration(
            name: "f", library: "libstreamhost-no-such-library.so.9", symbol: "f", signature: "double(double)"))
        guard case .libraryNotLoaded(_, let library, _) = error else {
            Issue.record("expected libraryNotLoaded, got \(String(describing: error))")
            return
        }
        #expect(library == "libstreamhost-no-such-library.so.9")
    }

    @Test func aFileThatIsNotASharedObject() throws {
        let directory = try TemporaryDirectory(prefix: "udf")
        let path = try directory.write("libtext.so", "not a library\n")
        let error = resolutionRefusal(FunctionDeclaration(name: "f", library: path, symbol: "f", signature: "int32()"))
        guard case .libraryNotLoaded = error else {
            Issue.record("expected libraryNotLoaded, got \(String(describing: error))")
            return
        }
    }

    @Test func missingSymbol() {
        let error = resolutionRefusal(NativeFixtures.declaration("nope", symbol: "fx_nope", signature: "double(double)"))
        guard case .symbolNotFound(let function, _, let symbol, _) = error else {
            Issue.record("expected symbolNotFound, got \(String(describing: error))")
            return
        }
        #expect(function == "nope")
        #expect(symbol == "fx_nope")
        #expect(error!.description.contains("no symbol [fx_nope] in shared library [\(NativeFixtures.library)]"))
    }

    @Test func missingFreeSymbol() {
        let error = resolutionRefusal(NativeFixtures.declaration(
            "repeat", signature: "char*(const char*,int32)", free: "fx_release"))
        guard case .freeSymbolNotFound(let function, _, let symbol, _) = error else {
            Issue.record("expected freeSymbolNotFound, got \(String(describing: error))")
            return
        }
        #expect(function == "repeat")
        #expect(symbol == "fx_release")
    }

    @Test func aDataObjectIsNotAFunction() {
        for symbol in ["fx_data_object", "fx_table"] {
            let error = resolutionRefusal(NativeFixtures.declaration("data", symbol: symbol, signature: "int32()"))
            #expect(error == .notAFunction(function: "data", library: NativeFixtures.library, symbol: symbol,
                                           kind: "a data object (ELF symbol type STT_OBJECT)"))
            #expect(error?.description.contains("is a data object (ELF symbol type STT_OBJECT), not a function") == true)
        }
        // A free "function" that is data is refused too.
        let error = resolutionRefusal(NativeFixtures.declaration(
            "repeat", signature: "char*(const char*,int32)", free: "fx_data_object"))
        guard case .notAFunction(_, _, "fx_data_object", _) = error else {
            Issue.record("expected notAFunction, got \(String(describing: error))")
            return
        }
    }

    @Test func malformedSignatureNamesTheFunction() {
        let error = resolutionRefusal(NativeFixtures.declaration("hypot", signature: "double(double,doubel)"))
        #expect(error?.description.hasPrefix(
            "signature of function 'hypot': unknown type 'doubel' at column 15 of \"double(double,doubel)\"") == true)
    }

    @Test func aCharPointerResultNeedsAFreeFunction() {
        let error = resolutionRefusal(NativeFixtures.declaration("repeat", signature: "char*(const char*,int32)"))
        guard case .invalidDeclaration("repeat", let problem) = error else {
            Issue.record("expected invalidDeclaration, got \(String(describing: error))")
            return
        }
        #expect(problem.hasPrefix("returns char* (a string the callee allocates) but names no free function"))
    }

    @Test func aFreeFunctionForAResultThatIsNotAString() {
        let error = resolutionRefusal(NativeFixtures.declaration("hypot", signature: "double(double,double)", free: "fx_free"))
        #expect(error == .invalidDeclaration(function: "hypot", problem: "names the free function 'fx_free' but "
            + "returns double; only char* results are freed, so drop it"))
    }

    @Test func badNamesAndEmptyFields() {
        #expect(resolutionRefusal(NativeFixtures.declaration("2fast", symbol: "fx_hypot", signature: "double(double,double)"))
            .map { if case .invalidDeclaration = $0 { true } else { false } } == true)
        #expect(resolutionRefusal(FunctionDeclaration(name: "f", library: "", symbol: "f", signature: "int32()"))
            == .invalidDeclaration(function: "f", problem: "the library is empty; give a path or a soname"))
        #expect(resolutionRefusal(FunctionDeclaration(name: "f", library: "libm.so.6", symbol: "", signature: "int32()"))
            == .invalidDeclaration(function: "f", problem: "the symbol is empty; give the C function's name"))
    }

    @Test func prototypeForMessages() throws {
        let hypot = try NativeFixtures.function("hypot_v", signature: "double(double,double)", vectorized: true)
        #expect(hypot.cPrototype == "int32_t fx_hypot_v(size_t n, const double *a1, const double *a2, double *out)")
    }

    @Test func libraryPathsAreRelativeToTheJobFile() {
        #expect(FunctionDeclaration.libraryPath("./examples/udf/libgeo.so", relativeTo: "/jobs")
            == "/jobs/examples/udf/libgeo.so")
        #expect(FunctionDeclaration.libraryPath("lib/libgeo.so", relativeTo: "/jobs/") == "/jobs/lib/libgeo.so")
        #expect(FunctionDeclaration.libraryPath("/opt/libgeo.so", relativeTo: "/jobs") == "/opt/libgeo.so")
        #expect(FunctionDeclaration.libraryPath("libm.so.6", relativeTo: "/jobs") == "libm.so.6")
    }
}
