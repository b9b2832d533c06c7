import Foundation
import Testing
import TestKit

/// What `streamhost run` says about records that went nowhere: per-step
/// counts and dead letters in the summary, exit status 3 when a step
/// rejected everything it received, and a warning for an expression
/// reading a field no record has.
@Suite("Run summary")
struct RunSummaryTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "run-summary") }

    func run(_ pipeline: String) throws -> ProcessOutcome {
        let job = try directory.write("job-\(UUID().uuidString).yaml", """
            name: summary
            dead_letter: \(directory.file("rejected.jsonl"))
            pipeline:
              - {id: orders, source: datagen, config: {count: 2000, seed: 7}}
            \(pipeline)
              - {id: out, sink: blackhole}
            """)
        return try CLI.run(["run", job], in: directory.path)
    }

    @Test func aStepThatRejectsEveryRecordMakesTheRunExitWithStatus3() throws {
        // key_by on a field no order has: every record goes to the dead letters.
        let outcome = try run("  - {id: by, key_by: catgory}\n  - {id: pass, operator: filter, config: {where: 'true'}}")
        #expect(outcome.status == 3, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("step 'by' (key_by catgory): 2000 in, 0 out, 2000 rejected"),
                "\(outcome.standardError)")
        #expect(outcome.standardError.contains(
            "error: job 'summary' finished, but step 'by' (key_by catgory) rejected all 2000 records it received"),
            "\(outcome.standardError)")
        // Some rejected, not all: exit 0, with the count per step.
        let some = try run("  - {id: cheap, operator: filter, config: {where: 'amount / (order_id % 2) > 500'}}")
        #expect(some.status == 0, "\(some.standardError)")
        #expect(some.standardError.contains("step 'cheap' (operator filter): 2000 in, "), "\(some.standardError)")
        #expect(some.standardError.contains(" out, 1000 rejected"), "\(some.standardError)")
    }

    @Test func aFieldNoRecordHasIsNamedWithTheFieldsSeen() throws {
        let outcome = try run("  - {id: big, operator: filter, config: {where: 'amout > 100'}}")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let warning = "filter where `amout > 100`: none of the first 1000 records of the input has the field 'amout' "
            + "(they had fields order_id, customer_id, category, amount, event_time); a missing field reads as null"
        #expect(outcome.standardError.contains(warning), "\(outcome.standardError)")
        #expect(outcome.standardError.components(separatedBy: "has the field 'amout'").count == 2, "one warning only")
        // The filter passed nothing on: the summary says so.
        #expect(outcome.standardError.contains("step 'big' (operator filter) received 2000 records and emitted none"),
                "\(outcome.standardError)")
    }

    @Test func validateAndRunWarnAboutAWindowThatOnlyTheEndOfInputFires() throws {
        let job = try directory.write("no-watermarks.yaml", """
            name: no-watermarks
            pipeline:
              - {id: orders, source: datagen, config: {count: 10, seed: 7}}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: {kind: tumbling, size_ms: 1000, aggregates: [{fn: count}]}}
              - {id: out, sink: blackhole}
            """)
        let warning = "warning: \(job):5:5: pipeline[2]: operator 'window' works in event time, but source 'orders' "
            + "has no watermark strategy, so nothing fires before the end of input"
        let validate = try CLI.run(["validate", job], in: directory.path)
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardError.contains(warning), "\(validate.standardError)")
        let run = try CLI.run(["run", job], in: directory.path)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains(warning), "\(run.standardError)")
    }
}
