import Core
import Runtime
import Testing
import TestKit

/// `watermarks:` on source steps and `state:` at the top of a job file.
@Suite("Job files: watermarks and state")
struct TimeAndStateSpecTests {
    func parse(_ text: String) throws -> JobSpec {
        try JobFileParser.parse(text: text, file: "job.yaml")
    }

    func error(_ text: String) -> JobFileError? {
        do {
            _ = try JobFileParser.parse(text: text, file: "job.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func readsWatermarkStrategiesAndState() throws {
        let spec = try parse("""
            name: timed
            state: {backend: rocksdb, directory: /tmp/state}
            pipeline:
              - id: src
                source: datagen
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500, idle_timeout_ms: 30000}
              - {id: out, sink: blackhole}
            """)
        #expect(spec.state == StateSpec(backend: .rocksdb, directory: "/tmp/state"))
        #expect(spec.steps[0].watermarks == WatermarkSpec(
            strategy: .boundedOutOfOrderness, maxOutOfOrdernessMs: 500, idleTimeoutMs: 30000))
        #expect(spec.steps[1].watermarks.strategy == .none)

        // A bound alone implies the bounded strategy; the defaults are memory and no watermarks.
        let implied = try parse("""
            name: implied
            pipeline:
              - {id: src, source: datagen, watermarks: {max_out_of_orderness_ms: 20, max_future_ms: 0}}
              - {id: out, sink: blackhole}
            """)
        #expect(implied.steps[0].watermarks == WatermarkSpec(
            strategy: .boundedOutOfOrderness, maxOutOfOrdernessMs: 20, maxFutureMs: 0))
        #expect(implied.state == StateSpec(backend: .memory))
    }

    @Test(arguments: [
        ("  - {id: src, source: datagen, watermarks: {strategy: sorted}}\n",
         "pipeline[0].watermarks.strategy", "unknown watermark strategy 'sorted' (allowed: none, ascending, bounded_out_of_orderness, source)"),
        ("  - {id: src, source: datagen, watermarks: {strategy: ascending, max_out_of_orderness_ms: 5}}\n",
         "pipeline[0].watermarks.max_out_of_orderness_ms", "applies to strategy bounded_out_of_orderness only"),
        ("  - {id: src, source: datagen, watermarks: {idle_timeout_ms: 0}}\n",
         "pipeline[0].watermarks.idle_timeout_ms", "must be between 1 and"),
        ("  - {id: src, source: datagen, watermarks: {lag: 5}}\n",
         "pipeline[0].watermarks.lag", "unknown field 'lag' (allowed: strategy, max_out_of_orderness_ms, idle_timeout_ms, max_future_ms, timestamp)"),
        ("  - {id: src, source: datagen}\n  - {id: by, key_by: x, watermarks: {strategy: ascending}}\n",
         "pipeline[1].watermarks", "only sources take watermarks"),
    ])
    func refusesBadWatermarks(steps: String, field: String, message: String) throws {
        let problem = try #require(error("name: bad\npipeline:\n" + steps + "  - {id: out, sink: blackhole}\n"))
        #expect(problem.field == field)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line != nil)
    }

    @Test(arguments: [
        ("{backend: heap}", "state.backend", "unknown state backend 'heap' (allowed: memory, rocksdb)"),
        ("{backend: rocksdb, memory_bytes_max: 100000}", "state.memory_bytes_max", "applies to the memory backend only"),
        ("{directory: /tmp/x}", "state.directory", "applies to the rocksdb backend only"),
        ("{memory_bytes_max: 10}", "state.memory_bytes_max", "must be between 1024 and"),
        ("{backend: memory, ttl: 5}", "state.ttl", "unknown field 'ttl' (allowed: backend, memory_bytes_max, directory)"),
    ])
    func refusesBadStateSettings(state: String, field: String, message: String) throws {
        let problem = try #require(error("""
            name: bad
            state: \(state)
            pipeline:
              - {id: src, source: datagen}
              - {id: out, sink: blackhole}
            """))
        #expect(problem.field == field)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line == 2)
    }
}

@Suite("Job files: side outputs")
struct SideOutputSpecTests {
    func plan(_ steps: String) throws -> JobPlan {
        let directory = try TemporaryDirectory(prefix: "side-spec")
        return try makePlan("name: side\npipeline:\n" + steps, fixtures: ["pass"], in: directory)
    }

    @Test func aSideOutputInputIsAChannelFromItsStep() throws {
        let plan = try plan("""
              - {id: gen, source: datagen}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole}
              - {id: odd, sink: blackhole, inputs: ["pass:odd"]}
            """)
        // gen -> pass -> out still chain; the side output gets its own task.
        #expect(plan.chains == [[0, 1, 2], [3]])
        #expect(plan.steps[3].inputs[0].sideOutput == "odd")
        #expect(plan.steps[3].inputs[0].step == 1)
    }

    @Test(arguments: [
        ("  - {id: gen, source: datagen}\n  - {id: out, sink: blackhole, inputs: [\"nope:late\"]}\n",
         "reads from 'nope', which is not a step of this job"),
        ("  - {id: gen, source: datagen}\n  - {id: by, key_by: x}\n  - {id: out, sink: blackhole}\n  - {id: o2, sink: blackhole, inputs: [\"by:late\"]}\n",
         "only sources and operators have side outputs; 'by' is a key_by"),
        ("  - {id: gen, source: datagen}\n  - {id: out, sink: blackhole, inputs: [\"gen:\"]}\n",
         "a side output is named STEP:NAME"),
    ])
    func refusesBadSideOutputReferences(steps: String, message: String) throws {
        do {
            _ = try JobFileParser.parse(text: "name: side\npipeline:\n" + steps, file: "job.yaml")
            Issue.record("accepted \(steps)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
