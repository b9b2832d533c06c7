import Dispatch
import Testing
@testable import Runtime

@Suite("Checkpoint coordinator")
struct CheckpointCoordinatorTests {
    /// Two readings of the clock taken on different threads need not come
    /// in order: a stop request began a checkpoint after the ticker read the
    /// clock, and the unsigned difference trapped (SIGILL in ChaosTests).
    @Test func elapsedTimeBetweenReadingsOutOfOrderIsZero() {
        let earlier = DispatchTime(uptimeNanoseconds: 1_000_000)
        let later = DispatchTime(uptimeNanoseconds: 3_500_000)
        #expect(CheckpointCoordinator.milliseconds(from: earlier, to: later) == 2.5)
        #expect(CheckpointCoordinator.milliseconds(from: later, to: earlier) == 0)
        #expect(CheckpointCoordinator.milliseconds(from: later, to: later) == 0)
    }
}
