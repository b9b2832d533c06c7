import Foundation
import NativeFunctions
import PluginHost
import Runtime
import Testing
import TestKit

/// examples/udf built with cc into a temporary directory, as its Makefile does.
private struct GeoLibraries {
    let directory: TemporaryDirectory
    let library: String
    let plugin: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "udf-job")
        let example = BuildProducts.packageRoot + "/examples/udf"
        library = directory.file("libgeo.so")
        try CPluginBuilder.build(source: example + "/geo.c", output: library, extraFlags: ["-lm"])
        plugin = directory.file("libgeo-plugin.so")
        try CPluginBuilder.build(source: example + "/geo_plugin.c", output: plugin,
                                 extraFlags: [example + "/geo.c", "-lm"])
    }

    /// A job file in the libraries' directory with `functions` above a
    /// one-step pipeline.
    func job(_ functions: String) throws -> JobSpec {
        let path = try directory.write("job.yaml", """
            name: udf
            \(functions)
            pipeline:
              - id: gen
                source: datagen
            """)
        return try JobFileParser.parse(path: path)
    }

    func plugins(loadingPlugin: Bool = false) throws -> PluginRegistry {
        var registry = PluginRegistry()
        if loadingPlugin { try registry.load(path: plugin) }
        return registry
    }
}

private func jobError(_ body: () throws -> Void) -> JobFileError? {
    do {
        try body()
        return nil
    } catch let error as JobFileError {
        return error
    } catch {
        Issue.record("expected a JobFileError, got \(error)")
        return nil
    }
}

@Suite("JobFunctions")
struct JobFunctionsTests {
    @Test func parsesTheFunctionsSection() throws {
        let spec = try JobFileParser.parse(text: """
            name: udf
            functions:
              - name: distance_km
                library: ./examples/udf/libgeo.so
                symbol: geo_distance_km
                signature: double(double,double,double,double)
              - name: cbrt
                library: libm.so.6
                signature: double(double)
                vectorized: false
              - name: bearing
                library: /opt/libgeo.so
                symbol: geo_bearing_name
                signature: char*(double,double,double,double)
                vectorized: true
                free: geo_free
            pipeline:
              - {id: gen, source: datagen}
            """, file: "/jobs/orders/job.yaml")
        #expect(spec.functions.map(\.name) == ["distance_km", "cbrt", "bearing"])
        #expect(spec.functions[1].symbol == "cbrt")
        #expect(spec.functions[2].isVectorized && spec.functions[2].freeSymbol == "geo_free")
        #expect(spec.functions[0].location.line == 3)
        let declarations = JobFunctions.declarations(spec)
        #expect(declarations[0].libraryPath == "/jobs/orders/examples/udf/libgeo.so")
        #expect(declarations[1].libraryPath == "libm.so.6")
        #expect(declarations[2].libraryPath == "/opt/libgeo.so")
        #expect(declarations[0].origin == .jobFile(path: "/jobs/orders/job.yaml", line: 3, column: 5))
    }

    @Test(arguments: [
        ("functions: {name: f}", 2, "functions", "expected a list of functions, got a mapping"),
        ("functions:\n  - {name: f, library: libm.so.6}", 3, "functions[0].signature",
         "missing required field 'signature' (functions a plugin exports need no declaration: load the plugin with --plugin)"),
        ("functions:\n  - {name: f, library: libm.so.6, signature: double(double), sym: f}", 3, "functions[0].sym",
         "unknown field 'sym' (allowed: name, library, symbol, signature, vectorized, free)"),
        ("functions:\n  - {name: 'my-f', library: libm.so.6, signature: double(double)}", 3, "functions[0].name",
         "function names start with a letter or '_' and hold only letters, digits and '_', got \"my-f\""),
        ("functions:\n  - {name: f, library: libm.so.6, signature: double(double), vectorized: yes please}", 3,
         "functions[0].vectorized", "expected true or false, got string \"yes please\""),
        ("functions:\n  - {name: f, library: '', signature: double(double)}", 3, "functions[0].library", "must not be empty"),
        ("functions:\n  - name: f\n    library: libm.so.6\n    signature: double(doubel)", 5, "functions[0].signature",
         "signature of function 'f': unknown type 'doubel' at column 8 of \"double(doubel)\"; types: int32, int64, "
            + "double, float, bool, const char* (and char* for results)"),
        ("functions:\n  - {name: f, library: libm.so.6, signature: double(double)}\n"
            + "  - {name: f, library: libm.so.6, symbol: cbrt, signature: double(double)}", 4, "functions[1].name",
         "function 'f' is declared twice (first at line 3); rename one of them"),
    ])
    func parseErrors(_ functions: String, line: Int, field: String, message: String) throws {
        let error = jobError {
            _ = try JobFileParser.parse(text: "name: udf\n\(functions)\npipeline:\n  - {id: gen, source: datagen}\n",
                                        file: "job.yaml")
        }
        #expect(error?.line == line, "\(functions)")
        #expect(error?.field == field, "\(functions)")
        #expect(error?.message == message, "\(functions)")
    }

    @Test func resolvesDeclaredFunctionsRelativeToTheJobFile() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - {name: distance_km, library: ./libgeo.so, symbol: geo_distance_km, signature: "double(double,double,double,double)"}
              - {name: cbrt, library: libm.so.6, signature: double(double)}
            """)
        let functions = try JobFunctions.resolve(spec, plugins: try geo.plugins())
        #expect(functions.names == ["cbrt", "distance_km"])
        // Paris to London.
        guard case .double(let km) = try functions["distance_km"]!.call([
            .double(48.8566), .double(2.3522), .double(51.5074), .double(-0.1278),
        ]) else {
            Issue.record("distance_km returned a non-double")
            return
        }
        #expect(km > 343 && km < 344)
        #expect(try functions["cbrt"]!.call([.double(64)]) == .double(4))
    }

    @Test func pluginExportsAreUsableByName() throws {
        let geo = try GeoLibraries()
        let functions = try JobFunctions.resolve(try geo.job(""), plugins: try geo.plugins(loadingPlugin: true))
        #expect(functions.names == ["geo_bearing_name", "geo_depot_distance_km", "geo_distance_km"])
        #expect(functions["geo_distance_km"]?.isVectorized == true)
        #expect(try functions["geo_bearing_name"]!.call([.double(0), .double(0), .double(10), .double(0)]) == .string("N"))
        #expect(throws: NativeFunctionError.returnedError(function: "geo_depot_distance_km", code: 2, row: nil)) {
            try functions["geo_depot_distance_km"]!.call([.string("91,0")])
        }
        #expect(throws: NativeFunctionError.returnedError(function: "geo_depot_distance_km", code: 1, row: nil)) {
            try functions["geo_depot_distance_km"]!.call([.string("Paris")])
        }
    }

    @Test func missingLibraryIsAJobStartErrorAtTheDeclaration() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - {name: distance_km, library: ./lib/libgeo.so, symbol: geo_distance_km, signature: "double(double,double,double,double)"}
            """)
        let error = try #require(jobError { _ = try JobFunctions.resolve(spec, plugins: try geo.plugins()) })
        #expect(error.line == 3 && error.field == "functions[0]")
        // The library path is the job file's directory joined with the
        // declared relative path.
        let resolved = (geo.directory.path as NSString).standardizingPath + "/lib/libgeo.so"
        #expect(error.message.hasPrefix("function 'distance_km': cannot load library ./lib/libgeo.so (\(resolved)): "))
        #expect(error.message.contains("No such file or directory"))
    }

    @Test func missingSymbolIsAJobStartError() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - {name: cbrt, library: libm.so.6, signature: double(double)}
              - {name: distance, library: ./libgeo.so, symbol: geo_distance, signature: "double(double,double,double,double)"}
            """)
        let error = try #require(jobError { _ = try JobFunctions.resolve(spec, plugins: try geo.plugins()) })
        #expect(error.line == 4 && error.field == "functions[1]")
        #expect(error.message.hasPrefix("function 'distance': no symbol [geo_distance] in shared library [./libgeo.so "))
    }

    @Test func aDeclarationContradictingThePluginsDescriptor() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - name: geo_distance_km
                library: ./libgeo-plugin.so
                symbol: geo_distance_km_v
                signature: double(double,double)
                vectorized: true
            """)
        let error = try #require(jobError {
            _ = try JobFunctions.resolve(spec, plugins: try geo.plugins(loadingPlugin: true))
        })
        #expect(error.line == 3 && error.field == "functions[0]")
        #expect(error.message == "function 'geo_distance_km': the job file declares signature double(double,double), "
            + "but plugin 'geo' (\(geo.plugin)) exports it with signature double(double,double,double,double); "
            + "drop the declaration (the plugin's is used) or make them agree")
    }

    @Test func aNameClashingWithAPluginExport() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - {name: geo_distance_km, library: ./libgeo.so, signature: "double(double,double,double,double)"}
            """)
        let error = try #require(jobError {
            _ = try JobFunctions.resolve(spec, plugins: try geo.plugins(loadingPlugin: true))
        })
        #expect(error.line == 3)
        #expect(error.message == "function 'geo_distance_km' is declared twice: in job file \(geo.directory.path)/"
            + "job.yaml:3:5 and in plugin 'geo' (\(geo.plugin)); rename one of them")
    }

    @Test func thePlanCarriesTheResolvedFunctions() throws {
        let geo = try GeoLibraries()
        let spec = try geo.job("""
            functions:
              - {name: cbrt, library: libm.so.6, signature: double(double)}
            """)
        var registry = try geo.plugins()
        try registry.loadBuiltins(providing: JobValidator.neededComponents(spec), directories: [BuildProducts.directory])
        let plan = try JobValidator.plan(spec, registry: registry)
        #expect(try plan.functions["cbrt"]?.call([.double(27)]) == .double(Foundation.cbrt(27)))

        let broken = try geo.job("""
            functions:
              - {name: cbrt, library: libm.so.6, symbol: cbrtx, signature: double(double)}
            """)
        let error = try #require(jobError { _ = try JobValidator.plan(broken, registry: registry) })
        #expect(error.message.hasPrefix("function 'cbrt': no symbol [cbrtx] in shared library [libm.so.6]"))
    }
}
