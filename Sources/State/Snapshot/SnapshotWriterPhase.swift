import Synchronization

/// The life of a `StateSnapshotWriter`: captured, then writing, then
/// written — or discarded at any point, also while the write runs. Both
/// writers share it, so a discard racing a write behaves the same in each.
///
/// # Thread safety
/// Any thread; the phase is under a mutex.
final class SnapshotWriterPhase<Written: Sendable>: Sendable {
    private enum Phase {
        case captured
        case writing(discardRequested: Bool)
        case written(Written)
        case discarded
    }

    /// What `discard()` found, for the writer to clean up.
    enum Discarded {
        /// Nothing was written yet: release what the capture holds.
        case captured
        /// The write had ended: remove what it wrote.
        case written(Written)
        /// A write is running (it will clean up) or it was discarded already.
        case nothing
    }

    private let phase = Mutex<Phase>(.captured)

    /// Whether the snapshot was neither written nor discarded (the capture
    /// still holds what it pinned or staged).
    var isCaptured: Bool {
        phase.withLock { phase in
            if case .captured = phase { return true }
            return false
        }
    }

    /// Captured → writing. A snapshot discarded first throws, naming
    /// `place`; a second write is a programmer error.
    func beginWrite(_ place: String) throws(StateError) {
        let mayWrite = phase.withLock { phase -> Bool in
            switch phase {
            case .captured:
                phase = .writing(discardRequested: false)
                return true
            case .discarded:
                return false
            case .writing, .written:
                preconditionFailure("a state snapshot was written twice")
            }
        }
        guard mayWrite else { throw .storage("the state snapshot \(place) was discarded before it was written") }
    }

    /// While writing: whether a discard came in (the write should stop).
    var discardRequested: Bool {
        phase.withLock { phase in
            if case .writing(true) = phase { return true }
            return false
        }
    }

    /// Ends the write with what it wrote (nil: it failed). Returns true when
    /// a discard came in meanwhile: the caller removes what it wrote.
    func endWrite(_ written: Written?) -> Bool {
        phase.withLock { phase -> Bool in
            guard case .writing(let discardRequested) = phase else {
                preconditionFailure("a state snapshot left its writing phase while it was written")
            }
            if !discardRequested, let written {
                phase = .written(written)
                return false
            }
            phase = .discarded
            return discardRequested
        }
    }

    func discard() -> Discarded {
        phase.withLock { phase -> Discarded in
            switch phase {
            case .captured:
                phase = .discarded
                return .captured
            case .writing:
                phase = .writing(discardRequested: true)
                return .nothing
            case .written(let written):
                phase = .discarded
                return .written(written)
            case .discarded:
                return .nothing
            }
        }
    }
}
