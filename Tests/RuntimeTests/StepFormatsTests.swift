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
}
