import StreamhostABI

/// What a source's `poll(max:context:)` did.
public enum PollResult: Sendable {
    /// Records were emitted (possibly none): poll again (`SH_OK`).
    case emitted
    /// Nothing is available now: the host polls again after a short pause
    /// or a `Waker.wake()` (`SH_IDLE`).
    case idle
    /// The source is exhausted; it is never polled again (`SH_END`).
    case end

    @usableFromInline
    var status: sh_status {
        switch self {
        case .emitted: Status.ok
        case .idle: Status.idle
        case .end: Status.end
        }
    }
}
