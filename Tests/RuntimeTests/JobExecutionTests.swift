import Core
import Foundation
import PluginHost
import Runtime
import Synchronization
import Testing
import TestKit

/// Plans a job from YAML text with the built-in plugins and the given fixtures.
func makePlan(_ yaml: String, fixtures: [String] = [], in directory: TemporaryDirectory) throws -> JobPlan {
    let spec = try JobFileParser.parse(text: yaml, file: "test.yaml")
    var registry = PluginRegistry()
    for fixture in fixtures { try registry.load(path: try CPluginBuilder.fixture(fixture, into: directory)) }
    try registry.loadBuiltins(providing: JobValidator.neededComponents(spec), directories: [BuildProducts.directory])
    return try JobValidator.plan(spec, registry: registry)
}

@Suite("JobExecution")
struct JobExecutionTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "runtime") }

    func run(_ plan: JobPlan, workers: Int = 2) throws -> JobResult {
        let execution = try JobExecution(
            plan: plan, options: RunOptions(workers: workers, deadLetterPath: directory.file("dlq.jsonl")))
        return execution.run()
    }

    @Test func chainsForwardStepsAndHashesAfterKeyBy() throws {
        let chained = try makePlan("""
            name: chained
            pipeline:
              - {id: gen, source: datagen}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole}
            """, fixtures: ["pass"], in: directory)
        #expect(chained.chains == [[0, 1, 2]])

        let keyed = try makePlan("""
            name: keyed
            parallelism: 2
            pipeline:
              - {id: gen, source: datagen}
              - {id: by, key_by: customer_id}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole, parallelism: 1}
            """, fixtures: ["pass"], in: directory)
        #expect(keyed.chains == [[0], [1], [2]])
        guard case .hash(let selector, let stepID) = keyed.steps[1].inputs[0].exchange else {
            Issue.record("expected a hash exchange, got \(keyed.steps[1].inputs[0].exchange)")
            return
        }
        #expect("\(selector)" == "customer_id" && stepID == "by")
        guard case .rebalance = keyed.steps[2].inputs[0].exchange else {
            Issue.record("expected rebalance into a step of another parallelism")
            return
        }
    }

    @Test func validatesConfigAgainstTheSchemaWithLocation() throws {
        do {
            _ = try makePlan("""
                name: bad
                pipeline:
                  - id: gen
                    source: datagen
                    config:
                      count: many
                  - {id: out, sink: blackhole}
                """, in: directory)
            Issue.record("an invalid config was accepted")
        } catch let error as JobFileError {
            #expect(error.field == "pipeline[0].config.count")
            #expect(error.line == 6)
            #expect(error.message.contains("expected integer"))
        }
    }

    @Test func namesUnknownComponents() throws {
        do {
            _ = try makePlan("name: bad\npipeline:\n  - {id: gen, source: datagen}\n  - {id: out, sink: blakhole}\n",
                             in: directory)
            Issue.record("an unknown sink was accepted")
        } catch let error as JobFileError {
            #expect(error.line == 4)
            #expect(error.message.hasPrefix("unknown sink 'blakhole' (available: "))
            #expect(error.message.contains("load its plugin with --plugin PATH"))
        }
    }

    @Test(arguments: [1, 2, 3])
    func everyRecordArrivesThroughChainsAndExchanges(parallelism: Int) throws {
        let plan = try makePlan("""
            name: count
            parallelism: \(parallelism)
            batch_size: 100
            channel_capacity: 2
            pipeline:
              - {id: gen, source: datagen, config: {count: 25000}}
              - {id: by, key_by: category}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole, config: {print: false}, parallelism: 1}
            """, fixtures: ["pass"], in: directory)
        let result = try run(plan)
        #expect(result.failure == nil)
        #expect(result.sourceRecords == 25000)
        #expect(result.sinkRecords == 25000)
        #expect(result.rejectedRecords == 0)
    }

    @Test func aPluginErrorFailsTheJobWithStepAndInstance() throws {
        let plan = try makePlan("""
            name: failing
            pipeline:
              - {id: gen, source: datagen, config: {count: 100000}}
              - {id: flaky, operator: fixture-fail, config: {fail_after: 5000}}
              - {id: out, sink: blackhole}
            """, fixtures: ["fail_midstream"], in: directory)
        let result = try run(plan)
        let failure = try #require(result.failure)
        #expect(failure.description.hasPrefix("step 'flaky' instance 0 failed in process"))
        #expect(failure.description.contains("fixture-fail: giving up after 5000 records"))
        #expect(result.sinkRecords <= 5000)
    }

    @Test func aFailingSourceFailsTheJob() throws {
        let plan = try makePlan("""
            name: failing-source
            pipeline:
              - {id: src, source: fixture-bad-source}
              - {id: out, sink: blackhole}
            """, fixtures: ["source_then_error"], in: directory)
        let failure = try #require(try run(plan).failure)
        #expect(failure.description.contains("step 'src' instance 0 failed in poll"))
        #expect(failure.description.contains("upstream went away"))
    }

    @Test func emittingAfterCloseFailsTheJob() throws {
        let plan = try makePlan("""
            name: late
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: late, operator: fixture-late-emit}
              - {id: out, sink: blackhole}
            """, fixtures: ["emit_after_close"], in: directory)
        let failure = try #require(try run(plan).failure)
        #expect(failure.description.contains("step 'late' instance 0"))
        #expect(failure.description.contains("after close"))
    }

    @Test func keyByRejectsRecordsWithoutTheField() throws {
        let plan = try makePlan("""
            name: nokey
            parallelism: 2
            pipeline:
              - {id: gen, source: datagen, config: {count: 50}}
              - {id: by, key_by: missing_field}
              - {id: out, sink: blackhole}
            """, in: directory)
        let result = try run(plan)
        #expect(result.failure == nil)
        #expect(result.rejectedRecords == 50)
        let lines = try String(contentsOfFile: directory.file("dlq.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 50)
        let first = try JSONValue.parse(String(lines[0]))
        #expect(first.value(atPath: "step") == .string("by"))
        #expect(first.value(atPath: "reason") == .string("key_by 'missing_field': field 'missing_field' is missing"))
        #expect(first.value(atPath: "value")?.stringValue?.hasPrefix("{\"order_id\":") == true)
    }

    @Test func stopRequestDrainsAnUnboundedSource() throws {
        let plan = try makePlan("""
            name: unbounded
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 20000}}
              - {id: out, sink: blackhole}
            """, in: directory)
        let execution = try JobExecution(
            plan: plan, options: RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl")))
        // Stop once records flow (not after a time), so that some did.
        let ended = Mutex(false)
        let stopper = Thread {
            if ProgressWait.until(abandon: { ended.withLock { $0 } }, { execution.sourceRecordsSoFar > 0 }) {
                execution.requestStop()
            }
        }
        stopper.start()
        let result = execution.run()
        ended.withLock { $0 = true }
        while !stopper.isFinished { usleep(1000) }
        #expect(result.failure == nil)
        #expect(result.stoppedOnRequest)
        #expect(result.sourceRecords > 0)
        #expect(result.sinkRecords == result.sourceRecords)
    }
}
