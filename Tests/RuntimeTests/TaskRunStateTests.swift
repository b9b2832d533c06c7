import Testing

@testable import Runtime

/// The scheduling machine, without threads: a task is queued at most once,
/// and a wake-up that comes while it runs is never lost.
@Suite struct TaskRunStateTests {
    @Test func aNotifiedIdleTaskIsQueuedOnce() {
        var state = TaskRunState()
        let queue1 = state.notify()
        #expect(queue1)
        let queue2 = state.notify()
        #expect(!queue2 && state.phase == .queued)
    }

    @Test func aWakeUpWhileRunningQueuesTheTaskAgainInsteadOfParkingIt() {
        var state = TaskRunState()
        _ = state.notify()
        state.start()
        let queue3 = state.notify()
        #expect(!queue3 && state.phase == .runningNotified)
        let queue4 = state.end(.park)
        #expect(queue4 && state.phase == .queued)
    }

    @Test func aParkWithoutWakeUpGoesIdleAndAYieldRequeues() {
        var state = TaskRunState()
        _ = state.notify()
        state.start()
        let queue5 = state.end(.park)
        #expect(!queue5 && state.phase == .idle)
        _ = state.notify()
        state.start()
        let queue6 = state.end(.yield)
        #expect(queue6 && state.phase == .queued)
    }

    @Test func aFinishedTaskIsNeverQueuedAgain() {
        var state = TaskRunState()
        _ = state.notify()
        state.start()
        _ = state.notify()
        let queue7 = state.end(.finished)
        #expect(!queue7 && state.phase == .finished)
        let queue8 = state.notify()
        #expect(!queue8 && state.phase == .finished)
    }
}
