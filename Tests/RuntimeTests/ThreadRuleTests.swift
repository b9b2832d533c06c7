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

    /// "during": the thread calls while process runs (before the check, a
    /// stray emit reached the sink and state_get and timer_register
    /// answered 5 and 0); "between": it calls after process returned.
    @Test(arguments: ["emit", "state_get", "timer_register"], ["during", "between"])
    func aCallFromAPluginThreadFailsTheJob(call: String, when: String) throws {
        let result = try run(call: call, when: when)
        let failure = try #require(result.failure)
        #expect(failure.description.contains("step 'stray' instance 0 (operator 'fixture-stray-thread') called \(call) "))
        #expect(failure.description.contains("SH_WRONG_THREAD"))
    }
}
