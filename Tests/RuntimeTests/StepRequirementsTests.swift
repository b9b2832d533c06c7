import Foundation
import Runtime
import Testing
import TestKit

/// Plan-time checks read from components' schema annotations: keyed
/// components need keyed input, event-time components need watermarks.
@Suite("Step requirements")
struct StepRequirementsTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "requirements") }

    func plan(_ pipeline: String, parallelism: Int = 1) throws -> JobPlan {
        try makePlan("""
            name: requirements
            parallelism: \(parallelism)
            pipeline:
            \(pipeline)
              - {id: out, sink: blackhole}
            """, in: directory)
    }

    func refusal(_ pipeline: String, parallelism: Int = 1) -> String? {
        do {
            _ = try plan(pipeline, parallelism: parallelism)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static let watermarks = "watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 100}"
    static let window = "{kind: tumbling, size_ms: 1000, aggregates: [{fn: count}]}"

    @Test func aWindowWithoutKeyByIsRefusedAtPlanTime() throws {
        let message = try #require(refusal("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: win, operator: window, config: \(Self.window)}
            """))
        #expect(message.contains("test.yaml:5:5: pipeline[1]: operator 'window' keeps its state per record key"), "\(message)")
        #expect(message.contains("must come through a key_by step"), "\(message)")
        // With key_by it plans, also with operators between them.
        _ = try plan("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: \(Self.window)}
            """)
        _ = try plan("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: by, key_by: category}
              - {id: big, operator: filter, config: {where: 'amount > 100'}}
              - {id: win, operator: window, config: \(Self.window)}
            """, parallelism: 2)
        // A rebalance between them loses the keying.
        #expect(refusal("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: by, key_by: category}
              - {id: big, operator: filter, config: {where: 'amount > 100'}}
              - {id: win, operator: window, parallelism: 3, config: \(Self.window)}
            """, parallelism: 2)?.contains("operator 'window' keeps its state per record key") == true)
    }

    @Test func aJoinNeedsBothInputsKeyed() throws {
        let message = try #require(refusal("""
              - {id: left, source: datagen, \(Self.watermarks)}
              - {id: by-left, key_by: order_id}
              - {id: right, source: datagen, \(Self.watermarks)}
              - {id: paid, operator: join, inputs: [by-left, right], config: {lower_ms: 0, upper_ms: 10}}
            """))
        #expect(message.contains("operator 'join' keeps its state per record key, so input 1 ('right') must come through a key_by step"),
                "\(message)")
    }

    @Test func dedupWithAKeyFieldNeedsKeyByOnThatFieldOnlyInParallel() throws {
        _ = try plan("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: once, operator: dedup, config: {ttl_ms: 100, key_field: customer_id}}
            """)
        let message = try #require(refusal("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: by, key_by: category}
              - {id: once, operator: dedup, config: {ttl_ms: 100, key_field: customer_id}}
            """, parallelism: 2))
        #expect(message.contains("keys records by key_field 'customer_id' with parallelism 2: its input must come through `key_by: customer_id`"),
                "\(message)")
        #expect(refusal("""
              - {id: gen, source: datagen}
              - {id: once, operator: dedup, config: {ttl_ms: 100}}
            """)?.contains("operator 'dedup' keeps its state per record key") == true)
    }

    @Test func eventTimeStepsFedBySourcesWithoutWatermarksGetAWarning() throws {
        let warned = try plan("""
              - {id: gen, source: datagen}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: \(Self.window)}
            """)
        #expect(warned.warnings.map(\.description) == [
            "test.yaml:6:5: pipeline[2]: operator 'window' works in event time, but source 'gen' has no watermark "
                + "strategy, so nothing fires before the end of input; give it one, such as `watermarks: "
                + "{strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 5000}`",
        ])
        let quiet = try plan("""
              - {id: gen, source: datagen, \(Self.watermarks)}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: \(Self.window)}
            """)
        #expect(quiet.warnings.isEmpty)
        // dedup works in event time unless time: processing.
        let dedup = { (time: String) in try self.plan("""
              - {id: gen, source: datagen}
              - {id: by, key_by: category}
              - {id: once, operator: dedup, config: {ttl_ms: 100\(time)}}
            """) }
        #expect(try dedup("").warnings.count == 1)
        #expect(try dedup(", time: processing").warnings.isEmpty)
        // So does window: its processing-time windows fire on the clock.
        #expect(try plan("""
              - {id: gen, source: datagen}
              - {id: by, key_by: category}
              - {id: win, operator: window, config: {kind: tumbling, size_ms: 1000, time: processing, aggregates: [{fn: count}]}}
            """).warnings.isEmpty)
    }
}
