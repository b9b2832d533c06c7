import Testing

@testable import Runtime

/// Wake-ups for processing-time timers, with the clock passed in.
@Suite struct ProcessingTimerScheduleTests {
    @Test func onlyAnEarlierTimerSchedulesAnotherWakeUp() {
        var timers = ProcessingTimerSchedule()
        let delay1 = timers.registered(at: 1_500, now: 1_000)
        #expect(delay1 == 500)
        let delay2 = timers.registered(at: 2_000, now: 1_000)
        #expect(delay2 == nil)
        let delay3 = timers.registered(at: 1_200, now: 1_100)
        #expect(delay3 == 100)
        #expect(timers.next == 1_200 && timers.wakeScheduledFor == 1_200)
    }

    @Test func aTimerAlreadyDueWakesAtOnce() {
        var timers = ProcessingTimerSchedule()
        let delay4 = timers.registered(at: 900, now: 1_000)
        #expect(delay4 == 0)
    }

    @Test func firingSpendsThePassedWakeUpAndSchedulesTheNextTimer() {
        var timers = ProcessingTimerSchedule()
        _ = timers.registered(at: 1_500, now: 1_000)
        timers.firing(now: 1_500)
        #expect(timers.wakeScheduledFor == nil)
        let delay5 = timers.fired(earliest: 2_500, now: 1_510)
        #expect(delay5 == 990)
        #expect(timers.next == 2_500)
        // Nothing left: no wake-up.
        timers.firing(now: 2_500)
        let delay6 = timers.fired(earliest: nil, now: 2_500)
        #expect(delay6 == nil && timers.next == nil)
    }

    @Test func aWakeUpStillAheadIsKeptWhileFiring() {
        var timers = ProcessingTimerSchedule()
        _ = timers.registered(at: 3_000, now: 1_000)
        // Woken early for another reason: the scheduled wake-up stays, and a
        // later timer schedules nothing more.
        timers.firing(now: 2_000)
        #expect(timers.wakeScheduledFor == 3_000)
        let delay7 = timers.fired(earliest: 3_000, now: 2_000)
        #expect(delay7 == nil)
    }
}
