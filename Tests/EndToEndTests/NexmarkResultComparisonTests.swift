import Foundation
import Testing
import TestKit

/// The comparison of query results against Flink's (NexmarkResultComparison.swift),
/// and the committed expectations it will read.
@Suite("Nexmark result comparison")
struct NexmarkResultComparisonTests {
    @Test func theSameRowsInAnotherOrderAndFieldOrderMatch() throws {
        let expected = [#"{"a":1,"b":"x"}"#, #"{"a":1,"b":"x"}"#, #"{"a":2,"b":"y"}"#]
        let actual = [#"{"b":"y","a":2}"#, #"{"a":1,"b":"x"}"#, #"{"b":"x","a":1}"#]
        #expect(try ResultComparison.compare(actual: actual, expected: expected) == nil)
    }

    @Test func aMissingDuplicateAndAnExtraRowAreNamed() throws {
        let expected = [#"{"a":1}"#, #"{"a":1}"#, #"{"a":2}"#]
        let mismatch = try #require(try ResultComparison.compare(actual: [#"{"a":1}"#, #"{"a":2}"#, #"{"a":3}"#], expected: expected))
        #expect(mismatch.missingCount == 1 && mismatch.missing == [#"{"a":1}"#])
        #expect(mismatch.unexpectedCount == 1 && mismatch.unexpected == [#"{"a":3}"#])
    }

    @Test func decimalsCompareExactlyWhateverTheirTrailingZeros() throws {
        #expect(try ResultComparison.compare(actual: [#"{"p":3556.6360}"#], expected: [#"{"p":3556.636}"#]) == nil)
        #expect(try ResultComparison.compare(actual: [#"{"p":908}"#], expected: [#"{"p":908.000}"#]) == nil)
        // One thousandth off at 9e7 is within any relative float tolerance;
        // as a decimal it is a different value.
        #expect(try ResultComparison.compare(actual: [#"{"p":90800000.001}"#], expected: [#"{"p":90800000.002}"#]) != nil)
        #expect(try ResultComparison.compare(actual: [#"{"p":-0.0}"#], expected: [#"{"p":0}"#]) == nil)
    }

    @Test func floatsMatchWithinTheTolerance() throws {
        #expect(try ResultComparison.compare(actual: [#"{"x":0.30000000000000004}"#], expected: [#"{"x":0.3}"#]) == nil)
        #expect(try ResultComparison.compare(actual: [#"{"x":1.0000000001e10}"#], expected: [#"{"x":1e10}"#]) == nil)
        #expect(try ResultComparison.compare(actual: [#"{"x":1.001e10}"#], expected: [#"{"x":1e10}"#]) != nil)
    }

    @Test func aTimestampIsItsTextOrItsMilliseconds() throws {
        // 2015-07-15T00:00:01.250Z
        let expected = [#"{"t":"2015-07-15 00:00:01.250","id":7}"#]
        #expect(try ResultComparison.compare(actual: [#"{"t":1436918401250,"id":7}"#], expected: expected) == nil)
        #expect(try ResultComparison.compare(actual: [#"{"t":"2015-07-15T00:00:01.25Z","id":7}"#], expected: expected) == nil)
        #expect(try ResultComparison.compare(actual: [#"{"t":1436918401251,"id":7}"#], expected: expected) != nil)
        // A leap-year date far from the epoch.
        #expect(ResultComparison.Row.timestampMilliseconds("2024-02-29 23:59:59.999") == 1_709_251_199_999)
    }

    @Test func nestedObjectsAreDottedFieldsAndBadLinesThrow() throws {
        #expect(try ResultComparison.compare(actual: [#"{"bid":{"price":5},"k":null}"#],
                                             expected: [#"{"k":null,"bid":{"price":5}}"#]) == nil)
        #expect(throws: ResultComparison.Unreadable.self) {
            _ = try ResultComparison.compare(actual: ["not json"], expected: [])
        }
    }

    /// Every supported query has its Flink rows committed, sorted and
    /// readable by the comparison (the dataset's sha256 beside them).
    @Test func theCommittedExpectationsAreThereSortedAndReadable() throws {
        #expect(try NexmarkExpected.datasetSHA256().count == 64)
        for query in NexmarkExpected.queries {
            let rows = try NexmarkExpected.rows(query)
            #expect(rows == rows.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, "\(query)")
            #expect(try ResultComparison.compare(actual: rows.reversed(), expected: rows) == nil, "\(query)")
        }
    }
}
