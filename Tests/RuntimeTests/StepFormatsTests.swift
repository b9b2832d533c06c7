import Columns
import Core
import PluginHost
import Runtime
import Testing
import TestKit

/// `schema:` in job files and the plan's choice of formats (ABI 1.3).
@Suite("StepFormats")
struct StepFormatsTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "formats") }

    @Test func aSourceSchemaNestsDottedNamesInOrder() throws {
        let spec = try JobFileParser.parse(text: """
            name: s
            pipeline:
              - id: in
                source: datagen
                schema:
                  id: int64 not null
                  customer.id: int64
                  amount: decimal(9, 2)
                  customer.tags: list<utf8>
                  at: timestamp
              - {id: out, sink: blackhole}
            """, file: "job.yaml")
        let schema = try #require(spec.steps[0].schema)
        #expect(schema == Schema([
            Field("id", .int64, nullable: false),
            Field("customer", .struct([Field("id", .int64), Field("tags", .list(Field("item", .utf8)))])),
            Field("amount", .decimal128(precision: 9, scale: 2)),
            Field("at", .timestampMs),
        ]))
    }

    @Test(arguments: [
        ("amount: decimal(40,2)", "6:15", "is not a column type"),
        ("a: int64\n      a.b: utf8", "7:7", "'a' is a int64 field, so it cannot have fields of its own"),
        ("a..b: int64", "6:7", "field names are non-empty"),
        ("x: intt64", "6:10", "\"intt64\" is not a column type"),
    ])
    func schemaMistakesAreReportedAtTheirPlace(field: String, place: String, message: String) {
        let text = """
            name: s
            pipeline:
              - id: in
                source: datagen
                schema:
                  \(field)
              - {id: out, sink: blackhole}
            """
        do {
            _ = try JobFileParser.parse(text: text, file: "job.yaml")
            Issue.record("no error for \(field)")
        } catch {
            #expect(error.description.hasPrefix("job.yaml:\(place): "), "\(error.description)")
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func onlySourcesDeclareASchema() {
        #expect(throws: JobFileError.self) {
            try JobFileParser.parse(text: """
                name: s
                pipeline:
                  - {id: in, source: datagen}
                  - {id: out, sink: blackhole, schema: {a: int64}}
                """, file: "job.yaml")
        }
    }

    @Test func datagenEmitsColumnsOnlyWhereEveryReaderTakesThem() throws {
        // datagen → blackhole: both take columns, so columns flow.
        let direct = try makePlan("""
            name: direct
            pipeline:
              - {id: gen, source: datagen}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(direct.formats.map(\.output) == [.columns, nil])
        #expect(direct.formats.map(\.input) == [nil, .columns])
        #expect(direct.formats[0].outputSchema?.fields.map(\.name) == ["order_id", "customer_id", "category", "amount", "event_time"])
        #expect(direct.formats[1].inputSchema == direct.formats[0].outputSchema)

        // A bytes plugin after it: bytes, as before ABI 1.3.
        let byBytes = try makePlan("""
            name: bytes
            pipeline:
              - {id: gen, source: datagen}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole}
            """, fixtures: ["pass"], in: directory)
        #expect(byBytes.formats.map(\.output) == [.bytes, .bytes, nil])
        let keyed = try makePlan("""
            name: keyed
            pipeline:
              - {id: gen, source: datagen}
              - {id: k, key_by: customer_id}
              - {id: out, sink: blackhole}
            """, in: directory)
        // A key_by on a scalar column keys the columns (ColumnKey)...
        #expect(keyed.formats.map(\.output) == [.columns, nil])
        #expect(keyed.formats[1].input == .columns)
        // ...one on a field the schema lacks goes through JSON, as before.
        let keyedByText = try makePlan("""
            name: keyed-text
            pipeline:
              - {id: gen, source: datagen}
              - {id: k, key_by: customer.id}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(keyedByText.formats.map(\.output) == [.bytes, nil])
        #expect(keyedByText.formats[1].input == .bytes)

        // Padded values have no column form: datagen declares no schema.
        let padded = try makePlan("""
            name: padded
            pipeline:
              - {id: gen, source: datagen, config: {value_size: 200}}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(padded.formats[0].output == .bytes)
        #expect(padded.formats[0].outputSchema == nil)
    }

    @Test func mapFilterAndProjectDeclareTheirOutputSchemaFromTheirInput() throws {
        // map's set fields are typed by the type checker and the column
        // kernels (output_schema_of_input sees the input's schema, not only
        // the config); filter keeps its input's; project chooses columns.
        let plan = try makePlan("""
            name: shapes
            pipeline:
              - {id: gen, source: datagen}
              - {id: big, operator: filter, config: {where: "amount > 500.0"}}
              - {id: shape, operator: map, config: {set: {amount_x: "amount * 1.2", big: "customer_id > 50", category: "upper(category)", n: "length(category)"}}}
              - {id: slim, operator: project, config: {drop: [event_time], rename: {order_id: id}}}
              - {id: out, sink: blackhole}
            """, in: directory)
        let generated = try #require(plan.formats[0].outputSchema)
        #expect(plan.formats[1].outputSchema == generated)
        let mapped = try #require(plan.formats[2].outputSchema, "map declares no output schema")
        #expect(mapped.fields.map(\.name) == ["order_id", "customer_id", "category", "amount", "event_time", "amount_x", "big", "n"])
        #expect(mapped.fields.map(\.type.description) == [
            "int64", "int64", "utf8", "decimal(9,2)", "timestamp", "decimal(38,3)", "bool", "int64",
        ])
        #expect(plan.formats[3].inputSchema == mapped)
        #expect(plan.formats[3].outputSchema?.fields.map(\.name) == ["id", "customer_id", "category", "amount", "amount_x", "big", "n"])
        #expect(plan.formats[4].inputSchema == plan.formats[3].outputSchema)
    }

    @Test func theBytesOfASourceWithADeclaredSchemaAreReadIntoColumnsAtTheFirstEdge() throws {
        let input = try directory.write("in.csv", "id,price\n1,2.50\n")
        let declared = try makePlan("""
            name: declared
            pipeline:
              - id: in
                source: file
                config: {path: "\(input)", format: csv}
                schema: {id: int64, price: "decimal(9,2)"}
              - {id: some, operator: filter, config: {where: "price > 1.0"}}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(declared.formats.map(\.input) == [nil, .columns, .columns])
        #expect(declared.formats[0].output == .bytes)
        #expect(declared.formats[1].output == .columns)
        // Without the schema the filter reads the bytes, as before.
        let undeclared = try makePlan("""
            name: undeclared
            pipeline:
              - {id: in, source: file, config: {path: "\(input)", format: csv}}
              - {id: some, operator: filter, config: {where: "price > 1.0"}}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(undeclared.formats[1].input == .bytes)
    }
}
