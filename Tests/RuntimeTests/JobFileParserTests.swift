import Core
import Runtime
import Testing

private func parseError(_ text: String, overrides: [String] = []) -> JobFileError? {
    do {
        _ = try JobFileParser.parse(text: text, file: "job.yaml", overrides: overrides)
        return nil
    } catch {
        return error
    }
}

@Suite("JobFileParser")
struct JobFileParserTests {
    @Test func parsesAJobWithDefaultsAndImplicitInputs() throws {
        let spec = try JobFileParser.parse(text: """
            name: orders
            parallelism: 2
            pipeline:
              - id: gen
                source: datagen
                config: {count: 10, schema: orders}
              - id: by-customer
                key_by: customer.id
              - id: out
                sink: stdout
            """, file: "job.yaml")
        #expect(spec.name == "orders")
        #expect(spec.parallelism == 2)
        #expect(spec.maxParallelism == JobFileParser.maxParallelismDefault)
        #expect(spec.steps.map(\.id) == ["gen", "by-customer", "out"])
        #expect(spec.steps[1].kind == .keyBy(field: "customer.id"))
        #expect(spec.steps[2].inputs == ["by-customer"])
        #expect(spec.steps[0].config.value(atPath: "count") == .int(10))
        #expect(spec.steps[0].location.line == 4)
    }

    @Test func reportsUnknownTopLevelFieldsWithTheirLine() throws {
        let error = try #require(parseError("name: a\nparalelism: 2\npipeline: []\n"))
        #expect(error.line == 2)
        #expect(error.field == "paralelism")
        #expect(error.description.hasPrefix("job.yaml:2:1: paralelism: unknown field 'paralelism' (allowed: name, parallelism"))
    }

    @Test func reportsBadTypes() throws {
        let error = try #require(parseError("name: a\nparallelism: two\npipeline:\n  - {id: s, source: x}\n"))
        #expect(error.description == "job.yaml:2:14: parallelism: expected an integer, got string \"two\"")
        let zero = try #require(parseError("name: a\nparallelism: 0\npipeline:\n  - {id: s, source: x}\n"))
        #expect(zero.message == "must be between 1 and 32768, got 0")
        let steps = try #require(parseError("name: a\npipeline: {id: s}\n"))
        #expect(steps.message == "expected a list of steps, got a mapping")
    }

    @Test func reportsMissingFields() throws {
        #expect(parseError("pipeline:\n  - {id: s, source: x}\n")?.message == "missing required field 'name'")
        #expect(parseError("name: a\n")?.message == "missing required field 'pipeline'")
        let noID = try #require(parseError("name: a\npipeline:\n  - source: x\n"))
        #expect(noID.field == "pipeline[0].id" && noID.line == 3)
        let noKind = try #require(parseError("name: a\npipeline:\n  - id: s\n"))
        #expect(noKind.message == "step 's' needs one of source, operator, sink or key_by")
    }

    @Test func reportsDuplicateIDs() throws {
        let error = try #require(parseError("""
            name: a
            pipeline:
              - {id: s, source: x}
              - {id: s, sink: y}
            """))
        #expect(error.line == 4)
        #expect(error.message == "duplicate step id 's' (first used at line 3)")
    }

    @Test func reportsTwoKindsInOneStep() throws {
        let error = try #require(parseError("name: a\npipeline:\n  - {id: s, source: x, sink: y}\n"))
        #expect(error.message.contains("this one has both 'source' and 'sink'"))
    }

    @Test func reportsMissingInputs() throws {
        let error = try #require(parseError("""
            name: a
            pipeline:
              - {id: s, source: x}
              - {id: t, sink: y, inputs: [nothere]}
            """))
        #expect(error.field == "pipeline[1].inputs")
        #expect(error.message == "step 't' reads from 'nothere', which is not a step of this job (steps: s, t)")
        #expect(error.line == 4)
    }

    @Test func reportsCycles() throws {
        let error = try #require(parseError("""
            name: a
            pipeline:
              - {id: s, source: x}
              - {id: a, operator: o, inputs: [b]}
              - {id: b, operator: o, inputs: [a]}
              - {id: out, sink: y, inputs: [b]}
            """))
        #expect(error.message.hasPrefix("the inputs form a cycle: "))
        #expect(error.message.contains("a -> b") || error.message.contains("b -> a"))
    }

    @Test func reportsGraphMistakes() throws {
        #expect(parseError("name: a\npipeline:\n  - {id: o, operator: x}\n")?.message
            .contains("a pipeline starts with a source") == true)
        #expect(parseError("name: a\npipeline:\n  - {id: s, source: x, inputs: [s]}\n")?.message
            == "step 's' is a source: sources take no inputs")
        #expect(parseError("name: a\npipeline:\n  - {id: s, source: x}\n  - {id: k, sink: y}\n  - {id: t, sink: z}\n")?
            .message.contains("follows the sink 'k'") == true)
        #expect(parseError("name: a\npipeline:\n  - {id: s, source: x}\n  - {id: k, key_by: f}\n")?.message
            == "key_by 'k' feeds no step")
    }

    @Test func reportsInvalidYAML() throws {
        let error = try #require(parseError("name: a\npipeline:\n  - {id: s, source: x\n"))
        #expect(error.message.hasPrefix("not valid YAML"))
        #expect(error.line != nil)
    }

    @Test func appliesOverrides() throws {
        let spec = try JobFileParser.parse(text: """
            name: a
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: out, sink: stdout}
            """, file: "job.yaml", overrides: ["gen.count=500", "gen.nested.flag=true", "parallelism=2", "out.parallelism=1"])
        #expect(spec.steps[0].config.value(atPath: "count") == .int(500))
        #expect(spec.steps[0].config.value(atPath: "nested.flag") == .bool(true))
        #expect(spec.parallelism == 2)
        #expect(spec.steps[1].parallelism == 1)
        let error = try #require(parseError("name: a\npipeline:\n  - {id: gen, source: d}\n", overrides: ["nope.x=1"]))
        #expect(error.field == "--set nope.x=1")
        #expect(error.message.contains("no step 'nope' (steps: gen)"))
    }

    /// Each bounded top-level field with a value over its limit: the
    /// file and a `--set` override must refuse it alike.
    static let overLimits: [(String, Int)] = [
        ("parallelism", JobLimits.parallelismMax + 1),
        ("max_parallelism", JobLimits.maxParallelismMax + 1),
        ("batch_size", JobLimits.batchSizeMax + 1),
        ("channel_capacity", JobLimits.channelCapacityMax + 1),
    ]

    @Test(arguments: overLimits)
    func anOverrideIsRefusedWhatTheFileIsRefused(field: String, value: Int) throws {
        let pipeline = "pipeline:\n  - {id: gen, source: d}\n  - {id: out, sink: s}\n"
        let keyGroups = "max_parallelism: \(JobLimits.maxParallelismMax)\n"
        let inFile = try #require(parseError(
            "name: a\n" + (field == "max_parallelism" ? "" : keyGroups) + "\(field): \(value)\n" + pipeline))
        let override = "\(field)=\(value)"
        let bySet = try #require(parseError("name: a\n" + keyGroups + pipeline, overrides: [override]))
        #expect(bySet.field == "--set \(override)")
        #expect(bySet.message == inFile.message)
        #expect(bySet.message.hasPrefix("must be between 1 and "))
    }

    @Test func aStepParallelismOverrideIsRefusedWhatTheFileIsRefused() throws {
        let value = JobLimits.parallelismMax + 1
        let head = "name: a\nmax_parallelism: \(JobLimits.maxParallelismMax)\npipeline:\n  - {id: gen, source: d}\n"
        let inFile = try #require(parseError(head + "  - {id: out, sink: s, parallelism: \(value)}\n"))
        let bySet = try #require(parseError(head + "  - {id: out, sink: s}\n", overrides: ["out.parallelism=\(value)"]))
        #expect(bySet.field == "--set out.parallelism=\(value)")
        #expect(bySet.message == inFile.message)
    }

    @Test func anOverrideOfMaxParallelismBelowAStepsParallelismIsRefused() throws {
        let error = try #require(parseError(
            "name: a\npipeline:\n  - {id: gen, source: d, parallelism: 8}\n  - {id: out, sink: s}\n",
            overrides: ["max_parallelism=4"]))
        #expect(error.message == "parallelism 8 exceeds max_parallelism 4")
        #expect(error.field == "pipeline[0].parallelism")
    }

    @Test func anOverrideTakesTheFilesChecksOfTypeAndKind() throws {
        let name = try #require(parseError("name: a\npipeline:\n  - {id: gen, source: d}\n", overrides: ["name=a b"]))
        #expect(name.field == "--set name=a b")
        #expect(name.message.hasPrefix("job names use letters"))
        let keyed = try #require(parseError(
            "name: a\npipeline:\n  - {id: gen, source: d}\n  - {id: k, key_by: f}\n  - {id: out, sink: s}\n",
            overrides: ["k.x=1"]))
        #expect(keyed.field == "--set k.x=1")
        #expect(keyed.message == "key_by steps take no config")
    }
}
