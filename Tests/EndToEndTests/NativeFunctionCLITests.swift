import Foundation
import Testing
import TestKit

/// `streamhost validate` and `run` resolve a job's native functions at job
/// start: a bad declaration is exit status 2 with the file, line and function.
@Suite("Native functions through the CLI")
struct NativeFunctionCLITests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "udf-cli")
        // As examples/udf/README.md builds it.
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/udf", "OUT=\(directory.path)", "CFLAGS=-Werror"])
        try #require(build.status == 0, "make failed: \(build.standardError)")
    }

    private func job(symbol: String) throws -> String {
        try directory.write("job.yaml", """
            name: udf-cli
            functions:
              - name: distance_km
                library: ./libgeo.so
                symbol: geo_distance_km_v
                signature: double(double,double,double,double)
                vectorized: true
              - name: cube_root
                library: libm.so.6
                symbol: \(symbol)
                signature: double(double)
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: out, sink: blackhole}
            """)
    }

    @Test func validateListsTheResolvedFunctions() throws {
        // Run from another directory: the library path is relative to the job file.
        let outcome = try CLI.run(["validate", try job(symbol: "cbrt")], in: "/")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains(
            "  function distance_km: double(double,double,double,double) vectorized from ./libgeo.so"))
        #expect(outcome.standardOutput.contains("  function cube_root: double(double) from libm.so.6"))
    }

    @Test func aMissingSymbolStopsTheJobBeforeItStarts() throws {
        let path = try job(symbol: "cbrtt")
        for command in ["validate", "run"] {
            let outcome = try CLI.run([command, path] + (command == "run" ? ["--data-dir", directory.file("data")] : []))
            #expect(outcome.status == 2, "\(command): \(outcome.standardError)")
            #expect(outcome.standardError.contains(
                "job.yaml:8:5: functions[1]: function 'cube_root': no symbol [cbrtt] in shared library [libm.so.6]"),
                "\(command): \(outcome.standardError)")
        }
    }
}
