import Testing

@testable import Runtime

/// Event time over a task's inputs, without threads or channels.
@Suite struct WatermarkValveTests {
    @Test func theWatermarkIsTheMinimumOverTheInputsAndNeverGoesBackPerInput() {
        var valve = WatermarkValve(inputCount: 2)
        let decision1 = valve.watermarkArrived(10, at: 0)
        #expect(decision1 == .advance(.min))
        let decision2 = valve.watermarkArrived(5, at: 1)
        #expect(decision2 == .advance(5))
        let decision3 = valve.watermarkArrived(20, at: 1)
        #expect(decision3 == .advance(10))
        // An older mark on an input keeps its newer one.
        let decision4 = valve.watermarkArrived(3, at: 0)
        #expect(decision4 == .advance(10))
    }

    @Test func idleAndEndedInputsNoLongerHoldTheWatermarkBack() {
        var valve = WatermarkValve(inputCount: 3)
        _ = valve.watermarkArrived(30, at: 0)
        _ = valve.watermarkArrived(20, at: 1)
        let decision5 = valve.idleArrived(at: 2)
        #expect(decision5 == .advance(20))
        let decision6 = valve.inputEnded(at: 1)
        #expect(decision6 == .advance(30))
        #expect(!valve.allEnded)
        // A batch makes an idle input active again, and it counts once it
        // sends a watermark.
        valve.batchArrived(at: 2)
        let decision7 = valve.watermarkArrived(25, at: 2)
        #expect(decision7 == .advance(25))
    }

    @Test func everyOpenInputIdleIsAnnouncedOnceUntilDataFollows() {
        var valve = WatermarkValve(inputCount: 2)
        let decision8 = valve.idleArrived(at: 0)
        #expect(decision8 == .advance(.min))
        let decision9 = valve.idleArrived(at: 1)
        #expect(decision9 == .announceIdle)
        let decision10 = valve.idleArrived(at: 0)
        #expect(decision10 == WatermarkValve.Decision.none)
        let decision11 = valve.watermarkArrived(7, at: 1)
        #expect(decision11 == .advance(7))
        let decision12 = valve.idleArrived(at: 1)
        #expect(decision12 == .announceIdle)
    }

    @Test func withEveryInputEndedThereIsNothingToDo() {
        var valve = WatermarkValve(inputCount: 2)
        _ = valve.inputEnded(at: 0)
        let decision13 = valve.inputEnded(at: 1)
        #expect(decision13 == WatermarkValve.Decision.none)
        #expect(valve.allEnded)
    }

    @Test func aSourceAnnouncesEachIdleSpellOnce() {
        var valve = WatermarkValve(inputCount: 0)
        let decision14 = valve.sourceIdle()
        #expect(decision14)
        let decision15 = valve.sourceIdle()
        #expect(!decision15)
        valve.recordsEmitted()
        let decision16 = valve.sourceIdle()
        #expect(decision16)
    }
}
