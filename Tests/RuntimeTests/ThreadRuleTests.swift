import Core
import Foundation
import PluginHost
import Runtime
import State
import Testing
import TestKit

/// ABI rule 8 as a job enforces it: a plugin calling the host from a thread
/// of its own (Tests/PluginHostTests/Fixtures/stray_thread.c) fails the job,
/// whether the call overlaps a callback or falls between two. (That the
/// stray call does nothing is checked in PluginTestingTests, where the
/// output of the refused instance can be seen.)
@Suite("ThreadRule")
struct ThreadRuleTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "thread-rule") }

    func run(call: String, when: String) throws -> JobResult {
        let plan = try makePlan("""
            name: stray
            pipeline:
              - {id: gen, source: datagen, config: {count: 2000}}
              - {id: stray, operator: fixture-stray-thread, config: {call: \(call), when: \(when)}}
              - {id: out, sink: blackhole}
            """, fixtures: ["stray_thread"], in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.stateBackend = MemoryStateBackend()
        return try JobExecution(plan: plan, options: options).run()
    }

    @Test(arguments: ["emit", "state_get", "timer_register"])
    func aCallDuringACallbackFailsTheJob(call: String) throws {
        let result = try run(call: call, when: "during")
        let failure = try #require(result.failure)
        #expect(failure.description.contains("step 'stray' instance 0 (operator 'fixture-stray-thread') called \(call) "))
        #expect(failure.description.contains("SH_WRONG_THREAD"))
    }

    @Test(arguments: ["emit", "state_get", "timer_register"])
    func aCallBetweenCallbacksFailsTheJob(call: String) throws {
        let result = try run(call: call, when: "between")
        let failure = try #require(result.failure)
        #expect(failure.description.contains("called \(call) "))
        #expect(failure.description.contains("SH_WRONG_THREAD"))
    }
}
