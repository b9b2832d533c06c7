import Foundation
import Testing
import TestKit

/// filter, map and project on typed columns (ABI 1.3) through the built
/// binary: the same records and dead letters as their byte path.
@Suite("Columnar expressions", .serialized)
struct ColumnarExpressionsTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "columnar-expressions") }

    /// Lines as JSON objects, compared by value: a decimal a typed column
    /// holds is written with its column's scale (`600.120`), the byte path
    /// writes it normalized (`600.12`).
    static func objects(_ lines: [String]) -> [NSDictionary] {
        lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? NSDictionary ?? ["unreadable": $0] }
    }

    static func deadLetters(_ path: String) -> [[String: Any]] {
        CLI.lines(path).compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The stateless pipeline of the issue, once on datagen's columns and
    /// once on the same records as JSON text read from a file.
    func run(columns: Bool, steps: String, name: String) throws -> (output: [String], rejected: [[String: Any]], validate: String) {
        let output = directory.file("\(name).jsonl")
        let rejected = directory.file("\(name)-rejected.jsonl")
        let source = columns
            ? "- {id: gen, source: datagen, config: {count: 20000, seed: 7, customers: 100}}"
            : "- {id: gen, source: file, config: {path: \"\(try referenceFile())\"}}"
        let job = try directory.write("\(name).yaml", """
            name: \(name)
            dead_letter: \(rejected)
            pipeline:
              \(source)
            \(steps)
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let validate = try CLI.run(["validate", job])
        #expect(validate.status == 0, "\(validate.standardError)")
        let outcome = try CLI.run(["run", job])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return (CLI.lines(output), Self.deadLetters(rejected), validate.standardOutput)
    }

    /// datagen's 20000 records as JSON lines (its byte path).
    func referenceFile() throws -> String {
        let lines = try Reference.orders(count: 20000, seed: 7, extra: "customers: 100", in: directory)
        return try directory.write("orders.jsonl", lines.joined(separator: "\n") + "\n")
    }

    @Test func theStatelessPipelineOnColumnsGivesTheByteResults() throws {
        let steps = """
              - {id: big, operator: filter, config: {where: "amount > 500.0"}}
              - {id: shape, operator: map, config: {set: {amount_x: "amount * 1.2", big: "customer_id > 50", category: "upper(category)"}}}
              - {id: slim, operator: project, config: {drop: [event_time], rename: {order_id: id}}}
            """
        let columns = try run(columns: true, steps: steps, name: "columns")
        let bytes = try run(columns: false, steps: steps, name: "bytes")
        // The columnar run reads columns in every expressions step.
        #expect(columns.validate.contains("step big: in columns"), "\(columns.validate)")
        #expect(columns.validate.contains("step slim: in columns"), "\(columns.validate)")
        #expect(bytes.validate.contains("step big: in bytes"), "\(bytes.validate)")
        #expect(columns.output.count > 9000 && columns.output.count < 11000)
        #expect(Self.objects(columns.output) == Self.objects(bytes.output))
        #expect(columns.rejected.isEmpty && bytes.rejected.isEmpty)
        #expect(columns.output.first?.contains("\"id\":") == true, "\(columns.output.first ?? "")")
    }

    @Test func rowErrorsGoToTheDeadLettersWithTheByteReasons() throws {
        // customer_id % 7 is 0 for about one record in seven: a division
        // by zero, as the filter's `1000 / (customer_id % 7) > 100` too.
        let steps = """
              - {id: some, operator: filter, config: {where: "1000 / (customer_id % 7) > 200"}}
              - {id: ratio, operator: map, config: {set: {ratio: "order_id / (customer_id % 5)"}}}
            """
        let columns = try run(columns: true, steps: steps, name: "errors-columns")
        let bytes = try run(columns: false, steps: steps, name: "errors-bytes")
        #expect(columns.validate.contains("step ratio: in columns"), "\(columns.validate)")
        #expect(Self.objects(columns.output) == Self.objects(bytes.output))
        #expect(columns.rejected.count > 2000)
        // Two steps write dead letters from their own threads: compare them
        // in a fixed order. The values are the records' text either way
        // (datagen's JSON is what the columns → bytes conversion writes).
        func entries(_ rejected: [[String: Any]]) -> [String] {
            rejected.map { "\($0["step"] ?? "")|\($0["reason"] ?? "")|\($0["value"] ?? "")" }.sorted()
        }
        #expect(entries(columns.rejected) == entries(bytes.rejected))
        let reasons = Set(columns.rejected.compactMap { $0["reason"] as? String }.map { $0.prefix(40) })
        #expect(reasons.contains { $0.hasPrefix("filter where `1000 / (customer_id % 7) >") }, "\(reasons)")
        #expect(reasons.contains { $0.hasPrefix("map: set ratio = `order_id / (customer_i") }, "\(reasons)")
        #expect(columns.rejected.first?["reason"].map { "\($0)".contains("division by zero") } == true)
    }

    @Test func filterAndMapBetweenAJSONSourceAndAByteSinkConvertAtTheEdges() throws {
        // int64-above (examples/columnar-operator) takes only columns: the
        // JSON lines become columns against `schema:` before it, filter and
        // map then read columns, and the file sink gets JSON again.
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/columnar-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let input = try directory.write("in.jsonl", """
            {"id":1,"price":12.50,"qty":2}
            {"id":2,"price":"x","qty":1}
            {"id":3,"price":7.25,"qty":0}
            {"id":4,"price":100.00,"qty":3}
            {"id":5,"price":null,"qty":4}

            """)
        let job = try directory.write("edges.yaml", """
            name: edges
            dead_letter: \(directory.file("edges-rejected.jsonl"))
            pipeline:
              - id: in
                source: file
                config: {path: "\(input)"}
                schema: {id: int64 not null, price: "decimal(10,2)", qty: int64}
              - {id: all, operator: int64-above, config: {field: id, above: 0}}
              - {id: some, operator: filter, config: {where: "price is null or price > 10.0"}}
              - {id: each, operator: map, config: {set: {unit: "price / qty", total: "price * qty"}}}
              - {id: out, sink: file, config: {path: "\(directory.file("edges.jsonl"))"}}
            """)
        let library = directory.file("libint64-above.so")
        let validate = try CLI.run(["validate", job, "--plugin", library])
        #expect(validate.standardOutput.contains("step some: in columns"), "\(validate.standardOutput)")
        #expect(validate.standardOutput.contains("step each: in columns"), "\(validate.standardOutput)")
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(Self.objects(CLI.lines(directory.file("edges.jsonl"))) == Self.objects([
            #"{"id":1,"price":12.50,"qty":2,"unit":6.25,"total":25.00}"#,
            #"{"id":4,"price":100.00,"qty":3,"unit":33.333333333333336,"total":300.00}"#,
            #"{"id":5,"price":null,"qty":4,"unit":null,"total":null}"#,
        ]))
        let rejected = Self.deadLetters(directory.file("edges-rejected.jsonl"))
        #expect(rejected.map { $0["step"] as? String } == ["all"])
        #expect((rejected.first?["reason"] as? String)?.contains("field 'price'") == true, "\(rejected)")
    }
}
