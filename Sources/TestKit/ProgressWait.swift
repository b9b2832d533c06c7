import Foundation

/// Waiting for progress instead of for time: tests act on a running job or
/// server once something observable happened (a record count, a checkpoint
/// on disk, an output line), so they neither flake on a slow machine nor
/// sleep longer than needed on a fast one.
public enum ProgressWait {
    /// Polls `condition` every `pollMilliseconds` until it holds (true), or
    /// until `abandon` holds or `boundSeconds` passed (false). The bound
    /// guards against hanging; it is not a measure, so make it generous.
    @discardableResult
    public static func until(
        boundSeconds: Double = 120, pollMilliseconds: Int = 2, abandon: () -> Bool = { false },
        _ condition: () -> Bool
    ) -> Bool {
        let deadline = Date().addingTimeInterval(boundSeconds)
        while !condition() {
            if abandon() || Date() > deadline { return false }
            usleep(useconds_t(pollMilliseconds * 1000))
        }
        return true
    }
}
