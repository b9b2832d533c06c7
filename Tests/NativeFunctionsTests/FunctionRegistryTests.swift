import NativeFunctions
import Testing

@Suite("FunctionRegistry")
struct FunctionRegistryTests {
    private func exported(
        _ name: String, symbol: String, signature: String, vectorized: Bool = false, free: String? = nil
    ) -> FunctionDeclaration {
        FunctionDeclaration(name: name, library: NativeFixtures.library, symbol: symbol, signature: signature,
                            isVectorized: vectorized, freeSymbol: free,
                            origin: .plugin(name: "fixture-udf", path: NativeFixtures.library))
    }

    private func declared(
        _ name: String, symbol: String, signature: String, vectorized: Bool = false, free: String? = nil, line: Int = 3
    ) -> FunctionDeclaration {
        FunctionDeclaration(name: name, library: NativeFixtures.library, symbol: symbol, signature: signature,
                            isVectorized: vectorized, freeSymbol: free,
                            origin: .jobFile(path: "job.yaml", line: line, column: 7))
    }

    @Test func resolvesByName() throws {
        let registry = try FunctionRegistry(resolving: [
            declared("hypot", symbol: "fx_hypot", signature: "double(double,double)"),
            FunctionDeclaration(name: "cbrt", library: "libm.so.6", symbol: "cbrt", signature: "double(double)"),
        ])
        #expect(registry.names == ["cbrt", "hypot"])
        #expect(try registry["hypot"]?.call([.double(3), .double(4)]) == .double(5))
        #expect(try registry["cbrt"]?.call([.double(8)]) == .double(2))
        #expect(registry["nope"] == nil)
    }

    @Test func aNameDeclaredTwice() {
        let error = refusal {
            try FunctionRegistry(resolving: FunctionRegistry.merge(declared: [
                declared("hypot", symbol: "fx_hypot", signature: "double(double,double)", line: 3),
                declared("hypot", symbol: "fx_hypot_v", signature: "double(double,double)", vectorized: true, line: 8),
            ], exported: []))
        }
        #expect(error?.description == "function 'hypot' is declared twice: in job file job.yaml:3:7 and in "
            + "job file job.yaml:8:7; rename one of them")
    }

    @Test func exportsAreUsableByNameWithoutDeclaration() throws {
        let declarations = try FunctionRegistry.merge(declared: [], exported: [
            exported("plugin_hypot", symbol: "fx_hypot_v", signature: "double(double,double)", vectorized: true),
        ])
        let registry = try FunctionRegistry(resolving: declarations)
        #expect(try registry["plugin_hypot"]?.call([.double(5), .double(12)]) == .double(13))
    }

    @Test func aNameClashingWithAnExport() {
        let error = refusal {
            try FunctionRegistry.merge(
                declared: [FunctionDeclaration(name: "plugin_hypot", library: "libm.so.6", symbol: "hypot",
                                               signature: "double(double,double)",
                                               origin: .jobFile(path: "job.yaml", line: 4, column: 7))],
                exported: [exported("plugin_hypot", symbol: "fx_hypot_v", signature: "double(double,double)",
                                    vectorized: true)])
        }
        #expect(error?.description == "function 'plugin_hypot' is declared twice: in job file job.yaml:4:7 and in "
            + "plugin 'fixture-udf' (\(NativeFixtures.library)); rename one of them")
    }

    @Test func twoPluginsExportingOneName() {
        let other = FunctionDeclaration(name: "f", library: "/other/libx.so", symbol: "f", signature: "int32()",
                                        origin: .plugin(name: "other", path: "/other/libx.so"))
        let error = refusal {
            try FunctionRegistry.merge(declared: [], exported: [
                exported("f", symbol: "fx_negative_i32", signature: "int32()"), other,
            ])
        }
        guard case .duplicateName("f", _, let second) = error else {
            Issue.record("expected duplicateName, got \(String(describing: error))")
            return
        }
        #expect(second == "plugin 'other' (/other/libx.so)")
    }

    @Test func aMatchingRedeclarationIsAccepted() throws {
        let declarations = try FunctionRegistry.merge(
            declared: [declared("plugin_hypot", symbol: "fx_hypot_v", signature: "double( double, double )",
                                vectorized: true)],
            exported: [exported("plugin_hypot", symbol: "fx_hypot_v", signature: "double(double,double)", vectorized: true)])
        #expect(declarations.count == 1)
        #expect(declarations[0].origin == .plugin(name: "fixture-udf", path: NativeFixtures.library))
    }

    @Test func aDeclarationDisagreeingWithTheDescriptor() {
        let export = exported("plugin_hypot", symbol: "fx_hypot_v", signature: "double(double,double)", vectorized: true)
        let signatureError = refusal {
            try FunctionRegistry.merge(
                declared: [declared("plugin_hypot", symbol: "fx_hypot_v", signature: "float(float,float)", vectorized: true)],
                exported: [export])
        }
        #expect(signatureError == .exportMismatch(
            function: "plugin_hypot", field: "signature", declared: "float(float,float)",
            exported: "double(double,double)", plugin: "plugin 'fixture-udf' (\(NativeFixtures.library))"))
        #expect(signatureError?.description == "function 'plugin_hypot': the job file declares signature "
            + "float(float,float), but plugin 'fixture-udf' (\(NativeFixtures.library)) exports it with signature "
            + "double(double,double); drop the declaration (the plugin's is used) or make them agree")

        // The same symbol under another name is checked as well.
        let vectorizedError = refusal {
            try FunctionRegistry.merge(
                declared: [declared("my_hypot", symbol: "fx_hypot_v", signature: "double(double,double)")],
                exported: [export])
        }
        #expect(vectorizedError == .exportMismatch(
            function: "my_hypot", field: "vectorized", declared: "false", exported: "true",
            plugin: "plugin 'fixture-udf' (\(NativeFixtures.library))"))

        let freeError = refusal {
            try FunctionRegistry.merge(
                declared: [declared("rep", symbol: "fx_repeat", signature: "char*(const char*,int32)", free: "free")],
                exported: [exported("rep", symbol: "fx_repeat", signature: "char*(const char*,int32)", free: "fx_free")])
        }
        guard case .exportMismatch(_, "free", "free", "fx_free", _) = freeError else {
            Issue.record("expected a free mismatch, got \(String(describing: freeError))")
            return
        }
    }
}
