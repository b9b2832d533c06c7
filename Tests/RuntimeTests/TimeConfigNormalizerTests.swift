import Core
import Foundation
@testable import Runtime
import Testing
import TestKit

/// Issue 11 item 13: config properties marked `x-streamhost-time` take
/// integer ms or ISO 8601 text (the TimeText rule); the planner hands the
/// plugin integer ms, and refuses other text at its place in the job file.
@Suite("Time configs")
struct TimeConfigNormalizerTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "time-configs") }

    /// The job with datagen's `start_time` written as `text`, as YAML.
    func datagenJob(startTime text: String) -> String {
        """
        name: times
        pipeline:
          - id: gen
            source: datagen
            config:
              count: 1
              start_time: \(text)
          - {id: out, sink: blackhole}
        """
    }

    @Test(arguments: [
        ("1780264800000", Int64(1_780_264_800_000)),
        ("2026-06-01T00:00:00Z", 1_780_272_000_000),
        ("2026-06-01T02:00:00+02:00", 1_780_272_000_000),
        ("'2026-03-01T12:30:00.250-01:30'", 1_772_373_600_250),
        ("2026-06-01T00:00:00", 1_780_272_000_000),  // no zone: UTC
        ("\"2026-06-01 00:00:00.5\"", 1_780_272_000_500),
    ])
    func datagenStartTimeReachesThePluginAsMilliseconds(text: String, milliseconds: Int64) throws {
        let plan = try makePlan(datagenJob(startTime: text), in: directory)
        #expect(plan.steps[0].config.objectValue?["start_time"] == .int(milliseconds), "\(text)")
    }

    @Test func theDefaultStaysAnInteger() throws {
        let plan = try makePlan("""
            name: times
            pipeline:
              - {id: gen, source: datagen, config: {count: 1}}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(plan.steps[0].config.objectValue?["start_time"] == .int(1_767_225_600_000))
    }

    @Test func aStringThatIsNotATimeIsRefusedAtItsPlaceWithTheRule() throws {
        for (text, column) in [("2026-13-01T00:00:00", 19), ("'next tuesday'", 19)] {
            do {
                _ = try makePlan(datagenJob(startTime: text), in: directory)
                Issue.record("\(text) planned")
            } catch {
                let shown = text.replacingOccurrences(of: "'", with: "")
                #expect("\(error)".contains("test.yaml:7:\(column): pipeline[0].config.start_time: \"\(shown)\" is not a time: "
                    + "write an integer of milliseconds since the Unix epoch, or an ISO 8601"), "\(error)")
            }
        }
    }

    @Test func theLogSourceTakesAnISOStartTime() throws {
        let plan = try makePlan("""
            name: times
            pipeline:
              - {id: in, source: log, config: {topic: t, start: time, time: "2026-05-31T22:00:02"}}
              - {id: out, sink: blackhole}
            """, in: directory)
        #expect(plan.steps[0].config.objectValue?["time"] == .int(1_780_264_802_000))
    }

    /// The walk follows `items` and `additionalProperties` too, and leaves
    /// unmarked strings alone.
    @Test func markedValuesInsideArraysAndMapsAreNormalised() throws {
        let spec = try JobFileParser.parse(text: """
            name: nested
            pipeline:
              - id: src
                source: any
                config:
                  label: "2026-01-01T00:00:00Z"
                  windows: [{from: "2026-01-01T00:00:00Z"}, {from: 5}]
                  marks: {a: "1970-01-01T00:00:01+00:00", b: "soon"}
            """, file: "nested.yaml")
        let schema = try JSONValue.parse(#"""
            {"type":"object","properties":{
              "label":{"type":"string"},
              "windows":{"type":"array","items":{"type":"object","properties":{
                "from":{"type":["integer","string"],"x-streamhost-time":true}}}},
              "marks":{"type":"object","additionalProperties":{"type":["integer","string"],"x-streamhost-time":true}}}}
            """#)
        let step = spec.steps[0]
        do {
            _ = try TimeConfigNormalizer.normalizing(step.config, schema: schema, step: step, file: spec.file)
            Issue.record("'soon' was taken for a time")
        } catch {
            #expect("\(error)".contains("nested.yaml:8:50: pipeline[0].config.marks.b: \"soon\" is not a time"), "\(error)")
        }
        var config = step.config.objectValue!
        var marks = config["marks"]!.objectValue!
        marks["b"] = .int(7)
        config["marks"] = .object(marks)
        let normalised = try TimeConfigNormalizer.normalizing(.object(config), schema: schema, step: step, file: spec.file)
        #expect(normalised.objectValue?["label"] == .string("2026-01-01T00:00:00Z"))
        #expect(normalised.objectValue?["windows"] == .array([.object(["from": .int(1_767_225_600_000)]), .object(["from": .int(5)])]))
        #expect(normalised.objectValue?["marks"] == .object(["a": .int(1000), "b": .int(7)]))
    }
}
