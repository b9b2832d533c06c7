import Observability
import Testing

/// The server's bounded history: a ring keeps the latest values only; a
/// history keeps its series aligned with its times, bounded in count.
@Suite struct SampleHistoryTests {
    @Test func aRingKeepsTheLatestValuesInOrder() {
        var ring = SampleRing<Int>(capacity: 3)
        #expect(ring.elements.isEmpty && ring.last == nil)
        for value in 1...2 { ring.append(value) }
        #expect(ring.elements == [1, 2] && ring.last == 2)
        for value in 3...7 { ring.append(value) }
        #expect(ring.elements == [5, 6, 7] && ring.count == 3 && ring.last == 7)
        #expect(ring.suffix(2) == [6, 7] && ring.suffix(9) == [5, 6, 7])
    }

    @Test func seriesStayAlignedWithTheTimes() {
        var history = SampleHistory<String>(capacity: 4, seriesMax: 10)
        history.append(timeMs: 1, values: ["a": 10])
        history.append(timeMs: 2, values: ["a": 20, "b": 200])
        history.append(timeMs: 3, values: ["b": 300])
        #expect(history.times(last: 10) == [1, 2, 3])
        #expect(history.values("a", last: 10) == [10, 20, nil])
        #expect(history.values("b", last: 10) == [nil, 200, 300])
        #expect(history.values("b", last: 2) == [200, 300])
        #expect(history.latest("a") == nil && history.latest("b") == 300)
        for time in Int64(4)...9 { history.append(timeMs: time, values: ["b": Double(time)]) }
        #expect(history.times(last: 10) == [6, 7, 8, 9])
        #expect(history.values("b", last: 10) == [6, 7, 8, 9])
        // "a" had no value for a whole window: dropped.
        #expect(history.values("a", last: 10) == nil)
    }

    @Test func theNumberOfSeriesIsBounded() {
        var history = SampleHistory<Int>(capacity: 2, seriesMax: 3)
        history.append(timeMs: 1, values: [1: 1, 2: 2, 3: 3, 4: 4, 5: 5])
        #expect(history.keys.count == 3)
        #expect(history.seriesRefused == 2)
    }

    @Test func ratesBetweenTwoReadings() throws {
        let before = TaskReading(recordsIn: 100, recordsOut: 50, busyNanoseconds: 0, backPressuredNanoseconds: 0,
                                 atNanoseconds: 1_000_000_000)
        let after = TaskReading(recordsIn: 300, recordsOut: 250, busyNanoseconds: 1_500_000_000,
                                backPressuredNanoseconds: 900_000_000, atNanoseconds: 3_000_000_000)
        let rates = try #require(TaskRates(from: before, to: after))
        #expect(rates.recordsInPerSecond == 100 && rates.recordsOutPerSecond == 100)
        // 750 ms/s busy leaves 250 for back-pressure (450 measured).
        #expect(rates.busyMsPerSecond == 750 && rates.backPressuredMsPerSecond == 250 && rates.idleMsPerSecond == 0)
        #expect(TaskRates(from: after, to: after) == nil)
        #expect(TaskRates.watermarkLagMs(outputWatermarkMs: 900, wallClockMs: 1_000) == 100)
        #expect(TaskRates.watermarkLagMs(outputWatermarkMs: Int64.max, wallClockMs: 1_000) == nil)
        #expect(TaskRates.watermarkLagMs(outputWatermarkMs: nil, wallClockMs: 1_000) == nil)
    }
}
