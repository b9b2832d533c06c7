import Testing

@testable import Runtime

/// Barrier alignment over a task's inputs, without threads or channels.
@Suite struct BarrierAlignerTests {
    let first = CheckpointBarrier(id: 1, kind: .checkpoint)
    let second = CheckpointBarrier(id: 2, kind: .checkpoint)

    @Test func withOneInputTheBarrierIsAlignedAtOnce() {
        var aligner = BarrierAligner(inputCount: 1)
        let aligned1 = aligner.barrierArrived(first, at: 0)
        #expect(aligned1 == first)
        #expect(!aligner.isBlocked(0) && aligner.aligning == nil)
    }

    @Test func anInputThatDeliveredTheBarrierWaitsForTheOthers() {
        var aligner = BarrierAligner(inputCount: 3)
        let aligned2 = aligner.barrierArrived(first, at: 1)
        #expect(aligned2 == nil)
        #expect(aligner.isBlocked(1) && !aligner.isBlocked(0))
        let aligned3 = aligner.barrierArrived(first, at: 0)
        #expect(aligned3 == nil)
        let aligned4 = aligner.barrierArrived(first, at: 2)
        #expect(aligned4 == first)
        #expect(!aligner.isBlocked(0) && !aligner.isBlocked(1) && !aligner.isBlocked(2))
    }

    @Test func aClosedInputCountsAsDelivered() {
        var aligner = BarrierAligner(inputCount: 2)
        let aligned5 = aligner.barrierArrived(first, at: 0)
        #expect(aligned5 == nil)
        let aligned6 = aligner.close(1)
        #expect(aligned6)
        let aligned7 = aligner.close(1)
        #expect(!aligned7)
        #expect(aligner.isClosed(1))
        let aligned8 = aligner.complete()
        #expect(aligned8 == first)
        let aligned9 = aligner.complete()
        #expect(aligned9 == nil)
    }

    @Test func aNewerBarrierStartsOverAndAnOlderOneIsIgnored() {
        var aligner = BarrierAligner(inputCount: 2)
        _ = aligner.barrierArrived(first, at: 0)
        // The coordinator gave checkpoint 1 up: 2 is aligned from scratch.
        let aligned10 = aligner.barrierArrived(second, at: 1)
        #expect(aligned10 == nil)
        #expect(!aligner.isBlocked(0) && aligner.isBlocked(1) && aligner.aligning == second)
        let aligned11 = aligner.barrierArrived(first, at: 0)
        #expect(aligned11 == nil)
        #expect(!aligner.isBlocked(0))
        let aligned12 = aligner.barrierArrived(second, at: 0)
        #expect(aligned12 == second)
    }
}
