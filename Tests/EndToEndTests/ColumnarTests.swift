import Foundation
import Testing
import TestKit

/// ABI 1.3 typed columns end to end: the columnar C example built with
/// plain cc, datagen's columns against its bytes, conversions at the edges
/// where steps disagree, and a plugin built against the ABI 1.2 header.
@Suite("Columnar", .serialized)
struct ColumnarTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "columnar") }

    /// Builds examples/columnar-operator with make; the library's path.
    func buildExample() throws -> String {
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/columnar-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        return directory.file("libint64-above.so")
    }

    /// big_orders.c (examples/c-operator) compiled against the ABI 1.2
    /// header, as a plugin built before 1.3 was.
    func buildOldPlugin() throws -> String {
        let output = directory.file("libbig-orders-1.2.so")
        let build = try ProcessRunner.run("cc", [
            "-shared", "-fPIC", "-O2", "-I", BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/abi-1.2",
            "-I", BuildProducts.packageRoot + "/SDK/include", "-o", output,
            BuildProducts.packageRoot + "/examples/c-operator/big_orders.c",
        ])
        #expect(build.status == 0, "\(build.standardError)")
        return output
    }

    static func customer(_ line: String) -> Int { Int(Reference.numberText("customer_id", in: line) ?? "") ?? -1 }

    @Test func theColumnarExampleKeepsTheSameRecordsAsTheByteReference() throws {
        let library = try buildExample()
        let outcome = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/columnar-operator/job.yaml", "--plugin", library],
            in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // datagen's bytes (the reference run writes them to a file sink)
        // against its columns, filtered in C and written as JSON by the host.
        let expected = try Reference.orders(count: 10000, seed: 7, in: directory).filter { Self.customer($0) > 500 }
        #expect(expected.count > 4000 && expected.count < 6000)
        #expect(CLI.lines(directory.file("int64-above.jsonl")) == expected)
        #expect(outcome.standardError.contains(
            "step 'above' (operator int64-above): 10000 in, \(expected.count) out, 0 rejected; counters: dropped \(10000 - expected.count)"),
            "\(outcome.standardError)")
    }

    @Test func datagenColumnsWrittenAsJSONEqualItsBytes() throws {
        let library = try buildExample()
        for extra in ["", "key: customer_id, disorder_ms: 50, customers: 7"] {
            let output = directory.file("all-\(extra.count).jsonl")
            let job = try directory.write("all.yaml", """
                name: all
                pipeline:
                  - {id: gen, source: datagen, config: {count: 3000, seed: 11\(extra.isEmpty ? "" : ", " + extra)}}
                  - {id: above, operator: int64-above, config: {field: order_id, above: -1}}
                  - {id: out, sink: file, config: {path: "\(output)"}}
                """)
            let outcome = try CLI.run(["run", job, "--plugin", library])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let reference = try Reference.orders(count: 3000, seed: 11, extra: extra, in: directory)
            #expect(reference.count == 3000)
            #expect(CLI.lines(output) == reference)
        }
    }

    @Test func anABI12PluginRunsUnchangedBetweenColumnarSteps() throws {
        let above = try buildExample()
        let old = try buildOldPlugin()
        let inspect = try CLI.run(["plugin", "inspect", old])
        #expect(inspect.standardOutput.contains("1.2"), "\(inspect.standardOutput)")
        let job = try directory.write("mixed.yaml", """
            name: mixed
            pipeline:
              - {id: gen, source: datagen, config: {count: 10000, seed: 7}}
              - {id: above, operator: int64-above, config: {field: customer_id, above: 500}}
              - {id: big, operator: big-orders, config: {min_amount: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("mixed.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", above, "--plugin", old])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let expected = try Reference.orders(count: 10000, seed: 7, in: directory)
            .filter { Self.customer($0) > 500 && (Reference.amount($0) ?? -1) >= 500 }
        #expect(expected.count > 1000)
        #expect(CLI.lines(directory.file("mixed.jsonl")) == expected)
    }

    @Test func bytesThatDoNotFitTheSchemaGoToTheDeadLetters() throws {
        let library = try buildExample()
        let input = try directory.write("in.jsonl", """
            {"customer_id":900,"name":"a"}
            {"customer_id":"x","name":"b"}
            {"customer_id":20,"name":"c"}
            {"name":"d"}
            {"customer_id":1000,"name":null,"extra":[1]}

            """)
        let job = try directory.write("schema.yaml", """
            name: schema-check
            dead_letter: \(directory.file("rejected.jsonl"))
            pipeline:
              - id: in
                source: file
                config: {path: "\(input)"}
                schema:
                  customer_id: int64 not null
                  name: utf8
              - {id: above, operator: int64-above, config: {field: customer_id, above: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let validate = try CLI.run(["validate", job, "--plugin", library])
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardOutput.contains(
            "step above: in columns {customer_id: int64 not null, name: utf8}; out columns"), "\(validate.standardOutput)")
        #expect(validate.standardOutput.contains("step out: in bytes"), "\(validate.standardOutput)")

        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == [
            #"{"customer_id":900,"name":"a"}"#, #"{"customer_id":1000,"name":null}"#,
        ])
        let rejected = CLI.lines(directory.file("rejected.jsonl")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rejected.map { $0["step"] as? String } == ["above", "above"])
        #expect(rejected.map { $0["value"] as? String } == [#"{"customer_id":"x","name":"b"}"#, #"{"name":"d"}"#])
        let reasons = rejected.compactMap { $0["reason"] as? String }
        #expect(reasons.count == 2)
        #expect(reasons.first?.contains("field 'customer_id': expected int64, found a string") == true, "\(reasons)")
        #expect(reasons.last?.contains("field 'customer_id': is missing, but the schema says not null") == true, "\(reasons)")
    }

    @Test func aColumnsOnlyStepWithoutASchemaIsRefusedAtPlanTime() throws {
        let library = try buildExample()
        let input = try directory.write("in.jsonl", "{\"customer_id\":1}\n")
        let job = try directory.write("noschema.yaml", """
            name: no-schema
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: above, operator: int64-above, config: {field: customer_id, above: 0}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["validate", job, "--plugin", library])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("reads only typed columns, but its input arrives as bytes with no known schema"),
                "\(outcome.standardError)")
    }
}
