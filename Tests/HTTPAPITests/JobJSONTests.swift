import Core
import Foundation
@testable import HTTPAPI
import JobService
import Testing

/// The job service's files and the API's bodies on Core's JSON: bytes as
/// Foundation's `JSONEncoder` (sorted keys) wrote them before the move
/// still read, and are written back the same, "/" no longer escaped as
/// "\/" (the same string to any JSON reader).
@Suite struct JobJSONTests {
    static func fields(_ text: String) throws -> JSONFields { try JSONFields(parsing: Array(text.utf8)) }

    /// What the old bytes become when written again: "\/" unescaped.
    static func rewritten(_ old: String) -> String { old.replacingOccurrences(of: "\\/", with: "/") }

    @Test func aSubmissionFileWrittenBeforeTheMoveStillReads() throws {
        let old = #"{"desiredRunning":false,"fileName":"\/tmp\/jobs\/endless.yaml","fromSavepoint":"\/data\/savepoints\/endless\/sp-0000000000000007","id":"0123456789abcdef","name":"endless","overrides":["parallelism=2"],"plugins":["\/opt\/plugins\/librunning-total.so"],"submittedAtMs":1764950000000}"#
        let submission = try JobSubmission(json: Self.fields(old))
        var expected = JobSubmission(
            id: "0123456789abcdef", name: "endless", fileName: "/tmp/jobs/endless.yaml",
            plugins: ["/opt/plugins/librunning-total.so"], overrides: ["parallelism=2"],
            fromSavepoint: "/data/savepoints/endless/sp-0000000000000007", submittedAtMs: 1_764_950_000_000)
        expected.desiredRunning = false
        #expect(submission == expected)
        #expect(submission.json.serialized() == Self.rewritten(old))
        // Without a savepoint the key is left out, as before.
        let fresh = #"{"desiredRunning":true,"fileName":"a.yaml","id":"0123456789abcdef","name":"a","overrides":[],"plugins":[],"submittedAtMs":1}"#
        #expect(try JobSubmission(json: Self.fields(fresh)).json.serialized() == fresh)
    }

    @Test func aStatusFileWrittenBeforeTheMoveStillReads() throws {
        let old = #"{"attempts":[{"checkpointsCompleted":3,"countsKnown":true,"failure":"step 'map' instance 1 failed in process: boom","number":1,"rejectedRecords":2,"seconds":12.5,"sinkRecords":90,"sourceRecords":100,"steps":[{"recordsIn":100,"recordsOut":98,"rejected":2,"stepID":"map"}]},{"checkpointsCompleted":0,"countsKnown":false,"number":2,"rejectedRecords":0,"restoredFrom":7,"savepoint":"\/data\/savepoints\/j\/sp-0000000000000009","seconds":0.25,"sinkRecords":0,"sourceRecords":0,"steps":[]}],"ending":"stopped","restarts":1,"restoredFrom":[null,7],"savepoint":"\/data\/savepoints\/j\/sp-0000000000000009","supervisorPid":4242,"updatedAtMs":1764950000123}"#
        let report = try JobStatusReport(json: Self.fields(old))
        #expect(report.ending == .stopped)
        #expect(report.restoredFrom == [nil, 7])
        #expect(report.attempts.map(\.restoredFrom) == [nil, 7])
        #expect(report.attempts[0].steps == [.init(stepID: "map", recordsIn: 100, recordsOut: 98, rejected: 2)])
        #expect(report.attempts[1].savepoint == "/data/savepoints/j/sp-0000000000000009")
        #expect(report.json.serialized() == Self.rewritten(old))
    }

    @Test func aStatusFileWithAnUnknownEndingIsRefusedByField() throws {
        let text = #"{"attempts":[],"ending":"exploded","restarts":0,"restoredFrom":[],"supervisorPid":1,"updatedAtMs":1}"#
        #expect(throws: JSONFieldError(path: "ending", problem: "is \"exploded\", which this host does not know")) {
            try JobStatusReport(json: Self.fields(text))
        }
        let nulls = #"{"attempts":[],"restarts":0,"restoredFrom":[1,"x"],"supervisorPid":1,"updatedAtMs":1}"#
        #expect(throws: JSONFieldError(path: "restoredFrom[1]", problem: "is a string, expected an integer or null")) {
            try JobStatusReport(json: Self.fields(nulls))
        }
    }

    /// A describe answer as the server sent it before the move: the CLI
    /// reads it, and the server writes the same bytes (optional fields
    /// absent, never null: the end-to-end tests wait for `supervisorPid`
    /// to go away).
    @Test func aDescribeAnswerReadsAndWritesTheSameBytes() throws {
        let old = #"{"attempts":[],"checkpoints":[{"bytes":512,"directory":"\/d\/checkpoints\/endless\/chk-0000000000000002","id":2,"kind":"checkpoint","triggeredAtMs":1764950000000}],"exceptions":[{"attempt":1,"instance":0,"message":"step 'gen' instance 0 failed in open: no","step":"gen"},{"message":"the job's supervisor process 12 exited with status 1 without reporting; see \/d\/jobs\/x\/supervisor.log"}],"fileName":"endless.yaml","overrides":[],"overview":{"attempts":1,"id":"0123456789abcdef","name":"endless","restarts":0,"state":"failed","submittedAtMs":1764950000000},"plugins":[],"restoredFrom":[null],"steps":[{"component":"datagen","id":"gen","inputs":[],"kind":"source","parallelism":1,"recordsIn":0,"recordsOut":10,"rejected":0},{"component":"blackhole","id":"sink","inputs":["gen"],"kind":"sink","parallelism":1}]}"#
        let described = try JobDescription(json: Self.fields(old))
        #expect(described.overview.state == .failed)
        #expect(described.supervisorPid == nil)
        #expect(described.exceptions.map(\.step) == ["gen", nil])
        #expect(described.steps.map(\.recordsOut) == [10, nil])
        #expect(described.json.serialized() == Self.rewritten(old))
    }

    @Test func requestBodiesAndActionResultsKeepTheirShape() throws {
        let request = JobSubmitRequest(jobText: "name: x\n", fileName: "x.yaml", plugins: ["/p.so"], overrides: ["a.b=1"])
        #expect(request.json.serialized() == #"{"fileName":"x.yaml","jobText":"name: x\n","overrides":["a.b=1"],"plugins":["/p.so"]}"#)
        #expect(try JobSubmitRequest(json: Self.fields(request.json.serialized())).json == request.json)
        #expect(throws: JSONFieldError(path: "plugins", problem: "is missing")) {
            try JobSubmitRequest(json: Self.fields(#"{"jobText":"","fileName":"x","overrides":[]}"#))
        }
        let old = #"{"id":"0123456789abcdef","message":"stopped with a savepoint","savepoint":"\/d\/savepoints\/x\/sp-0000000000000003"}"#
        #expect(try JobActionResult(json: Self.fields(old)).json.serialized() == Self.rewritten(old))
    }

    @Test func topicsAndGroupsAreWrittenWithSortedKeys() {
        let topic = LogInspection.TopicView(
            name: "orders", isInternal: false, partitionCount: 1, bytes: 70, configs: ["retention.ms": "1", "cleanup.policy": "delete"],
            partitions: [.init(partition: 0, startOffset: 0, endOffset: 3, lastStableOffset: 3, bytes: 70, segments: 1)])
        #expect(topic.json.serialized() == #"{"bytes":70,"configs":{"cleanup.policy":"delete","retention.ms":"1"},"isInternal":false,"name":"orders","partitionCount":1,"partitions":[{"bytes":70,"endOffset":3,"lastStableOffset":3,"partition":0,"segments":1,"startOffset":0}]}"#)
        let listed = LogInspection.TopicView(name: "t", isInternal: true, partitionCount: 2, bytes: 0, configs: nil, partitions: nil)
        #expect(listed.json.serialized() == #"{"bytes":0,"isInternal":true,"name":"t","partitionCount":2}"#)
        let group = LogInspection.GroupView(
            groupId: "g", state: "Stable", protocolType: "consumer",
            members: [.init(memberId: "m", clientId: "c", clientHost: "/127.0.0.1",
                            assignment: [.init(topic: "orders", partitions: [0, 1])])],
            offsets: [.init(topic: "orders", partition: 0, committedOffset: 2, endOffset: 3, lag: 1),
                      .init(topic: "gone", partition: 0, committedOffset: 2, endOffset: nil, lag: nil)],
            totalLag: 1)
        #expect(group.json.serialized() == #"{"groupId":"g","members":[{"assignment":[{"partitions":[0,1],"topic":"orders"}],"clientHost":"/127.0.0.1","clientId":"c","memberId":"m"}],"offsets":[{"committedOffset":2,"endOffset":3,"lag":1,"partition":0,"topic":"orders"},{"committedOffset":2,"partition":0,"topic":"gone"}],"protocolType":"consumer","state":"Stable","totalLag":1}"#)
    }
}
