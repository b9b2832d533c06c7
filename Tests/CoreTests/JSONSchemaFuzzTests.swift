import Core
import Testing
import TestKit

/// Mutants of plugin config schemas and of configs: a schema is refused
/// with a `JSONSchemaError` that names the keyword or the schema location,
/// or it validates every config mutant with violations that each say what
/// is wrong; filling in defaults never crashes and a second fill changes
/// nothing.
@Suite struct JSONSchemaFuzzTests {
    static let iterations = 3_000
    static let seed: UInt64 = 0x5EED_5C4E

    /// The seed schemas: the shapes the first-party plugins use (the file
    /// sink's and the window's, shortened) and every implemented keyword.
    static let schemas = [
        #"""
        {"type":"object","properties":{"path":{"type":"string","minLength":1},
         "format":{"type":"string","enum":["jsonl","csv"],"default":"jsonl"},
         "columns":{"type":"array","items":{"type":"string"}},"header":{"type":"boolean","default":true},
         "rolling_max_bytes":{"type":"integer","minimum":1,"default":134217728}},
         "required":["path"],"additionalProperties":false}
        """#,
        #"""
        {"type":"object","x-streamhost-keyed-input":true,"properties":{
          "kind":{"type":"string","enum":["tumbling","sliding","session"]},
          "size_ms":{"type":"integer","minimum":1},"late":{"type":"string","const":"dead_letter"},
          "aggregates":{"type":"array","minItems":1,"maxItems":8,"items":{"type":"object","properties":{
            "fn":{"type":"string","enum":["count","sum"]},"field":{"type":"string","minLength":1,"maxLength":64}},
           "required":["fn"],"additionalProperties":false}}},
         "required":["kind","aggregates"],"additionalProperties":{"type":["number","null"]}}
        """#,
        #"""
        {"$schema":"https://json-schema.org/draft/2020-12/schema","type":["object","null"],"properties":{
          "rate":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1e6,"default":1.5},
          "nested":{"type":"object","default":{},"properties":{"n":{"type":"integer","maximum":9007199254740993,"default":2}}},
          "flags":{"type":"array","items":true},"never":false,"pattern":{"pattern":"^a"}}}
        """#,
        "true", "false", "{}",
    ]

    static let configs = [
        #"{"path":"out.jsonl","format":"csv","columns":["a","b"],"header":false,"rolling_max_bytes":1}"#,
        #"{"kind":"tumbling","size_ms":1000,"late":"dead_letter","aggregates":[{"fn":"count"},{"fn":"sum","field":"x"}],"y":1.5}"#,
        #"{"rate":0.5,"nested":{"n":9007199254740992},"flags":[1,"a",null]}"#,
        "null", "[]", #""text""#, "1e308", "{}",
    ]

    static let tokens: [[UInt8]] = [
        #""type":"#, #""properties":"#, #""required":"#, #""additionalProperties":"#, #""enum":"#, #""const":"#,
        #""minimum":"#, #""maximum":"#, #""minLength":"#, #""maxItems":"#, #""items":"#, #""default":"#,
        #""$ref":"#, #""integer""#, #""string""#, "-1", "1e400", "-0", "0.5", "9223372036854775807", "[]", "{}",
        "null", "true", ",",
    ].map { Array($0.utf8) }

    static func fuzzer(seed: UInt64, seeds: [String]) -> MutationFuzzer {
        MutationFuzzer(
            seed: seed, seeds: seeds.map { Array($0.utf8) }, edits: MutationFuzzer.textEdits,
            interestingBytes: MutationFuzzer.textBytes, tokens: tokens)
    }

    /// What is wrong with how `schemaText` and `configTexts` are handled.
    static func problems(schema schemaText: [UInt8], configs configTexts: [[UInt8]]) -> [String] {
        guard let document = try? schemaText.withUnsafeBytes({ try JSONValue.parse(bytes: $0) }) else { return [] }
        let schema: JSONSchema
        do {
            schema = try JSONSchema(document)
        } catch {
            let named = error.keyword != nil || !error.schemaPath.isEmpty || error.description.contains("root schema")
            return named && !error.message.isEmpty ? [] : ["a refusal that names no place: \(error)"]
        }
        var problems: [String] = []
        for text in configTexts {
            guard let config = try? text.withUnsafeBytes({ try JSONValue.parse(bytes: $0) }) else { continue }
            for violation in schema.validate(config) where violation.message.isEmpty {
                problems.append("a violation at '\(violation.path)' without a message")
            }
            let filled = schema.applyingDefaults(to: config)
            if schema.applyingDefaults(to: filled) != filled {
                problems.append("filling in defaults twice changes \(MutationFuzzer.describe(text))")
            }
            _ = schema.validate(filled)
        }
        return problems
    }

    @Test(.timeLimit(.minutes(10))) func mutatedSchemasAndConfigsAreRefusedOrValidated() throws {
        for schema in Self.schemas {
            #expect(Self.problems(schema: Array(schema.utf8), configs: Self.configs.map { Array($0.utf8) }).isEmpty)
            _ = try JSONSchema(JSONValue.parse(schema))
        }
        var schemas = Self.fuzzer(seed: Self.seed, seeds: Self.schemas)
        var configs = Self.fuzzer(seed: Self.seed ^ 0xC0F1, seeds: Self.configs)
        var accepted = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            let schema = schemas.next()
            let problems = Self.problems(schema: schema, configs: [configs.next(), configs.next()])
            if !problems.isEmpty && failures.count < 10 {
                failures.append("seed \(schemas.seed) iteration \(iteration): \(problems): \(MutationFuzzer.describe(schema))")
            }
            if let document = try? JSONValue.parse(String(decoding: schema, as: UTF8.self)),
               (try? JSONSchema(document)) != nil
            {
                accepted += 1
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(accepted > 0 && accepted < MutationFuzzer.iterations(Self.iterations))
    }
}
