import Foundation
import Testing
import TestKit

/// CSV → columns at the boundary (issue 15): a CSV file source with a
/// declared `schema:` feeding filter and map, which take both formats,
/// has its rows read into typed columns at the first edge (dead letters
/// naming the field and the reason), and gives the records the byte path
/// gives without the schema.
@Suite("CSV file source to columns")
struct CSVColumnsTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "csv-columns") }

    static let csv = """
        id,price,qty,name
        1,12.50,2,shoes
        2,x,1,hat
        3,7.25,0,"a, b"
        4,100.00,3,
        5,,4,"x""y"
        6,1.234,1,z

        """

    func run(schema: Bool, name: String) throws -> (output: [NSDictionary], rejected: [[String: Any]], validate: String) {
        let input = try directory.write("in.csv", Self.csv)
        let output = directory.file("\(name).jsonl")
        let rejected = directory.file("\(name)-rejected.jsonl")
        let schemaLine = schema ? "    schema: {id: int64 not null, price: \"decimal(10,2)\", qty: int64, name: utf8}\n" : ""
        let job = try directory.write("\(name).yaml", """
            name: \(name)
            dead_letter: \(rejected)
            pipeline:
              - id: in
                source: file
                config: {path: "\(input)", format: csv}
            \(schemaLine)  - {id: some, operator: filter, config: {where: "price is null or price > 10.0"}}
              - {id: each, operator: map, config: {set: {total: "price * qty", label: "upper(name)"}}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let validate = try CLI.run(["validate", job])
        #expect(validate.status == 0, "\(validate.standardError)")
        let outcome = try CLI.run(["run", job])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let objects = CLI.lines(output).map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? NSDictionary ?? ["unreadable": $0]
        }
        let letters = CLI.lines(rejected).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (objects, letters, validate.standardOutput)
    }

    @Test("CSV rows become columns against the declared schema, with the byte path's records")
    func csvRowsBecomeColumns() throws {
        let columns = try run(schema: true, name: "columns")
        #expect(columns.validate.contains("step some: in columns {id: int64 not null, price: decimal(10,2), qty: int64, "
            + "name: utf8}"), "\(columns.validate)")
        // map's output schema at plan time: its set fields typed by the
        // type checker and the kernels (price * qty: decimal(38,2)).
        #expect(columns.validate.contains("step each: in columns {id: int64 not null, price: decimal(10,2), qty: int64, "
            + "name: utf8}; out bytes {id: int64 not null, price: decimal(10,2), qty: int64, name: utf8, "
            + "total: decimal(38,2), label: utf8}"), "\(columns.validate)")
        let bytes = try run(schema: false, name: "bytes")
        #expect(bytes.validate.contains("step some: in bytes"), "\(bytes.validate)")

        #expect(columns.output == bytes.output)
        #expect(columns.output.map { $0["id"] as? Int } == [1, 4, 5])
        #expect(columns.output.first?["label"] as? String == "SHOES")

        // A row that does not fit goes to the dead letters at the edge, with
        // the field and the reason (the byte path's filter rejects row 2
        // for its comparison). Row 6's 1.234 is rounded half up to the
        // column's scale, as Flink's formats read a DECIMAL(10, 2) (1.23),
        // and then dropped by the filter on both paths.
        #expect(columns.rejected.map { $0["step"] as? String } == ["some"])
        let reasons = columns.rejected.compactMap { $0["reason"] as? String }
        #expect(reasons.first?.contains("field 'price': expected decimal(10,2), found a string") == true, "\(reasons)")
        #expect(bytes.rejected.count == 1)
    }
}
